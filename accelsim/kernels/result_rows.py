"""numba kernel: the result-contract columns of MAC layers, from the cost kernel's output vectors.

One pass over the kernel's output rows writes every column (``accelsim.results``) straight into the
per-layer table's blocks; for a 10-layer network the same arithmetic as numpy expressions costs
~40 array operations of a microsecond each. ``tests/reference_columns.py`` holds those expressions
(the slow twin); tests/test_result_rows.py checks the two agree exactly.

Rows are design points' MAC layers, point after point; point k's layer i lands in table row
``k * n_layers + mac_pos[i]``. Counts are elements; bits are per operand (input, weight, psum, output).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from accelsim.kernels import layout as L

# the columns this kernel writes, in the order of its ``cidx`` argument (block row of each, -1 = unused)
MAC_COLUMNS = (
    "macs", "cycles", "compute_cycles", "stall_cycles", "compute_bound_cycles", "buffer_reads_ifmap",
    "buffer_reads_filter", "buffer_reads_ofmap", "buffer_writes_ofmap", "dram_reads_ifmap", "dram_reads_filter",
    "dram_reads_ofmap", "dram_writes_ofmap", "bandwidth_bound_cycles", "dram_bytes", "rf_reads_ifmap",
    "rf_writes_ifmap", "rf_reads_filter", "rf_writes_filter", "rf_reads_ofmap", "rf_writes_ofmap",
    "array_reads_ifmap", "array_reads_filter", "array_writes_ofmap",
)
FLOAT_COLUMNS = ("mapping_efficiency", "utilization", "latency_s")  # rows of the float block
# hw_int columns (per design point)
H_PES, H_MACS_PER_PE, H_RF_IF, H_RF_FI, H_RF_PS = range(5)
# hw_flt columns (per design point)
H_DRAM_BW_BITS, H_CLOCK_HZ = range(2)
# columns of the SCALE-Sim DRAM rows (``scalesim_memory.dram_columns``)
SS_STALL, SS_RD_IF, SS_RD_FI, SS_RD_OF, SS_WR_OF = range(5)


@njit(cache=True)
def _put(ints, row, at, value):
    if row >= 0:
        ints[row, at] = value


@njit(cache=True)
def mac_rows(out, n_layers, mac_pos, hw_int, hw_flt, bits, ofmap_elems, filter_elems, homes, scalesim, ss,
             ints, flts, cidx, hidx):
    """Write the MAC layers' columns into ``ints`` (int64[columns, table rows]) and ``flts``
    (float64[3, table rows]: ``FLOAT_COLUMNS``).

    out: int64[R, N_OUT] cost-kernel rows (R = points x MAC layers); mac_pos: int64[MAC layers], their
    positions in the network of ``n_layers`` layers; hw_int int64[points, 5] / hw_flt float64[points, 2]:
    the ``H_*`` figures (bandwidth in bits/cycle, clock in Hz); bits: int64[MAC layers, 4] (input,
    weight, psum, output); ofmap_elems, filter_elems: int64[MAC layers]; homes: int64[R, 3] per operand
    -1 (DRAM) or the home buffer's slot in ``hidx``; scalesim: SCALE-Sim's DRAM and stalls (``ss``: int64[R, 5], the ``SS_*`` columns) instead
    of the kernel's home traffic; cidx: int64[len(MAC_COLUMNS)] block rows; hidx: int64[homes, 4] block rows
    of each home's reads of ifmap / filter / ofmap and writes of ofmap (-1: not a column)."""
    n_mac = mac_pos.shape[0]
    for r in range(out.shape[0]):
        k = r // n_mac
        i = r - k * n_mac
        at = k * n_layers + mac_pos[i]
        o = out[r]
        pes_all = hw_int[k, H_PES] * hw_int[k, H_MACS_PER_PE]
        macs, compute = o[L.O_MACS], o[L.O_COMPUTE]
        cycles = compute + ss[r, SS_STALL] if scalesim else o[L.O_CYCLES]
        b_in, b_w, b_ps, b_out = bits[i, 0], bits[i, 1], bits[i, 2], bits[i, 3]
        on_if, on_fi, on_of = homes[r, 0] < 0, homes[r, 1] < 0, homes[r, 2] < 0
        if scalesim:
            rd_if, rd_fi, rd_of, wr_of = ss[r, SS_RD_IF], ss[r, SS_RD_FI], ss[r, SS_RD_OF], ss[r, SS_WR_OF]
            final = wr_of  # one SCALE-Sim word per output or partial sum, at output width
        else:
            rd_if = o[L.O_HOME_RD_IF] if on_if else 0
            rd_fi = o[L.O_HOME_RD_FI] if on_fi else 0
            rd_of = o[L.O_HOME_RD_OF] if on_of else 0
            wr_of = o[L.O_HOME_WR_OF] if on_of else 0
            final = o[L.O_HOME_WR_OF_FINAL]
        final_dram = final if on_of else 0
        dram_bits = rd_if * b_in + rd_fi * b_w + (rd_of + wr_of - final_dram) * b_ps + final_dram * b_out
        compulsory = ((o[L.O_COMPULSORY_IF] * b_in if on_if else 0) + (filter_elems[i] * b_w if on_fi else 0)
                      + (ofmap_elems[i] * b_out if on_of else 0))
        rf_if, rf_fi, rf_ps = hw_int[k, H_RF_IF], hw_int[k, H_RF_FI], hw_int[k, H_RF_PS]
        values = (macs, cycles, compute, cycles - compute, -(-macs // pes_all), o[L.O_BUF_RD_IF],
                  o[L.O_BUF_RD_FI], o[L.O_BUF_RD_OF], o[L.O_BUF_WR_OF], rd_if, rd_fi, rd_of, wr_of,
                  np.int64(np.ceil(compulsory / hw_flt[k, H_DRAM_BW_BITS])), -(-dram_bits // 8),
                  macs * rf_if, o[L.O_DELIV_IF] * rf_if, macs * rf_fi, o[L.O_DELIV_FI] * rf_fi, macs * rf_ps,
                  macs * rf_ps, o[L.O_ARR_IF], o[L.O_ARR_FI], o[L.O_ARR_OF])
        for j in range(len(values)):  # unrolled: a tuple of one type
            _put(ints, cidx[j], at, values[j])
        for op in range(3):  # traffic to an on-chip home buffer other than the staging one
            h = homes[r, op]
            if h >= 0 and hidx[h, op] >= 0:
                ints[hidx[h, op], at] = o[L.O_HOME_RD_IF + op]
        h = homes[r, 2]
        if h >= 0 and hidx[h, 3] >= 0:
            ints[hidx[h, 3], at] = o[L.O_HOME_WR_OF]
        pes = hw_int[k, H_PES]
        if scalesim:  # its mapping-efficiency average: used PEs per fold
            folds = o[L.O_FOLDS]
            flts[0, at] = o[L.O_USED_PES] / max(pes * folds, 1) if folds > 0 else 0.0
        else:
            fold = o[L.O_FOLD_CYCLES]
            flts[0, at] = o[L.O_USED_PE_CYCLES] / max(pes * fold, 1) if fold > 0 else 0.0
        flts[1, at] = macs / max(pes_all * cycles, 1) if cycles > 0 else 0.0
        flts[2, at] = cycles / hw_flt[k, H_CLOCK_HZ]
