"""Access counts of a loop nest, level by level and tensor by tensor, in closed form.

The counting rules are Timeloop's (Parashar et al., ISPASS'19; checked against the public
tutorial exercises' outputs, docs/nest.md), stated here so that tests/naive_nest.py can replay
them step by step:

* A level's **tile** of a tensor is what the loops at and below the level touch.
* **Loads** (per instance): the tile is fetched when the nest starts. The temporal loops above the
  level are walked inside-out; loops over dimensions the tensor does not depend on (or of trip 1)
  that sit inside the first relevant loop keep the tile (stationarity). When that first relevant
  loop is the innermost loop above the level, each of its advances fetches only the new part of
  the tile (its sliding-window delta: no overlap for weights and outputs, the halo for inputs);
  when irrelevant loops sit inside it, each advance re-fetches the whole tile (Timeloop credits no
  overlap there: simple_output_stationary's DRAM input reads show it). Every advance of a loop
  outside it re-fetches the whole tile.
* **Multicast / spatial reduction**: what a parent sends to the instances of a child under it
  counts once per distinct element (the union of the children's fetches); partial sums coming back
  from them are reduced on the way, one update per distinct element.
* **Outputs**: a load is a fill of a partial sum, except the first load of each element (nothing to
  read yet); every load is drained back to the parent as an update.
* The **compute units** read their operands from the innermost level keeping each tensor on every
  cycle (no register inside a MAC): per cycle, one read per distinct operand among the units under
  an instance, one output update per distinct output, and a read of the output unless it is that
  element's first touch at that level.

All counts are in words; ``cycles`` is the product of the temporal factors (no bandwidth limits).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from accelsim.nest.spec import TENSORS, NestSpec, parse_loops

# Each tensor's axes: a list of (dimension, coefficient-attribute) terms; the coefficient is 1 or a
# stride/dilation of the problem.
AXES = {
    "Weights": (("M",), ("C",), ("R",), ("S",)),
    "Inputs": (("N",), ("C",), ("P", "R"), ("Q", "S")),
    "Outputs": (("N",), ("M",), ("P",), ("Q",)),
}
_COEF = {("Inputs", "P"): "h_stride", ("Inputs", "R"): "h_dilation",
         ("Inputs", "Q"): "w_stride", ("Inputs", "S"): "w_dilation"}


@dataclass(frozen=True)
class Loop:
    """One loop of the flattened nest: ``stride`` is the step of its index along ``dim``."""

    dim: str
    factor: int
    spatial: bool
    level: int
    stride: int


@dataclass
class TensorCounts:
    """Per-instance counts of one tensor at one level, in words."""

    reads: int = 0
    fills: int = 0
    updates: int = 0


def flatten(spec: NestSpec) -> tuple[list[Loop], list[int]]:
    """The nest's loops outermost first (each level's temporal loops, then its spatial ones) and
    the index where each level's loops begin."""
    raw, starts = [], []
    for i, level in enumerate(spec.architecture.levels):
        lm = spec.level_mapping(i)
        starts.append(len(raw))
        raw += [(d, f, False, i) for d, f in parse_loops(lm.temporal, level.name)]
        raw += [(d, f, True, i) for d, f in parse_loops(lm.spatial, level.name)]
    loops, inner = [], {}
    for d, f, sp, lv in reversed(raw):
        loops.append(Loop(d, f, sp, lv, inner.get(d, 1)))
        inner[d] = inner.get(d, 1) * f
    loops.reverse()
    return loops, starts


@lru_cache(maxsize=4096)
def _progression_sum(terms: tuple[tuple[int, int], ...]) -> frozenset:
    """{sum of k_i * step_i : 0 <= k_i < count_i} for terms (step, count)."""
    acc = np.zeros(1, dtype=np.int64)
    for step, count in terms:
        acc = np.unique((acc[:, None] + step * np.arange(count, dtype=np.int64)[None, :]).ravel())
    return frozenset(acc.tolist())


def _coef(spec: NestSpec, tensor: str, dim: str) -> int:
    """How far one step of ``dim`` moves along its axis of ``tensor`` (a stride, a dilation or 1)."""
    key = (tensor, dim)
    return getattr(spec.problem, _COEF[key]) if key in _COEF else 1


def _axis_terms(spec: NestSpec, tensor: str, axis: tuple[str, ...], loops) -> tuple:
    return tuple(sorted((_coef(spec, tensor, lp.dim) * lp.stride, lp.factor)
                        for lp in loops if lp.dim in axis and lp.factor > 1))


def axis_set(spec: NestSpec, tensor: str, axis: tuple[str, ...], loops) -> frozenset:
    """Coordinates along one tensor axis touched by ``loops`` (the others held at index 0)."""
    return _progression_sum(_axis_terms(spec, tensor, axis, loops))


def relevant(tensor: str, dim: str) -> bool:
    return any(dim in axis for axis in AXES[tensor])


