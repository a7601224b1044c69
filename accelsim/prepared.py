"""A network prepared for one hardware config: mappings resolved and kernel arrays packed, once.

``prepare`` memoises per (hardware, network, mapping request, batch, tiling): a second
``simulate`` of the same inputs only runs the batch kernel and builds the table.
Per-layer resolution is memoised too, per (layer shape, hardware, mapping, tiling), so
repeated shapes (ResNet's identical blocks) are resolved once. Heuristic tiling under native timing
and SCALE-Sim timing take the array path of ``accelsim.array_prepare`` instead: every layer in one
numba call, no per-layer Python (what a sweep over fresh design points needs).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from accelsim.config.hardware import Hardware
from accelsim.cost import SCALESIM_QUIRKS, kernel_args, resolve_mapping
from accelsim.array_prepare import PreparedGroup, array_rows_points, layer_table
from accelsim.kernels.batch import stack_args
from accelsim.mapping.mapping import Mapping, MappingFile
from accelsim.errors import AccelsimError
from accelsim.mapping.tiling import staging
from accelsim.movement import MovementRows, movement_rows, movement_rows_stacked, movement_table, point_rows
from accelsim.workload.layers import MAC_KINDS, Network
from accelsim.workload.shape import ConvShape, conv_shape

_NET_CACHE: OrderedDict = OrderedDict()
_LAYER_CACHE: OrderedDict = OrderedDict()
_NET_CACHE_SIZE = 64
_LAYER_CACHE_SIZE = 20_000


@dataclass
class PreparedNetwork:
    """Everything ``evaluate`` needs, as arrays over the network's MAC layers."""

    hw: Hardware
    network: str
    batch: int
    names: list[str]
    kinds: list[str]
    mac_pos: np.ndarray  # positions of conv/FC/GEMM layers in the network
    kernel_args: tuple | None  # batch-kernel arguments, one row per MAC layer (None: ``group``'s rows)
    shapes: list[ConvShape]
    layer_homes: np.ndarray | None  # object[MAC layers, 3]: per operand 'dram' or a buffer name (None: ``group``'s)
    mapping_text: list[str] | Callable[[], list[str]]  # readable mapping per MAC layer, or what formats them
    streaming: MovementRows | None  # the pooling / element-wise layers, costed (None: ``group``'s)
    keepalive: tuple = ()  # the objects whose ids key the cache
    timing: str = "native"
    stationarities: list[str] = field(default_factory=list)  # per MAC layer: os / ws / is
    scalesim_quirks: tuple[str, ...] = ()  # the SCALE-Sim quirks switched on (timing="scalesim")
    derived: dict = field(default_factory=dict)  # per-layer constants the result builders memoise here
    # prepared with other design points: (their PreparedGroup, this point's index in it, their streaming
    # layers' rows, stacked the same way); the fields left None are this point's rows of those
    group: tuple[PreparedGroup, int, MovementRows] | None = None

    @property
    def args(self) -> tuple:
        """Batch-kernel arguments, one row per MAC layer."""
        if self.kernel_args is None:
            self.kernel_args = self.group[0].point_args(self.group[1])
        return self.kernel_args

    @property
    def homes(self) -> np.ndarray:
        """object[MAC layers, 3]: per operand 'dram' or a buffer name."""
        if self.layer_homes is None:
            self.layer_homes = self.group[0].point_homes(self.group[1])
        return self.layer_homes

    @property
    def movement(self) -> MovementRows:
        """The pooling / element-wise layers, costed."""
        if self.streaming is None:
            self.streaming = point_rows(self.group[2], self.group[1])
        return self.streaming

    @property
    def buffers(self) -> int:
        """Buffers per batch-kernel row (configured ones and implicit FIFOs)."""
        return len(self.group[0].buffer_names) if self.group is not None else self.args[10].shape[1]

    @property
    def mappings(self) -> list[str]:
        """Readable mapping per MAC layer, formatted on first use (a sweep never reads them)."""
        if callable(self.mapping_text):
            self.mapping_text = self.mapping_text()
        return self.mapping_text


