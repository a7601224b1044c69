"""Slow twin of accelsim.nest.analysis: replay a loop nest step by step with explicit sets.

Every temporal step of the nest is enumerated; at each step every level instance's tile is built
element by element from the loop indices, and what it fetches is decided by the step-wise form
of the counting rule (docs/nest.md):

* first step: fetch the whole tile;
* otherwise look at the outermost loop whose index changed in this step. If it is below the level,
  or above it but inside the innermost relevant loop, the tile must be unchanged (asserted) and
  nothing moves; if it is that innermost relevant loop and no other loop with trip > 1 sits inside
  it, fetch the tile minus the previous tile; in every other case fetch the whole tile.

A parent serves the union of its children's fetches in a step (multicast; reduction for outputs);
an output element fetched for the first time by an instance (or a group) is not a fill. The
compute units read every operand they need on every step. Only meant for small nests.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

from accelsim.nest.spec import TENSORS, NestSpec, parse_loops


def _loops(spec: NestSpec):
    out, starts = [], []
    for i, level in enumerate(spec.architecture.levels):
        lm = spec.level_mapping(i)
        starts.append(len(out))
        out += [(d, f, False) for d, f in parse_loops(lm.temporal, level.name)]
        out += [(d, f, True) for d, f in parse_loops(lm.spatial, level.name)]
    return out, starts


def _coords(spec: NestSpec, tensor: str, idx: dict) -> tuple:
    p = spec.problem
    if tensor == "Weights":
        return idx["M"], idx["C"], idx["R"], idx["S"]
    if tensor == "Outputs":
        return idx["N"], idx["M"], idx["P"], idx["Q"]
    return (idx["N"], idx["C"], idx["P"] * p.h_stride + idx["R"] * p.h_dilation,
            idx["Q"] * p.w_stride + idx["S"] * p.w_dilation)


def trace_counts(spec: NestSpec) -> dict:
    """{(level index, tensor): [(reads, fills, updates) per used instance]} and the cycle count."""
    loops, starts = _loops(spec)
    weight = []
    for k, (d, _, _) in enumerate(loops):
        weight.append(math.prod(f for dd, f, _ in loops[k + 1:] if dd == d))
    temporal = [k for k, lp in enumerate(loops) if not lp[2]]
    spatial = [k for k, lp in enumerate(loops) if lp[2]]
    n_levels = len(spec.architecture.levels)

    def point(digits: dict) -> dict:
        idx = dict.fromkeys("NMCPQRS", 0)
        for k, v in digits.items():
            idx[loops[k][0]] += v * weight[k]
        return idx

    def relevant(tensor, d):
        return d in {"Weights": "MCRS", "Inputs": "NCPQRS", "Outputs": "NMPQ"}[tensor]

    chains = {t: [i for i in range(n_levels) if t in spec.level_mapping(i).keep] for t in TENSORS}
    counts = defaultdict(lambda: [0, 0, 0])          # (level, tensor, instance) -> reads, fills, updates
    prev_tile, seen, group_seen, mac_seen = {}, defaultdict(set), defaultdict(set), defaultdict(set)
    prev_step = None
    for step in itertools.product(*[range(loops[k][1]) for k in temporal]):
        tdig = dict(zip(temporal, step))
        changed = None
        if prev_step is not None:
            changed = next(k for k, a, b in zip(temporal, step, prev_step) if a != b)
        for tensor in TENSORS:
            chain = chains[tensor]
            for pos, i in enumerate(chain):
                above_sp = [k for k in spatial if k < starts[i]]
                inside_sp = [k for k in spatial if k >= starts[i]]
                inside_t = [k for k in temporal if k >= starts[i]]
                above_t = [k for k in temporal if k < starts[i] and loops[k][1] > 1]
                rel = [k for k in above_t if relevant(tensor, loops[k][0])]
                ell = rel[-1] if rel else None
                fetched = {}
                for inst in itertools.product(*[range(loops[k][1]) for k in above_sp]):
                    key = (i, tensor, inst)
                    if changed is not None and changed >= starts[i]:
                        fetched[inst] = set()             # only loops inside the tile moved
                        continue
                    base = {**{k: v for k, v in tdig.items() if k < starts[i]}, **dict(zip(above_sp, inst))}
                    tile = set()
                    for inner in itertools.product(*[range(loops[k][1]) for k in inside_t + inside_sp]):
                        tile.add(_coords(spec, tensor, point({**base, **dict(zip(inside_t + inside_sp, inner))})))
                    if changed is None:
                        fetch = tile
                    elif ell is not None and changed > ell:
                        assert tile == prev_tile[key], "tile moved under a loop that should keep it"
                        fetch = set()
                    elif changed == ell and ell == above_t[-1]:
                        fetch = tile - prev_tile[key]
                    elif ell is None:
                        assert tile == prev_tile[key]
                        fetch = set()
                    else:
                        fetch = tile
                    prev_tile[key] = tile
                    fetched[inst] = fetch
                    if pos > 0:
                        c = counts[key]
                        if tensor == "Outputs":
                            c[1] += len(fetch & seen[key])
                        else:
                            c[1] += len(fetch)
                        seen[key] |= fetch
                    else:
                        counts[key]                       # the outermost level exists in the table
                if pos > 0:                               # the parent serves each group's union
                    parent = chain[pos - 1]
                    n_parent_sp = len([k for k in spatial if k < starts[parent]])
                    groups = defaultdict(set)
                    for inst, fetch in fetched.items():
                        groups[inst[:n_parent_sp]] |= fetch
                    for ginst, union in groups.items():
                        pc = counts[(parent, tensor, ginst)]
                        if tensor == "Outputs":
                            gkey = (parent, tensor, ginst, i)
                            pc[2] += len(union)
                            pc[0] += len(union & group_seen[gkey])
                            group_seen[gkey] |= union
                        else:
                            pc[0] += len(union)
                if pos == len(chain) - 1:                 # the compute units under each instance
                    for inst in itertools.product(*[range(loops[k][1]) for k in above_sp]):
                        base = {**tdig, **dict(zip(above_sp, inst))}
                        ops = {_coords(spec, tensor, point({**base, **dict(zip(inside_sp, sp))}))
                               for sp in itertools.product(*[range(loops[k][1]) for k in inside_sp])}
                        c = counts[(i, tensor, inst)]
                        if tensor == "Outputs":
                            mkey = (i, inst)
                            c[2] += len(ops)
                            c[0] += len(ops & mac_seen[mkey])
                            mac_seen[mkey] |= ops
                        else:
                            c[0] += len(ops)
        prev_step = step
    out = defaultdict(list)
    for (i, tensor, _inst), c in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
        out[(i, tensor)].append(tuple(c))
    cycles = math.prod(loops[k][1] for k in temporal)
    return {"counts": dict(out), "cycles": cycles}
