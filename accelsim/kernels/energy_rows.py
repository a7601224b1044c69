"""numba kernel: the per-layer energy columns (pJ) from the result columns and the energies per action.

The model is ``accelsim.energy.model``'s (docs/energy.md). Every floating-point operation is done in
the order of the numpy expressions in ``tests/reference_columns.py`` (the slow twin), so the two agree
bit for bit (tests/test_result_rows.py); those expressions cost ~60 array operations of a microsecond
each on a 10-layer network, this one pass a few.

Rows are the per-layer table's, design points one after another (``n_layers`` rows each).
"""

from __future__ import annotations

import numpy as np
from numba import njit

# the result columns this kernel reads, in the order of its ``cidx`` argument (block rows)
ENERGY_INPUTS = (
    "macs", "rf_reads_ifmap", "rf_writes_ifmap", "rf_reads_filter", "rf_writes_filter", "rf_reads_ofmap",
    "rf_writes_ofmap", "array_reads_ifmap", "array_reads_filter", "array_writes_ofmap", "dram_bytes",
    "dram_reads_ifmap", "dram_reads_filter", "dram_reads_ofmap", "buffer_reads_ifmap", "buffer_reads_filter",
    "buffer_reads_ofmap", "buffer_writes_ofmap",
)
(C_MACS, C_RF, _, _, _, _, _, C_ARR_IF, C_ARR_FI, C_ARR_OF, C_DRAM_BYTES, C_DRAM_RD_IF, C_DRAM_RD_FI, C_DRAM_RD_OF,
 C_BUF_RD_IF, C_BUF_RD_FI, C_BUF_RD_OF, C_BUF_WR_OF) = range(18)
# per design point figures (``point`` argument): pJ/bit, and uW for leakage
P_REG, P_FIFO, P_HOP, P_DRAM, P_LEAK_UW = range(5)
# per buffer figures (``stage`` / ``pure`` arguments): port bits, read pJ, write pJ, port bits / SRAM width
B_PORT, B_READ, B_WRITE, B_SCALE = range(4)
# rows of the output (the order of the per-layer table's energy columns)
ENERGY_ROWS = ("energy_pj_mac", "energy_pj_rf", "energy_pj_noc", "energy_pj_dram", "energy_pj_buffer",
               "energy_pj_leakage", "energy_pj")
E_MAC, E_RF, E_NOC, E_DRAM, E_BUFFER, E_LEAKAGE, E_TOTAL = range(7)


# without numba's runtime: the per-row calls of _buffer_pj paid reference counting on their array
# argument (2.0 -> 1.2 us a ResNet-50 design point; mac_rows, tried the same way, got slower)
@njit(cache=True, _nrt=False)
def _buffer_pj(reads, writes, b):
    """Energy of a buffer's reads and writes (bits), each turned into port-wide accesses once."""
    return np.ceil(reads / b[B_PORT]) * b[B_READ] * b[B_SCALE] + np.ceil(writes / b[B_PORT]) * b[B_WRITE] * b[B_SCALE]


@njit(cache=True, _nrt=False)
def energy_rows(ints, latency, cidx, n_layers, bits, mac_which, mac_pj, point, staged, stage, hcols, pcols, pure,
                energy):
    """Write the energy columns (``energy``: float64[7, table rows], pJ, rows ``ENERGY_ROWS``).

    ints: int64[columns, table rows] the result columns, ``cidx`` the block row of each of
    ``ENERGY_INPUTS``; latency: float64[table rows] (s); bits: int64[4, n_layers] input / weight /
    psum / output bits of each layer; mac_which: int64[n_layers] each layer's entry of ``mac_pj`` (MAC
    energy at its width and partial-sum width, pJ); point: float64[points, 5] (``P_*``); staged:
    int64[3] whether an operand (ifmap, filter, ofmap) has a staging buffer (else a FIFO); stage:
    float64[points, 3, 4] that buffer's ``B_*``; hcols: int64[homes, 4] block rows of each on-chip home's
    reads of ifmap / filter / ofmap and writes of ofmap, homes in ``Hardware.on_chip_homes`` order
    (-1: no such column); pcols / pure: the same columns and the ``B_*`` figures (float64[points,
    buffers, 4]) of the buffers that stage nothing."""
    for at in range(ints.shape[1]):
        k = at // n_layers
        i = at - k * n_layers
        b_in, b_w, b_ps = bits[0, i], bits[1, i], bits[2, i]
        op_bits = (b_in, b_w, b_ps)
        c = ints[:, at]
        macs = np.float64(c[cidx[C_MACS]])
        e_mac = macs * (mac_pj[mac_which[i]] if macs > 0 else 0.0)
        rf_bits = 0
        for j in range(6):  # reads, writes of ifmap, filter, ofmap
            rf_bits += c[cidx[C_RF + j]] * op_bits[j // 2]
        e_rf = rf_bits * point[k, P_REG]
        e_noc = (c[cidx[C_ARR_IF]] * b_in + c[cidx[C_ARR_FI]] * b_w + c[cidx[C_ARR_OF]] * b_ps) * point[k, P_HOP]
        dram_bits = c[cidx[C_DRAM_BYTES]] * 8.0
        e_dram = dram_bits * point[k, P_DRAM]
        # fills of each operand's staging buffer from its home, and drains of outputs to it (bits)
        fill_if, fill_fi = c[cidx[C_DRAM_RD_IF]] * b_in, c[cidx[C_DRAM_RD_FI]] * b_w
        fill_of = c[cidx[C_DRAM_RD_OF]] * b_ps
        drains = dram_bits - fill_if - fill_fi - fill_of
        for h in range(hcols.shape[0]):
            if hcols[h, 0] >= 0:
                fill_if += c[hcols[h, 0]] * b_in
            if hcols[h, 1] >= 0:
                fill_fi += c[hcols[h, 1]] * b_w
            if hcols[h, 2] >= 0:
                fill_of += c[hcols[h, 2]] * b_ps
            if hcols[h, 3] >= 0:
                drains = drains + c[hcols[h, 3]] * b_ps
        e_buf = 0.0
        for op in range(3):
            if op == 0:
                reads, writes = c[cidx[C_BUF_RD_IF]] * b_in + 0.0, fill_if + 0.0
            elif op == 1:
                reads, writes = c[cidx[C_BUF_RD_FI]] * b_w + 0.0, fill_fi + 0.0
            else:
                reads, writes = c[cidx[C_BUF_RD_OF]] * b_ps + drains, np.float64(fill_of + c[cidx[C_BUF_WR_OF]] * b_ps)
            if staged[op]:
                e_buf += _buffer_pj(reads, writes, stage[k, op])
            else:  # streams through a FIFO: register-like
                e_buf += (reads + writes) * point[k, P_FIFO]
        for h in range(pcols.shape[0]):  # a pure home buffer: its own reads and writes
            r = 0
            for op in range(3):
                if pcols[h, op] >= 0:
                    r += c[pcols[h, op]] * op_bits[op]
            w = c[pcols[h, 3]] * b_ps if pcols[h, 3] >= 0 else 0
            e_buf += _buffer_pj(np.float64(r), np.float64(w), pure[k, h])
        e_leak = point[k, P_LEAK_UW] * 1e-6 * latency[at] * 1e12
        energy[E_MAC, at] = e_mac
        energy[E_RF, at] = e_rf
        energy[E_BUFFER, at] = e_buf
        energy[E_NOC, at] = e_noc
        energy[E_DRAM, at] = e_dram
        energy[E_LEAKAGE, at] = e_leak
        energy[E_TOTAL, at] = e_mac + e_rf + e_buf + e_noc + e_dram + e_leak
