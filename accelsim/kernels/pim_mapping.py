"""Crossbar mapping counts of conv / FC / static-GEMM layers, one row per layer (numba).

The weight matrix of a group is unrolled im2col-style (ISAAC ISCA'16 Sec. V, NeuroSim V1.4
manual Sec. 3, PUMA ASPLOS'19): logical rows = R*S*C, one logical column per output channel.
Each weight is cut into ceil(weight_bits / cell_bits) slices held in adjacent physical columns
(or, MNSIM 2.0's layout, one crossbar per slice). Inputs stream bit-serially through DACs:
ceil(input_bits / dac_bits) input cycles per window. A crossbar reads ``rows_active`` rows at once,
so a row block of ``b`` rows takes ceil(b / rows_active) row groups; every row group of every crossbar
is one activation, and every used column of an activation one ADC conversion.
The counts agree with ../shared/reference/pim/vgg8_mapping_counts.csv exactly; tests/naive_pim.py
places every cell and walks every activation to check them.
"""

from __future__ import annotations

import numba
import numpy as np

# argument columns
A_G, A_N, A_M, A_C, A_P, A_Q, A_R, A_S = range(8)
A_XROWS, A_XCOLS, A_CELL_BITS, A_W_BITS, A_IN_BITS, A_DAC_BITS, A_ACTIVE, A_LAYOUT, A_SIGNED, A_FLIP = range(8, 18)
ARG_LEN = 18
LAYOUT_ADJACENT, LAYOUT_SEPARATE = 0, 1
SIGNED_NONE, SIGNED_OFFSET, SIGNED_DIFFERENTIAL = 0, 1, 2

# output columns
(P_SLICES, P_ROWS, P_COLS, P_ROW_BLOCKS, P_COL_BLOCKS, P_XBARS, P_CELLS_USED, P_CELLS_ALLOC, P_WINDOWS,
 P_IN_CYCLES, P_ROW_GROUPS, P_ACTIVATIONS, P_ADC_CONV, P_MACS, P_DAC_DRIVES, P_CELL_READS, P_SHIFT_ADD,
 P_SERIAL_PER_WINDOW, P_ADC_BITS) = range(19)
OUT_LEN = 19


@numba.njit(cache=True, nogil=True)
def _cdiv(a, b):
    return -(-a // b)


@numba.njit(cache=True, nogil=True)
def _bit_length(x):
    n = 0
    while x > 0:
        n += 1
        x >>= 1
    return n


@numba.njit(cache=True, nogil=True)
def pim_counts_into(a, out):
    """Fill ``out`` (int64[OUT_LEN]) from one argument row ``a`` (int64[ARG_LEN])."""
    xr, xc = a[A_XROWS], a[A_XCOLS]
    slices = _cdiv(a[A_W_BITS], a[A_CELL_BITS])
    rows = a[A_R] * a[A_S] * a[A_C]
    m = a[A_M] + (1 if a[A_SIGNED] == SIGNED_OFFSET else 0)  # offset scheme: one input-sum reference column
    cols = m * slices
    pair = 2 if a[A_SIGNED] == SIGNED_DIFFERENTIAL else 1
    row_blocks = _cdiv(rows, xr)
    if a[A_LAYOUT] == LAYOUT_SEPARATE:
        col_blocks = slices * _cdiv(m, xc)
    else:
        col_blocks = _cdiv(cols, xc)
    active = min(a[A_ACTIVE], xr)
    full, rem = rows // xr, rows % xr
    groups = full * _cdiv(xr, active) + (_cdiv(rem, active) if rem > 0 else 0)  # summed over row blocks
    windows = a[A_N] * a[A_P] * a[A_Q]
    in_cycles = _cdiv(a[A_IN_BITS], a[A_DAC_BITS])
    g = a[A_G] * pair
    out[P_SLICES] = slices
    out[P_ROWS] = rows
    out[P_COLS] = cols * pair
    out[P_ROW_BLOCKS] = row_blocks
    out[P_COL_BLOCKS] = col_blocks
    out[P_XBARS] = g * row_blocks * col_blocks
    out[P_CELLS_USED] = g * rows * cols
    out[P_CELLS_ALLOC] = g * row_blocks * col_blocks * xr * xc
    out[P_WINDOWS] = windows
    out[P_IN_CYCLES] = in_cycles
    out[P_ROW_GROUPS] = groups
    out[P_ACTIVATIONS] = g * windows * in_cycles * col_blocks * groups
    out[P_ADC_CONV] = g * windows * in_cycles * cols * groups
    out[P_MACS] = a[A_G] * windows * rows * a[A_M]
    out[P_DAC_DRIVES] = g * windows * in_cycles * rows * col_blocks
    out[P_CELL_READS] = g * windows * in_cycles * rows * cols
    out[P_SHIFT_ADD] = out[P_ADC_CONV]
    # crossbars work in parallel; one crossbar's activations per window bound the time
    out[P_SERIAL_PER_WINDOW] = in_cycles * _cdiv(min(rows, xr), active)
    # ADC resolution a column can need: its largest sum, rows x (2^dac - 1) x (2^cell - 1), must be
    # representable; equal to ISAAC's eq. (1) A = log2(R) + v + w (- 1 when v or w is 1) for R a
    # power of two; the weight-flip encoding (eq. 2) saves one bit.
    r = min(rows, active)
    need = _bit_length(r * ((1 << a[A_DAC_BITS]) - 1) * ((1 << a[A_CELL_BITS]) - 1))
    out[P_ADC_BITS] = max(1, need - a[A_FLIP])


@numba.njit(cache=True, nogil=True)
def pim_counts_batch(args):
    """Counts for every row of ``args`` (int64[n, ARG_LEN]) as int64[n, OUT_LEN]."""
    out = np.zeros((args.shape[0], OUT_LEN), np.int64)
    for i in range(args.shape[0]):
        pim_counts_into(args[i], out[i])
    return out
