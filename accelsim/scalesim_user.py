"""SCALE-Sim 3.0.0's USER interface-bandwidth mode: stall cycles and DRAM reads per layer.

Builds what scalesim's compute classes hand its memory system — per operand, the prefetch order
and the demand matrix (one row per cycle, -1 where a PE row or column is idle) of
``compute/systolic_compute_{os,ws,is}.py`` — and replays it with ``kernels.scalesim_user``.
DRAM reads are whole prefetch lines of the ``[layout]`` bank bandwidth: the first prefetch of
ceil(active half / bandwidth) lines (at most the whole operand), then ceil(prefetch half /
bandwidth) lines per later prefetch, padding included (``memory/read_buffer.py``).

The demand matrices are dense (rows = compute cycles, width = array rows or columns) and the set
index is addressed by word (an array as long as the operand's largest address), so a layer costs
memory in proportion to its cycles x array width plus its input size; CALC mode needs none of this.
"""

from __future__ import annotations

import numpy as np

from accelsim.kernels.scalesim_user import hashed_sets, user_replay


def _cdiv(a: int, b: int) -> int:
    return -(-a // b)


def operands(N, H, W, R, S, C, K, P, Q, st):
    """SCALE-Sim's operand matrices: inputs (N*P*Q, R*S*C) im2col addresses with -1 outside the
    input, filters (R*S*C, K), outputs (N*P*Q, K)."""
    px = np.arange(N * P * Q, dtype=np.int64)
    img, rem = np.divmod(px, P * Q)
    oy, ox = np.divmod(rem, Q)
    t = np.arange(R * S * C, dtype=np.int64)
    r, k = np.divmod(t, S * C)
    s, c = np.divmod(k, C)
    iy = oy[:, None] * st + r[None, :]
    ix = ox[:, None] * st + s[None, :]
    im = ((img[:, None] * H + iy) * W + ix) * C + c[None, :]
    im[(iy >= H) | (ix >= W)] = -1
    fi = t[:, None] + np.arange(K, dtype=np.int64)[None, :] * (R * S * C)
    of = px[:, None] * K + np.arange(K, dtype=np.int64)[None, :]
    return im, fi, of


def _col_blocks(m: np.ndarray, w: int) -> np.ndarray:
    """(folds, rows, w): m's columns in blocks of w, the last padded with -1."""
    rows, cols = m.shape
    nf = _cdiv(cols, w)
    out = np.full((rows, nf * w), -1, np.int64)
    out[:, :cols] = m
    return out.reshape(rows, nf, w).transpose(1, 0, 2)


def _row_blocks(m: np.ndarray, h: int) -> np.ndarray:
    """(folds, h, cols): m's rows in blocks of h, the last padded with -1."""
    rows, cols = m.shape
    nf = _cdiv(rows, h)
    out = np.full((nf * h, cols), -1, np.int64)
    out[:rows] = m
    return out.reshape(nf, h, cols)


def _antidiagonal(m: np.ndarray) -> np.ndarray:
    """m read by anti-diagonals (row + column), each from its bottom row up."""
    rows, cols = m.shape
    r, c = np.divmod(np.arange(rows * cols, dtype=np.int64), cols)
    return m.ravel()[np.argsort((r + c) * rows + (rows - 1 - r))]


def _demand(vals: np.ndarray, fold_rows: int, row_off: int, skew: bool) -> np.ndarray:
    """Stack folds of ``vals`` (folds, t, width) into a demand matrix: fold f starts at row
    f * fold_rows; its element (t, c) lands at row row_off + t (+ c when skewed), column c."""
    nf, T, w = vals.shape
    out = np.full((nf, fold_rows, w), -1, np.int64)
    if skew:
        for c in range(w):
            out[:, row_off + c:row_off + c + T, c] = vals[:, :, c]
    else:
        out[:, row_off:row_off + T, :] = vals
    return out.reshape(nf * fold_rows, w)


def streams(df: str, im, fi, of, ar: int, ac: int):
    """(ifmap prefetch order, filter prefetch order, ifmap, filter and ofmap demand matrices)."""
    if df == "os":      # rows <- pixels, cols <- filters, time <- R*S*C
        A, B, O = im.T, fi, of
        T = A.shape[0]
        ia, fb = _col_blocks(A, ar), _col_blocks(B, ac)
        rf, cf = ia.shape[0], fb.shape[0]
        L = T + ar + ac - 2
        ipf, fpf = _antidiagonal(ia.reshape(-1, ar)), _antidiagonal(fb.reshape(-1, ac))
        ov = _col_blocks(O, ac)                       # (cf, Sr, ac)
        ov = np.stack([_row_blocks(ov[j], ar) for j in range(cf)])[:, :, ::-1]  # (cf, rf, ar, ac), flipped
        return (ipf, fpf, _demand(np.tile(ia, (cf, 1, 1)), L, 0, True),
                _demand(np.repeat(fb, rf, axis=0), L, 0, True),
                _demand(ov.reshape(cf * rf, ar, ac), L, T - 1, True))
    if df == "ws":      # rows <- R*S*C, cols <- filters, time <- pixels
        A, B, O = im, fi, of
        T = A.shape[0]
        ia, fb = _col_blocks(A, ar), _col_blocks(B, ac)
        rf, cf = ia.shape[0], fb.shape[0]
        L = 2 * ar + ac + T - 2
        ipf, fpf = _antidiagonal(ia.reshape(-1, ar)), fb.reshape(-1)
        fv = np.stack([_row_blocks(fb[j], ar) for j in range(cf)])[:, :, ::-1]  # (cf, rf, ar, ac), flipped
        return (ipf, fpf, _demand(np.tile(ia, (cf, 1, 1)), L, ar, True),
                _demand(fv.reshape(cf * rf, ar, ac), L, 0, False),
                _demand(np.repeat(_col_blocks(O, ac), rf, axis=0), L, 2 * ar - 1, True))
    # is: rows <- R*S*C, cols <- pixels, time <- filters
    A, B, O = im.T, fi, of
    T = B.shape[1]
    ia = _col_blocks(A, ac)                           # (cf, Sr, ac)
    fb = _row_blocks(B, ar).transpose(0, 2, 1)        # (rf, T, ar)
    rf, cf = fb.shape[0], ia.shape[0]
    L = 2 * ar + ac + T - 2
    ipf, fpf = ia.reshape(-1), _antidiagonal(fb.reshape(-1, ar))
    iv = np.stack([_row_blocks(ia[j], ar) for j in range(cf)])[:, :, ::-1]  # (cf, rf, ar, ac), flipped
    ov = _col_blocks(O.T, ac)                         # (cf, T, ac)
    return (ipf, fpf, _demand(iv.reshape(cf * rf, ar, ac), L, 0, False),
            _demand(np.tile(fb, (cf, 1, 1)), L, ar, True),
            _demand(np.repeat(ov, rf, axis=0), L, 2 * ar - 1, True))


def _geometry(prefetch: np.ndarray, words: int, bw: int):
    offsets, sets, n_sets = hashed_sets(prefetch, words)
    active = _cdiv(words, 2)
    per_set = _cdiv(words, 100)
    a = min(_cdiv(active, per_set), n_sets)
    p = min(_cdiv(words - active, per_set), n_sets - a)
    lines = _cdiv(words - active, bw)
    first = min(_cdiv(active, bw), _cdiv(prefetch.shape[0], bw)) * bw
    return offsets, sets, np.array([n_sets, a, p, lines], np.int64), first, lines * bw


def user_memory(df: str, N, H, W, R, S, C, K, P, Q, st, ar, ac, words_if, words_fi, words_of, bw_if, bw_fi, bw_of):
    """(stall cycles, ifmap DRAM reads, filter DRAM reads) of one layer (one group) in USER mode.

    H, W: the input as SCALE-Sim sees it (padding included); P, Q: its output size (ceil rule);
    words_*: SRAM sizes in words; bw_if / bw_fi: the [layout] bank bandwidths; bw_of: Bandwidth."""
    im, fi, of = operands(N, H, W, R, S, C, K, P, Q, st)
    ipf, fpf, idm, fdm, odm = streams(df, im, fi, of, ar, ac)
    i_off, i_sets, i_geo, i_first, i_per = _geometry(ipf, words_if, bw_if)
    f_off, f_sets, f_geo, f_first, f_per = _geometry(fpf, words_fi, bw_fi)
    stall, n_if, n_fi = user_replay(idm, fdm, odm, i_off, i_sets, i_geo, f_off, f_sets, f_geo, words_of, bw_of)
    if stall < 0:
        raise RuntimeError("SCALE-Sim USER replay: a demanded address is never prefetched (internal error)")
    return int(stall), i_first + int(n_if) * i_per, f_first + int(n_fi) * f_per
