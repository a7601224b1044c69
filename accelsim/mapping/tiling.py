"""Where operands live for one layer, what tiles need, and the heuristic tiler.

Storage plan: every operand is staged by one buffer. An operand no buffer holds
streams through an implicit FIFO of ``hw.fifo_bytes`` fed at the backing
memory's bandwidth (named ``fifo_<operand>``). An operand whose home is an
on-chip buffer stays there between layers when the whole tensor fits beside
the other tensors homed there; otherwise this layer falls back to DRAM.

Tile footprint (bytes) in the staging buffer, doubled when double-buffered:
ifmap ``Tg*Tn*Tc*rows_in(Tp)*cols_in(Tq)*in_bits/8`` (halo included),
filter ``Tg*Tm*Tc*R*S*w_bits/8``, ofmap ``Tg*Tn*Tm*Tp*Tq*psum_bits/8``. An operand
whose home is its staging buffer occupies it whole and needs no tile space.

Heuristic tiler (documented in docs/engine.md): start from whole dims and halve
one tile dim at a time, in an order that protects what the dataflow reuses
(innermost tile loop first: IR shrinks M first, OR C, WR Q, P, N), first never below the
array's unrolling of that dim, then down to 1. At most ~6*20 halvings.
"""

from __future__ import annotations

from dataclasses import dataclass

from accelsim.config.hardware import OPERANDS, Hardware
from accelsim.errors import CapacityError
from accelsim.kernels.layout import HOME_DRAM, HOME_IS_STAGING, HOME_ONCHIP
from accelsim.workload.shape import ConvShape

TILE_KEYS = "gnmcpq"


@dataclass(frozen=True)
class StoragePlan:
    """Buffers (configured ones, then implicit FIFOs) and operand placement for one layer."""

    names: tuple[str, ...]
    sizes: tuple[int, ...]
    bandwidth: tuple[float, ...]  # bytes/cycle
    double: tuple[bool, ...]
    op_buf: tuple[int, int, int]  # staging buffer index per operand
    homes: tuple[str, str, str]  # 'dram' or a buffer name, per operand, for this layer
    home_kind: tuple[int, int, int]
    resident: tuple[int, ...]  # bytes of whole tensors homed in each buffer


