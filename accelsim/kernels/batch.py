"""Batch entry point: many (layer, mapping, hardware) rows in one kernel call, arrays in, arrays out.

Row i of every input is the argument of ``conv_layer_cost`` for one evaluation; per-row
buffer arrays are padded to a common width and ``nbuf[i]`` says how many are real.
Sweeps and searches use this path: no Python per evaluation.
"""

import numpy as np
from numba import njit

from accelsim.kernels.conv_cost import FW_SIZE, IW_BASE, IW_PER_CLASS, IW_SIZE, cost_into
from accelsim.kernels.layout import N_OUT


@njit(cache=True, _nrt=False)
def _batch_rows(dims, geom, tiles, order, rows_mask, cols_mask, tmp_order, arr, bits, op_buf, buf_bw_bits, buf_db,
                nbuf, home_kind, home_bw_bits, dram_bw_bits, dram_lat, iw, fw, out, retry):
    """Every row into ``out``; ``retry[i]`` = classes per loop row i needs when ``iw`` is too small."""
    for i in range(dims.shape[0]):
        nb = nbuf[i]
        retry[i] = cost_into(dims[i], geom[i], tiles[i], order[i], rows_mask[i], cols_mask[i], tmp_order[i], arr[i],
                             bits[i], op_buf[i], buf_bw_bits[i, :nb], buf_db[i, :nb], home_kind[i], home_bw_bits[i],
                             dram_bw_bits[i], dram_lat[i], iw, fw, out[i])


@njit(cache=True)
def conv_layer_cost_batch(dims, geom, tiles, order, rows_mask, cols_mask, tmp_order, arr, bits, op_buf,
                          buf_bw_bits, buf_db, nbuf, home_kind, home_bw_bits, dram_bw_bits, dram_lat):
    """``out[i]`` = ``conv_layer_cost`` of row i (int64[n, N_OUT])."""
    n = dims.shape[0]
    out = np.empty((n, N_OUT), np.int64)
    retry = np.zeros(n, np.int64)
    fw = np.empty(FW_SIZE, np.float64)
    _batch_rows(dims, geom, tiles, order, rows_mask, cols_mask, tmp_order, arr, bits, op_buf, buf_bw_bits, buf_db,
                nbuf, home_kind, home_bw_bits, dram_bw_bits, dram_lat, np.empty(IW_SIZE, np.int64), fw, out, retry)
    for i in range(n):
        if retry[i] > 0:  # rare: a loop with many border-clipped tiles needs a larger workspace
            nb = nbuf[i]
            cost_into(dims[i], geom[i], tiles[i], order[i], rows_mask[i], cols_mask[i], tmp_order[i], arr[i],
                      bits[i], op_buf[i], buf_bw_bits[i, :nb], buf_db[i, :nb], home_kind[i], home_bw_bits[i],
                      dram_bw_bits[i], dram_lat[i], np.empty(IW_BASE + IW_PER_CLASS * retry[i], np.int64), fw, out[i])
    return out


def stack_args(rows: list[tuple]) -> tuple:
    """Stack per-evaluation argument tuples (as ``cost.kernel_args`` returns) into batch arrays."""
    width = max(len(r[10]) for r in rows)
    n = len(rows)

    def col(j, dtype):
        return np.ascontiguousarray(np.stack([r[j] for r in rows]).astype(dtype))

    buf_bw = np.ones((n, width), np.float64)
    buf_db = np.zeros((n, width), np.int64)
    nbuf = np.empty(n, np.int64)
    for i, r in enumerate(rows):
        k = len(r[10])
        buf_bw[i, :k] = r[10]
        buf_db[i, :k] = r[11]
        nbuf[i] = k
    return (col(0, np.int64), col(1, np.int64), col(2, np.int64), col(3, np.int64), col(4, np.int64),
            col(5, np.int64), col(6, np.int64), col(7, np.int64), col(8, np.int64), col(9, np.int64), buf_bw, buf_db,
            nbuf, col(12, np.int64), col(13, np.float64), np.array([r[14] for r in rows], np.float64),
            np.array([r[15] for r in rows], np.int64))
