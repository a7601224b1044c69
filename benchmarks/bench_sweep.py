"""Sweep throughput, run by hand: ``python benchmarks/bench_sweep.py [--points N]``.

Design points per second over ResNet-50 (each point = one full network evaluation on a freshly
validated hardware config) with 1 and 2 local worker processes and on a dask LocalCluster of 2
workers at the default chunk size, for heuristic and best tiling.
"""

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from accelsim.sweep import run_sweep


def spec(tiling: str, n: int) -> dict:
    return {"name": f"bench_{tiling}", "base": "edge", "workloads": ["resnet50"], "tiling": tiling,
            "axes": {"array.rows": {"min": 4, "max": 64, "integer": True},
                     "array.cols": {"min": 4, "max": 64, "integer": True},
                     "buffers[spad].size_bytes": {"min": 65536, "max": 4194304, "log": True}},
            "sampling": {"method": "lhs", "samples": n, "seed": 1}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=200)
    args = ap.parse_args()
    run_sweep(spec("heuristic", 2), Path(tempfile.mkdtemp()), workers=1, quiet=True)  # warm caches
    for tiling, n in (("heuristic", args.points), ("best", max(10, args.points // 10))):
        for label, kw in (("1 worker", {"workers": 1}), ("2 workers", {"workers": 2}),
                          ("dask LocalCluster x2", {"workers": 2, "scheduler": "local"})):
            out = Path(tempfile.mkdtemp())
            t = time.perf_counter()
            df = run_sweep(spec(tiling, n), out, quiet=True, **kw)
            dt = time.perf_counter() - t
            print(f"{tiling:9s} {label:22s} {len(df):5d} points in {dt:7.2f} s = {len(df) / dt:8.1f} points/s")
            shutil.rmtree(out)


if __name__ == "__main__":
    main()