def _tensor_bytes(shape: ConvShape, op: str) -> int:
    if op == "ifmap":
        return -(-shape.ifmap_elems() * shape.input_bits // 8)
    if op == "filter":
        return -(-shape.filter_elems() * shape.weight_bits // 8)
    return -(-shape.ofmap_elems() * shape.output_bits // 8)


_OP_INDEX = {op: i for i, op in enumerate(OPERANDS)}


def staging(hw: Hardware) -> tuple[list[str], list[int], list[float], list[bool], list[int]]:
    """The layer-independent part of a storage plan: buffer names, sizes (bytes), bandwidths
    (bytes/cycle) and double buffering — configured buffers, then an implicit FIFO per operand no
    buffer stages — and the staging buffer index per operand."""
    names, sizes, bw, dbl = [], [], [], []
    op_buf = [-1, -1, -1]
    for j, b in enumerate(hw.buffers):  # one pass: a sweep calls this once per design point
        names.append(b.name)
        sizes.append(b.size_bytes)
        bw.append(b.bandwidth_bytes_per_cycle)
        dbl.append(b.double_buffered)
        for op in b.operands:  # validation allows one staging buffer per operand (Hardware._check_buffers)
            op_buf[_OP_INDEX[op]] = j
    for i, op in enumerate(OPERANDS):
        if op_buf[i] < 0:
            names.append(f"fifo_{op}")
            sizes.append(hw.fifo_bytes)
            bw.append(hw.backing_memory.bandwidth_bytes_per_cycle)
            dbl.append(True)
            op_buf[i] = len(names) - 1
    return names, sizes, bw, dbl, op_buf


def plan_storage(shape: ConvShape, hw: Hardware) -> StoragePlan:
    names, sizes, bw, dbl, op_buf = staging(hw)
    homes = []
    for op in OPERANDS:
        home = getattr(hw.homes, op)
        if op == "filter" and shape.dynamic_filter:
            home = hw.homes.ifmap  # a dynamic operand lives where activations live
        homes.append(home)
    # fall back to DRAM, largest tensor first, until the homed tensors fit
    resident = [0] * len(names)
    for name in set(h for h in homes if h != "dram"):
        idx = names.index(name)
        ops = sorted((op for op, h in zip(OPERANDS, homes) if h == name),
                     key=lambda o: _tensor_bytes(shape, o))
        while ops and sum(_tensor_bytes(shape, o) for o in ops) > sizes[idx]:
            dropped = ops.pop()
            homes[OPERANDS.index(dropped)] = "dram"
        resident[idx] = sum(_tensor_bytes(shape, o) for o in ops)
    kind = []
    for i, h in enumerate(homes):
        if h == "dram":
            kind.append(HOME_DRAM)
        elif names.index(h) == op_buf[i]:
            kind.append(HOME_IS_STAGING)
        else:
            kind.append(HOME_ONCHIP)
    return StoragePlan(tuple(names), tuple(sizes), tuple(bw), tuple(dbl), tuple(op_buf), tuple(homes),
                       tuple(kind), tuple(resident))


def tile_bytes(shape: ConvShape, tiles: dict, op: str) -> int:
    """Bytes of one tile of ``op`` (largest tile, halo included)."""
    if op == "ifmap":
        elems = tiles["g"] * tiles["n"] * tiles["c"] * shape.in_rows(tiles["p"]) * shape.in_cols(tiles["q"])
        bits = shape.input_bits
    elif op == "filter":
        elems, bits = tiles["g"] * tiles["m"] * tiles["c"] * shape.R * shape.S, shape.weight_bits
    else:
        elems, bits = tiles["g"] * tiles["n"] * tiles["m"] * tiles["p"] * tiles["q"], shape.psum_bits
    return -(-elems * bits // 8)


def footprint(shape: ConvShape, tiles: dict, plan: StoragePlan) -> list[int]:
    """Bytes each buffer of ``plan`` needs for these tiles (resident tensors included)."""
    need = list(plan.resident)
    for i, op in enumerate(OPERANDS):
        if plan.home_kind[i] == HOME_IS_STAGING:
            continue
        b = plan.op_buf[i]
        need[b] += tile_bytes(shape, tiles, op) * (2 if plan.double[b] else 1)
    return need


def fits(shape: ConvShape, tiles: dict, plan: StoragePlan) -> bool:
    return all(n <= s for n, s in zip(footprint(shape, tiles, plan), plan.sizes))


def capacity_message(layer_name: str, shape: ConvShape, tiles: dict, plan: StoragePlan, what: str) -> str:
    need = footprint(shape, tiles, plan)
    ones = dict.fromkeys(TILE_KEYS, 1)
    least = footprint(shape, ones, plan)
    parts = []
    for name, n, s, lo in zip(plan.names, need, plan.sizes, least):
        if n > s:
            field = "fifo_bytes" if name.startswith("fifo_") else f"buffers[{name}].size_bytes"
            hint = (f"; the smallest tiles need {lo} bytes: set {field} >= {lo}" if lo > s
                    else f"; smaller tiles fit (smallest need {lo} bytes)")
            parts.append(f"buffer {name!r} needs {n} bytes, has {s}{hint}")
    t = " ".join(f"{k}{tiles[k]}" for k in TILE_KEYS)
    return f"layer {layer_name!r} does not fit with {what} tiles [{t}]: " + "; ".join(parts)


def spatial_floor(dims: str, axis_dims: tuple[str, ...], axis_size: int, shape: ConvShape) -> dict:
    """Smallest tile per dim that still fills its array axis (product of the axis's dims)."""
    floor = {}
    rest = axis_size
    for d in axis_dims:
        if d.lower() in dims:
            f = min(shape.dim(d), max(1, rest))
            floor[d.lower()] = f
            rest = max(1, rest // f)
    return floor


TILE_REL = {"ifmap": "gncpq", "filter": "gmc", "ofmap": "gnmpq"}


def _next_to_shrink(need, tiles, plan, shrink, floor, fixed):
    """First dim in ``shrink`` order that indexes an operand of a buffer overflowing by ``need``."""
    over = {b for b, (n, s) in enumerate(zip(need, plan.sizes)) if n > s}
    dims = set()
    for i, op in enumerate(OPERANDS):
        if plan.op_buf[i] in over and plan.home_kind[i] != HOME_IS_STAGING:
            dims |= set(TILE_REL[op])
    for k in shrink:
        if k in dims and k not in fixed and tiles[k] > floor[k]:
            return k
    return None


def heuristic_tiles(layer_name: str, shape: ConvShape, plan: StoragePlan, order: str,
                    rows: tuple[str, ...], cols: tuple[str, ...], hw: Hardware, fixed: dict | None = None) -> dict:
    """Feasible tiles for ``order``; ``fixed`` tile sizes are kept as given."""
    fixed = {k: v for k, v in (fixed or {}).items() if v is not None}
    full = {k: shape.dim(k.upper()) for k in TILE_KEYS}
    tiles = {k: min(fixed.get(k, full[k]), full[k]) for k in TILE_KEYS}
    # Shrink the innermost tile loop first: the loops outside it index what the order
    # keeps resident (IR: M first, OR: C first, WR: Q, P, N first). Groups go first of all.
    shrink = "g" + order[::-1]
    floors = dict.fromkeys(TILE_KEYS, 1)
    floors.update(spatial_floor(TILE_KEYS, rows, hw.array.rows, shape))
    floors.update(spatial_floor(TILE_KEYS, cols, hw.array.cols, shape))
    for floor in (floors, dict.fromkeys(TILE_KEYS, 1)):
        while True:
            need = footprint(shape, tiles, plan)
            if all(n <= s for n, s in zip(need, plan.sizes)):
                break
            k = _next_to_shrink(need, tiles, plan, shrink, floor, fixed)
            if k is None:
                break
            if k in "pq":  # keep P and Q tiles balanced: halve the larger one
                other = "q" if k == "p" else "p"
                if other not in fixed and tiles[other] > tiles[k] and tiles[other] > floor[other]:
                    k = other
            tiles[k] = max(floor[k], -(-tiles[k] // 2))
        if fits(shape, tiles, plan):
            return tiles
    if not fits(shape, tiles, plan):
        what = "the mapping's tiles completed by the smallest heuristic" if fixed else "the smallest heuristic"
        raise CapacityError(capacity_message(layer_name, shape, tiles, plan, what))
    return tiles
