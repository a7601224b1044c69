"""numba: a network's totals from its per-layer columns, for design points stacked point after point.

Each point's rows are ``kept`` per-layer rows (a network's distinct layers); ``index`` says, for every
layer of the network in order, which of them it is. A total is the sum over the network's layers, so a
repeated layer counts once per repeat, without the rows being copied out first.

Integer columns (counts: cycles, MACs, bytes) are summed exactly. Floating-point columns are summed the
way numpy sums a contiguous float64 row (``np.sum``, and so pandas' ``Series.sum``): numpy's pairwise
summation (``pairwise_sum`` in numpy/_core/src/umath/loops_utils.h.src: blocks of at most 128 summed
with eight accumulators, longer runs halved on a multiple of 8), added to the reduction's identity 0.
A total is therefore, bit for bit, the sum of the network's per-layer column in a DataFrame
(tests/test_network_sums.py holds the two to each other).
"""

import numpy as np
from numba import njit

PW_BLOCK = 128  # numpy's PW_BLOCKSIZE


@njit(cache=True, _nrt=False)
def _block(a, lo, n):
    """numpy's sum of ``a[lo:lo + n]`` for ``n <= PW_BLOCK``: in order below 8, else eight accumulators."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    end = n - n % 8
    while i < end:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True, _nrt=False)
def _pairwise(a, n, frames, values):
    """numpy's pairwise sum of ``a[:n]``: blocks of at most ``PW_BLOCK``, longer runs split in two at half
    their length rounded down to a multiple of 8, the halves' sums added. The halving tree is walked with
    an explicit stack (``frames``: int64[64, 3] of start, length, halves done; ``values``: float64[64]),
    since a cached numba function that calls itself crashes when loaded from the cache (numba issue #6061)."""
    if n <= PW_BLOCK:
        return _block(a, 0, n)
    sp = 1
    frames[0, 0], frames[0, 1], frames[0, 2] = 0, n, 0
    vp = 0
    while sp > 0:
        lo, m, done = frames[sp - 1, 0], frames[sp - 1, 1], frames[sp - 1, 2]
        if m <= PW_BLOCK:
            sp -= 1
            values[vp] = _block(a, lo, m)
            vp += 1
            continue
        m2 = m // 2
        m2 -= m2 % 8
        if done == 2:  # both halves summed: their sum replaces them
            sp -= 1
            vp -= 1
            values[vp - 1] = values[vp - 1] + values[vp]
            continue
        frames[sp - 1, 2] = done + 1
        frames[sp, 0], frames[sp, 1], frames[sp, 2] = (lo, m2, 0) if done == 0 else (lo + m2, m - m2, 0)
        sp += 1
    return values[0]


@njit(cache=True)
def network_sums(ints, floats, points, kept, index):
    """Per point, the sum over the network's layers of each row of ``ints`` (int64[k, points * kept],
    exact) and of ``floats`` (float64[j, points * kept], numpy's pairwise order). ``index``: int64[layers],
    each layer's row among a point's ``kept``. Returns (int64[k, points], float64[j, points])."""
    n = index.shape[0]
    isum = np.zeros((ints.shape[0], points), np.int64)
    fsum = np.zeros((floats.shape[0], points), np.float64)
    row = np.empty(n, np.float64)
    frames = np.empty((64, 3), np.int64)  # the halving tree is at most log2(n) deep
    values = np.empty(64, np.float64)
    for p in range(points):
        base = p * kept
        for c in range(ints.shape[0]):
            t = 0
            for j in range(n):
                t += ints[c, base + index[j]]
            isum[c, p] = t
        for c in range(floats.shape[0]):
            for j in range(n):
                row[j] = floats[c, base + index[j]]
            fsum[c, p] = 0.0 + _pairwise(row, n, frames, values)
    return isum, fsum
