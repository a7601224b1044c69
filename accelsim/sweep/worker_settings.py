"""Settings of the processes that evaluate a sweep's chunks: local pool workers and dask workers (the
LocalCluster that ``--scheduler local`` starts, and what docs/sweeps.md recommends for a running
cluster)."""

# The LocalCluster's settings (docs/sweeps.md recommends them for a running cluster too, as the
# environment variables of ``worker_environment``). glibc's allocator in the workers: dask's nannies
# start them with MALLOC_TRIM_THRESHOLD_=65536, which hands a chunk's freed memory back to the OS at
# once, and setting any threshold turns off glibc's adaptive mmap threshold, so every array over
# 128 kiB is a fresh mmap; either way the next chunk page-faults its memory in again (~10 faults and
# ~20 us of system time a point, measured; 0-1 and 1-5 us with both thresholds raised). The
# statistical profiler samples the task thread every 10 ms for a dashboard that is off.
WORKER_MALLOC = {"MALLOC_TRIM_THRESHOLD_": 128 * 2**20, "MALLOC_MMAP_THRESHOLD_": 32 * 2**20}
# dask's periodic work in every process of a cluster, which shares this machine's cores with the workers:
# the event-loop health check every 20 ms (it warns of a loop blocked for 3 s), the system monitor every
# 500 ms and the workers' memory monitor every 100 ms took ~110 ms of CPU a second from an idle 2-worker
# cluster (scheduler 24-28, nanny host 36-40, each worker 20-24 ms/s; 5.5% of 2 cores); at 1 s, 2 s
# and 1 s, ~14 ms/s (measured with psutil, session 24). A worker's memory limits are checked every
# second instead of ten times a second; a sweep chunk's working memory is ~9 MB.
PERIODIC = {"distributed.admin.tick.interval": "1s", "distributed.admin.system-monitor.interval": "2s",
            "distributed.worker.memory.monitor-interval": "1s"}
LOCAL_CLUSTER_CONFIG = {**{f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in WORKER_MALLOC.items()},
                        "distributed.worker.profile.enabled": False, **PERIODIC}


def worker_malloc() -> None:
    """``WORKER_MALLOC`` in a local worker process (ours, unlike the caller's, where workers=1 runs): glibc
    only; elsewhere nothing."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-1, WORKER_MALLOC["MALLOC_TRIM_THRESHOLD_"])  # M_TRIM_THRESHOLD (malloc.h)
        libc.mallopt(-3, WORKER_MALLOC["MALLOC_MMAP_THRESHOLD_"])  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def worker_environment() -> dict[str, str]:
    """``LOCAL_CLUSTER_CONFIG`` as environment variables for ``dask worker`` processes started by hand.
    The nanny's environment settings go as one dict literal: dask lower-cases the last part of a
    variable's name (``..._ENVIRON__MALLOC_TRIM_THRESHOLD_`` would set ``malloc_trim_threshold_``, which
    glibc ignores), not the keys of a value, and merges the dict into its defaults."""
    return {"DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON": repr(WORKER_MALLOC),
            "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
            **{"DASK_" + k.upper().replace(".", "__").replace("-", "_"): v for k, v in PERIODIC.items()}}
