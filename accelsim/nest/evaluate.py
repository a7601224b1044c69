"""Energy, cycles and a per-level table for a loop nest (counts from :mod:`accelsim.nest.analysis`).

Energy of a level = sum over its tensors and actions of vector accesses x energy per vector
access, times the instances in use, plus leakage x cycles x the instances in use (Timeloop charges idle instances nothing).
Vector accesses are counted per instance, tensor and action: ceil(words / block_words) — the rule
Timeloop applies (its exercises' energies follow it to the femtojoule, docs/nest.md).
Compute energy = MACs x ``mac_pj``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from accelsim.config.yamlio import load_yaml_mapping
from accelsim.errors import CapacityError, format_validation_error
from accelsim.nest.analysis import analyse
from accelsim.nest.spec import TENSORS, NestSpec


@dataclass
class NestResult:
    """``tensors``: one row per (level, tensor) kept there; ``levels``: one row per level plus the
    compute units; ``summary``: cycles, MACs, utilization, energy (pJ) and pJ/MAC."""

    tensors: pd.DataFrame
    levels: pd.DataFrame
    summary: dict


def load_nest(source) -> NestSpec:
    """A NestSpec from an object, a dict or a YAML file; errors name the file and field."""
    if isinstance(source, NestSpec):
        return source
    where = "<nest>"
    if not isinstance(source, dict):
        where = str(source)
        path = Path(source)
        source = load_yaml_mapping(path)
        arch = source.get("architecture")
        if isinstance(arch, str):            # an architecture shared by several nests, beside the file
            source = {**source, "architecture": load_yaml_mapping(path.parent / arch)}
    try:
        return NestSpec.model_validate(source)
    except ValidationError as exc:
        raise format_validation_error(exc, where) from None


def _check_capacity(spec: NestSpec, tiles: dict) -> None:
    for i, level in enumerate(spec.architecture.levels):
        kept = {t: tiles[(i, t)] for t in TENSORS if (i, t) in tiles}
        need = sum(kept.values())
        if level.size_words is not None and need > level.size_words:
            parts = ", ".join(f"{t} {w}" for t, w in kept.items())
            raise CapacityError(f"{level.name}: the mapping's tiles need {need} words ({parts}) but the level "
                                f"holds {level.size_words}; the smallest size that fits is "
                                f"size_words: {need}, or move loops above {level.name}")


def evaluate_nest(source) -> NestResult:
    """Count accesses and energy of a nest (a NestSpec, a dict or a YAML path)."""
    spec = load_nest(source)
    a = analyse(spec)
    _check_capacity(spec, a["tiles"])
    cycles, macs = a["cycles"], a["macs"]
    rows, level_rows = [], []
    for i, level in enumerate(spec.architecture.levels):
        used = a["utilized"][i]
        dynamic = 0.0
        for t in TENSORS:
            c = a["counts"].get((i, t))
            if c is None:
                continue
            vr = math.ceil(c.reads / level.block_words)
            vf = math.ceil(c.fills / level.block_words)
            vu = math.ceil(c.updates / level.block_words)
            e = (vr * level.read_pj + vf * level.write_pj + vu * level.update_energy) * used
            dynamic += e
            rows.append({"level": level.name, "tensor": t, "tile_words": a["tiles"][(i, t)],
                         "instances": used, "reads": c.reads, "fills": c.fills, "updates": c.updates,
                         "vector_reads": vr, "vector_fills": vf, "vector_updates": vu, "energy_pj": e})
        leak = level.leak_pj_per_cycle * cycles * used
        level_rows.append({"level": level.name, "instances": used, "energy_pj_access": dynamic,
                           "energy_pj_leakage": leak, "energy_pj": dynamic + leak})
    mac_e = macs * spec.architecture.compute.mac_pj
    level_rows.append({"level": spec.architecture.compute.name, "instances": a["compute_utilized"],
                       "energy_pj_access": mac_e, "energy_pj_leakage": 0.0, "energy_pj": mac_e})
    levels = pd.DataFrame(level_rows)
    total = float(levels["energy_pj"].sum())
    summary = {"problem": spec.problem.name, "architecture": spec.architecture.name, "cycles": cycles,
               "macs": macs, "utilization": a["compute_utilized"] / spec.architecture.compute.instances,
               "energy_pj": total, "pj_per_mac": total / macs}
    return NestResult(pd.DataFrame(rows), levels, summary)
