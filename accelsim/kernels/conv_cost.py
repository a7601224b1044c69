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
O(classes), whatever the tile count.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from accelsim.kernels.layout import (
    BROADCAST,
    DC,
    DG,
    DM,
    DN,
    DP,
    DQ,
    DR,
    DS,
    FILTER,
    HOME_DRAM,
    HOME_IS_STAGING,
    IFMAP,
    N_OUT,
    O_ARR_FI,
    O_ARR_IF,
    O_ARR_OF,
    O_BUF_RD_FI,
    O_BUF_RD_IF,
    O_BUF_RD_OF,
    O_BUF_WR_OF,
    O_COMPULSORY_IF,
    O_COMPUTE,
    O_CYCLES,
    O_DELIV_FI,
    O_DELIV_IF,
    O_DELIV_OF,
    O_FOLD_CYCLES,
    O_HOME_RD_FI,
    O_HOME_RD_IF,
    O_HOME_RD_OF,
    O_HOME_WR_OF,
    O_HOME_WR_OF_FINAL,
    O_MACS,
    O_STEPS,
    O_USED_PE_CYCLES,
    OFMAP,
    REL,
)


@njit(cache=True)
def span_used(o0, o1, k, stride, pad, dil, size):
    """Distinct input positions in [0, size) read by outputs [o0, o1) of a kernel of extent k."""
    lo = o0 * stride - pad
    hi = (o1 - 1) * stride - pad + (k - 1) * dil
    if lo < 0:
        lo = 0
    if hi > size - 1:
        hi = size - 1
    count = 0
    for h in range(lo, hi + 1):
        for r in range(k):
            num = h + pad - r * dil
            if num < 0:
                break
            if num % stride == 0:
                o = num // stride
                if o0 <= o < o1:
                    count += 1
                    break
    return count


@njit(cache=True)
def _ceil_div(a, b):
    return (a + b - 1) // b


@njit(cache=True)
def _ceil_log2(x):
    d = 0
    v = 1
    while v < x:
        v *= 2
        d += 1
    return d


@njit(cache=True)
def _group_time(g, nb, home_kind, home_bw_bits, buf_bw_bits, dram_bw_bits, dram_lat):
    """Cycles to move one group of transfers. g = [dram, home_if, home_fi, home_of, buf0..]."""
    t = 0
    if g[0] > 0:
        t = int(np.ceil(g[0] / dram_bw_bits))
    for op in range(3):
        if g[1 + op] > 0:
            x = int(np.ceil(g[1 + op] / home_bw_bits[op]))
            if x > t:
                t = x
    for b in range(nb):
        if g[4 + b] > 0:
            x = int(np.ceil(g[4 + b] / buf_bw_bits[b]))
            if x > t:
                t = x
    if g[0] > 0:
        t += dram_lat
    return t


@njit(cache=True)
def _add_transfer(g, op, nbits, home_kind, op_buf):
    if nbits <= 0 or home_kind[op] == HOME_IS_STAGING:
        return
    if home_kind[op] == HOME_DRAM:
        g[0] += nbits
    else:
        g[1 + op] += nbits
    g[4 + op_buf[op]] += nbits


@njit(cache=True)
def tile_fetches(trips, order, inner, fetches):
    """The reuse rule. ``inner[op]``: position of the innermost loop with more than one trip that
    indexes the operand; ``fetches[op]``: product of the trips of the loops outside it that do not
    index it = how often each distinct tile of the operand is brought in."""
    for op in range(3):
        inner[op] = -1
        fetches[op] = 1
        for pos in range(6):
            if REL[op, order[pos]] == 1 and trips[order[pos]] > 1:
                inner[op] = pos
        for pos in range(inner[op] + 1):
            if REL[op, order[pos]] == 0:
                fetches[op] *= trips[order[pos]]


@njit(cache=True)
def tile_traffic(dims, fetches, sum_rows, sum_cols):
    """Home-level element counts (ifmap reads, filter reads, partial-sum reads, ofmap writes) given the
    fetch counts and the input rows/cols read over all P/Q tiles."""
    G, N, M, C, P, Q, R, S = dims[0], dims[1], dims[2], dims[3], dims[4], dims[5], dims[6], dims[7]
    outs = G * N * M * P * Q
    return (fetches[IFMAP] * G * N * C * sum_rows * sum_cols, fetches[FILTER] * G * M * C * R * S,
            (fetches[OFMAP] - 1) * outs, fetches[OFMAP] * outs)


