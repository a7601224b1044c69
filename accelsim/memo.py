"""Memoisation keyed by object identity, for the frozen config and workload objects a run is given.

Hashing a pydantic model or a network costs more than the work saved, so the memos key on ``id()``.
An entry holds the objects it was computed for, so an id that Python has recycled for a new object
never returns the old object's value.
"""

from __future__ import annotations

from collections import OrderedDict
from operator import is_
from typing import Any, Callable


class IdentityMemo:
    """Values computed once per (objects, key); the least recently used entries past ``size`` are dropped."""

    def __init__(self, size: int):
        self._entries: OrderedDict = OrderedDict()
        self._size = size

    def get(self, objects: tuple, key: Any, compute: Callable[[], Any]) -> Any:
        """The value for these objects (compared by identity) and hashable ``key``, ``compute()`` on a miss."""
        k = (tuple(map(id, objects)), key)
        hit = self._entries.get(k)
        if hit is not None and all(map(is_, hit[0], objects)):
            self._entries.move_to_end(k)
            return hit[1]
        value = compute()
        self._entries[k] = (objects, value)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return value
