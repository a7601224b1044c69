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
    H, W = geom[0], geom[1]
    n_rows, n_cols, kmac, inter = arr[0], arr[1], arr[2], arr[3]

    trips = np.empty(6, np.int64)
    for d in range(6):
        trips[d] = _ceil_div(dims[d], tiles[d])
    rows_used = np.empty(trips[DP], np.int64)
    for i in range(trips[DP]):
        p0 = i * tiles[DP]
        rows_used[i] = span_used(p0, min(P, p0 + tiles[DP]), R, geom[2], geom[4], geom[6], H)
    cols_used = np.empty(trips[DQ], np.int64)
    for i in range(trips[DQ]):
        q0 = i * tiles[DQ]
        cols_used[i] = span_used(q0, min(Q, q0 + tiles[DQ]), S, geom[3], geom[5], geom[7], W)

    # --- tile-level traffic, closed form ---------------------------------
    inner = np.full(3, -1, np.int64)  # innermost relevant loop position with trip > 1
    for op in range(3):
        for pos in range(6):
            d = order[pos]
            if REL[op, d] == 1 and trips[d] > 1:
                inner[op] = pos
    mult = np.ones(3, np.int64)  # fetches of each distinct tile
    for op in range(3):
        for pos in range(inner[op] + 1):
            d = order[pos]
            if REL[op, d] == 0:
                mult[op] *= trips[d]
    outs = G * N * M * P * Q
    if home_kind[IFMAP] != HOME_IS_STAGING:
        out[O_HOME_RD_IF] = mult[IFMAP] * G * N * C * rows_used.sum() * cols_used.sum()
    if home_kind[FILTER] != HOME_IS_STAGING:
        out[O_HOME_RD_FI] = mult[FILTER] * G * M * C * R * S
    if home_kind[OFMAP] != HOME_IS_STAGING:
        out[O_HOME_RD_OF] = (mult[OFMAP] - 1) * outs
        out[O_HOME_WR_OF] = mult[OFMAP] * outs
        out[O_HOME_WR_OF_FINAL] = outs
    out[O_COMPULSORY_IF] = (
        G * N * C * span_used(0, P, R, geom[2], geom[4], geom[6], H) * span_used(0, Q, S, geom[3], geom[5], geom[7], W)
    )
    out[O_MACS] = G * N * M * C * P * Q * R * S

    # --- walk the tile steps: array-level counts and timing ---------------
    loop_of_dim = np.empty(6, np.int64)
    for pos in range(6):
        loop_of_dim[order[pos]] = pos
    nsteps = 1
    for d in range(6):
        nsteps *= trips[d]
    out[O_STEPS] = nsteps
    rows_red = 0
    cols_red = 0
    for d in (DC, DR, DS):
        rows_red |= rows_mask[d]
        cols_red |= cols_mask[d]
    tree = 0
    if rows_red:
        tree += _ceil_log2(n_rows)
    if cols_red:
        tree += _ceil_log2(n_cols)

    idx = np.zeros(6, np.int64)  # per loop position
    e = np.empty(8, np.int64)
    e[DR] = R
    e[DS] = S
    te = np.empty(8, np.int64)
    ngrp = 4 + nb
    g_over = np.zeros(ngrp, np.float64)  # transfers overlapping the previous compute
    g_ser = np.zeros(ngrp, np.float64)  # transfers after the previous compute
    g_evict_next = np.zeros(ngrp, np.float64)  # DB write-back carried to the next step
    buf_bits = np.zeros(nb, np.float64)
    of_db = buf_db[op_buf[OFMAP]]
    t_end = 0
    t_start = 0
    prev_outs = 0
    prev_c = 0
    changed_pos = 0  # outermost loop position that changed at this step
    for step in range(nsteps):
        for d in range(6):
            i = idx[loop_of_dim[d]]
            rem = dims[d] - i * tiles[d]
            e[d] = tiles[d] if tiles[d] < rem else rem
        c_idx = idx[loop_of_dim[DC]]
        # ---- transfers for this step
        g_over[:] = g_evict_next
        g_evict_next[:] = 0.0
        g_ser[:] = 0.0
        fetch_if = step == 0 or changed_pos <= inner[IFMAP]
        fetch_fi = step == 0 or changed_pos <= inner[FILTER]
        new_out = step == 0 or changed_pos <= inner[OFMAP]
        if fetch_if:
            nbits = (
                e[DG] * e[DN] * e[DC] * rows_used[idx[loop_of_dim[DP]]] * cols_used[idx[loop_of_dim[DQ]]] * bits[0]
            )
            if buf_db[op_buf[IFMAP]]:
                _add_transfer(g_over, IFMAP, nbits, home_kind, op_buf)
            else:
                _add_transfer(g_ser, IFMAP, nbits, home_kind, op_buf)
        if fetch_fi:
            nbits = e[DG] * e[DM] * e[DC] * R * S * bits[1]
            if buf_db[op_buf[FILTER]]:
                _add_transfer(g_over, FILTER, nbits, home_kind, op_buf)
            else:
                _add_transfer(g_ser, FILTER, nbits, home_kind, op_buf)
        cur_outs = e[DG] * e[DN] * e[DM] * e[DP] * e[DQ]
        if new_out:
            if step > 0:  # evict the previous output tile
                wbits = prev_outs * (bits[3] if prev_c == trips[DC] - 1 else bits[2])
                if of_db:
                    _add_transfer(g_evict_next, OFMAP, wbits, home_kind, op_buf)
                else:
                    _add_transfer(g_ser, OFMAP, wbits, home_kind, op_buf)
            if c_idx > 0:  # partial sums come back
                rbits = cur_outs * bits[2]
                if of_db:
                    _add_transfer(g_over, OFMAP, rbits, home_kind, op_buf)
                else:
                    _add_transfer(g_ser, OFMAP, rbits, home_kind, op_buf)
        prev_outs = cur_outs
        prev_c = c_idx

        # ---- compute of this tile
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
        if inter == BROADCAST:
            per = tcyc + tree
        else:
            per = tcyc + 2 * n_rows + n_cols - 2
        fold_cycles = fr * fc * per
        out[O_FOLD_CYCLES] += fold_cycles
        out[O_USED_PE_CYCLES] += er * ec * per
        buf_bits[:] = 0.0
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
                d = tmp_order[k]
                if REL[op, d] == 1 and te[d] > 1:
                    jj = k
            treuse = 1
            for k in range(jj + 1):
                treuse *= te[tmp_order[k]]
            reads = a_r * a_c * treuse
            deliv = er * ec * treuse
            if op == IFMAP:
                out[O_BUF_RD_IF] += reads
                out[O_ARR_IF] += deliv - reads
                out[O_DELIV_IF] += deliv
                buf_bits[op_buf[IFMAP]] += reads * bits[0]
            elif op == FILTER:
                out[O_BUF_RD_FI] += reads
                out[O_ARR_FI] += deliv - reads
                out[O_DELIV_FI] += deliv
                buf_bits[op_buf[FILTER]] += reads * bits[1]
            else:
                first = cur_outs if c_idx == 0 else 0
                out[O_BUF_WR_OF] += reads
                out[O_BUF_RD_OF] += reads - first
                out[O_ARR_OF] += deliv - reads
                out[O_DELIV_OF] += deliv
                buf_bits[op_buf[OFMAP]] += (2 * reads - first) * bits[2]
        c_tile = fold_cycles
        for b in range(nb):
            if buf_bits[b] > 0:
                x = int(np.ceil(buf_bits[b] / buf_bw_bits[b]))
                if x > c_tile:
                    c_tile = x
        out[O_COMPUTE] += c_tile

        # ---- timeline: start = max(end of previous compute, overlapped transfers done) + serial
        o_time = _group_time(g_over, nb, home_kind, home_bw_bits, buf_bw_bits, dram_bw_bits, dram_lat)
        s_time = _group_time(g_ser, nb, home_kind, home_bw_bits, buf_bw_bits, dram_bw_bits, dram_lat)
        start = t_start + o_time
        if t_end > start:
            start = t_end
        start += s_time
        t_start = start
        t_end = start + c_tile

        # ---- advance the odometer
        pos = 5
        while pos >= 0:
            idx[pos] += 1
            if idx[pos] < trips[order[pos]]:
                break
            idx[pos] = 0
            pos -= 1
        changed_pos = pos

    # final write-back of the last output tile, after the last compute
    g_ser[:] = 0.0
    _add_transfer(g_ser, OFMAP, prev_outs * bits[3], home_kind, op_buf)
    o_time = _group_time(g_evict_next, nb, home_kind, home_bw_bits, buf_bw_bits, dram_bw_bits, dram_lat)
    s_time = _group_time(g_ser, nb, home_kind, home_bw_bits, buf_bw_bits, dram_bw_bits, dram_lat)
    total = t_start + o_time
    if t_end > total:
        total = t_end
    total += s_time
    out[O_CYCLES] = total
    return out
