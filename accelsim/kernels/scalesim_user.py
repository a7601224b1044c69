"""SCALE-Sim 3.0.0's USER-mode memory replay: stall cycles and DRAM reads of one layer, streamed.

The rules (read from scalesim 3.0.0's ``memory/read_buffer.py``, ``memory/write_buffer.py`` and
``memory/double_buffered_scratchpad_mem.py``; docs/scalesim_parity.md), replayed one demand row
(one cycle of the array) at a time:

* **Read buffers** (ifmap, filter): the operand's prefetch order is cut into sets of
  ceil(words / 100) addresses; a window of ``A`` sets (the active half) is resident. A demanded
  address outside the window triggers a prefetch: the window advances by ``P`` sets (the other
  half) and the prefetch lands ``ceil(prefetch half / bank bandwidth) + 1`` cycles after the
  previous one (the first lands at cycle -1). The row's offset starts at 1 (the hit latency); each
  prefetch sets it to the landing time minus the row's cycle, and adds that amount once more when
  it is late (scalesim counts a late prefetch twice; scale-sim-v2 issue #130).
* **Write buffer** (ofmap): every output written takes a word; when more than the active half is
  used and no drain is running, the words written so far (whole ``Bandwidth`` lines, the last
  one padded) drain at one line per cycle, ``ceil(drain half / Bandwidth)`` lines at a time; a
  write into a full buffer waits for the running drain to end.
* A row stalls by the largest of the three delays; later rows start that much later.

How it is computed without scalesim's demand matrices (``compute/systolic_compute_{os,ws,is}.py``):
each read operand is laid out once as its *blocks* — (blocks, block rows, width) elements, an
address or padding — which both its prefetch order and its demand are read from. Only one number is
stored per element: ``2 x (addresses ahead of it in the prefetch order) + (1 if it holds an address)``,
which gives its set; which input position an element holds follows from its place in the blocks
when a replayed input needs it (``_copy_at``, then SCALE-Sim's im2col, ``_im2col``):

* **skewed** operands (OS inputs and filters, WS inputs, IS filters): the prefetch order reads the
  blocks stacked on top of each other by anti-diagonals (each from its bottom row up); fold ``f``
  demands block ``f % row folds`` (or ``f // row folds``) skewed: block element (t, c) at fold row
  ``offset + t + c``;
* **flipped** operands (WS filters, IS inputs): the prefetch order reads the blocks row by row; fold
  ``f = j * row folds + i`` demands rows ``i * array rows ...`` of block ``j`` bottom row first, one
  per fold row, unskewed.

Either way the addresses of one demand row are one contiguous run of the prefetch order, so their
sets form one range: when the window holds that range (nearly every row) the row hits without
looking at its addresses. Otherwise the row is replayed address by address: an address is resident
when the set of this copy of it is, or — inputs only, im2col repeats them — the set of any other
copy, found by walking the <= R x S output pixels whose windows cover it. Outputs only count, so
the ofmap row is its number of valid writes, computed. An operand whose addresses all fit in the active
half (counted without walking: ``_on_input``) never misses: its prefetch order is not built and its
demand is not looked at. Memory: one int32 array (int64 past 2^30 elements) the size of the (padded)
im2col operands; time: O(demand rows + elements of the operands that do not fit) plus the rows that prefetch.
``tests/scalesim_user_reference.py`` is the literal twin (dense matrices, Python buffer objects
holding sets); tests/test_scalesim_user.py checks the two agree.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from accelsim.kernels.spans import ceil_div

SKEW, FLIP = 0, 1
# per read operand (ifmap 0, filter 1), the columns of ``_layout``'s table
B_, TB, WD, PAT, SEL, OFF = range(6)


@njit(cache=True)
def _layout(df, NPQ, RSC, K, ar, ac):
    """(row folds, column folds, fold rows, per-operand table int64[2, 6]: blocks, block rows, width,
    SKEW/FLIP, block of fold f (0: f % row folds, 1: f // row folds), skew offset)."""
    lay = np.zeros((2, 6), np.int64)
    if df == 0:  # OS: rows <- pixels, cols <- filters, time <- R*S*C
        rf, cf = ceil_div(NPQ, ar), ceil_div(K, ac)
        L = RSC + ar + ac - 2
        lay[0] = (rf, RSC, ar, SKEW, 0, 0)
        lay[1] = (cf, RSC, ac, SKEW, 1, 0)
    elif df == 1:  # WS: rows <- R*S*C, cols <- filters, time <- pixels
        rf, cf = ceil_div(RSC, ar), ceil_div(K, ac)
        L = 2 * ar + ac + NPQ - 2
        lay[0] = (rf, NPQ, ar, SKEW, 0, ar)
        lay[1] = (cf, RSC, ac, FLIP, 1, 0)
    else:  # IS: rows <- R*S*C, cols <- pixels, time <- filters
        rf, cf = ceil_div(RSC, ar), ceil_div(NPQ, ac)
        L = 2 * ar + ac + K - 2
        lay[0] = (cf, RSC, ac, FLIP, 1, 0)
        lay[1] = (rf, K, ar, SKEW, 0, ar)
    return rf, cf, L, lay


@njit(cache=True)
def _im2col(N, H, W, R, S, C, P, Q, st):
    """SCALE-Sim's im2col, as tables: output pixel p's window reads input row ``py[p] + tr[t]``, column
    ``px[p] + ts[t]`` at window element t = (r, s, c) (address ((image * H + row) * W + column) * C + c,
    off the padded input when row >= H or column >= W); (py, px): the window's top-left input row and
    column, (tr, ts): the element's offsets in it."""
    NPQ, RSC = N * P * Q, R * S * C
    py, px = np.empty(NPQ, np.int64), np.empty(NPQ, np.int64)
    for p in range(NPQ):
        rem = p % (P * Q)
        py[p], px[p] = (rem // Q) * st, (rem % Q) * st
    tr, ts = np.empty(RSC, np.int64), np.empty(RSC, np.int64)
    for t in range(RSC):
        tr[t], ts[t] = t // (S * C), (t // C) % S
    return py, px, tr, ts


@njit(cache=True)
def _copy_at(e, df, w, tb):
    """(output pixel, window element) of the im2col copy block element ``e`` of the ifmap operand holds."""
    row, c = e // w, e % w
    b, t = row // tb, row % tb
    x = b * w + c
    return (t, x) if df == 1 else (x, t)


@njit(cache=True)
def _prefetch_order(op, df, lay, base, NPQ, RSC, K, H, W, py, px, tr, ts, code, inside):
    """Walk one read operand's prefetch order over its blocks (stacked: row ``b * block rows + t``),
    writing ``code[e] = 2 * (addresses ahead of element e) + (1 if e holds an address, 0 for padding)``:
    element e's set is ``(code[e] >> 1) // per_set``. Returns the number of addresses. Skewed operands
    are read by anti-diagonals (d = row + column), each from its bottom row up; flipped ones row by row.

    Which elements hold an address: inputs, block b's element (t, c) is column x = b * width + c of
    the blocks side by side, pixel t and window element x for WS, the reverse for OS / IS, when both
    exist and the window element is on the padded input; filters, column x is filter x (OS / WS) or
    window element x (IS). (The test is written out in the loop: as a numba function called per
    element it ran ~35x slower.) ``inside``: every output's window lies on the padded input (always
    so at stride 1), so an element holds an address exactly when its column x exists (x < the pixels,
    window elements or filters the blocks' columns run over; block rows always exist): a skewed
    operand's anti-diagonal counts then come from one difference per block row, not one test per
    element."""
    tb, w = lay[op, TB], lay[op, WD]
    rows = lay[op, B_] * tb
    skew = lay[op, PAT] == SKEW
    ahead = np.zeros(rows + w + 1 if skew else 1, np.int64)  # skewed: addresses ahead of each anti-diagonal
    n = 0
    cols = (RSC if df == 2 else K) if op == 1 else (RSC if df == 1 else NPQ)  # what x runs over
    if inside and skew:  # row b * tb + t holds an address at columns c < its block's width: diagonals t.. +1
        for b in range(lay[op, B_]):
            width = min(w, max(0, cols - b * w))
            if width > 0:
                for t in range(tb):
                    ahead[b * tb + t + 1] += 1
                    ahead[b * tb + t + width + 1] -= 1
        for d in range(1, rows + w):  # ahead[d + 1]: addresses on anti-diagonal d, as the walk below counts
            ahead[d] += ahead[d - 1]
    # row by row (cache-friendly): flipped operands' order, skewed ones' counts (unless counted above)
    for b in range(0 if inside and skew else lay[op, B_]):
        for t in range(tb):
            row = b * tb + t
            e = base + row * w
            for c in range(w):
                x = b * w + c
                if op == 1 or inside:
                    v = x < cols
                elif df == 1:
                    v = t < NPQ and x < RSC and py[t] + tr[x] < H and px[t] + ts[x] < W
                else:
                    v = x < NPQ and t < RSC and py[x] + tr[t] < H and px[x] + ts[t] < W
                if skew:
                    code[e + c] = 1 if v else 0
                    if v:
                        ahead[row + c + 1] += 1
                else:
                    code[e + c] = 2 * n + (1 if v else 0)
                    if v:
                        n += 1
    if skew:  # each anti-diagonal from its bottom row up, then of its next element
        for d in range(rows + w - 1):
            ahead[d + 1] += ahead[d]
        for row in range(rows - 1, -1, -1):
            width = min(w, max(0, cols - row // tb * w))  # (inside: the row's elements holding an address)
            for c in range(w):
                e = base + row * w + c
                v = (1 if c < width else 0) if inside else code[e]
                code[e] = 2 * ahead[row + c] + v
                ahead[row + c] += v
                n += v
    return n


@njit(cache=True)
def _input_resident(img0, iy, ix, c, code, lo, hi, wrapped, df, w, tb, R, S, C, P, Q, st):
    """Whether the input address at row ``iy``, column ``ix`` (of the padded input), channel ``c`` of the
    image whose first output pixel is ``img0`` is in a resident set: any of its im2col copies (output pixel
    p, window element t with p's window covering it) is ahead of ``lo`` to ``hi`` addresses in the
    prefetch order (the window's sets times words per set; wrapped: ahead of ``hi`` or from ``lo``).
    The copies are the only block elements holding the address. Divisions are kept out of the walk (the
    replay calls this for a few thousand addresses a layer): the block element of the next copy in a row
    of copies is carried along from the last."""
    if st == 1:
        oy_hi, ox_hi, oy0, ox0 = min(P - 1, iy), min(Q - 1, ix), max(0, iy - R + 1), max(0, ix - S + 1)
    else:
        oy_hi, ox_hi = min(P - 1, iy // st), min(Q - 1, ix // st)
        oy0, ox0 = max(0, -(-(iy - R + 1) // st)), max(0, -(-(ix - S + 1) // st))
    step = st * C  # window element t grows by this as ox falls by one
    for oy in range(oy_hi, oy0 - 1, -1):  # the latest copies first: most often resident
        p = img0 + oy * Q + ox_hi
        t = ((iy - oy * st) * S + ix - ox_hi * st) * C + c
        if df == 1:  # WS: block rows are pixels, columns window elements: (t // w, t % w) carried along
            q, m = t // w, t % w
            for _ in range(ox_hi - ox0 + 1):
                k = code[(q * tb + p) * w + m] >> 1
                if (k >= lo or k < hi) if wrapped else (lo <= k < hi):
                    return True
                p -= 1
                m += step
                while m >= w:
                    m -= w
                    q += 1
        else:  # (p // w, p % w) carried along
            q, m = p // w, p % w
            for _ in range(ox_hi - ox0 + 1):
                k = code[(q * tb + t) * w + m] >> 1
                if (k >= lo or k < hi) if wrapped else (lo <= k < hi):
                    return True
                t += step
                m -= 1
                if m < 0:
                    m = w - 1
                    q -= 1
    return False


@njit(cache=True)
def _on_input(P, R, st, H):
    """Pairs (output row oy < P, kernel row r < R) whose input row oy * st + r is on the (padded) input
    (< H): with the same count for columns, and N x C, the number of im2col elements holding an address,
    what ``_prefetch_order`` counts for the ifmap operand."""
    n = 0
    for oy in range(P):
        n += max(0, min(R, H - oy * st))
    return n


@njit(cache=True)
def code_size(df, NPQ, RSC, K, ar, ac):
    """Elements of ``user_layer``'s ``code`` array: both operands' blocks, padding included."""
    _, _, _, lay = _layout(df, NPQ, RSC, K, ar, ac)
    return lay[0, B_] * lay[0, TB] * lay[0, WD] + lay[1, B_] * lay[1, TB] * lay[1, WD]


@njit(cache=True)
def user_layer(df, N, H, W, R, S, C, K, P, Q, st, ar, ac, words_if, words_fi, words_of, bw_if, bw_fi, bw_of, code):
    """(stall cycles, ifmap DRAM reads, filter DRAM reads (words)) of one layer (one group) in USER mode;
    stall -1 when a demanded address is never prefetched (scalesim would loop forever).

    df 0/1/2 = OS/WS/IS (``layout.STAT_CODES``); H, W: the input as SCALE-Sim sees it (padding
    included); P, Q: its output size (ceil rule); words_*: SRAM sizes in words; bw_if / bw_fi: the
    ``[layout]`` bank bandwidths (words per prefetch line); bw_of: ``Bandwidth`` (words per drain line).
    ``code``: scratch of ``code_size`` elements, int32 when twice that many fit in one (half the memory
    of int64, and the replay's scattered reads of it miss the cache less), else int64."""
    PQ = P * Q
    NPQ, RSC = N * PQ, R * S * C
    rf, cf, L, lay = _layout(df, NPQ, RSC, K, ar, ac)
    py, px, tr, ts = _im2col(N, H, W, R, S, C, P, Q, st)
    n0 = lay[0, B_] * lay[0, TB] * lay[0, WD]
    base = np.array([0, n0], np.int64)
    n_valid = np.array([N * C * _on_input(P, R, st, H) * _on_input(Q, S, st, W), RSC * K], np.int64)
    # buffer geometry per operand: words per set, sets, active sets, sets a prefetch advances by
    words = np.array([words_if, words_fi], np.int64)
    bw = np.array([bw_if, bw_fi], np.int64)
    geo = np.zeros((2, 4), np.int64)
    reads = np.zeros(2, np.int64)
    state = np.zeros((2, 4), np.int64)  # window start, window end, last landing cycle, prefetches
    fits = np.zeros(2, np.bool_)
    for op in range(2):
        per_set = ceil_div(words[op], 100)
        active = ceil_div(words[op], 2)
        n_sets = n_valid[op] // per_set + 1
        a_sets = min(ceil_div(active, per_set), n_sets)
        geo[op] = (per_set, n_sets, a_sets, min(ceil_div(words[op] - active, per_set), n_sets - a_sets))
        state[op] = (0, a_sets, -1, 0)  # the first prefetch lands at cycle -1
        size = lay[op, B_] * lay[op, TB] * lay[op, WD]  # the whole prefetch order, padding included
        reads[op] = min(ceil_div(active, bw[op]), ceil_div(size, bw[op])) * bw[op]
        fits[op] = a_sets >= n_sets  # every set resident from the start: every demand hits, none prefetches
    for op in range(2):  # an operand that fits is never looked up: its order is not needed
        if not fits[op]:
            _prefetch_order(op, df, lay, base[op], NPQ, RSC, K, H, W, py, px, tr, ts, code,
                            (P - 1) * st + R <= H and (Q - 1) * st + S <= W)
    # the ofmap write buffer
    of_active = ceil_div(words_of, 2)
    drain = words_of - of_active
    free = words_of
    drain_end = 0
    # drain lines hold bw_of words but those a drain cut when it started: their line numbers and words, in order,
    # with room for one a line but untouched beyond the few used (a filled array of every line's words took 460 MB
    # for a VGG-16 layer under WS; a growable one slowed the small set's replay by ~20%)
    n_out = NPQ * K if df == 0 else rf * NPQ * K
    cut_at = np.empty(n_out + 1, np.int64)
    cut_words = np.empty(n_out + 1, np.int64)
    n_cut = 0
    next_cut = 0  # the first cut line a drain can still end on: drains end on non-decreasing lines
    n_lines = 0
    cur = 0
    start_line = 0
    stall = 0
    row = 0
    for f in range(rf * cf):
        i = f % rf
        j = f // rf
        # this fold's outputs: block rows [t_lo, t_hi) x columns [0, wc), skewed from fold row o_off
        if df == 0:
            o_off, t_lo, t_hi, wc = RSC - 1, ar - min(ar, NPQ - i * ar), ar, min(ac, K - j * ac)
        else:
            o_off, t_lo, t_hi = 2 * ar - 1, 0, NPQ if df == 1 else K
            wc = min(ac, (K if df == 1 else NPQ) - j * ac)
        for r in range(L):
            cycle = row + stall
            delay = 0
            for op in range(2):
                if fits[op]:
                    continue
                w = lay[op, WD]
                tb = lay[op, TB]
                if lay[op, PAT] == SKEW:  # block element (q - c, c) for every c with 0 <= q - c < tb
                    q = r - lay[op, OFF]
                    c_lo, c_hi = max(0, q - tb + 1), min(w - 1, q)
                    if c_lo > c_hi:
                        continue
                    b = i if lay[op, SEL] == 0 else j
                    e0 = base[op] + (b * tb + q - c_lo) * w + c_lo
                    step = 1 - w
                    count = c_hi - c_lo + 1
                else:  # block j's row i * ar + ar - 1 - r
                    t = i * ar + ar - 1 - r
                    if r >= ar or t >= tb:
                        continue
                    e0 = base[op] + (j * tb + t) * w
                    step = 1
                    count = w
                e1 = e0 + (count - 1) * step
                v0 = code[e0] >> 1
                v1 = (code[e1] >> 1) + (code[e1] & 1) - 1
                if v1 < v0:
                    continue  # padding only
                per_set, n_sets, a_sets, p_sets = geo[op, 0], geo[op, 1], geo[op, 2], geo[op, 3]
                ws, we = state[op, 0], state[op, 1]
                lo, hi = ws * per_set, we * per_set  # v0's set v0 // per_set >= ws <=> v0 >= ws * per_set
                if a_sets >= n_sets or (lo <= v0 and v1 < hi if ws < we else (v0 >= lo or v1 < hi)):
                    continue  # every address of the run is in a resident set: a hit
                offset = 1
                e = e0
                for _ in range(count):
                    ce = code[e]
                    own = ce >> 1  # addresses ahead of this copy of the address (set: own // per_set)
                    e += step
                    if ce & 1 == 0:  # padding
                        continue
                    spins = 0
                    while True:
                        ws, we = state[op, 0], state[op, 1]
                        lo, hi = ws * per_set, we * per_set  # set k resident <=> k * per_set in [lo, hi)
                        if (lo <= own < hi) if ws < we else (own >= lo or own < hi):
                            break
                        if op == 0:  # another copy may be resident (filters have one copy each)
                            p0, k0 = _copy_at(e - step, df, w, tb)
                            if _input_resident(p0 // PQ * PQ, py[p0] + tr[k0], px[p0] + ts[k0],
                                               k0 - (tr[k0] * S + ts[k0]) * C, code, lo, hi, ws >= we, df, w, tb,
                                               R, S, C, P, Q, st):
                                break
                        spins += 1
                        if p_sets == 0 or spins > n_sets:
                            return -1, 0, 0
                        state[op, 0] = (ws + p_sets) % n_sets
                        state[op, 1] = (state[op, 0] + a_sets) % n_sets
                        state[op, 2] += ceil_div(words[op] - ceil_div(words[op], 2), bw[op]) + 1
                        state[op, 3] += 1
                        late = state[op, 2] - (cycle + offset)
                        offset += late
                        if late > 0:
                            offset += late
                delay = max(delay, offset - 1)
            # ofmap: this fold row's valid writes, one word each
            q = r - o_off
            n_w = min(wc - 1, q - t_lo) - max(0, q - t_hi + 1) + 1
            now = cycle
            while n_w > 0:  # the row's writes in runs that end where one of them changes the drain state
                if now < drain_end:  # draining: a write that fills the buffer waits for the drain to end
                    k = min(n_w, max(1, free))
                else:  # a write that leaves less than the active half free starts a drain
                    k = min(n_w, max(1, free - of_active + 1))
                n_w -= k
                free -= k
                n_lines += (cur + k) // bw_of
                cur = (cur + k) % bw_of
                if now < drain_end:
                    if free <= 0:
                        now = drain_end
                elif free < of_active:
                    if cur > 0:  # (each line holds at least one output: n_cut <= n_out)
                        cut_at[n_cut], cut_words[n_cut] = n_lines, cur
                        n_cut += 1
                        n_lines += 1
                        cur = 0
                    end = min(start_line + ceil_div(drain, bw_of), n_lines)
                    got = end - start_line
                    while next_cut < n_cut and cut_at[next_cut] < end - 1:
                        next_cut += 1
                    last = cut_words[next_cut] if next_cut < n_cut and cut_at[next_cut] == end - 1 else bw_of
                    free += (got - 1) * bw_of + last
                    start_line = end
                    drain_end = now + got - 1
            stall += max(delay, now - cycle)
            row += 1
    for op in range(2):
        reads[op] += state[op, 3] * ceil_div(words[op] - ceil_div(words[op], 2), bw[op]) * bw[op]
    return stall, reads[0], reads[1]
