"""A design point's hardware config: the sweep's base config with the point's axis values set at their
paths (``array.rows``, ``buffers[spad].size_bytes``, ``buffers[0].port_bits``) and validated as a new
``Hardware`` (``Hardware.model_validate``), never by mutating a shared config. The sections no axis
touches are shared, as the base's validated models."""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, ValidationError

from accelsim.config.hardware import Hardware
from accelsim.errors import ConfigError, format_validation_error

_SEG = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]+)\])?$")


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
        self.plans: dict = {}  # tuple of axis paths -> their _plan

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


def _resolve(base: dict, path: str) -> tuple:
    """The keys (names and list indices) a dotted path with ``[name]`` / ``[index]`` list selectors leads
    through in ``base`` to a field; a KeyError saying why when it leads nowhere."""
    keys: list = []
    node = base
    parts = _segments(path)
    for i, seg in enumerate(parts):
        if seg is None:
            raise KeyError(f"bad path segment {path.split('.')[i]!r}")
        key, sel = seg
        if isinstance(node, list):
            raise KeyError(f"{keys[-1]!r} is a list: select an item, {keys[-1]}[name] or {keys[-1]}[index]")
        if key not in node:
            raise KeyError(f"no field {key!r}")
        keys.append(key)
        node = node[key]
        if sel is not None:
            if not isinstance(node, list):
                raise KeyError(f"{key!r} is not a list")
            if sel.isdigit():
                idx = int(sel)
                if idx >= len(node):
                    raise KeyError(f"{key}[{idx}] out of range")
            else:
                names = [x.get("name") if isinstance(x, dict) else None for x in node]
                if sel not in names:
                    raise KeyError(f"no {key} named {sel!r} (have {names})")
                idx = names.index(sel)
            keys.append(idx)
            node = node[idx]
        if i < len(parts) - 1:
            if node is None:
                raise KeyError(f"{key!r} is empty (null) in the base config; give it a value there first")
            if not isinstance(node, (dict, list)):
                raise KeyError(f"{key!r} is a value ({node!r}), not a section with fields")
    return tuple(keys)


def _plan(sections: _Sections, base: dict, paths: tuple, source: str) -> tuple:
    """The axes' paths as a tree of (template, [(key, path or subtree)]) per section on some path — the
    template a copy of the base section whose untouched sections are the validated models, the leaves
    the paths whose values go there. A ConfigError names the axis whose path leads nowhere, or lies
    inside another axis's value."""
    tree: dict = {}
    for path in paths:
        try:
            keys = _resolve(base, path)
            node = tree
            for key in keys[:-1]:
                node = node.setdefault(key, {})
                if not isinstance(node, dict):
                    raise KeyError(f"lies inside the value of axis {node!r}")
            other = node.get(keys[-1])
            if isinstance(other, str):
                raise KeyError(f"sets the same field as axis {other!r}")
            if other is not None:
                raise KeyError("holds fields that other axes set; keep this axis or those, not both")
        except KeyError as exc:
            raise ConfigError(f"{source}: axis {path!r}: {exc.args[0]}") from None
        node[keys[-1]] = path

    def freeze(src, node: dict) -> tuple:
        return sections.copy(src), [(k, v if isinstance(v, str) else freeze(src[k], v)) for k, v in node.items()]

    return freeze(base, tree)


def _apply(plan: tuple, changes: dict) -> dict | list:
    """A point's config data from a ``_plan``: each section on a path copied from its template (the base's
    other sections stay the shared validated models), the changes set in the copies: only the paths are
    copied (a deep copy of a whole config costs about 140 us, a design point's validation about 6), and
    a base shared by every design point is never modified."""
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


def build_hardware(base: dict, changes: dict, source: str = "design point") -> Hardware:
    """The base config with ``changes`` applied, validated as a new Hardware (``base`` is not
    modified). The sections no change touches are passed as the base's validated models (pydantic does
    not validate a model instance again: ``revalidate_instances`` is 'never'); every section on a
    change's path, and so every validator that can see a change, is validated afresh (about a third
    less validation for a point that changes the array and one buffer)."""
    sections = _sections(base)
    paths = tuple(changes)
    plan = sections.plans.get(paths)
    if plan is None:  # every point of a sweep changes the same paths: resolved once, not per point
        if len(sections.plans) >= 64:
            sections.plans.clear()
        plan = sections.plans[paths] = _plan(sections, base, paths, source)
    data = _apply(plan, changes)
    try:
        return Hardware.model_validate(data)
    except ValidationError as exc:
        err = format_validation_error(exc, source)
        axes = ", ".join(f"{k} = {v!r}" for k, v in changes.items())
        raise ConfigError(f"{err}\n  (axis values: {axes})") from None
