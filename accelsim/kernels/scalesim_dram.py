"""numba: SCALE-Sim 3.0.0's CALC-mode DRAM reads, replayed at kernel-position granularity.

SCALE-Sim's CALC mode (``memory/read_buffer_estimate_bw.py``) streams each operand's SRAM demand
addresses, in cycle order, through a buffer of ``E = 50 * floor(kB * 1024 / 100)`` words: an address
not seen since the buffer last emptied is a DRAM read; when ``E`` distinct addresses have been read
the buffer empties (its 50 "active" sets are dropped at once, not one by one). So a layer's DRAM reads
are the distinct addresses of each epoch of ``E`` new addresses, summed (docs/scalesim_parity.md).

The demand order is SCALE-Sim's (``compute/systolic_compute_{os,ws,is}.py``): folds with the column
fold outermost; inside a fold, the operand sub-matrix skewed one cycle per array column (element
``(t, c)`` read at cycle ``t + c``; columns in order within a cycle) or, for WS filters and IS
inputs, flipped row by row. Instead of every address, this walks *kernel-position accesses*: one
output pixel (or filter) with one kernel position ``(r, s)`` and a run of channels that every access
to those addresses shares (the channels between two fold boundaries, split further so a run holds at
most 1/``CHUNK_DIV`` of an epoch), in the order of their first address. A run is read or skipped as a whole; the one run that straddles an epoch boundary counts
its misses exactly but is kept whole in the new epoch, and runs interleaved by the skew are ordered
by their first cycle. Those two are the only approximations (tests/test_scalesim_dram.py bounds them
against an address-by-address replay). Cost: O(SRAM reads / run length) -- a run is up to C channels
-- and memory O(input positions x runs per position), no trace kept: ResNet-18 on a 32x32 array with
64 kB SRAMs takes 15-20 ms per dataflow.

Arguments are plain integers; ``df`` 0 = OS, 1 = WS, 2 = IS (``layout.STAT_*``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from accelsim.kernels.spans import ceil_div

CHUNK_DIV = 256  # runs of at most epoch / CHUNK_DIV words: the run an epoch boundary splits is a small error


@njit(cache=True)
def epoch_words(sram_kb):
    """Distinct addresses that fill SCALE-Sim's CALC read buffer: 50 sets of floor(words / 100)."""
    return 50 * ((sram_kb * 1024) // 100)


@njit(cache=True)
def _channel_runs(C, ar, rsc, fold_cuts, chunk):
    """Channel runs: the channels between consecutive cut points, the same for every kernel position.
    Cuts splitting C evenly into runs of at most ``chunk``, and with ``fold_cuts`` where folds split
    the window index t (multiples of ``ar``). Returns (cuts[0..n], n): cuts[0] = 0, cuts[n] = C."""
    mark = np.zeros(C + 1, np.bool_)
    nch = ceil_div(C, chunk)
    for j in range(nch + 1):
        mark[(j * C) // nch] = True
    if fold_cuts:
        for k in range(ceil_div(rsc, ar) + 1):
            mark[(k * ar) % C] = True
    cuts = np.empty(C + 1, np.int64)
    n = 0
    for c in range(C + 1):
        if mark[c]:
            cuts[n] = c
            n += 1
    return cuts, n - 1


@njit(cache=True)
def _touch(state, stamp, key, size, epoch_size):
    """Read ``size`` addresses that are always read together; state = [epoch id, words in epoch, misses]."""
    if stamp[key] == state[0]:
        return
    stamp[key] = state[0]
    state[2] += size
    state[1] += size
    while state[1] >= epoch_size:  # the buffer empties; the run's remaining words open the next epoch
        state[0] += 1
        state[1] -= epoch_size
        if state[1] > 0:
            stamp[key] = state[0]


@njit(cache=True)
def _pieces(t0, t1, C, S, cuts):
    """Split window indices [t0, t1) into runs of one kernel position and one channel run:
    rows (t_lo, t_hi, kernel position g, run index, kernel row r, kernel column s)."""
    out = np.empty((t1 - t0 + 1, 6), np.int64)
    n = 0
    t = t0
    while t < t1:
        g = t // C
        ch = t - g * C
        j = 0
        while cuts[j + 1] <= ch:
            j += 1
        end = g * C + cuts[j + 1]
        if end > t1:
            end = t1
        out[n, 0] = t
        out[n, 1] = end
        out[n, 2] = g
        out[n, 3] = j
        out[n, 4] = g // S
        out[n, 5] = g - (g // S) * S
        n += 1
        t = end
    return out[:n]


@njit(cache=True)
def _key(kind, x, pcs, i, nrun, RS, pix, H, W):
    """Buffer key of the run (x, piece ``pcs[i]`` of ``_pieces``): ``kind`` 0 = ifmap (x a pixel; -1 when
    the window element falls outside the input, SCALE-Sim's -1 address), 1 = filter (x a filter).
    ``pix[x]`` = (image, first input row, first input column) of pixel x's window."""
    if kind == 1:
        return (x * RS + pcs[i, 2]) * nrun + pcs[i, 3]
    iy = pix[x, 1] + pcs[i, 4]
    ix = pix[x, 2] + pcs[i, 5]
    if iy >= H or ix >= W:
        return -1
    return ((pix[x, 0] * H + iy) * W + ix) * nrun + pcs[i, 3]


@njit(cache=True)
def _rows_fold(state, stamp, epoch_size, pcs, x0, n, kind, nrun, RS, pix, H, W):
    """A fold whose rows are window indices and whose column c (operand x0 + c) reads row t at cycle
    t + c (OS): runs (piece i, column c) in order of (t_lo + c, c)."""
    npc = pcs.shape[0]
    lo = 0
    hi = -1
    last = pcs[npc - 1, 0] - pcs[0, 0] + n
    base = pcs[0, 0]
    for q in range(last):
        while hi + 1 < npc and pcs[hi + 1, 0] - base <= q:
            hi += 1
        while lo <= hi and pcs[lo, 0] - base <= q - n:
            lo += 1
        for i in range(hi, lo - 1, -1):  # same cycle: larger t_lo = smaller column first
            c = q - (pcs[i, 0] - base)
            k = _key(kind, x0 + c, pcs, i, nrun, RS, pix, H, W)
            if k >= 0:
                _touch(state, stamp, k, pcs[i, 1] - pcs[i, 0], epoch_size)


@njit(cache=True)
def _cols_fold(state, stamp, epoch_size, pcs, nx, kind, nrun, RS, pix, H, W):
    """A fold whose column c = t - t0 of row x (pixel or filter) is read at cycle x + c (WS inputs, IS
    filters): runs (row x, piece i) in order of (x + c_lo, c_lo)."""
    t0 = pcs[0, 0]
    for q in range(nx + pcs[pcs.shape[0] - 1, 0] - t0):
        for i in range(pcs.shape[0]):
            x = q - (pcs[i, 0] - t0)
            if 0 <= x < nx:
                k = _key(kind, x, pcs, i, nrun, RS, pix, H, W)
                if k >= 0:
                    _touch(state, stamp, k, pcs[i, 1] - pcs[i, 0], epoch_size)


@njit(cache=True)
def _covered(size, out, st, k):
    """Positions of [0, size) that some window [o * st, o * st + k), o < out, covers."""
    n = 0
    end = 0  # every position below end is covered already
    for o in range(out):
        lo = max(o * st, end)
        hi = min(o * st + k, size)
        if hi > lo:
            n += hi - lo
        end = max(end, o * st + k)
    return n


@njit(cache=True)
def calc_dram_reads(df, N, H, W, R, S, C, K, P, Q, st, ar, ac, kb_ifmap, kb_filter, shortcut=True):
    """(ifmap DRAM reads, filter DRAM reads) of one layer (one group) in SCALE-Sim's CALC mode, words.

    H, W: the input as SCALE-Sim sees it (padding included); P, Q: its output size (ceil rule).
    ``shortcut``: when each operand has fewer distinct addresses than its buffer holds, the buffer never
    empties and its DRAM reads are exactly those distinct addresses (every window and every filter
    element is read at least once), counted without walking the demand order."""
    npx = N * P * Q
    RS = R * S
    rsc = RS * C
    if shortcut:
        distinct_if = N * _covered(H, P, st, R) * _covered(W, Q, st, S) * C
        if distinct_if < epoch_words(kb_ifmap) and rsc * K < epoch_words(kb_filter):
            return distinct_if, rsc * K
    pix = np.empty((npx, 3), np.int64)  # per output pixel: image, top input row, left input column
    for p in range(npx):
        img = p // (P * Q)
        oy = (p - img * P * Q) // Q
        pix[p, 0] = img
        pix[p, 1] = oy * st
        pix[p, 2] = (p - img * P * Q - oy * Q) * st
    e_if = epoch_words(kb_ifmap)
    e_fi = epoch_words(kb_filter)
    chunk = max(1, min(e_if, e_fi) // CHUNK_DIV)
    st_if = np.zeros(3, np.int64)
    st_fi = np.zeros(3, np.int64)
    if df == 0:  # OS: rows <- pixels, cols <- filters, time <- R*S*C; folds split pixels and filters
        cuts, nrun = _channel_runs(C, ar, rsc, False, chunk)
        pcs = _pieces(0, rsc, C, S, cuts)
        stamp_if = np.full(N * H * W * nrun, -1, np.int64)
        stamp_fi = np.full(K * RS * nrun, -1, np.int64)
        for fc in range(ceil_div(K, ac)):
            k0 = fc * ac
            for fr in range(ceil_div(npx, ar)):
                p0 = fr * ar
                _rows_fold(st_if, stamp_if, e_if, pcs, p0, min(ar, npx - p0), 0, nrun, RS, pix, H, W)
                _rows_fold(st_fi, stamp_fi, e_fi, pcs, k0, min(ac, K - k0), 1, nrun, RS, pix, H, W)
        return st_if[2], st_fi[2]
    cuts, nrun = _channel_runs(C, ar, rsc, True, chunk)
    stamp_if = np.full(N * H * W * nrun, -1, np.int64)
    if df == 1:  # WS: rows <- R*S*C, cols <- filters, time <- pixels; each filter element read once
        for fc in range(ceil_div(K, ac)):
            for fr in range(ceil_div(rsc, ar)):
                t0 = fr * ar
                pcs = _pieces(t0, min(rsc, t0 + ar), C, S, cuts)
                _cols_fold(st_if, stamp_if, e_if, pcs, npx, 0, nrun, RS, pix, H, W)
        return st_if[2], rsc * K
    # IS: rows <- R*S*C, cols <- pixels, time <- filters
    stamp_fi = np.full(K * RS * nrun, -1, np.int64)
    for fc in range(ceil_div(npx, ac)):
        p0 = fc * ac
        n = min(ac, npx - p0)
        for fr in range(ceil_div(rsc, ar)):
            t0 = fr * ar
            pcs = _pieces(t0, min(rsc, t0 + ar), C, S, cuts)
            # ifmap block flipped: rows t from last to first, each row's pixels in order
            for i in range(pcs.shape[0] - 1, -1, -1):
                for c in range(n):
                    k = _key(0, p0 + c, pcs, i, nrun, RS, pix, H, W)
                    if k >= 0:
                        _touch(st_if, stamp_if, k, pcs[i, 1] - pcs[i, 0], e_if)
            # filter rows t0.. of every filter, transposed and skewed
            _cols_fold(st_fi, stamp_fi, e_fi, pcs, K, 1, nrun, RS, pix, H, W)
    return st_if[2], st_fi[2]


@njit(cache=True)
def calc_dram_reads_batch(df, dims, geom, ar, ac, kb_ifmap, kb_filter):
    """``calc_dram_reads`` of every row (a layer, one group of it): ``df[i]`` 0/1/2 = OS/WS/IS, ``dims``
    (G N M C P Q R S) and ``geom`` (H W stride pad dil) rows as the batch kernel takes them; the input is
    padded here as SCALE-Sim sees it. Returns int64[n, 2] (ifmap, filter DRAM reads per group)."""
    n = dims.shape[0]
    out = np.empty((n, 2), np.int64)
    for i in range(n):
        d = dims[i]
        g = geom[i]
        r_if, r_fi = calc_dram_reads(df[i], d[1], g[0] + 2 * g[4], g[1] + 2 * g[5], d[6], d[7], d[3], d[2], d[4],
                                     d[5], g[2], ar, ac, kb_ifmap, kb_filter)
        out[i, 0] = r_if
        out[i, 1] = r_fi
    return out
