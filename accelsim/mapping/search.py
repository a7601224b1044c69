"""Best tiling per dataflow: a bounded enumeration of tile sizes, memoised.

Candidates along each tiled dim D: every divisor of D, every power of two below D, and D itself
(a dim the mapping fixes has one candidate). That is at most a few dozen per dim; the kernel
(``kernels/tiling_search.py``) walks their product, skipping everything past the first tile set
that overflows a buffer. Objectives: ``dram`` (the default) — DRAM traffic within 10% of its
minimum, then the fewest cycles; ``dram-strict`` — the minimum DRAM traffic, then the fewest
cycles; ``cycles`` — the fewest cycles (every feasible set is timed: slower).
Results are memoised per (layer shape, hardware, loop order, stationarity, unrolling, fixed
tiles, objective), so repeated shapes and repeated calls cost a dictionary look-up.
"""

from __future__ import annotations


import numpy as np

from accelsim.errors import CapacityError
from accelsim.kernels.tiling_search import OBJ_CYCLES, OBJ_DRAM, search_tiles, span_sums
from accelsim.mapping.tiling import TILE_KEYS, StoragePlan, capacity_message

# objective name -> (kernel objective, DRAM slack in percent)
OBJECTIVES = {"dram": (OBJ_DRAM, 10), "dram-strict": (OBJ_DRAM, 0), "cycles": (OBJ_CYCLES, 0)}


def tile_candidates(size: int, fixed: int | None = None) -> np.ndarray:
    """Ascending candidate tile sizes for a dim of ``size``."""
    if fixed is not None:
        return np.array([min(fixed, size)], np.int64)
    cands = {size}
    cands.update(d for d in range(1, int(size ** 0.5) + 1) if size % d == 0)
    cands.update(size // d for d in list(cands) if size % d == 0)
    p = 1
    while p < size:
        cands.add(p)
        p *= 2
    return np.array(sorted(cands), np.int64)


_CACHE: dict = {}


def best_tiles(name: str, shape, plan: StoragePlan, kargs: tuple, fixed: dict, objective: str = "dram") -> dict:
    """The best feasible tiles; ``kargs`` are ``cost.kernel_args`` for any tiles (their tiles are ignored)."""
    fixed = {k: v for k, v in fixed.items() if v is not None}
    key = (shape, plan, tuple(a.tobytes() if isinstance(a, np.ndarray) else a for i, a in enumerate(kargs) if i != 2),
           tuple(sorted(fixed.items())), objective)
    hit = _CACHE.get(key)
    if hit is not None:
        return dict(hit)
    lists = [tile_candidates(shape.dim(k.upper()), fixed.get(k)) for k in TILE_KEYS]
    width = max(len(c) for c in lists)
    cands = np.ones((6, width), np.int64)
    ncand = np.empty(6, np.int64)
    for d, c in enumerate(lists):
        cands[d, :len(c)] = c
        ncand[d] = len(c)
    in_span = np.ones((2, width), np.int64)
    in_span[0, :ncand[4]] = [shape.in_rows(int(t)) for t in lists[4]]
    in_span[1, :ncand[5]] = [shape.in_cols(int(t)) for t in lists[5]]
    sum_rows = span_sums(shape.P, lists[4], len(lists[4]), shape.R, shape.stride[0], shape.pad[0], shape.dil[0],
                         shape.H)
    sum_cols = span_sums(shape.Q, lists[5], len(lists[5]), shape.S, shape.stride[1], shape.pad[1], shape.dil[1],
                         shape.W)
    cap = np.array([s - r for s, r in zip(plan.sizes, plan.resident)], np.int64)
    best = search_tiles(*OBJECTIVES[objective], cands, ncand, in_span, sum_rows, sum_cols, cap, *kargs[:2],
                        *kargs[3:])
    if best[0] < 0:
        smallest = {k: int(c[0]) for k, c in zip(TILE_KEYS, lists)}
        what = "the mapping's tiles completed by the smallest searched" if fixed else "the smallest searched"
        raise CapacityError(capacity_message(name, shape, smallest, plan, what))
    result = tuple((k, int(cands[d, best[d]])) for d, k in enumerate(TILE_KEYS))
    _CACHE[key] = result
    if len(_CACHE) > 50_000:
        _CACHE.pop(next(iter(_CACHE)))
    return dict(result)