@njit(cache=True)
def _segments(trips, tiles, dims, geom, order):
    """Index classes of each tile loop: representative index, multiplicity, input span used (P/Q)."""
    heads = np.zeros(6, np.int64)
    tails = np.zeros(6, np.int64)
    maxseg = 3
    for pos in range(6):
        d = order[pos]
        t = trips[d]
        if d == DP or d == DQ:
            ax = 0 if d == DP else 1
            k, stride, pad, dil, size = dims[DR + ax], geom[2 + ax], geom[4 + ax], geom[6 + ax], geom[ax]
            a = 0
            while a < t and a * tiles[d] * stride - pad < 0:
                a += 1
            b = t
            while b > 0:
                o1 = min(dims[d], b * tiles[d])
                if (o1 - 1) * stride - pad + (k - 1) * dil > size - 1:
                    b -= 1
                else:
                    break
            heads[pos] = a
            tails[pos] = t - b
            if a + t - b + 3 > maxseg:
                maxseg = a + t - b + 3
    nseg = np.zeros(6, np.int64)
    rep = np.zeros((6, maxseg), np.int64)
    mult = np.zeros((6, maxseg), np.int64)
    used = np.zeros((6, maxseg), np.int64)
    for pos in range(6):
        d = order[pos]
        t = trips[d]
        lo_run = max(1, heads[pos])
        hi_run = min(t - 1, t - tails[pos])
        n = 0
        for i in range(min(lo_run, t)):
            rep[pos, n] = i
            mult[pos, n] = 1
            n += 1
        if hi_run > lo_run:
            rep[pos, n] = lo_run
            mult[pos, n] = hi_run - lo_run
            n += 1
        for i in range(max(hi_run, lo_run), t):
            rep[pos, n] = i
            mult[pos, n] = 1
            n += 1
        nseg[pos] = n
        if d == DP or d == DQ:
            ax = 0 if d == DP else 1
            for sg in range(n):
                o0 = rep[pos, sg] * tiles[d]
                used[pos, sg] = span_used(o0, min(dims[d], o0 + tiles[d]), dims[DR + ax], geom[2 + ax],
                                          geom[4 + ax], geom[6 + ax], geom[ax])
    return nseg, rep, mult, used


