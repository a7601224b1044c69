"""Sweep specs (YAML, pydantic-validated) and the design points they describe.

An axis is a path into the hardware description — ``array.rows``, ``backing_memory.
bandwidth_bytes_per_cycle``, ``buffers[spad].size_bytes`` (a buffer by name) or ``buffers[0].size_bytes``
— or ``dataflow`` / ``stationarity``, with either a list of values or a range ``{min, max}``
(``steps`` points for a grid, ``log`` for geometric spacing / log-uniform sampling, ``integer``).
Each design point is built by validating the base config plus its changes
(``Hardware.model_validate``), never by mutating a shared object; every axis value is checked
against the base when the spec loads, so an out-of-range value is an error naming the axis.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import sys
from json.encoder import encode_basestring_ascii as _json_str
from pathlib import Path
from typing import Any, Iterator, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from accelsim.config.yamlio import load_yaml_mapping
from accelsim.sweep.design_point import build_hardware
from accelsim.errors import ConfigError, format_validation_error

OBJECTIVES = ("latency", "energy", "edp", "area")
# per-layer detail (``per_layer: true``): the columns written by default; a list names others from
# ``simulate``'s per-layer table (docs/sweeps.md, "Per-layer detail")
LAYER_DETAIL_DEFAULT = ("macs", "cycles", "compute_cycles", "stall_cycles", "utilization", "mapping_efficiency",
                        "dram_bytes", "latency_s", "energy_pj")
_HOME_COLUMN = re.compile(r"^(?P<buffer>.+)_(reads_ifmap|reads_filter|reads_ofmap|writes_ofmap)$")


def layer_detail_columns() -> tuple[str, ...]:
    """The per-layer columns a spec may ask for by name, besides an on-chip home's traffic
    (``<buffer>_reads_ifmap`` ...): the numeric columns of ``simulate``'s per-layer table."""
    from accelsim.energy.model import ALL_COMPONENTS
    from accelsim.pim.cost import PIM_COLUMNS
    from accelsim.results import CONTRACT_COLUMNS, EXTRA_COLUMNS

    text = ("layer", "kind", "mapping")
    return (tuple(c for c in CONTRACT_COLUMNS + EXTRA_COLUMNS if c not in text) + ("energy_pj",)
            + tuple(f"energy_pj_{c}" for c in ALL_COMPONENTS) + tuple(PIM_COLUMNS))
_FINITE_MIN, _FINITE_MAX = -sys.float_info.max, sys.float_info.max