def _hw_key(hw: Hardware) -> str:
    return hw.model_dump_json()


def _resolve_layer(name: str, shape: ConvShape, hw: Hardware, hw_key: str, mapping: Mapping, mapping_key: str,
                   tiling: str):
    """(resolved mapping, storage plan, kernel arguments, readable mapping) of one layer, memoised."""
    key = (shape, hw_key, mapping_key, tiling)
    hit = _LAYER_CACHE.get(key)
    if hit is not None:
        _LAYER_CACHE.move_to_end(key)
        return hit
    rm, plan = resolve_mapping(name, shape, hw, mapping, tiling=tiling)
    value = (rm, plan, kernel_args(shape, hw, rm, plan), rm.describe())
    _LAYER_CACHE[key] = value
    if len(_LAYER_CACHE) > _LAYER_CACHE_SIZE:
        _LAYER_CACHE.popitem(last=False)
    return value


def prepare(hw: Hardware, net: Network, base: Mapping, mfile: MappingFile, batch: int,
            tiling: str = "best", timing: str = "native", quirks: tuple[str, ...] | None = None) -> PreparedNetwork:
    """Resolve every layer's mapping and pack the batch-kernel arrays (memoised).

    ``timing="scalesim"``: SCALE-Sim's mapping, ceil output rule and quirks (``quirks`` names a
    subset; default all), see docs/scalesim_parity.md."""
    key = (id(hw), id(net), base.model_dump_json(), mfile.model_dump_json(), batch, tiling, timing, quirks)
    hit = _NET_CACHE.get(key)
    if hit is not None:
        _NET_CACHE.move_to_end(key)
        return hit
    names, kinds, mac_pos, rows, shapes, homes, descs, stats = [], [], [], [], [], [], [], []
    movement = movement_rows(hw, movement_table(net, hw, batch))
    kq: tuple[str, ...] = ()
    merged: dict = {}  # the layer's mapping and its JSON key; one for all layers without per-layer entries

    def mapping_for(name: str) -> tuple[Mapping, str]:
        key = name if mfile.layers else None
        if key not in merged:
            m = base.merged(mfile.for_layer(name))
            merged[key] = (m, m.model_dump_json())
        return merged[key]

    if timing == "scalesim" or tiling == "heuristic":  # all layers at once, as arrays (accelsim/array_prepare.py)
        scalesim = timing == "scalesim"
        if scalesim:
            kq = tuple(q for q in (SCALESIM_QUIRKS if quirks is None else quirks) if q in SCALESIM_QUIRKS)
        table = layer_table(net, hw, batch, ceil_rule=scalesim and (quirks is None or "ceil_rule" in quirks))
        layer_names, layer_kinds = [x.name for x in net.layers], [x.kind for x in net.layers]
        if not len(table.pos):  # streaming layers only
            prep = PreparedNetwork(hw, net.name, batch, layer_names, layer_kinds, table.pos, (), table.shapes,
                                   np.empty((0, 3), object), [], movement, (hw, net), timing, [], kq)
            return _remember(key, prep)
        got = array_rows_points([hw], table, [mapping_for(name) for name in table.names], kq if scalesim else None)[0]
        if isinstance(got, AccelsimError):
            raise got
        group, _, descs, stats = got  # a group of one: its arrays are this point's
        prep = PreparedNetwork(hw, net.name, batch, layer_names, layer_kinds, table.pos, group.args, table.shapes,
                               None, descs, movement, (hw, net), timing, stats, kq, group=(group, 0, movement))
        return _remember(key, prep)
    hw_key = _hw_key(hw)
    for pos, layer in enumerate(net.layers):
        names.append(layer.name)
        kinds.append(layer.kind)
        if layer.kind not in MAC_KINDS:
            continue
        mapping, mapping_key = mapping_for(layer.name)
        shape = conv_shape(layer, hw, batch)
        rm, plan, args, desc = _resolve_layer(layer.name, shape, hw, hw_key, mapping, mapping_key, tiling)
        mac_pos.append(pos)
        stats.append(rm.stationarity)
        rows.append(args)
        shapes.append(shape)
        homes.append(plan.homes)
        descs.append(desc)
    prep = PreparedNetwork(hw, net.name, batch, names, kinds, np.array(mac_pos, np.int64),
                           stack_args(rows) if rows else (), shapes, np.array(homes, dtype=object).reshape(-1, 3),
                           descs, movement, (hw, net), timing, stats, kq)
    return _remember(key, prep)


