"""Pausing Python's cyclic garbage collector around batch work.

A design point allocates thousands of short-lived objects (pydantic models, dicts, small arrays) that
reference counting frees at once; but every allocation counts towards the collector's thresholds, and
its passes walk the ~190k objects that numpy, numba, pandas and pydantic leave alive after import.
Over 256-point chunks of ResNet-50 design points (benchmarks/bench_sweep.py's spec), timed with
``gc.callbacks``, those passes took 104-138 us of a ~500 us point; paused, the one collection after a
chunk costs 10-20 us a point. The objects these batches create hold no reference
cycles of their own, so pausing the collector for one batch only delays collecting whatever cycles
other code makes; it runs again when the batch ends.
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