class Range(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    min: float
    max: float
    steps: int = Field(5, ge=1, le=10_000, description="Grid points (grid sampling).")
    log: bool = Field(False, description="Geometric grid / log-uniform sampling.")
    integer: bool = Field(True, description="Round values to integers.")


class Sampling(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    method: Literal["grid", "random", "lhs"] = "grid"
    samples: int = Field(64, ge=1, le=100_000_000, description="Points for random / lhs sampling.")
    seed: int = Field(0, ge=0)


class Constraints(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    max_pes: int | None = Field(None, ge=1)
    max_onchip_bytes: int | None = Field(None, ge=1, description="Total size of all buffers (bytes).")
    max_area_mm2: float | None = Field(None, gt=0)


class SweepSpec(BaseModel):
    """A design-space sweep."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9_.\-]{1,64}$")
    base: str = Field(description="Base hardware config: a shipped name or a path (relative to the spec file).")
    workloads: list[str] = Field(min_length=1)
    axes: dict[str, list[Any] | Range] = Field(min_length=1)
    sampling: Sampling = Sampling()
    constraints: Constraints = Constraints()
    objectives: list[str] = Field(["latency", "energy"], min_length=1)
    tiling: Literal["heuristic", "best"] = "heuristic"
    batch: int = Field(1, ge=1, le=1 << 16)
    per_layer: bool | list[str] = Field(False, description="Also write a row per (design point, workload, layer): "
                                        "true for the default columns, or a list of per-layer columns.")

    @field_validator("per_layer")
    @classmethod
    def _per_layer(cls, v):
        if isinstance(v, list):
            known = layer_detail_columns()
            bad = [c for c in v if c not in known and not _HOME_COLUMN.match(c)]
            if bad or not v:
                raise ValueError(f"unknown per-layer column(s) {bad}; allowed: true, or a non-empty list of "
                                 f"{', '.join(known)} and <buffer>_reads_ifmap/_reads_filter/_reads_ofmap/"
                                 "_writes_ofmap of an on-chip home" if bad else "an empty list; use false for none")
        return v

    @property
    def layer_columns(self) -> list[str]:
        """The per-layer columns to write (empty: no per-layer detail)."""
        if self.per_layer is True:
            return list(LAYER_DETAIL_DEFAULT)
        return list(self.per_layer or [])

    @field_validator("objectives")
    @classmethod
    def _objectives(cls, v):
        bad = [o for o in v if o not in OBJECTIVES]
        if bad:
            raise ValueError(f"unknown objective(s) {bad}; allowed: {', '.join(OBJECTIVES)}")
        return v


def axis_values(axis: list | Range) -> list:
    """The grid values of an axis."""
    if isinstance(axis, list):
        return list(axis)
    if axis.steps == 1:
        vals = [axis.min]
    elif axis.log:
        vals = list(np.geomspace(axis.min, axis.max, axis.steps))
    else:
        vals = list(np.linspace(axis.min, axis.max, axis.steps))
    return [int(round(v)) if axis.integer else float(v) for v in vals]


def _drawer(axis: list | Range):
    """The function from a quantile ``u`` in [0, 1) to the axis value there. Its constants are computed once
    per axis; each value is the same float a per-point ``exp(log(min) + u * (log(max) - log(min)))`` (or
    ``min + u * (max - min)``) gives, operation for operation: point keys, and so resumed sweeps, rest on it."""
    if isinstance(axis, list):
        values, top = list(axis), len(axis) - 1
        return lambda u: values[min(top, int(u * len(values)))]
    if axis.log:
        lo, span = math.log(axis.min), math.log(axis.max) - math.log(axis.min)
        exp = math.exp
        if axis.integer:
            return lambda u: int(round(exp(lo + u * span)))
        return lambda u: float(exp(lo + u * span))
    lo, span = axis.min, axis.max - axis.min
    if axis.integer:
        return lambda u: int(round(lo + u * span))
    return lambda u: float(lo + u * span)


def design_points(spec: SweepSpec) -> list[dict]:
    """Every design point of the spec, in a deterministic order (axis order as written)."""
    return list(iter_points(spec))


def point_count(spec: SweepSpec) -> int:
    """How many design points the spec has (without building them)."""
    if spec.sampling.method == "grid":
        return math.prod(len(axis_values(axis)) for axis in spec.axes.values())
    return spec.sampling.samples


_BLOCK = 65_536  # random samples drawn at a time: the stream is the same as one draw of all of them


def iter_points(spec: SweepSpec) -> Iterator[dict]:
    """``design_points`` one at a time, so that a sweep of 10^8 points never holds them all: a grid walks
    the product of its axes and random sampling draws its numbers in blocks (numpy's generator fills
    them in the same order either way). Latin-hypercube sampling shuffles each axis's strata over all
    samples, so it holds its unit samples (8 bytes per axis and point) and builds the points lazily."""
    names = list(spec.axes)
    axes = [spec.axes[n] for n in names]
    if spec.sampling.method == "grid":
        for combo in itertools.product(*(axis_values(a) for a in axes)):
            yield dict(zip(names, combo))
        return
    rng = np.random.default_rng(spec.sampling.seed)
    n = spec.sampling.samples
    drawers = [_drawer(a) for a in axes]
    if spec.sampling.method == "random":
        for start in range(0, n, _BLOCK):
            for row in rng.random((min(_BLOCK, n - start), len(names))).tolist():
                yield {name: f(u) for name, f, u in zip(names, drawers, row)}
        return
    u = np.empty((n, len(names)))  # Latin hypercube: one sample per stratum of every axis, strata shuffled
    for j in range(len(names)):
        u[:, j] = (rng.permutation(n) + rng.random(n)) / n
    for start in range(0, n, _BLOCK):
        for row in u[start:start + _BLOCK].tolist():
            yield {name: f(v) for name, f, v in zip(names, drawers, row)}


def point_key(point: dict) -> str:
    """A stable hash naming a design point: of ``json.dumps(point, sort_keys=True, default=str)``, the
    text written for points of int, finite float and str values (nearly all) without the json module's
    encoder (a third of a point's key), with it for the others. Resumed sweeps compare these keys, so the
    text must not change."""
    parts = []
    for name in sorted(point):
        value = point[name]
        kind = value.__class__
        if name.__class__ is not str:
            break
        if kind is int:
            text = int.__repr__(value)
        elif kind is float and _FINITE_MIN <= value <= _FINITE_MAX:
            text = float.__repr__(value)
        elif kind is str:
            text = _json_str(value)
        else:
            break
        parts.append(f"{_json_str(name)}: {text}")
    else:
        return hashlib.sha256(("{" + ", ".join(parts) + "}").encode()).hexdigest()[:20]
    text = json.dumps(point, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def spec_hash(spec: SweepSpec) -> str:
    # without per_layer when it is off: directories written before it existed keep their hash and resume
    return hashlib.sha256(spec.model_dump_json(exclude=None if spec.per_layer else {"per_layer"}).encode()
                          ).hexdigest()[:16]


def load_spec(source) -> tuple[SweepSpec, dict]:
    """A validated spec and its base hardware (as a dict), from a path, dict or SweepSpec.

    Every axis value is applied alone to the base and validated, so a bad value is reported with
    its axis before anything runs."""
    from accelsim.api import load_hardware

    if isinstance(source, SweepSpec):
        spec, where, root = source, "<sweep>", Path.cwd()
    else:
        if isinstance(source, dict):
            data, where, root = source, "<sweep>", Path.cwd()
        else:
            path = Path(source)
            data, where, root = load_yaml_mapping(path), str(path), path.parent
        try:
            spec = SweepSpec.model_validate(data)
        except ValidationError as exc:
            raise format_validation_error(exc, where) from None
    base_src = spec.base
    if Path(base_src).suffix and not Path(base_src).is_absolute():
        base_src = str(root / base_src)
    base = load_hardware(base_src).model_dump()
    buffers = {b["name"] for b in base["buffers"]}
    known = layer_detail_columns()
    stray = [c for c in spec.layer_columns if c not in known and _HOME_COLUMN.match(c)["buffer"] not in buffers]
    if stray:
        raise ConfigError(f"{where}: per_layer: {stray} name no buffer of the base config {spec.base!r} "
                          f"(its buffers: {', '.join(sorted(buffers))})")
    for name, axis in spec.axes.items():
        values = axis_values(axis) if isinstance(axis, list) else [axis.min, axis.max]
        for v in values:
            build_hardware(base, {name: v}, f"{where}: axis {name!r} value {v!r}")
    return spec, base