def prepare_points(hws: list[Hardware], net: Network, batch: int, tiling: str) -> list:
    """``prepare(hw, net, Mapping(), MappingFile(), batch, tiling)`` of many design points (native timing,
    no mapping request: what a sweep asks), entry k being point k's PreparedNetwork or the AccelsimError
    it raised. With heuristic tiles, the points that share a precision, mapping variant and buffer
    structure are prepared together: one numba call tiles all their layers (``array_rows_points``) and
    one pass costs their streaming layers (``movement_rows_stacked``). Not memoised: a sweep's points are
    new objects."""
    out: list = [None] * len(hws)
    if tiling != "heuristic":
        for k, hw in enumerate(hws):
            try:
                out[k] = prepare(hw, net, Mapping(), MappingFile(), batch, tiling)
            except AccelsimError as exc:
                out[k] = exc
        return out
    mapping = Mapping()
    request = (mapping, mapping.model_dump_json())
    groups: dict = {}
    stages = [staging(hw) for hw in hws]
    layer_names, layer_kinds = [x.name for x in net.layers], [x.kind for x in net.layers]  # shared, never written
    for k, hw in enumerate(hws):
        a = hw.array
        names, _, _, dbl, op_buf = stages[k]
        key = (hw.precision, hw.dataflow, hw.stationarity, a.rows_unroll and tuple(a.rows_unroll),
               a.cols_unroll and tuple(a.cols_unroll), tuple(names), tuple(dbl), tuple(op_buf),
               (hw.homes.ifmap, hw.homes.filter, hw.homes.ofmap))
        groups.setdefault(key, []).append(k)
    for members in groups.values():
        points = [hws[k] for k in members]
        table = layer_table(net, points[0], batch)
        moves = movement_rows_stacked(points, movement_table(net, points[0], batch))
        if not len(table.pos):  # streaming layers only
            for j, k in enumerate(members):
                out[k] = PreparedNetwork(hws[k], net.name, batch, layer_names, layer_kinds, table.pos, (), table.shapes,
                                         np.empty((0, 3), object), [], point_rows(moves, j), (hws[k], net), "native", [])
            continue
        rows = array_rows_points(points, table, [request] * len(table.names), stages=[stages[k] for k in members])
        for k, hw, got in zip(members, points, rows):
            if isinstance(got, AccelsimError):
                out[k] = got
                continue
            group, j, descs, stats = got
            out[k] = PreparedNetwork(hw, net.name, batch, layer_names, layer_kinds, table.pos, None, table.shapes, None,
                                     descs, None, (hw, net), "native", stats, group=(group, j, moves))
    return out


def whole_group(preps: list) -> tuple | None:
    """``(PreparedGroup, streaming rows)`` when ``preps`` are all the points of one ``prepare_points``
    group, in order (their arrays are then the group's as they are), else None."""
    first = preps[0].group
    if first is None or first[0].points != len(preps):
        return None
    for k, p in enumerate(preps):
        if p.group is None or p.group[0] is not first[0] or p.group[1] != k:
            return None
    return first[0], first[2]


def _remember(key, prep: PreparedNetwork) -> PreparedNetwork:
    _NET_CACHE[key] = prep
    if len(_NET_CACHE) > _NET_CACHE_SIZE:
        _NET_CACHE.popitem(last=False)
    return prep