def loads(spec: NestSpec, tensor: str, tile, siblings, above) -> tuple[int, int]:
    """(loads, distinct) of one tensor for a group of instances.

    ``tile`` are the loops at and below the level, ``siblings`` the spatial loops spreading the
    group over instances (empty for one instance), ``above`` the temporal loops above the level,
    outermost first. Loads are counted once per distinct element across the group (multicast);
    distinct is the number of elements the group touches over the whole nest.
    """
    axes = AXES[tensor]
    base = [axis_set(spec, tensor, a, tile) for a in axes]
    offsets = [axis_set(spec, tensor, a, siblings) for a in axes]
    group = [_shift_union(b, o) for b, o in zip(base, offsets)]
    distinct = math.prod(len(axis_set(spec, tensor, a, list(tile) + list(siblings) + list(above)))
                         for a in axes)
    group_size = math.prod(len(g) for g in group)
    inner = [lp for lp in reversed(above) if lp.factor > 1]
    first = next((k for k, lp in enumerate(inner) if relevant(tensor, lp.dim)), None)
    if first is None:
        return group_size, distinct
    lp = inner[first]
    outer = math.prod(o.factor for o in inner[first + 1:])
    if first > 0:                            # kept through inner loops, but no sliding-window credit
        return group_size * lp.factor * outer, distinct
    a = next(k for k, ax in enumerate(axes) if lp.dim in ax)
    shift = _coef(spec, tensor, lp.dim) * lp.stride
    new = frozenset(x + shift for x in base[a]) - base[a]
    delta = len(_shift_union(new, offsets[a])) * math.prod(len(g) for k, g in enumerate(group) if k != a)
    return (group_size + (lp.factor - 1) * delta) * outer, distinct


def _shift_union(values: frozenset, offsets: frozenset) -> frozenset:
    if len(offsets) == 1:
        (o,) = offsets
        return values if o == 0 else frozenset(v + o for v in values)
    return frozenset(v + o for v in values for o in offsets)


def keeper_chain(spec: NestSpec, tensor: str) -> list[int]:
    """Indices of the levels keeping ``tensor``, outermost first."""
    return [i for i in range(len(spec.architecture.levels)) if tensor in spec.level_mapping(i).keep]


def analyse(spec: NestSpec) -> dict:
    """Per-level, per-tensor, per-instance counts plus the nest's shape figures.

    Returns ``{"cycles", "macs", "utilized": [instances used per level], "compute_utilized",
    "counts": {(level, tensor): TensorCounts}, "tiles": {(level, tensor): words}, "loops", "starts"}``
    (``loops``/``starts`` as :func:`flatten` gives them).
    """
    loops, starts = flatten(spec)
    n_levels = len(spec.architecture.levels)
    cycles = math.prod(lp.factor for lp in loops if not lp.spatial)
    utilized = [math.prod(lp.factor for lp in loops[:starts[i]] if lp.spatial) for i in range(n_levels)]
    compute_utilized = math.prod(lp.factor for lp in loops if lp.spatial)
    counts: dict[tuple[int, str], TensorCounts] = {}
    tiles: dict[tuple[int, str], int] = {}
    for tensor in TENSORS:
        chain = keeper_chain(spec, tensor)
        for pos, i in enumerate(chain):
            tile = loops[starts[i]:]
            above = [lp for lp in loops[:starts[i]] if not lp.spatial]
            c = counts.setdefault((i, tensor), TensorCounts())
            tiles[(i, tensor)] = math.prod(len(axis_set(spec, tensor, a, tile)) for a in AXES[tensor])
            if pos > 0:                      # fills from, and drains to, the parent
                own, own_distinct = loads(spec, tensor, tile, (), above)
                parent = chain[pos - 1]
                sib = [lp for lp in loops[starts[parent]:starts[i]] if lp.spatial]
                grp, grp_distinct = loads(spec, tensor, tile, sib, above)
                pc = counts[(parent, tensor)]
                if tensor == "Outputs":
                    c.fills += own - own_distinct
                    pc.updates += grp
                    pc.reads += grp - grp_distinct
                else:
                    c.fills += own
                    pc.reads += grp
            if pos == len(chain) - 1:        # the compute units read (and update) here every cycle
                sib = [lp for lp in tile if lp.spatial]
                per_cycle = math.prod(len(axis_set(spec, tensor, a, sib)) for a in AXES[tensor])
                if tensor == "Outputs":
                    _, mine = loads(spec, tensor, tile, (), above)
                    c.updates += cycles * per_cycle
                    c.reads += cycles * per_cycle - mine
                else:
                    c.reads += cycles * per_cycle
    return {"cycles": cycles, "macs": spec.problem.macs, "utilized": utilized,
            "compute_utilized": compute_utilized, "counts": counts, "tiles": tiles,
            "loops": loops, "starts": starts}
