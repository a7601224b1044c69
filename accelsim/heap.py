"""glibc's allocator in the calling process, moved once to where its own adaptive rule moves it.

glibc's malloc starts a process with a 128 kiB mmap threshold and hands the free top of its heap back to
the OS above a 128 kiB trim threshold. Each time a chunk it had mmapped is freed, it raises the mmap
threshold to that chunk's size (at most 32 MiB on 64-bit) and the trim threshold to twice that (malloc.c,
``free``: the "dynamic mmap threshold"). A block of design points (``api.POINTS_PER_BLOCK``) allocates ~9 MB
of arrays of a few hundred kiB and frees them: with the thresholds at a few hundred kiB, every block's heap
top was handed back and faulted in again. A 20,000-point ResNet-50 sweep in the calling process
(``workers=1``) took ~30,000 page faults and 73-188 ms of system time, 150-650 faults and 4-16 ms after
``adapt_once`` (session 22, four runs each; a page fault costs ~3-15 us on the 2-core VM).

``adapt_once`` frees one untouched 31 MiB array, which moves the thresholds to ~31 and ~62 MiB by glibc's
rule, as any array of that size a numpy user frees would. Nothing is set by hand: ``mallopt`` (what the
sweep's own worker processes use, ``sweep.worker_settings``) turns the adaptive rule off for the whole
process, which the caller's process should not have done to it. With other allocators, or thresholds set
by ``MALLOC_*_`` environment variables, it only allocates and frees memory it never touches.
"""

from __future__ import annotations

import numpy as np

_BYTES = 31 << 20  # below 32 MiB with malloc's header and page rounding, or glibc leaves the thresholds as they are
_done = False


def adapt_once() -> None:
    """Free one untouched 31 MiB array, once per process (the thresholds only ever rise)."""
    global _done
    if not _done:
        _done = True
        np.empty(_BYTES, np.uint8)  # mmapped, freed at once: no page is touched
