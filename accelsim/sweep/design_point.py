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
