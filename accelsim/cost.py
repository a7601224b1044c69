"""Cost of one layer: resolve its mapping, pack arrays, call the kernel, name the counts.

This is the only module that turns pydantic objects into kernel arrays.
"""

from __future__ import annotations

import numpy as np

from accelsim.config.hardware import Hardware
from accelsim.errors import CapacityError
from accelsim.kernels import layout as L
from accelsim.mapping.mapping import DEFAULT_SPATIAL, Mapping, ResolvedMapping, check_axes, loop_order
from accelsim.mapping.search import best_tiles
from accelsim.mapping.tiling import TILE_KEYS, StoragePlan, capacity_message, fits, heuristic_tiles, plan_storage
from accelsim.workload.shape import ConvShape


def spatial_unrolling(shape: ConvShape, hw: Hardware, mapping: Mapping, stat: str) -> tuple[tuple, tuple]:
    """Dims on array rows and cols: the mapping's, else the hardware's fixed ones, else SCALE-Sim's
    for the stationarity (a depthwise layer unrolls G where M would be)."""
    rows, cols = DEFAULT_SPATIAL[stat]
    if hw.array.rows_unroll is not None:
        rows = tuple(hw.array.rows_unroll)
    if hw.array.cols_unroll is not None:
        cols = tuple(hw.array.cols_unroll)
    if shape.M == 1 and shape.G > 1 and mapping.rows is None and mapping.cols is None:
        # depthwise: kernel parallelism has nothing to unroll; unroll groups instead
        rows = tuple("G" if d == "M" else d for d in rows)
        cols = tuple("G" if d == "M" else d for d in cols)
    if mapping.rows is not None:
        rows = tuple(mapping.rows)
    if mapping.cols is not None:
        cols = tuple(mapping.cols)
    return rows, cols


def resolve_mapping(name: str, shape: ConvShape, hw: Hardware, mapping: Mapping,
                    tiling: str = "heuristic") -> tuple[ResolvedMapping, StoragePlan]:
    """Fill the unset parts of ``mapping`` (hardware defaults, default unrolling, tiles).

    ``tiling``: ``"heuristic"`` (halving, mapping/tiling.py), ``"best"`` (DRAM traffic within 10% of
    its minimum, then fewest cycles; mapping/search.py), ``"best-dram"`` (minimum DRAM traffic) or
    ``"best-cycles"`` (minimum cycles over the same candidates).
    """
    order = loop_order(mapping.dataflow or hw.dataflow)
    stat = mapping.stationarity or hw.stationarity
    rows, cols = spatial_unrolling(shape, hw, mapping, stat)
    check_axes(rows, cols)
    plan = plan_storage(shape, hw)
    given = mapping.tiles.model_dump() if mapping.tiles is not None else {}
    if given and all(given.get(k) is not None for k in TILE_KEYS):
        tiles = {k: min(given[k], shape.dim(k.upper())) for k in TILE_KEYS}
        if not fits(shape, tiles, plan):
            raise CapacityError(capacity_message(name, shape, tiles, plan, "the mapping's"))
    elif tiling == "heuristic":
        tiles = heuristic_tiles(name, shape, plan, order, rows, cols, hw, fixed=given)
    else:
        probe = ResolvedMapping(order, stat, rows, cols, dict.fromkeys(TILE_KEYS, 1))
        objective = {"best": "dram", "best-dram": "dram-strict", "best-cycles": "cycles"}[tiling]
        tiles = best_tiles(name, shape, plan, kernel_args(shape, hw, probe, plan), given, objective)
    return ResolvedMapping(order, stat, rows, cols, tiles), plan


def _mask(axis: tuple[str, ...]) -> np.ndarray:
    m = np.zeros(8, np.int64)
    for d in axis:
        m[L.DIM_NAMES.index(d)] = 1
    return m


SCALESIM_QUIRKS = {
    "os_fold": L.ARR_Q_OS_FOLD, "off_by_one": L.ARR_Q_OFF_BY_ONE, "os_ofmap_extra": L.ARR_Q_OS_OFMAP_EXTRA,
    "no_psum_reads": L.ARR_Q_NO_PSUM_READS,
}


def scalesim_mapping(shape: ConvShape, hw: Hardware, stat: str,
                     quirks: tuple[str, ...] = tuple(SCALESIM_QUIRKS)) -> tuple[ResolvedMapping, tuple[int, ...]]:
    """SCALE-Sim's mapping: OS rows<-output pixels, cols<-filters; WS rows<-R.S.C, cols<-filters; IS
    rows<-R.S.C, cols<-output pixels; the whole layer one tile (its SRAMs stream), groups one by one
    (as it walks the expanded DP layers); and the kernel flags of the quirks switched on."""
    rows, cols = DEFAULT_SPATIAL[stat]
    tiles = {"g": 1, "n": shape.N, "m": shape.M, "c": shape.C, "p": shape.P, "q": shape.Q}  # TILE_KEYS order
    flags = tuple(SCALESIM_QUIRKS[q] for q in quirks
                  if not (q in ("os_fold", "os_ofmap_extra") and stat != "os"))
    return ResolvedMapping("npqmc", stat, rows, cols, tiles), flags


def kernel_args(shape: ConvShape, hw: Hardware, rm: ResolvedMapping, plan: StoragePlan,
                quirks: tuple[int, ...] = ()) -> tuple:
    """The plain arrays and scalars ``conv_layer_cost`` takes, in order; ``quirks`` are
    ``layout.ARR_Q_*`` indices of SCALE-Sim behaviours to switch on."""
    dims = np.array([shape.G, shape.N, shape.M, shape.C, shape.P, shape.Q, shape.R, shape.S], np.int64)
    geom = np.array([shape.H, shape.W, *shape.stride, *shape.pad, *shape.dil], np.int64)
    tiles = np.array([rm.tiles[k] for k in TILE_KEYS], np.int64)
    order = np.array([L.DG] + [L.DIM_NAMES.index(ch.upper()) for ch in rm.order], np.int64)
    stat = L.STAT_CODES[rm.stationarity]
    arr = np.zeros(L.ARR_LEN, np.int64)
    arr[:4] = (hw.array.rows, hw.array.cols, hw.array.macs_per_pe,
               L.SYSTOLIC if hw.array.interconnect == "systolic" else L.BROADCAST)
    for flag in quirks:
        arr[flag] = 1
    bits = np.array([shape.input_bits, shape.weight_bits, shape.psum_bits, shape.output_bits], np.int64)
    home_bw = np.ones(3, np.float64)
    for i, home in enumerate(plan.homes):
        if home != "dram":
            home_bw[i] = hw.buffer(home).bandwidth_bytes_per_cycle * 8.0
    return (
        dims, geom, tiles, order, _mask(rm.rows), _mask(rm.cols), L.TEMPORAL_ORDER[stat].copy(), arr, bits,
        np.array(plan.op_buf, np.int64), np.array(plan.bandwidth, np.float64) * 8.0,
        np.array(plan.double, np.int64), np.array(plan.home_kind, np.int64), home_bw,
        float(hw.backing_memory.bandwidth_bytes_per_cycle * 8.0), int(hw.backing_memory.latency_cycles),
    )


__all__ = ["resolve_mapping", "kernel_args"]