@njit(cache=True)
def _step(idx, used_p, used_q, dims, tiles, trips, order, loop_of_dim, inner, rows_mask, cols_mask, tmp_order,
          arr, bits, op_buf, buf_bw_bits, buf_db, home_kind, tree, info, cnt):
    """Cost of the tile step with loop indices ``idx``: fills ``info`` (compute time and transfer
    groups: overlapped loads, serial transfers, double-buffered write-back carried to the next
    step) and adds its array-level counts to ``cnt``."""
    nb = buf_bw_bits.shape[0]
    ngrp = 4 + nb
    n_rows, n_cols, kmac, inter = arr[0], arr[1], arr[2], arr[3]
    info[:] = 0.0
    over = info[1:1 + ngrp]
    ser = info[1 + ngrp:1 + 2 * ngrp]
    evdb = info[1 + 2 * ngrp:1 + 3 * ngrp]
    cp = -1  # the loop position the odometer advanced to reach this step
    for pos in range(6):
        if idx[pos] > 0:
            cp = pos
    e = np.empty(8, np.int64)
    for d in range(6):
        rem = dims[d] - idx[loop_of_dim[d]] * tiles[d]
        e[d] = tiles[d] if tiles[d] < rem else rem
    e[DR] = dims[DR]
    e[DS] = dims[DS]
    c_idx = idx[loop_of_dim[DC]]
    if cp < 0 or cp <= inner[IFMAP]:
        nbits = e[DG] * e[DN] * e[DC] * used_p * used_q * bits[0]
        _add_transfer(over if buf_db[op_buf[IFMAP]] else ser, IFMAP, nbits, home_kind, op_buf)
    if cp < 0 or cp <= inner[FILTER]:
        nbits = e[DG] * e[DM] * e[DC] * e[DR] * e[DS] * bits[1]
        _add_transfer(over if buf_db[op_buf[FILTER]] else ser, FILTER, nbits, home_kind, op_buf)
    cur_outs = e[DG] * e[DN] * e[DM] * e[DP] * e[DQ]
    of_db = buf_db[op_buf[OFMAP]]
    if cp < 0 or cp <= inner[OFMAP]:
        if cp >= 0:  # evict the previous step's output tile (the odometer predecessor's)
            prev_outs = 1
            prev_final = False
            for d in (DG, DN, DM, DP, DQ, DC):
                pos = loop_of_dim[d]
                i = idx[pos] if pos < cp else (idx[pos] - 1 if pos == cp else trips[d] - 1)
                if d == DC:
                    prev_final = i == trips[DC] - 1
                else:
                    rem = dims[d] - i * tiles[d]
                    prev_outs *= tiles[d] if tiles[d] < rem else rem
            wbits = prev_outs * (bits[3] if prev_final else bits[2])
            _add_transfer(evdb if of_db else ser, OFMAP, wbits, home_kind, op_buf)
        if c_idx > 0:  # partial sums come back
            _add_transfer(over if of_db else ser, OFMAP, cur_outs * bits[2], home_kind, op_buf)

    # compute: folds of this tile
    te = np.empty(8, np.int64)
    er = 1
    ec = 1
    t_all = 1
    for d in range(8):
        if rows_mask[d]:
            er *= e[d]
            te[d] = 1
        elif cols_mask[d]:
            ec *= e[d]
            te[d] = 1
        else:
            t_all *= e[d]
            te[d] = e[d]
    fr = _ceil_div(er, n_rows)
    fc = _ceil_div(ec, n_cols)
    tcyc = _ceil_div(t_all, kmac)
    per = tcyc + tree if inter == BROADCAST else tcyc + 2 * n_rows + n_cols - 2
    fold_cycles = fr * fc * per
    cnt[O_FOLD_CYCLES] += fold_cycles
    cnt[O_USED_PE_CYCLES] += er * ec * per
    buf_bits = np.zeros(nb, np.float64)
    for op in range(3):
        rel_r = 0
        rel_c = 0
        for d in range(8):
            if rows_mask[d] and REL[op, d]:
                rel_r = 1
            if cols_mask[d] and REL[op, d]:
                rel_c = 1
        a_r = er if rel_r else fr
        a_c = ec if rel_c else fc
        jj = -1
        for k in range(8):
            if REL[op, tmp_order[k]] == 1 and te[tmp_order[k]] > 1:
                jj = k
        treuse = 1
        for k in range(jj + 1):
            treuse *= te[tmp_order[k]]
        reads = a_r * a_c * treuse
        deliv = er * ec * treuse
        if op == IFMAP:
            cnt[O_BUF_RD_IF] += reads
            cnt[O_ARR_IF] += deliv - reads
            cnt[O_DELIV_IF] += deliv
            buf_bits[op_buf[IFMAP]] += reads * bits[0]
        elif op == FILTER:
            cnt[O_BUF_RD_FI] += reads
            cnt[O_ARR_FI] += deliv - reads
            cnt[O_DELIV_FI] += deliv
            buf_bits[op_buf[FILTER]] += reads * bits[1]
        else:
            first = cur_outs if c_idx == 0 else 0
            cnt[O_BUF_WR_OF] += reads
            cnt[O_BUF_RD_OF] += reads - first
            cnt[O_ARR_OF] += deliv - reads
            cnt[O_DELIV_OF] += deliv
            buf_bits[op_buf[OFMAP]] += (2 * reads - first) * bits[2]
    c_tile = fold_cycles
    for b in range(nb):
        if buf_bits[b] > 0:
            x = int(np.ceil(buf_bits[b] / buf_bw_bits[b]))
            if x > c_tile:
                c_tile = x
    info[0] = c_tile
    cnt[O_COMPUTE] += c_tile


