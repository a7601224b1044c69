"""Storage plan and heuristic tiles of many layers in one call (numba): the array form of
``mapping.tiling.plan_storage`` and ``mapping.tiling.heuristic_tiles``, which stay the reference
(tests/test_array_prepare.py checks they agree on every field) and the path that explains a layer
that does not fit.

Tile keys are ``g n m c p q`` (indices 0-5); bytes are ``ceil(elements x bits / 8)``.

Everything but the entry points runs without numba's runtime (``_nrt=False``): a call into a function
that takes arrays otherwise pays reference counting on every array argument, which cost more than the
arithmetic (the rows' loop took 22 us a ResNet-50 design point with it, 9.5 us without; the same
outputs). The entry points allocate the outputs and scratch space and hand them down. The functions
below them are inlined into the rows' loop (``inline="always"``): a call passes each array argument as
its whole descriptor, and the halving loop calls ``_need`` ~9 times a layer (callgrind, the ResNet-50
rows of benchmarks/bench_sweep.py's spec: 3,690 -> 2,720 instructions a layer; the same outputs).
"""

import numpy as np
from numba import njit

from accelsim.kernels.layout import HOME_DRAM, HOME_IS_STAGING, HOME_ONCHIP

# which tile keys (g n m c p q) index each operand's tile (mapping.tiling.TILE_REL)
TILE_REL = np.array([[1, 1, 0, 1, 1, 1], [1, 0, 1, 1, 0, 0], [1, 1, 1, 0, 1, 1]], np.int64)


