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
from functools import lru_cache
from json.encoder import encode_basestring_ascii as _json_str
from pathlib import Path
from typing import Any, Iterator, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from accelsim.config.hardware import Hardware
from accelsim.config.yamlio import load_yaml_mapping
from accelsim.errors import ConfigError, format_validation_error

OBJECTIVES = ("latency", "energy", "edp", "area")
_FINITE_MIN, _FINITE_MAX = -sys.float_info.max, sys.float_info.max
_SEG = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]+)\])?$")


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

    @field_validator("objectives")
    @classmethod
    def _objectives(cls, v):
        bad = [o for o in v if o not in OBJECTIVES]
        if bad:
            raise ValueError(f"unknown objective(s) {bad}; allowed: {', '.join(OBJECTIVES)}")
        return v


@lru_cache(maxsize=1024)
def _segments(path: str) -> tuple:
    """A dotted path as (key, selector or None) per segment; None for a segment that does not parse."""
    return tuple(None if m is None else (m.group(1), m.group(2)) for m in map(_SEG.match, path.split(".")))


class _Sections:
    """A base config's sections (the dicts of its models and its lists of models), validated once:
    design points share them instead of validating them again (memoised per base object, which this
    keeps alive)."""

    def __init__(self, base: dict):
        self.validated: dict = {}  # id(section of base) -> the model (or list of models) it validates to
        self.origin: dict = {}  # id(model or list of models) -> its section of base
        try:
            self._pair(base, Hardware.model_validate(base))
        except ValidationError:  # build_hardware's validation says why
            self.validated, self.origin = {}, {}
        self.top = self.copy(base)
        self.plans: dict = {}  # tuple of axis paths -> their _plan (or None: resolved by _set, which says why)

    def _pair(self, node, value) -> None:
        """Record ``node`` (a section of the base) as validating to ``value``, and so on below it."""
        model = isinstance(node, dict) and isinstance(value, BaseModel)
        models = (isinstance(node, list) and isinstance(value, list) and len(node) == len(value)
                  and all(isinstance(v, BaseModel) for v in value))
        if not (model or models):  # a plain value or a free-form dict (energy_overrides): validated each time
            return
        self.validated[id(node)] = value
        self.origin[id(value)] = node
        for key, child in (node.items() if isinstance(node, dict) else enumerate(node)):
            if isinstance(child, (dict, list)):
                self._pair(child, value[key] if isinstance(value, list) else getattr(value, key, None))

    def copy(self, node: dict | list) -> dict | list:
        """A copy of a base section (or of a validated one's base section) whose own sections are the
        validated objects."""
        node = self.origin.get(id(node), node)
        if isinstance(node, dict):
            return {k: self.validated.get(id(v), v) for k, v in node.items()}
        return [self.validated.get(id(v), v) for v in node]


def _resolve(base: dict, path: str) -> tuple | None:
    """The keys (names and list indices) ``path`` leads through in ``base`` to a field, or None when it
    does not lead to one (``_set`` then says why)."""
    keys: list = []
    node = base
    parts = _segments(path)
    for i, seg in enumerate(parts):
        if seg is None or not isinstance(node, dict) or seg[0] not in node:
            return None
        key, sel = seg
        keys.append(key)
        node = node[key]
        if sel is not None:
            if not isinstance(node, list):
                return None
            names = [x.get("name") if isinstance(x, dict) else None for x in node]
            idx = int(sel) if sel.isdigit() else (names.index(sel) if sel in names else len(node))
            if idx >= len(node):
                return None
            keys.append(idx)
            node = node[idx]
        if i < len(parts) - 1 and not isinstance(node, dict):
            return None
    return tuple(keys)