@njit(cache=True)
def _junction(a_last, b_first, tmp, nb, home_kind, home_bw_bits, buf_bw_bits, dram_bw_bits, dram_lat):
    """Time step B adds after step A: max(C_A, overlapped transfers of B + A's write-back) + serial of B."""
    ngrp = 4 + nb
    for g in range(ngrp):
        tmp[g] = b_first[1 + g] + a_last[1 + 2 * ngrp + g]
    o = _group_time(tmp, nb, home_kind, home_bw_bits, buf_bw_bits, dram_bw_bits, dram_lat)
    c = int(a_last[0])
    return (c if c > o else o) + _group_time(b_first[1 + ngrp:1 + 2 * ngrp], nb, home_kind, home_bw_bits,
                                             buf_bw_bits, dram_bw_bits, dram_lat)


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
    out = np.zeros(N_OUT, np.int64)
    nb = buf_bw_bits.shape[0]
    G, N, M, C, P, Q, R, S = dims[0], dims[1], dims[2], dims[3], dims[4], dims[5], dims[6], dims[7]
    trips = np.empty(6, np.int64)
    for d in range(6):
        trips[d] = _ceil_div(dims[d], tiles[d])
    loop_of_dim = np.empty(6, np.int64)
    for pos in range(6):
        loop_of_dim[order[pos]] = pos
    nseg, rep, mult, used = _segments(trips, tiles, dims, geom, order)

    # --- tile-level traffic, closed form ---------------------------------
    sum_rows = 0
    sum_cols = 0
    for sg in range(nseg[loop_of_dim[DP]]):
        sum_rows += mult[loop_of_dim[DP], sg] * used[loop_of_dim[DP], sg]
    for sg in range(nseg[loop_of_dim[DQ]]):
        sum_cols += mult[loop_of_dim[DQ], sg] * used[loop_of_dim[DQ], sg]
    inner = np.full(3, -1, np.int64)
    fetches = np.ones(3, np.int64)
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
            tree = _ceil_log2(arr[0])
    for d in (DC, DR, DS):
        if cols_mask[d]:
            tree += _ceil_log2(arr[1])
            break
    ngrp = 4 + nb
    K = 1 + 3 * ngrp
    # per nesting level (0..5 loops, 6 = one step): summary of the sequence walked so far
    first = np.zeros((7, K), np.float64)
    last = np.zeros((7, K), np.float64)
    total = np.zeros(7, np.int64)
    nsteps = np.zeros(7, np.int64)
    cnt = np.zeros((7, N_OUT), np.int64)
    empty = np.ones(7, np.bool_)
    seg_ptr = np.zeros(7, np.int64)
    idx = np.zeros(6, np.int64)
    seg_at = np.zeros(6, np.int64)
    tmp = np.zeros(ngrp, np.float64)
    pos_p = loop_of_dim[DP]
    pos_q = loop_of_dim[DQ]
    lvl = 0
    while True:
        if lvl == 6:
            cnt[6, :] = 0
            _step(idx, used[pos_p, seg_at[pos_p]], used[pos_q, seg_at[pos_q]], dims, tiles, trips, order,
                  loop_of_dim, inner, rows_mask, cols_mask, tmp_order, arr, bits, op_buf, buf_bw_bits, buf_db,
                  home_kind, tree, first[6], cnt[6])
            last[6, :] = first[6, :]
            total[6] = 0
            nsteps[6] = 1
            lvl = 5
        elif seg_ptr[lvl] < nseg[lvl]:
            idx[lvl] = rep[lvl, seg_ptr[lvl]]
            seg_at[lvl] = seg_ptr[lvl]
            lvl += 1
            seg_ptr[lvl] = 0
            empty[lvl] = True
            total[lvl] = 0
            nsteps[lvl] = 0
            cnt[lvl, :] = 0
            continue
        else:
            if lvl == 0:
                break
            lvl -= 1
        # append child (lvl + 1), repeated k times, to the sequence of level lvl
        ch = lvl + 1
        k = mult[lvl, seg_ptr[lvl]]
        rep_total = k * total[ch]
        if k > 1:
            rep_total += (k - 1) * _junction(last[ch], first[ch], tmp, nb, home_kind, home_bw_bits, buf_bw_bits,
                                             dram_bw_bits, dram_lat)
        if empty[lvl]:
            first[lvl, :] = first[ch, :]
            total[lvl] = rep_total
            empty[lvl] = False
        else:
            total[lvl] += rep_total + _junction(last[lvl], first[ch], tmp, nb, home_kind, home_bw_bits,
                                                buf_bw_bits, dram_bw_bits, dram_lat)
        last[lvl, :] = last[ch, :]
        nsteps[lvl] += k * nsteps[ch]
        for j in range(N_OUT):
            cnt[lvl, j] += k * cnt[ch, j]
        seg_ptr[lvl] += 1

    for j in (O_FOLD_CYCLES, O_USED_PE_CYCLES, O_BUF_RD_IF, O_BUF_RD_FI, O_BUF_RD_OF, O_BUF_WR_OF, O_ARR_IF,
              O_ARR_FI, O_ARR_OF, O_DELIV_IF, O_DELIV_FI, O_DELIV_OF, O_COMPUTE):
        out[j] = cnt[0, j]
    out[O_STEPS] = nsteps[0]
    # first step: its own loads; last step: compute, then its write-back and the final one
    start = _group_time(first[0, 1:1 + ngrp], nb, home_kind, home_bw_bits, buf_bw_bits, dram_bw_bits, dram_lat)
    start += _group_time(first[0, 1 + ngrp:1 + 2 * ngrp], nb, home_kind, home_bw_bits, buf_bw_bits, dram_bw_bits,
                         dram_lat)
    tmp[:] = 0.0
    last_outs = 1
    for d in (DG, DN, DM, DP, DQ):
        last_outs *= dims[d] - (trips[d] - 1) * tiles[d]
    _add_transfer(tmp, OFMAP, last_outs * bits[3], home_kind, op_buf)
    fin = _group_time(tmp, nb, home_kind, home_bw_bits, buf_bw_bits, dram_bw_bits, dram_lat)
    carried = _group_time(last[0, 1 + 2 * ngrp:1 + 3 * ngrp], nb, home_kind, home_bw_bits, buf_bw_bits,
                          dram_bw_bits, dram_lat)
    c_last = int(last[0, 0])
    out[O_CYCLES] = start + total[0] + (c_last if c_last > carried else carried) + fin
    return out
