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

A sweep also keeps the objects alive when it starts out of the collector's sight while it runs
(``long_lived_frozen``: ``gc.freeze()``, then ``gc.unfreeze()``). The collector's full passes walk every
tracked object, ~158k after the sweep's imports, and how long that takes swings with this VM's
phases more than arithmetic does (cache and TLB misses over objects spread across the heap). With
``gc.callbacks`` in every process of 20,000- to 100,000-point 2-worker sweeps (the spec of
benchmarks/bench_sweep.py), the driving process's one or two full collections took 5-14 ms in all in
fast phases and 99-449 ms in slow ones, each worker's one 6-10 ms or 106-232 ms; frozen, in a slow
phase (60,000 points), 17-20 and 9-15 ms.
In a slow phase a worker sat idle through its own collection, and the driver's took CPU from the
workers on a 2-core machine. Forked pool workers inherit the frozen set, so their collections also
stop writing into the parent's pages (the copy-on-write the Python docs describe under ``gc.freeze``).
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


@contextmanager
def long_lived_frozen():
    """Move every object alive now to the collector's permanent generation for the ``with`` block
    (``gc.freeze``), so its passes walk only what the block creates, and back after (``gc.unfreeze``).
    Frozen objects are still freed by reference counting; cycles among them that the block makes
    garbage wait for the first collection after it. A caller that freezes objects itself (a freeze
    count above zero) keeps its arrangement: nothing is frozen or unfrozen."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
