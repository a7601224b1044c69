"""A network's MAC layers prepared for the batch kernel as arrays: heuristic tiling, or SCALE-Sim's
whole-layer mapping under ``timing="scalesim"``.

The per-layer path (``cost.resolve_mapping`` -> ``mapping.tiling.heuristic_tiles`` ->
``cost.kernel_args``, or ``cost.scalesim_mapping``) costs 20-50 us of Python per layer; a sweep
prepares every layer of every design point afresh, and a SCALE-Sim run of a few layers is dominated by
it. Here the layers' loop bounds are packed once per (network, batch, precision, output-size rule)
(:func:`layer_table`), the storage plans (and heuristic tiles) of all layers come from one numba call
(``kernels.heuristic_tiling``), and the kernel arguments are assembled by numpy indexing. The result
is the same ``stack_args`` tuple the per-layer path gives (tests/test_array_prepare.py); a layer
that does not fit goes through the per-layer path, which says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.config.hardware import OPERANDS, Hardware
from accelsim.errors import AccelsimError
from accelsim.cost import resolve_mapping, scalesim_mapping, spatial_unrolling
from accelsim.kernels import layout as L
from accelsim.kernels.heuristic_tiling import plan_and_tile_batch, plan_homes_batch
from accelsim.mapping.mapping import LOOP_PRESETS, Mapping, check_axes, loop_order
from accelsim.mapping.tiling import TILE_KEYS, staging
from accelsim.memo import IdentityMemo
from accelsim.workload.layers import MAC_KINDS, Network
from accelsim.workload.shape import ConvShape, conv_shape


@dataclass(frozen=True)
class LayerTable:
    """The MAC layers of a network at one batch and precision: positions, names, shapes, and their
    loop bounds as kernel rows."""

    pos: np.ndarray  # positions in the network
    names: list[str]
    shapes: list[ConvShape]
    dims: np.ndarray  # int64[n, 8]: G N M C P Q R S
    geom: np.ndarray  # int64[n, 8]: H W stride pad dil
    bits: np.ndarray  # int64[n, 4]: input weight psum output
    dynamic: np.ndarray  # bool[n]: the second operand is an activation
    depthwise: np.ndarray  # bool[n]: M == 1 and G > 1


_TABLES = IdentityMemo(64)


def layer_table(net: Network, hw: Hardware, batch: int, ceil_rule: bool = False) -> LayerTable:
    """The MAC layers of ``net`` as arrays (memoised per network object, batch, precision and output-size
    rule; ``ceil_rule``: SCALE-Sim's, see ``workload.shape.conv_shape``)."""
    def build() -> LayerTable:
        pos = [i for i, layer in enumerate(net.layers) if layer.kind in MAC_KINDS]
        return table_of([net.layers[i].name for i in pos],
                        [conv_shape(net.layers[i], hw, batch, ceil_rule=ceil_rule) for i in pos], pos)

    return _TABLES.get((net,), (batch, hw.precision, ceil_rule), build)


def table_of(names: list[str], shapes: list[ConvShape], pos: list[int] | None = None) -> LayerTable:
    """A LayerTable of these layers (``pos``: their positions in the network, default 0, 1, ...)."""
    # one int64 row per shape, fields in ConvShape order (G N M C P Q R S H W stride pad dil, bits, dynamic)
    rows = np.array([(*s[:10], *s.stride, *s.pad, *s.dil, *s[13:]) for s in shapes], np.int64).reshape(-1, 21)
    dims = rows[:, 0:8].copy()  # each a contiguous array: the kernels' argument layout
    return LayerTable(
        np.array(range(len(shapes)) if pos is None else pos, np.int64), list(names), list(shapes), dims,
        rows[:, 8:16].copy(), rows[:, 16:20].copy(), rows[:, 20].astype(np.bool_),
        (dims[:, 2] == 1) & (dims[:, 0] > 1))


def _axis(dims: tuple[str, ...]) -> list[int]:
    return [L.DIM_NAMES.index(d) for d in dims] + [-1] * (8 - len(dims))


def _mask(dims: tuple[str, ...]) -> list[int]:
    return [int(d in dims) for d in L.DIM_NAMES]


# the kernel rows of a variant, side by side in ``_variant``'s first entry: their names and widths
VARIANT_ROWS = (("order", 6), ("shrink", 6), ("rows axis", 8), ("cols axis", 8), ("rows mask", 8), ("cols mask", 8),
                ("temporal order", 8), ("given tiles", 6))


def _variant(shape: ConvShape, hw: Hardware, mapping: Mapping, quirks: tuple[str, ...] | None) -> tuple:
    """What a layer's mapping fixes before tiling: (its kernel rows side by side, as ``VARIANT_ROWS``
    lists them: tile-loop order, shrink order, rows axis, cols axis, rows mask, cols mask, temporal
    order, given tiles (0 = free); SCALE-Sim quirk flags, description format, stationarity). ``quirks``:
    SCALE-Sim's mapping with these quirks (None: native). Depends on the layer only through whether it is
    depthwise."""
    stat = mapping.stationarity or hw.stationarity
    flags: tuple[int, ...] = ()
    if quirks is None:
        order = loop_order(mapping.dataflow or hw.dataflow)
        rows, cols = spatial_unrolling(shape, hw, mapping, stat)
        check_axes(rows, cols)
        given = mapping.tiles.model_dump() if mapping.tiles is not None else {}
    else:
        rm, flags = scalesim_mapping(shape, hw, stat, quirks)
        order, rows, cols, given = rm.order, rm.rows, rm.cols, {}
    row = ([L.DG] + [L.DIM_NAMES.index(ch.upper()) for ch in order] + [TILE_KEYS.index(k) for k in "g" + order[::-1]]
           + _axis(rows) + _axis(cols) + _mask(rows) + _mask(cols) + L.TEMPORAL_ORDER[L.STAT_CODES[stat]].tolist()
           + [given.get(k) or 0 for k in TILE_KEYS])
    preset = {v: k for k, v in LOOP_PRESETS.items()}.get(order)
    fmt = (f"{'' if quirks is None else 'SCALE-Sim '}{f'{preset.upper()}({order})' if preset else order} "
           f"{stat.upper()} rows={''.join(rows) or '-'} cols={''.join(cols) or '-'} "
           "tiles[g%d n%d m%d c%d p%d q%d]")  # ResolvedMapping.describe()
    return row, flags, fmt, stat


@dataclass(frozen=True)
class _Variants:
    """The mapping rows of a table's layers: per layer its variant's, stacked (shared by every call with
    the same request: never written to), and per variant its quirk flags, description format and
    stationarity."""

    index: np.ndarray  # int64[n]: each layer's variant
    rows: tuple  # order, shrink, rows axis, cols axis, rows mask, cols mask, temporal order, given tiles
    flags: list[tuple[int, ...]]
    formats: list[str]
    stats: list[str]


_VARIANTS = IdentityMemo(64)
# (mapping JSON, depthwise, the hardware fields a variant reads, quirks) -> ``_variant``: a few small
# values key it, so every fresh network and config loaded with the same ones finds it (a table's stacked
# rows, below, are per table)
_VARIANT_OF: dict = {}


def _variants(hw: Hardware, table: LayerTable, mappings: list[tuple[Mapping, str]],
              quirks: tuple[str, ...] | None) -> _Variants:
    """The layers' variants (memoised per table, mapping request and the hardware fields a variant
    reads: a sweep over sizes and bandwidths builds them once)."""
    a = hw.array
    key = (tuple(m[1] for m in mappings), hw.dataflow, hw.stationarity,
           None if a.rows_unroll is None else tuple(a.rows_unroll),
           None if a.cols_unroll is None else tuple(a.cols_unroll), quirks)
    return _VARIANTS.get((table,), key, lambda: _build_variants(hw, table, mappings, quirks, key[1:]))


def _build_variants(hw: Hardware, table: LayerTable, mappings: list[tuple[Mapping, str]],
                    quirks: tuple[str, ...] | None, hw_key: tuple) -> _Variants:
    """``hw_key``: the hardware fields a variant reads, and ``quirks`` (as ``_variants`` keys them)."""
    n = len(table.names)
    variants, index = {}, np.empty(n, np.int64)
    for i in range(n):
        vkey = (mappings[i][1], bool(table.depthwise[i]))
        if vkey not in variants:
            full = (vkey, hw_key)
            v = _VARIANT_OF.get(full)
            if v is None:
                v = _variant(table.shapes[i], hw, mappings[i][0], quirks)
                if len(_VARIANT_OF) >= 4096:
                    _VARIANT_OF.clear()
                _VARIANT_OF[full] = v
            variants[vkey] = (len(variants), v)
        index[i] = variants[vkey][0]
    rows = [v for _, v in sorted(variants.values(), key=lambda t: t[0])]
    # one table row per layer, cut into the eight kernel rows as contiguous arrays (the kernels' argument
    # layout; writable: a read-only array is another numba type, a second compilation; nothing writes
    # into kernel arguments)
    per_layer = np.array([r[0] for r in rows], np.int64)[index]
    stacked, at = [], 0
    for _, width in VARIANT_ROWS:
        stacked.append(per_layer[:, at:at + width].copy())
        at += width
    return _Variants(index, tuple(stacked), [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows])


@dataclass(frozen=True)
class PreparedGroup:
    """Design points prepared in one call, as the arrays it built: the batch-kernel arguments
    (``kernels.batch.stack_args`` form) of all their MAC layers and where each layer's operands live,
    point after point (point k's layers are rows ``k * n .. (k + 1) * n``). A sweep runs the kernel and
    builds the result columns on these arrays; a point's own rows are sliced only when asked for."""

    args: tuple
    home_idx: np.ndarray  # int64[rows, 3]: per operand its home's index in ``buffer_names``, -1 = DRAM
    buffer_names: tuple[str, ...]  # the staging plan's buffers (configured ones, then implicit FIFOs)
    points: int
    n: int  # MAC layers per point

    def point_args(self, k: int) -> tuple:
        """Point k's batch-kernel arguments."""
        part = slice(k * self.n, (k + 1) * self.n)
        return tuple(a[part] for a in self.args)

    def point_homes(self, k: int) -> np.ndarray:
        """Point k's homes (object[n, 3]: 'dram' or a buffer name)."""
        return np.array(self.buffer_names + ("dram",), dtype=object)[self.home_idx[k * self.n:(k + 1) * self.n]]


def array_rows(hw: Hardware, table: LayerTable, mappings: list[tuple[Mapping, str]],
               quirks: tuple[str, ...] | None = None) -> tuple:
    """Batch-kernel arguments (``kernels.batch.stack_args`` form), homes (object[n, 3]: 'dram' or a
    buffer name), a function returning the readable mappings, and the stationarities of ``table``'s
    layers under ``mappings`` (one (Mapping, its ``model_dump_json()``) per layer: the JSON keys the
    memoised variants, so it must be that one): heuristic tiles, or with ``quirks``
    (SCALE-Sim quirk names) SCALE-Sim's mapping (``cost.scalesim_mapping``: whole layers, groups one by
    one). A layer that does not fit raises the per-layer path's CapacityError, which says why."""
    got = array_rows_points([hw], table, mappings, quirks)[0]
    if isinstance(got, AccelsimError):
        raise got
    group, _, describe, stats = got
    return group.args, group.point_homes(0), describe, stats


def _each_row(v: np.ndarray, rows: int) -> np.ndarray:
    """``v`` as every row of a new [rows, len(v)] array (what np.tile does, without its Python)."""
    out = np.empty((rows, len(v)), v.dtype)
    out[:] = v
    return out


_STACKED = IdentityMemo(4)  # ~4 MB an entry at 256 points (api.POINTS_PER_BLOCK): blocks of one or two sizes


def _stacked(owner, arrays: tuple, points: int) -> tuple:
    """``arrays`` (a layer table's or its variants' rows) once per point, point after point: memoised per
    (owner, points), as a sweep's chunks repeat both. Shared: nothing writes into kernel arguments."""
    if points == 1:
        return arrays
    return _STACKED.get((owner,), points, lambda: tuple(np.tile(a, (points,) + (1,) * (a.ndim - 1))
                                                          for a in arrays))


def array_rows_points(hws: list[Hardware], table: LayerTable, mappings: list[tuple[Mapping, str]],
                      quirks: tuple[str, ...] | None = None, stages: list | None = None) -> list:
    """``array_rows`` of design points that share a mapping variant and a buffer structure (``_variants``'
    key, and ``staging``'s buffer names, staging buffers, double buffering and homes), from one numba
    call over all their layers; entry k is ``(the PreparedGroup of all points, k, describe, stationarities)``
    (``describe`` returns point k's readable mappings), or the AccelsimError its per-layer path raised (a
    layer that does not fit). ``stages``: the points' ``staging`` tuples, if the caller has them."""
    n, points = len(table.names), len(hws)
    hw = hws[0]
    var = _variants(hw, table, mappings, quirks)

    order, shrink, rows_axis, cols_axis, rows_mask, cols_mask, tmp_order, fixed, var_index = _stacked(
        var, var.rows + (var.index,), points)
    dims, geom, bits, dynamic = _stacked(table, (table.dims, table.geom, table.bits, table.dynamic), points)
    stage = stages or [staging(h) for h in hws]
    names, _, _, dbl, op_buf = stage[0]
    nb = len(names)
    home_buf = np.array([names.index(getattr(hw.homes, op)) if getattr(hw.homes, op) != "dram" else -1
                         for op in OPERANDS], np.int64)
    op_buf = np.array(op_buf, np.int64)
    double = np.array(dbl, np.int64)
    sizes = np.array([s[1] for s in stage], np.int64)  # [points, buffers]
    bw_bits = np.array([s[2] for s in stage], np.float64) * 8.0
    array = np.array([(h.array.rows, h.array.cols, h.array.macs_per_pe,
                       L.SYSTOLIC if h.array.interconnect == "systolic" else L.BROADCAST) for h in hws], np.int64)
    arr_rows = np.zeros((len(var.flags), L.ARR_LEN), np.int64)
    for v, flags in enumerate(var.flags):
        arr_rows[v, list(flags)] = 1
    arr = arr_rows[var_index]  # a new array: fancy indexing copies
    arr[:, :4] = array if points == 1 else np.repeat(array, n, axis=0)
    errors: dict[int, AccelsimError] = {}
    if quirks is None:
        tiles, home_idx, home_kind, ok = plan_and_tile_batch(
            dims, geom, bits, dynamic, rows_axis, cols_axis, shrink, fixed, arr[:, 0],
            arr[:, 1], home_buf, op_buf, np.repeat(sizes, n, axis=0), double)
        for r in np.flatnonzero(~ok):  # does not fit: the per-layer path raises CapacityError with the reason
            k, i = divmod(int(r), n)
            if k in errors:
                continue
            try:
                rm, _ = resolve_mapping(table.names[i], table.shapes[i], hws[k], mappings[i][0], tiling="heuristic")
            except AccelsimError as exc:
                errors[k] = exc
                continue
            tiles[r] = [rm.tiles[key] for key in TILE_KEYS]
    else:  # SCALE-Sim streams whole layers through its SRAMs, one group at a time
        if points > 1:
            raise ValueError("SCALE-Sim timing: one design point at a time")
        tiles = table.dims[:, :6].copy()
        tiles[:, 0] = 1
        home_idx, home_kind = plan_homes_batch(table.dims, table.geom, table.bits, table.dynamic, home_buf, op_buf,
                                               sizes[0])
    rows = n * points
    bw_rows = np.repeat(bw_bits, n, axis=0)  # [rows, buffers]
    home_bw = np.append(bw_rows, np.ones((rows, 1)), axis=1)  # index -1 (DRAM) reads the last column: 1.0
    args = (dims, geom, tiles, order, rows_mask, cols_mask, tmp_order, arr, bits,
            _each_row(op_buf, rows), bw_rows, _each_row(double, rows), np.full(rows, nb, np.int64),
            home_kind, np.take_along_axis(home_bw, home_idx, axis=1),
            np.repeat(np.array([h.backing_memory.bandwidth_bytes_per_cycle * 8.0 for h in hws], np.float64), n),
            np.repeat(np.array([h.backing_memory.latency_cycles for h in hws], np.int64), n))
    group = PreparedGroup(args, home_idx, tuple(names), points, n)
    index = var.index.tolist()
    stats = [var.stats[v] for v in index]
    out: list = []
    for k in range(points):
        if k in errors:
            out.append(errors[k])
            continue

        def describe(k=k) -> list[str]:  # formatting cost a third of a sweep point: on demand
            return [var.formats[v] % tuple(tl) for v, tl in zip(index, tiles[k * n:(k + 1) * n].tolist())]

        out.append((group, k, describe, stats))
    return out
