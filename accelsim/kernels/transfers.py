"""numba: the time a group of transfers takes, over DRAM, on-chip homes and buffer ports."""

import numpy as np
from numba import njit

from accelsim.kernels.layout import HOME_DRAM, HOME_IS_STAGING


@njit(cache=True, inline="always", _nrt=False, error_model="numpy")
def group_time(g, off, nb, home_kind, home_bw_bits, buf_bw_bits, dram_bw_bits, dram_lat):
    """Cycles to move one group of transfers: g[off:off+4+nb] = [dram, home_if, home_fi, home_of, buf0..]."""
    t = 0
    if g[off] > 0:
        t = int(np.ceil(g[off] / dram_bw_bits))
    for op in range(3):
        if g[off + 1 + op] > 0:
            x = int(np.ceil(g[off + 1 + op] / home_bw_bits[op]))
            if x > t:
                t = x
    for b in range(nb):
        if g[off + 4 + b] > 0:
            x = int(np.ceil(g[off + 4 + b] / buf_bw_bits[b]))
            if x > t:
                t = x
    if g[off] > 0:
        t += dram_lat
    return t


@njit(cache=True, inline="always", _nrt=False, error_model="numpy")
def add_transfer(g, off, op, nbits, home_kind, op_buf):
    if nbits <= 0 or home_kind[op] == HOME_IS_STAGING:
        return
    if home_kind[op] == HOME_DRAM:
        g[off] += nbits
    else:
        g[off + 1 + op] += nbits
    g[off + 4 + op_buf[op]] += nbits
