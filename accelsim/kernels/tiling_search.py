"""numba kernel: the best tile sizes for one layer, loop order and unrolling, over a candidate set.

Candidates per dim are given (ascending). Footprints grow with every tile size, so the innermost
candidate loop stops at the first tile set that does not fit. Objectives:

* ``OBJ_DRAM``: backing-memory bits (closed form, the same reuse rule as ``conv_layer_cost``) and
  on-chip home bits within ``slack_percent`` of their minimum, then the fewest cycles: a second pass
  times those sets with the full cost kernel (strict minimum traffic can starve the array — ResNet-50's
  conv1 on ``edge`` takes a 1-channel output tile to save a little halo traffic);
* ``OBJ_CYCLES``: minimise cycles from the full cost kernel, then backing-memory bits.
"""

import numpy as np
from numba import njit

from accelsim.kernels.conv_cost import FW_SIZE, IW_BASE, IW_PER_CLASS, IW_SIZE, cost_into
from accelsim.kernels.reuse import tile_fetches, tile_traffic
from accelsim.kernels.spans import span_used
from accelsim.kernels.layout import N_OUT
from accelsim.kernels.layout import (
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
    O_CYCLES,
)

OBJ_DRAM, OBJ_CYCLES = 0, 1


@njit(cache=True)
def span_sums(n_out, cands, ncand, k, stride, pad, dil, size):
    """For each candidate tile size T: total input positions read over all tiles of T outputs,
    and the largest single tile's span (for footprints)."""
    sums = np.zeros(ncand, np.int64)
    for j in range(ncand):
        t = cands[j]
        tot = 0
        o0 = 0
        while o0 < n_out:
            tot += span_used(o0, min(n_out, o0 + t), k, stride, pad, dil, size)
            o0 += t
        sums[j] = tot
    return sums


@njit(cache=True, _nrt=False, error_model="numpy")
def _traffic_bits(dims, tiles, order, bits, home_kind, sum_rows, sum_cols, inner, fetches, trips):
    """(DRAM bits, on-chip home bits, steps) of one tile set, by the kernel's reuse rule (``inner``,
    ``fetches``, ``trips``: scratch)."""
    steps = 1
    for d in range(6):
        trips[d] = (dims[d] + tiles[d] - 1) // tiles[d]
        steps *= trips[d]
    tile_fetches(trips, order, inner, fetches)
    rd_if, rd_fi, rd_of, wr_of = tile_traffic(dims, fetches, sum_rows, sum_cols)
    outs = dims[DG] * dims[DN] * dims[DM] * dims[DP] * dims[DQ]
    per_op = (rd_if * bits[0], rd_fi * bits[1], (rd_of + wr_of - outs) * bits[2] + outs * bits[3])
    dram = 0
    onchip = 0
    for op in range(3):
        if home_kind[op] == HOME_DRAM:
            dram += per_op[op]
        elif home_kind[op] != HOME_IS_STAGING:
            onchip += per_op[op]
    return dram, onchip, steps


