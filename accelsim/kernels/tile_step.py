"""numba: the cost of one tile step of the class walk in ``conv_cost`` (its loads, partial-sum
read-backs and write-backs, grouped by whether they overlap the previous step's compute, and its
array-level counts from ``fold_counts``), and the time one step adds after another (DESIGN.md §2,
docs/engine.md "Timing")."""

from numba import njit

from accelsim.kernels.fold_counts import NW, W_COMP, fold_counts
from accelsim.kernels.transfers import add_transfer, group_time
from accelsim.kernels.layout import DC, DG, DM, DN, DP, DQ, DR, DS, FILTER, HOME_IS_STAGING, IFMAP, OFMAP

INFO_HEAD = 4  # info = [compute, time of overlapped group, time of serial group, has write-back, groups...]
N_MEMO = 128  # fold-count memo keys: 1 bit "outputs start here" + 1 "edge tile" bit per tile dim


@njit(cache=True, inline="always", _nrt=False, error_model="numpy")
def _queue(double_buffered, g, off, sg, op, nbits, home_kind, op_buf):
    """A transfer into group ``g[off:]`` when its buffer is double buffered (it overlaps the previous
    step's compute), else into the serial group ``sg``."""
    if double_buffered:
        add_transfer(g, off, op, nbits, home_kind, op_buf)
    else:
        add_transfer(sg, 0, op, nbits, home_kind, op_buf)


@njit(cache=True, inline="always", _nrt=False, error_model="numpy")
def step_cost(idx, used_p, used_q, dims, tiles, trips, loop_of_dim, inner, rows_mask, cols_mask, tmp_order, arr, bits,
          op_buf, buf_bw_bits, buf_db, home_kind, home_bw_bits, dram_bw_bits, dram_lat, tree, rel_rc, e, te,
          scratch, info, row, memo, memo_valid, keys):
    """Cost of the tile step with loop indices ``idx``: fills ``info[row]`` (compute time, the times
    of its overlapped and serial transfer groups, whether it carries a write-back, then the groups a
    junction may need: overlapped loads, and the double-buffered write-back carried to the next
    step, zeroed only when the layer can have one). ``scratch`` holds the serial group, then the
    per-buffer bits of ``fold_counts``. Returns the key of its array-level counts in ``memo``
    (computed on the key's first step, which also registers it in ``keys``)."""
    nb = buf_bw_bits.shape[0]
    ngrp = 4 + nb
    K = INFO_HEAD + 2 * ngrp
    g = info[row * K:(row + 1) * K]
    sg = scratch[:ngrp]
    kz = INFO_HEAD + ngrp
    if buf_db[op_buf[OFMAP]] != 0 and home_kind[OFMAP] != HOME_IS_STAGING:
        kz = K
    g[:kz] = 0.0
    sg[:] = 0.0
    over = INFO_HEAD
    evdb = INFO_HEAD + ngrp
    cp = -1  # the loop position the odometer advanced to reach this step
    for pos in range(6):
        if idx[pos] > 0:
            cp = pos
    for d in range(6):
        rem = dims[d] - idx[loop_of_dim[d]] * tiles[d]
        e[d] = tiles[d] if tiles[d] < rem else rem
    e[DR] = dims[DR]
    e[DS] = dims[DS]
    c_idx = idx[loop_of_dim[DC]]
    if cp < 0 or cp <= inner[IFMAP]:
        nbits = e[DG] * e[DN] * e[DC] * used_p * used_q * bits[0]
        _queue(buf_db[op_buf[IFMAP]], g, over, sg, IFMAP, nbits, home_kind, op_buf)
    if cp < 0 or cp <= inner[FILTER]:
        nbits = e[DG] * e[DM] * e[DC] * e[DR] * e[DS] * bits[1]
        _queue(buf_db[op_buf[FILTER]], g, over, sg, FILTER, nbits, home_kind, op_buf)
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
            _queue(of_db, g, evdb, sg, OFMAP, wbits, home_kind, op_buf)
            if of_db and wbits > 0 and home_kind[OFMAP] != HOME_IS_STAGING:
                g[3] = 1.0
        if c_idx > 0:  # partial sums come back
            _queue(of_db, g, over, sg, OFMAP, cur_outs * bits[2], home_kind, op_buf)

    # compute: folds of this tile. They depend only on the tile's extents (full or edge along each
    # dim) and on whether outputs start here, so each such key is computed once per layer.
    key = 1 if c_idx == 0 else 0
    for d in range(6):
        if e[d] < tiles[d]:
            key |= 2 << d
    mw = key >> 6
    mb = 1 << (key & 63)
    if memo_valid[mw] & mb == 0:
        memo_valid[mw] |= mb
        keys[0] += 1
        keys[keys[0]] = key
        keys[1 + N_MEMO + key] = 0
        fold_counts(e, c_idx, cur_outs, rows_mask, cols_mask, tmp_order, arr, bits, op_buf, buf_bw_bits, tree,
                     rel_rc, te, scratch[ngrp:], memo[key * NW:(key + 1) * NW])
    g[0] = memo[key * NW + W_COMP]
    g[1] = group_time(g, over, nb, home_kind, home_bw_bits, buf_bw_bits, dram_bw_bits, dram_lat)
    g[2] = group_time(sg, 0, nb, home_kind, home_bw_bits, buf_bw_bits, dram_bw_bits, dram_lat)
    return key


@njit(cache=True, inline="always", _nrt=False, error_model="numpy")
def junction(last, ra, first, rb, tmp, nb, home_kind, home_bw_bits, buf_bw_bits, dram_bw_bits, dram_lat):
    """Time step B (``first[rb]``) adds after step A (``last[ra]``): max(C_A, overlapped transfers of
    B + A's write-back) + serial transfers of B."""
    ngrp = 4 + nb
    K = INFO_HEAD + 2 * ngrp
    a = ra * K
    b = rb * K
    if last[a + 3] > 0:  # A's double-buffered write-back shares B's overlapped window
        for g in range(ngrp):
            tmp[g] = first[b + INFO_HEAD + g] + last[a + INFO_HEAD + ngrp + g]
        o = group_time(tmp, 0, nb, home_kind, home_bw_bits, buf_bw_bits, dram_bw_bits, dram_lat)
    else:
        o = int(first[b + 1])
    c = int(last[a])
    return (c if c > o else o) + int(first[b + 2])
