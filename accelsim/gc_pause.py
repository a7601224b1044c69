"""Pausing Python's cyclic garbage collector around batch work.

A design point allocates thousands of short-lived objects (pydantic models, dicts, small arrays) that
reference counting frees at once; but every allocation counts towards the collector's thresholds, and
its passes walk the ~190k objects that numpy, numba, pandas and pydantic leave alive after import.
Over 256-point chunks of ResNet-50 design points (benchmarks/bench_sweep.py's spec), timed with
``gc.callbacks``, those passes took 104-138 us of a ~500 us point. Paused, the one collection after a
chunk walks what the chunk left alive when the collector came back: 10-20 us a point while the chunk's
configs were still referenced (and kept in a 4096-entry area memo, which also made every later
full collection walk ~48k more objects), under 1 us a point now that the sweep re-enables the
collector only after the chunk's objects are gone (``sweep.runner.evaluate_chunk``). The objects these
batches create hold no reference cycles of their own, so pausing the collector for one batch only
delays collecting whatever cycles other code makes; it runs again when the batch ends.

``simulate`` and ``simulate_points`` run paused too: one SCALE-Sim small-set first call in four
allocated enough to start a collection, of 100-200 us (``gc.callbacks``). They pause in a ``with`` block,
not a decorator (the same frames, so the tracebacks users see are unchanged).
Cycles a call makes (an exception's traceback) wait for the next collection after it.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def gc_paused():
    """Switch the cyclic collector off for the ``with`` block; restore its previous state after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