def _plan(sections: _Sections, base: dict, paths: tuple) -> tuple | None:
    """The axes' paths as a tree of (template, [(key, path or subtree)]) per section on some path — the
    template a copy of the base section whose untouched sections are the validated models, the leaves
    the paths whose values go there — or None when a path does not resolve or lies inside another's
    value."""
    tree: dict = {}
    for path in paths:
        keys = _resolve(base, path)
        if keys is None:
            return None
        node = tree
        for key in keys[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                return None
        if keys[-1] in node:
            return None
        node[keys[-1]] = path

    def freeze(src, node: dict) -> tuple:
        return sections.copy(src), [(k, v if isinstance(v, str) else freeze(src[k], v)) for k, v in node.items()]

    return freeze(base, tree)


def _apply(plan: tuple, changes: dict) -> dict | list:
    """A point's config data from a ``_plan``: each section on a path copied from its template (the base's
    other sections stay the shared validated models), the changes set in the copies."""
    template, items = plan
    node = template.copy()
    for key, sub in items:
        node[key] = changes[sub] if sub.__class__ is str else _apply(sub, changes)
    return node


_SECTIONS: dict = {}  # id(base) -> (base, its _Sections)


def _sections(base: dict) -> _Sections:
    hit = _SECTIONS.get(id(base))
    if hit is None or hit[0] is not base:
        if len(_SECTIONS) >= 4:
            _SECTIONS.clear()
        hit = _SECTIONS[id(base)] = (base, _Sections(base))
    return hit[1]


def _set(data: dict, path: str, value, copied: set, sections: _Sections) -> None:
    """Set ``value`` at a dotted path with ``[name]`` / ``[index]`` list selectors. ``copied``: the ids of
    the containers that are this point's own (``data`` among them); any other container on the path (a
    base section, or the model it validated to) is copied from the base before it is written and the
    copy put in its parent, so a base shared by every design point is never modified and only the path
    is copied (a deep copy of a whole config costs about 140 us, a design point's validation about 10).
    The sections off the path stay validated models, which ``model_validate`` takes as they are."""
    parts = _segments(path)
    node = data

    def own(parent, key, child):
        if child is None:
            raise KeyError(f"{key!r} is empty (null) in the base config; give it a value there first")
        if id(child) in copied:
            return child
        child = sections.origin.get(id(child), child)
        if not isinstance(child, (dict, list)):
            raise KeyError(f"{key!r} is a value ({child!r}), not a section with fields")
        child = sections.copy(child)
        parent[key] = child
        copied.add(id(child))
        return child

    for i, seg in enumerate(parts):
        if seg is None:
            raise KeyError(f"bad path segment {path.split('.')[i]!r}")
        key, sel = seg
        last = i == len(parts) - 1
        if key not in node:
            raise KeyError(f"no field {key!r}")
        if sel is None:
            if last:
                node[key] = value
            else:
                node = own(node, key, node[key])
            continue
        seq = node[key]
        if not isinstance(seq, list):
            raise KeyError(f"{key!r} is not a list")
        if sel.isdigit():
            idx = int(sel)
        else:
            names = [x.get("name") if isinstance(x, dict) else getattr(x, "name", None)
                     for x in sections.origin.get(id(seq), seq)]
            if sel not in names:
                raise KeyError(f"no {key} named {sel!r} (have {names})")
            idx = names.index(sel)
        if idx >= len(seq):
            raise KeyError(f"{key}[{idx}] out of range")
        seq = own(node, key, seq)
        if last:
            seq[idx] = value
        else:
            node = own(seq, idx, seq[idx])


def build_hardware(base: dict, changes: dict, source: str = "design point") -> Hardware:
    """The base config with ``changes`` applied, validated as a new Hardware (``base`` is not
    modified). The sections no change touches are passed as the base's validated models (pydantic does
    not validate a model instance again: ``revalidate_instances`` is 'never'); every section on a
    change's path, and so every validator that can see a change, is validated afresh (about a third
    less validation for a point that changes the array and one buffer)."""
    sections = _sections(base)
    paths = tuple(changes)
    if paths not in sections.plans:
        if len(sections.plans) >= 64:
            sections.plans.clear()
        sections.plans[paths] = _plan(sections, base, paths)
    plan = sections.plans[paths]
    if plan is not None:  # every point of a sweep changes the same paths: resolved once, not per point
        data = _apply(plan, changes)
    else:
        data = dict(sections.top)
        copied = {id(data)}
        for path, value in changes.items():
            try:
                _set(data, path, value, copied, sections)
            except KeyError as exc:
                raise ConfigError(f"{source}: axis {path!r}: {exc.args[0]}") from None
    try:
        return Hardware.model_validate(data)
    except ValidationError as exc:
        err = format_validation_error(exc, source)
        axes = ", ".join(f"{k} = {v!r}" for k, v in changes.items())
        raise ConfigError(f"{err}\n  (axis values: {axes})") from None


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


def _draw(axis: list | Range, u: float):
    """The axis value at quantile ``u`` in [0, 1)."""
    if isinstance(axis, list):
        return axis[min(len(axis) - 1, int(u * len(axis)))]
    if axis.log:
        v = math.exp(math.log(axis.min) + u * (math.log(axis.max) - math.log(axis.min)))
    else:
        v = axis.min + u * (axis.max - axis.min)
    return int(round(v)) if axis.integer else float(v)


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
    if spec.sampling.method == "random":
        for start in range(0, n, _BLOCK):
            for row in rng.random((min(_BLOCK, n - start), len(names))).tolist():
                yield {name: _draw(a, u) for name, a, u in zip(names, axes, row)}
        return
    u = np.empty((n, len(names)))  # Latin hypercube: one sample per stratum of every axis, strata shuffled
    for j in range(len(names)):
        u[:, j] = (rng.permutation(n) + rng.random(n)) / n
    for start in range(0, n, _BLOCK):
        for row in u[start:start + _BLOCK].tolist():
            yield {name: _draw(a, v) for name, a, v in zip(names, axes, row)}


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
    return hashlib.sha256(spec.model_dump_json().encode()).hexdigest()[:16]


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
    for name, axis in spec.axes.items():
        values = axis_values(axis) if isinstance(axis, list) else [axis.min, axis.max]
        for v in values:
            build_hardware(base, {name: v}, f"{where}: axis {name!r} value {v!r}")
    return spec, base