@njit(cache=True, _nrt=False, error_model="numpy")
def _fits(tiles, ip, iq, in_span, cap, bits, op_buf, buf_db, home_kind, R, S, need):
    need[:] = 0
    for op in range(3):
        if home_kind[op] == HOME_IS_STAGING:
            continue
        if op == IFMAP:
            b = tiles[DG] * tiles[DN] * tiles[DC] * in_span[0, ip] * in_span[1, iq] * bits[0]
        elif op == FILTER:
            b = tiles[DG] * tiles[DM] * tiles[DC] * R * S * bits[1]
        else:
            b = tiles[DG] * tiles[DN] * tiles[DM] * tiles[DP] * tiles[DQ] * bits[2]
        need[op_buf[op]] += ((b + 7) // 8) * (2 if buf_db[op_buf[op]] else 1)
    for b in range(cap.shape[0]):
        if need[b] > cap[b]:
            return False
    return True


@njit(cache=True)
def search_tiles(objective, slack_percent, cands, ncand, in_span, sum_rows, sum_cols, cap, dims, geom, order, rows_mask,
                 cols_mask, tmp_order, arr, bits, op_buf, buf_bw_bits, buf_db, home_kind, home_bw_bits, dram_bw_bits,
                 dram_lat):
    """Index into ``cands`` of the best feasible tile set per dim (int64[6]), or all -1 if none fits.

    ``cands[d, :ncand[d]]`` ascending candidate tile sizes of dim d (G N M C P Q); ``in_span[0|1, j]``
    the input rows/cols one tile of ``cands[P|Q, j]`` outputs can touch; ``sum_rows[j]``/``sum_cols[j]``
    the input positions read over all tiles; ``cap[b]`` free bytes of buffer b.

    The search itself (``_search``) runs without numba's runtime: reference counting on the array
    arguments of its per-candidate calls cost more than the candidates' arithmetic. It is handed its
    scratch space here, and run again with a larger cost-kernel workspace in the rare case a candidate
    has more index classes per loop than the default one holds."""
    best = np.empty(6, np.int64)
    scratch = np.empty(3 + 3 + 3 + 6 + 6, np.int64)  # best key, loop inner, fetches, trips, tiles
    need = np.zeros(cap.shape[0], np.int64)
    fw = np.empty(FW_SIZE, np.float64)
    out = np.empty(N_OUT, np.int64)
    iw = np.empty(IW_SIZE, np.int64)
    while True:
        more = _search(objective, slack_percent, cands, ncand, in_span, sum_rows, sum_cols, cap, dims, geom, order,
                       rows_mask, cols_mask, tmp_order, arr, bits, op_buf, buf_bw_bits, buf_db, home_kind, home_bw_bits,
                       dram_bw_bits, dram_lat, best, scratch, need, iw, fw, out)
        if more == 0:
            return best
        iw = np.empty(IW_BASE + IW_PER_CLASS * more, np.int64)


@njit(cache=True, _nrt=False, error_model="numpy")
def _search(objective, slack_percent, cands, ncand, in_span, sum_rows, sum_cols, cap, dims, geom, order, rows_mask,
            cols_mask, tmp_order, arr, bits, op_buf, buf_bw_bits, buf_db, home_kind, home_bw_bits, dram_bw_bits,
            dram_lat, best, scratch, need, iw, fw, out):
    """``search_tiles`` into ``best``; returns 0, or the index classes per loop a candidate needs when
    ``iw`` is too small (``best`` is then not valid)."""
    big = 9223372036854775807  # int64 max
    best_key, inner, fetches, trips, tiles = scratch[0:3], scratch[3:6], scratch[6:9], scratch[9:15], scratch[15:21]
    for d in range(6):
        best[d] = -1
    best_key[0] = best_key[1] = best_key[2] = big
    target_dram = target_onchip = big
    R, S = dims[DR], dims[DS]
    # pass 0: the minimum (DRAM, on-chip) traffic, or the minimum cycles; pass 1 (DRAM objective
    # only): the fewest cycles among the sets that reach that minimum traffic
    for phase in range(2):
        if phase == 1:
            if objective != OBJ_DRAM or best[0] < 0:
                break
            target_dram, target_onchip = best_key[0], best_key[1]
            best_key[0] = best_key[1] = best_key[2] = big
        for ig in range(ncand[DG]):
            for i_n in range(ncand[DN]):
                for im in range(ncand[DM]):
                    for ic in range(ncand[DC]):
                        for ip in range(ncand[DP]):
                            for iq in range(ncand[DQ]):
                                tiles[DG], tiles[DN], tiles[DM] = cands[DG, ig], cands[DN, i_n], cands[DM, im]
                                tiles[DC], tiles[DP], tiles[DQ] = cands[DC, ic], cands[DP, ip], cands[DQ, iq]
                                if not _fits(tiles, ip, iq, in_span, cap, bits, op_buf, buf_db, home_kind, R, S,
                                             need):
                                    break  # larger Q tiles only need more
                                dram, onchip, steps = _traffic_bits(dims, tiles, order, bits, home_kind,
                                                                    sum_rows[ip], sum_cols[iq], inner, fetches, trips)
                                if phase == 0 and objective == OBJ_DRAM:
                                    k0, k1, k2 = dram, onchip, steps
                                elif phase == 1 and (dram * 100 > target_dram * (100 + slack_percent) or
                                                     onchip * 100 > target_onchip * (100 + slack_percent)):
                                    continue
                                else:
                                    more = cost_into(dims, geom, tiles, order, rows_mask, cols_mask, tmp_order, arr,
                                                     bits, op_buf, buf_bw_bits, buf_db, home_kind, home_bw_bits,
                                                     dram_bw_bits, dram_lat, iw, fw, out)
                                    if more > 0:
                                        return more
                                    k0, k1, k2 = out[O_CYCLES], dram, onchip
                                if (k0 < best_key[0] or (k0 == best_key[0] and (k1 < best_key[1] or (
                                        k1 == best_key[1] and k2 < best_key[2])))):
                                    best_key[0], best_key[1], best_key[2] = k0, k1, k2
                                    best[DG], best[DN], best[DM], best[DC], best[DP], best[DQ] = ig, i_n, im, ic, ip, iq
    return 0