@njit(cache=True, inline="always", _nrt=False, error_model="numpy")
def _tile_bytes(op, t, dims, geom, bits):
    """Bytes of one tile of operand ``op`` (halo included), as ``mapping.tiling.tile_bytes``."""
    if op == 0:
        rows = min(geom[0], (t[4] - 1) * geom[2] + (dims[6] - 1) * geom[6] + 1)
        cols = min(geom[1], (t[5] - 1) * geom[3] + (dims[7] - 1) * geom[7] + 1)
        return -(-(t[0] * t[1] * t[3] * rows * cols * bits[0]) // 8)
    if op == 1:
        return -(-(t[0] * t[2] * t[3] * dims[6] * dims[7] * bits[1]) // 8)
    return -(-(t[0] * t[1] * t[2] * t[4] * t[5] * bits[2]) // 8)


@njit(cache=True, inline="always", _nrt=False, error_model="numpy")
def _need(t, dims, geom, bits, resident, op_buf, home_kind, double, need):
    """Bytes each buffer needs for tiles ``t`` into ``need`` (``mapping.tiling.footprint``); True when
    every buffer fits."""
    for b in range(need.shape[0]):
        need[b] = resident[b]
    for op in range(3):
        if home_kind[op] != HOME_IS_STAGING:
            b = op_buf[op]
            need[b] += _tile_bytes(op, t, dims, geom, bits) * (2 if double[b] else 1)
    return need


@njit(cache=True, inline="always", _nrt=False, error_model="numpy")
def _fits(need, sizes):
    for b in range(sizes.shape[0]):
        if need[b] > sizes[b]:
            return False
    return True


@njit(cache=True, inline="always", _nrt=False, error_model="numpy")
def plan_homes(dims, geom, bits, dynamic, home_buf, op_buf, sizes, home_idx, home_kind, resident, tensor, ops):
    """One layer's operand homes (``mapping.tiling.plan_storage``): an operand homed in an on-chip
    buffer stays there when the whole tensors homed there fit, else the largest fall back to DRAM.

    ``home_buf[op]``: the hardware's home buffer index per operand (-1 = DRAM); a dynamic filter
    lives where the ifmap lives. Writes ``home_idx`` (-1 = DRAM), ``home_kind`` and ``resident``
    (bytes of whole tensors per buffer); ``tensor`` and ``ops`` (int64[3]) are scratch, allocated once
    per batch (a heap allocation per layer cost as much as the arithmetic)."""
    g, n, m, c, p, q, r, s = dims[0], dims[1], dims[2], dims[3], dims[4], dims[5], dims[6], dims[7]
    tensor[0] = -(-(g * n * c * geom[0] * geom[1] * bits[0]) // 8)
    tensor[1] = -(-(g * m * c * r * s * bits[1]) // 8)
    tensor[2] = -(-(g * n * m * p * q * bits[3]) // 8)
    for op in range(3):
        home_idx[op] = home_buf[0] if (op == 1 and dynamic) else home_buf[op]
    for b in range(resident.shape[0]):
        resident[b] = 0
    for b in range(sizes.shape[0]):
        k = 0
        for op in range(3):  # the operands homed in b, by tensor size (stable: ties keep operand order)
            if home_idx[op] == b:
                j = k
                while j > 0 and tensor[ops[j - 1]] > tensor[op]:
                    ops[j] = ops[j - 1]
                    j -= 1
                ops[j] = op
                k += 1
        total = 0
        for j in range(k):
            total += tensor[ops[j]]
        while k > 0 and total > sizes[b]:  # the largest falls back to DRAM first
            k -= 1
            total -= tensor[ops[k]]
            home_idx[ops[k]] = -1
        resident[b] = total
    for op in range(3):
        if home_idx[op] < 0:
            home_kind[op] = HOME_DRAM
        elif home_idx[op] == op_buf[op]:
            home_kind[op] = HOME_IS_STAGING
        else:
            home_kind[op] = HOME_ONCHIP


@njit(cache=True, inline="always", _nrt=False, error_model="numpy")
def heuristic_layer(dims, geom, bits, shrink, floors, fixed, resident, op_buf, home_kind, double, sizes, tiles,
                    need, rel):
    """One layer's heuristic tiles into ``tiles`` (``mapping.tiling.heuristic_tiles``): from whole dims
    (or the ``fixed`` sizes, > 0), halve the first dim in ``shrink`` order that indexes an operand of an
    overflowing buffer, never below ``floors`` (the array's unrolling), then never below 1; P and Q
    stay balanced. Returns True when the tiles fit. ``need`` (int64[buffers]) and ``rel`` (int64[6])
    are scratch."""
    for k in range(6):
        tiles[k] = min(fixed[k], dims[k]) if fixed[k] > 0 else dims[k]
    for stage in range(2):
        while True:
            _need(tiles, dims, geom, bits, resident, op_buf, home_kind, double, need)
            if _fits(need, sizes):
                break
            for j in range(6):
                rel[j] = 0
            for op in range(3):
                if home_kind[op] != HOME_IS_STAGING and need[op_buf[op]] > sizes[op_buf[op]]:
                    for j in range(6):
                        rel[j] |= TILE_REL[op, j]
            k = -1
            for j in range(6):
                d = shrink[j]
                floor = floors[d] if stage == 0 else 1
                if rel[d] and fixed[d] <= 0 and tiles[d] > floor:
                    k = d
                    break
            if k < 0:
                break
            if k == 4 or k == 5:  # keep P and Q balanced: halve the larger one
                o = 9 - k
                if fixed[o] <= 0 and tiles[o] > tiles[k] and tiles[o] > (floors[o] if stage == 0 else 1):
                    k = o
            tiles[k] = max(floors[k] if stage == 0 else 1, -(-tiles[k] // 2))
        _need(tiles, dims, geom, bits, resident, op_buf, home_kind, double, need)
        if _fits(need, sizes):
            return True
    return False


@njit(cache=True, inline="always", _nrt=False, error_model="numpy")
def spatial_floors(dims, rows_axis, cols_axis, array_rows, array_cols, floors):
    """Smallest tile per key that still fills each array axis (``mapping.tiling.spatial_floor``):
    along an axis's dims in order, each takes min(dim, what is left of the axis); R and S are not
    tiled and take nothing. ``*_axis``: dim indices (G N M C P Q R S), -1 padded."""
    for k in range(6):
        floors[k] = 1
    for a in range(2):
        axis = rows_axis if a == 0 else cols_axis
        rest = array_rows if a == 0 else array_cols
        for j in range(axis.shape[0]):
            d = axis[j]
            if d < 0:
                break
            if d < 6:
                f = min(dims[d], max(1, rest))
                floors[d] = f
                rest = max(1, rest // f)


@njit(cache=True)
def plan_and_tile_batch(dims, geom, bits, dynamic, rows_axis, cols_axis, shrink, fixed, array_rows, array_cols,
                        home_buf, op_buf, sizes, double):
    """Homes and heuristic tiles of every row (a layer under one mapping, on one design point).

    Per row: ``dims`` (G N M C P Q R S), ``geom`` (H W stride pad dil), ``bits`` (input weight psum
    output), ``dynamic``, ``rows_axis`` / ``cols_axis`` (unrolled dims, -1 padded), ``shrink`` (tile
    keys, first shrunk first), ``fixed`` (given tile sizes, 0 = free), and its hardware's array size
    (``array_rows``, ``array_cols``) and buffer sizes (``sizes[i]``, bytes). Shared by all rows (one
    buffer structure): the operands' home buffers (-1 = DRAM), staging buffers and double buffering.
    Returns (tiles int64[n, 6], home index int64[n, 3] (-1 = DRAM), home kind int64[n, 3], fits bool[n])."""
    n = dims.shape[0]
    tiles = np.empty((n, 6), np.int64)
    home_idx = np.empty((n, 3), np.int64)
    home_kind = np.empty((n, 3), np.int64)
    ok = np.empty(n, np.bool_)
    _tile_rows(dims, geom, bits, dynamic, rows_axis, cols_axis, shrink, fixed, array_rows, array_cols, home_buf, op_buf,
               sizes, double, tiles, home_idx, home_kind, ok, np.empty(sizes.shape[1], np.int64),
               np.empty(sizes.shape[1], np.int64), np.empty(6, np.int64), np.empty(6, np.int64), np.empty(3, np.int64),
               np.empty(3, np.int64))
    return tiles, home_idx, home_kind, ok


@njit(cache=True, _nrt=False, error_model="numpy")
def _tile_rows(dims, geom, bits, dynamic, rows_axis, cols_axis, shrink, fixed, array_rows, array_cols, home_buf, op_buf,
               sizes, double, tiles, home_idx, home_kind, ok, resident, need, floors, rel, tensor, ops):
    """``plan_and_tile_batch``'s rows into its outputs, with its scratch arrays."""
    for i in range(dims.shape[0]):
        plan_homes(dims[i], geom[i], bits[i], dynamic[i], home_buf, op_buf, sizes[i], home_idx[i], home_kind[i],
                   resident, tensor, ops)
        spatial_floors(dims[i], rows_axis[i], cols_axis[i], array_rows[i], array_cols[i], floors)
        ok[i] = heuristic_layer(dims[i], geom[i], bits[i], shrink[i], floors, fixed[i], resident, op_buf,
                                home_kind[i], double, sizes[i], tiles[i], need, rel)


@njit(cache=True)
def plan_homes_batch(dims, geom, bits, dynamic, home_buf, op_buf, sizes):
    """Homes of every row without tiling (SCALE-Sim timing streams whole layers): (home index
    int64[n, 3] (-1 = DRAM), home kind int64[n, 3])."""
    n = dims.shape[0]
    home_idx = np.empty((n, 3), np.int64)
    home_kind = np.empty((n, 3), np.int64)
    resident = np.empty(sizes.shape[0], np.int64)
    tensor = np.empty(3, np.int64)
    ops = np.empty(3, np.int64)
    for i in range(n):
        plan_homes(dims[i], geom[i], bits[i], dynamic[i], home_buf, op_buf, sizes, home_idx[i], home_kind[i],
                   resident, tensor, ops)
    return home_idx, home_kind
