"""Slow twin of kernels/scalesim_dram.py: SCALE-Sim 3.0.0's CALC-mode DRAM reads, address by address.

Builds each operand's demand addresses in SCALE-Sim's order (im2col addresses of
``compute/operand_matrix.py``; folds column-fold outermost; a fold's sub-matrix skewed one cycle per
column, or flipped for WS filters and IS inputs, as ``compute/systolic_compute_{os,ws,is}.py`` do)
and counts misses of ``memory/read_buffer_estimate_bw.py``'s buffer: an address not read since the
buffer last emptied is a DRAM read; the buffer empties when it holds 50 * floor(words / 100)
distinct addresses. test_scalesim_dram.py checks this replica against scalesim's own numbers.
"""

import numpy as np


def ifmap_matrix(H, W, R, S, C, st):
    """im2col addresses (E*F, R*S*C), -1 where a window runs off the input (SCALE-Sim's ceil rule)."""
    E = -(-(H - R) // st) + 1
    F = -(-(W - S) // st) + 1
    p = np.arange(E * F)
    t = np.arange(R * S * C)
    oy, ox = np.divmod(p, F)
    r, k = np.divmod(t, S * C)
    s, c = np.divmod(k, C)
    iy = oy[:, None] * st + r[None, :]
    ix = ox[:, None] * st + s[None, :]
    addr = (iy * W + ix) * C + c[None, :]
    addr[(iy >= H) | (ix >= W)] = -1
    return addr


def filter_matrix(R, S, C, K):
    return np.arange(R * S * C)[:, None] + np.arange(K)[None, :] * (R * S * C)


def _skewed(m):
    """Read order of a skewed fold: element (t, c) at cycle t + c, columns in order within a cycle."""
    T, n = m.shape
    t, c = np.meshgrid(np.arange(T), np.arange(n), indexing="ij")
    return m.ravel()[np.argsort(((t + c) * n + c).ravel(), kind="stable")]


def _flipped(m):
    return m[::-1].ravel()


def demand_streams(df, H, W, R, S, C, K, st, ar, ac):
    """(ifmap addresses, filter addresses) in SCALE-Sim's demand order, -1s dropped."""
    im = ifmap_matrix(H, W, R, S, C, st)
    fi = filter_matrix(R, S, C, K)
    npx, rsc = im.shape
    a, b = [], []
    if df == "os":
        for fc in range(-(-K // ac)):
            for fr in range(-(-npx // ar)):
                a.append(_skewed(im[fr * ar:(fr + 1) * ar, :].T))
                b.append(_skewed(fi[:, fc * ac:(fc + 1) * ac]))
    elif df == "ws":
        for fc in range(-(-K // ac)):
            for fr in range(-(-rsc // ar)):
                a.append(_skewed(im[:, fr * ar:(fr + 1) * ar]))
                b.append(_flipped(fi[fr * ar:(fr + 1) * ar, fc * ac:(fc + 1) * ac]))
    else:
        for fc in range(-(-npx // ac)):
            for fr in range(-(-rsc // ar)):
                a.append(_flipped(im.T[fr * ar:(fr + 1) * ar, fc * ac:(fc + 1) * ac]))
                b.append(_skewed(fi[fr * ar:(fr + 1) * ar, :].T))
    a, b = np.concatenate(a), np.concatenate(b)
    return a[a >= 0], b[b >= 0]


def calc_misses(stream, sram_kb):
    epoch = 50 * ((sram_kb * 1024) // 100)
    seen, misses = set(), 0
    for addr in stream.tolist():
        if addr not in seen:
            seen.add(addr)
            misses += 1
            if len(seen) == epoch:
                seen = set()
    return misses
