"""Sweep throughput, run by hand: ``python benchmarks/bench_sweep.py [--points N]``.

Design points per second over ResNet-50 (each point = one full network evaluation on a freshly
validated hardware config) with 1 and 2 local worker processes and on a dask LocalCluster of 2
workers at the default chunk size, for heuristic and best tiling. Each case runs in a fresh Python
process, warmed by a 2-point sweep of other points (kernels loaded, workload read), so no case
inherits another's memoised mappings (local workers are forked from the process that runs them).
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = (("1 worker", {"workers": 1}), ("2 workers", {"workers": 2}),
         ("dask LocalCluster x2", {"workers": 2, "scheduler": "local"}))


def spec(tiling: str, n: int, seed: int = 1) -> dict:
    return {"name": f"bench_{tiling}", "base": "edge", "workloads": ["resnet50"], "tiling": tiling,
            "axes": {"array.rows": {"min": 4, "max": 64, "integer": True},
                     "array.cols": {"min": 4, "max": 64, "integer": True},
                     "buffers[spad].size_bytes": {"min": 65536, "max": 4194304, "log": True}},
            "sampling": {"method": "lhs", "samples": n, "seed": seed}}


def one_case(tiling: str, case: int, n: int) -> None:
    from accelsim.sweep import run_sweep

    label, kw = CASES[case]
    run_sweep(spec(tiling, 2, seed=99), Path(tempfile.mkdtemp()), workers=1, quiet=True)  # warm this process
    out = Path(tempfile.mkdtemp())
    t = time.perf_counter()
    df = run_sweep(spec(tiling, n), out, quiet=True, **kw)
    dt = time.perf_counter() - t
    print(f"{tiling:9s} {label:22s} {len(df):5d} points in {dt:7.2f} s = {len(df) / dt:8.1f} points/s", flush=True)
    shutil.rmtree(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=200)
    ap.add_argument("--one", nargs=3, metavar=("TILING", "CASE", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        one_case(args.one[0], int(args.one[1]), int(args.one[2]))
        return
    for tiling, n in (("heuristic", args.points), ("best", max(10, args.points // 10))):
        for case in range(len(CASES)):
            subprocess.run([sys.executable, __file__, "--one", tiling, str(case), str(n)], check=True)


if __name__ == "__main__":
    main()
