"""numba kernel: cycles and traffic of one conv/FC/GEMM layer under one mapping.

Plain arrays and scalars in, one int64 vector out (indices in ``layout``). The
slow twin that literally walks the loop nest lives in ``tests/naive.py``; the
two must agree exactly.

Model (DESIGN.md §1, docs/engine.md):

* Tile level. Six tile loops (G outermost, then the mapping's order of N, M, C,
  P, Q) walk tiles of the global buffers. An operand's tile stays resident while
  loops that do not index it iterate inside the innermost loop that does; so
  its tile is fetched ``prod(trips of irrelevant loops outside that loop)`` times
  per distinct tile (the stationary-buffer reuse rule of nn_dataflow and
  Timeloop). Outputs revisited after a reduction loop moved on are read back as
  partial sums and written again; input tiles carry their halo, clipped to the
  real input (padded zeros are never fetched).
* Array level. A tile runs as folds: each array axis unrolls the flattened
  product of its dims (im2col, as SCALE-Sim); the rest is the temporal loop,
  ordered by the stationarity (``layout.TEMPORAL_ORDER``). Per fold an operand
  is read from its buffer once per PE-row/column it is relevant to and once per
  change of its temporal index; it is forwarded to the other PEs.
* Timing. Per fold: systolic ``T + 2*rows + cols - 2`` (SCALE-Sim, Samajdar et
  al. ISPASS'20, Eq. for WS/IS; OS uses the same fill+drain), broadcast
  ``T + adder-tree depth``. A tile's compute time is at least its buffer
  traffic over the buffer bandwidth. Loads of a double-buffered operand overlap
  the previous tile's compute; single-buffered ones serialise; all backing-
  memory transfers share one channel.

Tile classes (DESIGN.md §2). Everything a tile step costs is a function of its
own loop indices: the step before it is the odometer predecessor, derivable
from them. Along each loop, indices fall into a few classes whose steps are
identical (first, the interior run, last; for P and Q also the tiles whose halo
is clipped by the input's border). The step sequence is a nested product of
class runs; the timing recurrence ``start_i = start_{i-1} + max(C_{i-1}, O_i) +
S_i`` only couples neighbours, so a run of k identical sub-sequences costs k
times one plus (k-1) identical junctions. The walk visits each class once:
O(classes), whatever the tile count; classes of a loop whose subtrees differ only
in their first step share one walk of it. What one step costs, and what a
junction adds, is in ``tile_step``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from accelsim.kernels.fold_counts import NW, WALK_COUNTS
from accelsim.kernels.reuse import tile_fetches, tile_traffic
from accelsim.kernels.spans import ceil_div, ceil_log2, index_classes, span_used
from accelsim.kernels.tile_step import INFO_HEAD, N_MEMO, junction, step_cost
from accelsim.kernels.transfers import add_transfer, group_time
from accelsim.kernels.layout import (
    ARR_Q_OFF_BY_ONE,
    DC,
    DG,
    DM,
    DN,
    DP,
    DQ,
    DR,
    DS,
    FILTER,
    HOME_IS_STAGING,
    IFMAP,
    N_OUT,
    O_COMPULSORY_IF,
    O_COMPUTE,
    O_CYCLES,
    O_HOME_RD_FI,
    O_HOME_RD_IF,
    O_HOME_RD_OF,
    O_HOME_WR_OF,
    O_HOME_WR_OF_FINAL,
    O_MACS,
    O_STEPS,
    OFMAP,
    REL,
)


# The cost kernel runs without numba's runtime (no reference counting, no allocation): callers
# pass the scratch space, and retry with more when a layer needs more index classes.
MAXSEG = 32  # index classes per loop in the default workspace; huge padding may need more
NBMAX = 19  # 16 configured buffers + 3 implicit FIFOs
KMAX = 4 + 2 * (4 + NBMAX)
NSLOT = 16  # class subtrees kept for the classes that share them (more sources: walked again)
IW_KEYS = 98 + 14 + 2 * NSLOT  # [number of keys seen, the keys in order seen, then per key the steps that have it]
IW_MEMO = IW_KEYS + 1 + 2 * N_MEMO  # [2 bits-seen words, then per key its NW counts]
IW_BASE = IW_MEMO + 2 + N_MEMO * NW
IW_PER_CLASS = 36  # per index class of each of the 6 loops: 6 ints (``cls`` in cost_into)
IW_SIZE = IW_BASE + IW_PER_CLASS * MAXSEG
FW_SIZE = (3 * 7 + 2 * NSLOT) * KMAX + 2 * (4 + NBMAX) + NBMAX


@njit(cache=True)
def conv_layer_cost(
    dims,  # int64[8]  G N M C P Q R S
    geom,  # int64[8]  H W stride_h stride_w pad_h pad_w dil_h dil_w
    tiles,  # int64[6] tile sizes of G N M C P Q
    order,  # int64[6] tile loops outer->inner (dims 0..5, G first)
    rows_mask,  # int64[8] 1 where the dim is unrolled on array rows
    cols_mask,  # int64[8] 1 where the dim is unrolled on array cols
    tmp_order,  # int64[8] temporal order inside a fold, outer->inner
    arr,  # int64[4]  rows, cols, macs_per_pe, interconnect
    bits,  # int64[4]  input, weight, psum, output bits
    op_buf,  # int64[3]  staging buffer index of each operand
    buf_bw_bits,  # float64[nb] buffer bandwidth (bits/cycle)
    buf_db,  # int64[nb] 1 = double buffered
    home_kind,  # int64[3] HOME_DRAM / HOME_ONCHIP / HOME_IS_STAGING
    home_bw_bits,  # float64[3] bandwidth of an on-chip home (bits/cycle)
    dram_bw_bits,  # float64 backing-memory bandwidth (bits/cycle)
    dram_lat,  # int64 backing-memory latency (cycles)
):
    """Counts and cycles of one layer (int64[N_OUT], indices in ``layout``)."""
    out = np.zeros(N_OUT, np.int64)
    cost_with_workspace(dims, geom, tiles, order, rows_mask, cols_mask, tmp_order, arr, bits, op_buf, buf_bw_bits,
                        buf_db, home_kind, home_bw_bits, dram_bw_bits, dram_lat, np.empty(IW_SIZE, np.int64),
                        np.empty(FW_SIZE, np.float64), out)
    return out


@njit(cache=True)
def cost_with_workspace(dims, geom, tiles, order, rows_mask, cols_mask, tmp_order, arr, bits, op_buf, buf_bw_bits,
                        buf_db, home_kind, home_bw_bits, dram_bw_bits, dram_lat, iw, fw, out):
    """``cost_into`` with the given workspaces, or a larger ``iw`` when the layer needs more classes."""
    need = cost_into(dims, geom, tiles, order, rows_mask, cols_mask, tmp_order, arr, bits, op_buf, buf_bw_bits,
                     buf_db, home_kind, home_bw_bits, dram_bw_bits, dram_lat, iw, fw, out)
    if need > 0:
        cost_into(dims, geom, tiles, order, rows_mask, cols_mask, tmp_order, arr, bits, op_buf, buf_bw_bits, buf_db,
                  home_kind, home_bw_bits, dram_bw_bits, dram_lat, np.empty(IW_BASE + IW_PER_CLASS * need, np.int64), fw, out)


@njit(cache=True, _nrt=False, error_model="numpy")
def cost_into(dims, geom, tiles, order, rows_mask, cols_mask, tmp_order, arr, bits, op_buf, buf_bw_bits, buf_db,
              home_kind, home_bw_bits, dram_bw_bits, dram_lat, iw, fw, out):
    """``conv_layer_cost`` into ``out`` with workspaces ``iw`` (int64[IW_BASE + IW_PER_CLASS * classes per loop])
    and ``fw`` (float64[FW_SIZE]). Returns 0, or the classes per loop it needs when ``iw`` is too
    small (then ``out`` is not filled)."""
    out[:] = 0
    nb = buf_bw_bits.shape[0]
    G, N, M, C, P, Q, R, S = dims[0], dims[1], dims[2], dims[3], dims[4], dims[5], dims[6], dims[7]
    trips, loop_of_dim, inner, fetches = iw[0:6], iw[6:12], iw[12:15], iw[15:18]
    heads, tails, nseg = iw[18:24], iw[24:30], iw[30:36]
    total, path_mult, empty, seg_ptr = iw[36:43], iw[43:50], iw[50:57], iw[57:64]
    idx, seg_at, e, te = iw[64:70], iw[70:76], iw[76:84], iw[84:92]
    rel_rc = iw[92:98]  # is operand op indexed by the dims on rows (rel_rc[op]) / on cols (rel_rc[3 + op])?
    # per level: the junction from its sequence's first step to its second, and whether the second is
    # still to come; per kept subtree: its total and that junction
    jf, need2, sv_total, sv_jf = iw[98:105], iw[105:112], iw[112:112 + NSLOT], iw[112 + NSLOT:112 + 2 * NSLOT]
    # 2-D workspaces are indexed flat (row * width + column): a reshape costs a call per layer
    # array counts are additive: each step adds its key's counts once per repetition of it, so the
    # walk only tallies the steps per key (path_mult[lvl] = repetitions of the classes chosen above lvl)
    keys = iw[IW_KEYS:IW_MEMO]
    keys[0] = 0
    memo_valid = iw[IW_MEMO:IW_MEMO + 2]
    memo_valid[0] = 0
    memo_valid[1] = 0
    memo = iw[IW_MEMO + 2:IW_BASE]  # [key * NW + j]
    maxseg = (iw.shape[0] - IW_BASE) // IW_PER_CLASS
    # per class: representative, multiplicity, input span used, the earlier class whose subtree it shares
    # (-1: none), the multiplicity its subtree's steps are counted with, the slot its subtree is kept in
    # (-1: not kept): [(k * 6 + pos) * maxseg + class]
    cls = iw[IW_BASE:]
    rep, mult, used, src, agg, slot = 0, 6 * maxseg, 12 * maxseg, 18 * maxseg, 24 * maxseg, 30 * maxseg
    for d in range(6):
        trips[d] = ceil_div(dims[d], tiles[d])
    for pos in range(6):
        loop_of_dim[order[pos]] = pos
    need = index_classes(trips, tiles, dims, geom, order, heads, tails, nseg, cls, maxseg)
    if need > maxseg:  # a loop with very many border-clipped tiles: the caller retries with more room
        return need

    # --- tile-level traffic, closed form ---------------------------------
    sum_rows = 0
    sum_cols = 0
    for sg in range(nseg[loop_of_dim[DP]]):
        sum_rows += cls[mult + loop_of_dim[DP] * maxseg + sg] * cls[used + loop_of_dim[DP] * maxseg + sg]
    for sg in range(nseg[loop_of_dim[DQ]]):
        sum_cols += cls[mult + loop_of_dim[DQ] * maxseg + sg] * cls[used + loop_of_dim[DQ] * maxseg + sg]
    tile_fetches(trips, order, inner, fetches)
    rd_if, rd_fi, rd_of, wr_of = tile_traffic(dims, fetches, sum_rows, sum_cols)
    if home_kind[IFMAP] != HOME_IS_STAGING:
        out[O_HOME_RD_IF] = rd_if
    if home_kind[FILTER] != HOME_IS_STAGING:
        out[O_HOME_RD_FI] = rd_fi
    if home_kind[OFMAP] != HOME_IS_STAGING:
        out[O_HOME_RD_OF] = rd_of
        out[O_HOME_WR_OF] = wr_of
        out[O_HOME_WR_OF_FINAL] = G * N * M * P * Q
    out[O_COMPULSORY_IF] = (
        G * N * C * span_used(0, P, R, geom[2], geom[4], geom[6], geom[0])
        * span_used(0, Q, S, geom[3], geom[5], geom[7], geom[1])
    )
    out[O_MACS] = G * N * M * C * P * Q * R * S

    # --- walk the tile classes: array counts and timing -------------------
    tree = 0
    for d in (DC, DR, DS):
        if rows_mask[d]:
            tree = ceil_log2(arr[0])
    for d in (DC, DR, DS):
        if cols_mask[d]:
            tree += ceil_log2(arr[1])
            break
    for op in range(3):
        rel_rc[op] = 0
        rel_rc[3 + op] = 0
        for d in range(8):
            if rows_mask[d] and REL[op, d]:
                rel_rc[op] = 1
            if cols_mask[d] and REL[op, d]:
                rel_rc[3 + op] = 1
    ngrp = 4 + nb
    K = INFO_HEAD + 2 * ngrp
    # a step carries a write-back into the next one only when the ofmap is double buffered in a
    # staging buffer that is not its home; otherwise junctions need just the info head. A junction
    # reads the overlapped group of a sequence's first step and the write-back of its last one, so
    # only those are copied into the level summaries.
    wb_possible = buf_db[op_buf[OFMAP]] != 0 and home_kind[OFMAP] != HOME_IS_STAGING
    n_vec = ngrp if wb_possible else 0
    # per nesting level (0..5 loops, 6 = one step): summary of the sequence walked so far
    first = fw[0:7 * K]  # [level * K + j]
    last = fw[7 * K:14 * K]
    second = fw[14 * K:21 * K]  # the second step of the sequence (levels at or below x_from only)
    kept = fw[21 * K:(21 + 2 * NSLOT) * K]  # per slot: the kept subtree's second step, then its last
    tmp = fw[(21 + 2 * NSLOT) * K:(21 + 2 * NSLOT) * K + ngrp]
    scratch = fw[(21 + 2 * NSLOT) * K + ngrp:(21 + 2 * NSLOT) * K + 2 * ngrp + nb]  # serial group, fold_counts' bits
    pos_p = loop_of_dim[DP]
    pos_q = loop_of_dim[DQ]
    # walk only the loops with more than one class; the others stay at index 0
    act = heads  # (heads is free once the classes are known)
    nact = 0
    for pos in range(6):
        idx[pos] = 0
        seg_at[pos] = 0
        if nseg[pos] > 1:
            act[nact] = pos
            nact += 1
    # Classes of one loop whose subtrees differ only in their first step share one walk (docs/engine.md
    # "Tile classes"): below a class, every step but the first advanced an inner loop, so it depends on
    # the class only through its tile's extent (edge or not), for C whether it is the first or last index,
    # for P/Q the input span it reads. The first class of such a group is walked with the group's
    # multiplicity for the counts and its subtree kept (total, second and last steps); each other class
    # costs its own first step and the one junction after it.
    nslot = 0
    x_from = 7  # levels from here down track their sequence's second step: those below a kept subtree
    for m in range(nact):
        pos = act[m]
        d = order[pos]
        base = pos * maxseg
        for c in range(nseg[pos]):
            cls[src + base + c] = -1
            cls[agg + base + c] = cls[mult + base + c]
            cls[slot + base + c] = -1
        if m == nact - 1:  # the innermost loop's subtrees are single steps: nothing to share
            continue
        for c in range(1, nseg[pos]):
            r = cls[rep + base + c]
            for c0 in range(c):
                r0 = cls[rep + base + c0]
                if cls[src + base + c0] >= 0 or ((dims[d] - r * tiles[d] < tiles[d])
                                                 != (dims[d] - r0 * tiles[d] < tiles[d])):
                    continue
                if d == DC and ((r == 0) != (r0 == 0) or (r == trips[d] - 1) != (r0 == trips[d] - 1)):
                    continue
                if (d == DP or d == DQ) and cls[used + base + c] != cls[used + base + c0]:
                    continue
                if cls[slot + base + c0] < 0:
                    if nslot == NSLOT:
                        break
                    cls[slot + base + c0] = nslot
                    nslot += 1
                    if m + 1 < x_from:
                        x_from = m + 1
                cls[src + base + c] = c0
                cls[agg + base + c0] += cls[mult + base + c]
                break
    lvl = 0
    seg_ptr[0] = 0
    empty[0] = 1
    total[0] = 0
    path_mult[0] = 1
    while True:
        if lvl == nact:  # one step: level nact holds it (its first row is also its last)
            key = step_cost(idx, cls[used + pos_p * maxseg + seg_at[pos_p]],
                            cls[used + pos_q * maxseg + seg_at[pos_q]], dims, tiles, trips, loop_of_dim, inner,
                            rows_mask, cols_mask, tmp_order, arr, bits, op_buf, buf_bw_bits, buf_db, home_kind,
                            home_bw_bits, dram_bw_bits, dram_lat, tree, rel_rc, e, te, scratch, first, lvl, memo,
                            memo_valid, keys)
            keys[1 + N_MEMO + key] += path_mult[lvl]
            total[lvl] = 0
            if nact == 0:
                break
            lvl -= 1
            ch_last, ch_row = first, nact
        elif seg_ptr[lvl] < nseg[act[lvl]]:
            pos = act[lvl]
            c = seg_ptr[lvl]
            idx[pos] = cls[rep + pos * maxseg + c]
            seg_at[pos] = c
            c0 = cls[src + pos * maxseg + c]
            if c0 < 0:  # walk the class's subtree
                path_mult[lvl + 1] = path_mult[lvl] * cls[agg + pos * maxseg + c]
                lvl += 1
                if lvl < nact:
                    seg_ptr[lvl] = 0
                    empty[lvl] = 1
                    total[lvl] = 0
                continue
            # the kept subtree of class c0 with this class's first step (its steps are counted with c0's)
            ch = lvl + 1
            for m in range(ch, nact):
                idx[act[m]] = cls[rep + act[m] * maxseg]
                seg_at[act[m]] = 0
            step_cost(idx, cls[used + pos_p * maxseg + seg_at[pos_p]], cls[used + pos_q * maxseg + seg_at[pos_q]],
                      dims, tiles, trips, loop_of_dim, inner, rows_mask, cols_mask, tmp_order, arr, bits, op_buf,
                      buf_bw_bits, buf_db, home_kind, home_bw_bits, dram_bw_bits, dram_lat, tree, rel_rc, e, te,
                      scratch, first, ch, memo, memo_valid, keys)
            sl = cls[slot + pos * maxseg + c0]
            total[ch] = sv_total[sl] - sv_jf[sl] + junction(first, ch, kept, 2 * sl, tmp, nb, home_kind,
                                                            home_bw_bits, buf_bw_bits, dram_bw_bits, dram_lat)
            ch_last, ch_row = kept, 2 * sl + 1
        else:
            if lvl == 0:
                break
            lvl -= 1
            ch_last, ch_row = last, lvl + 1
        # append child (lvl + 1), repeated k times, to the sequence of level lvl
        ch = lvl + 1
        pos = act[lvl]
        c = seg_ptr[lvl]
        k = cls[mult + pos * maxseg + c]
        rep_total = k * total[ch]
        j_rep = 0
        if k > 1:
            j_rep = junction(ch_last, ch_row, first, ch, tmp, nb, home_kind, home_bw_bits, buf_bw_bits, dram_bw_bits,
                             dram_lat)
            rep_total += (k - 1) * j_rep
        if empty[lvl]:
            for j in range(INFO_HEAD + n_vec):
                first[lvl * K + j] = first[ch * K + j]
            total[lvl] = rep_total
            empty[lvl] = 0
            if lvl >= x_from:  # the sequence's second step: the child's, or the child's repetition
                need2[lvl] = 0
                if ch < nact:
                    jf[lvl] = jf[ch]
                    for j in range(INFO_HEAD + n_vec):
                        second[lvl * K + j] = second[ch * K + j]
                elif k > 1:
                    jf[lvl] = j_rep
                    for j in range(INFO_HEAD + n_vec):
                        second[lvl * K + j] = first[ch * K + j]
                else:
                    need2[lvl] = 1
        else:
            j_add = junction(last, lvl, first, ch, tmp, nb, home_kind, home_bw_bits, buf_bw_bits, dram_bw_bits,
                             dram_lat)
            total[lvl] += rep_total + j_add
            if lvl >= x_from and need2[lvl]:  # the child's first step is the sequence's second
                need2[lvl] = 0
                jf[lvl] = j_add
                for j in range(INFO_HEAD + n_vec):
                    second[lvl * K + j] = first[ch * K + j]
        for j in range(INFO_HEAD):
            last[lvl * K + j] = ch_last[ch_row * K + j]
        for j in range(INFO_HEAD + ngrp, INFO_HEAD + ngrp + n_vec):
            last[lvl * K + j] = ch_last[ch_row * K + j]
        sl = cls[slot + pos * maxseg + c]
        if sl >= 0:  # keep this subtree for the classes that share it
            sv_total[sl] = total[ch]
            sv_jf[sl] = jf[ch]
            for j in range(INFO_HEAD + n_vec):
                kept[2 * sl * K + j] = second[ch * K + j]
            for j in range(INFO_HEAD):
                kept[(2 * sl + 1) * K + j] = last[lvl * K + j]
            for j in range(INFO_HEAD + ngrp, INFO_HEAD + ngrp + n_vec):
                kept[(2 * sl + 1) * K + j] = last[lvl * K + j]
        seg_ptr[lvl] += 1

    top_last = first if nact == 0 else last
    steps = 0
    for i in range(1, keys[0] + 1):
        key = keys[i]
        n = keys[1 + N_MEMO + key]
        steps += n
        for j in range(NW):
            out[WALK_COUNTS[j]] += n * memo[key * NW + j]
    out[O_STEPS] = steps
    # first step: its own loads; last step: compute, then its write-back and the final one
    start = int(first[1]) + int(first[2])
    tmp[:] = 0.0
    last_outs = 1
    for d in (DG, DN, DM, DP, DQ):
        last_outs *= dims[d] - (trips[d] - 1) * tiles[d]
    add_transfer(tmp, 0, OFMAP, last_outs * bits[3], home_kind, op_buf)
    fin = group_time(tmp, 0, nb, home_kind, home_bw_bits, buf_bw_bits, dram_bw_bits, dram_lat)
    carried = 0
    if wb_possible:
        carried = group_time(top_last, INFO_HEAD + ngrp, nb, home_kind, home_bw_bits, buf_bw_bits, dram_bw_bits,
                             dram_lat)
    c_last = int(top_last[0])
    out[O_CYCLES] = start + total[0] + (c_last if c_last > carried else carried) + fin
    if arr[ARR_Q_OFF_BY_ONE]:  # SCALE-Sim reports the last cycle's 0-based index: one short per layer
        out[O_CYCLES] -= trips[DG]
        out[O_COMPUTE] -= trips[DG]
    return 0
