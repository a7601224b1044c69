"""What reading a big sweep's results costs, run by hand: ``python benchmarks/bench_sweep_results.py
[--rows 1000000] [--points 1000000]``.

- Pareto masks (``accelsim.sweep.pareto_mask``) of 10^4 .. ``--rows`` random rows over two and three
  objectives (the third anti-correlated with the first two, so the 3-D front is large), each timed
  after a warm-up call (the 3-D numba kernel loaded).
- Resuming: the cost a point of skipping ``--points`` finished random design points by index
  (``sweep.runner._chunks`` over a bitmap that says every point is done) against generating the
  points alone and against hashing each one (``point_key``, what resuming did before).
"""

import argparse
import time

import numpy as np

from accelsim.sweep import SweepSpec, pareto_mask
from accelsim.sweep.runner import _chunks
from accelsim.sweep.shards import Finished
from accelsim.sweep.spec import iter_points, point_key


def _rows(n: int, k: int, rng) -> np.ndarray:
    v = rng.random((n, k))
    if k == 3:
        v[:, 2] = 1 - 0.5 * v[:, 0] - 0.3 * v[:, 1] + 0.2 * rng.random(n)
    return v


def pareto(rows: int) -> None:
    rng = np.random.default_rng(0)
    pareto_mask(_rows(100, 3, rng))  # kernel loaded
    n = 10_000
    while n <= rows:
        for k in (2, 3):
            v = _rows(n, k, rng)
            t = time.perf_counter()
            front = int(pareto_mask(v).sum())
            print(f"pareto_mask {n:>9,d} rows x {k}: front {front:>7,d} in {time.perf_counter() - t:8.4f} s")
        n *= 10


def resume(points: int) -> None:
    spec = SweepSpec.model_validate({
        "name": "resume", "base": "edge", "workloads": ["resnet50"],
        "axes": {"array.rows": {"min": 4, "max": 64, "integer": True}, "array.cols": {"min": 4, "max": 64, "integer": True},
                 "buffers[spad].size_bytes": {"min": 65536, "max": 4194304, "log": True}},
        "sampling": {"method": "random", "samples": points, "seed": 1}})
    done = Finished(b"\xff" * ((points + 7) // 8), points, {})
    for label, run in (("generate the points", lambda: sum(1 for _ in iter_points(spec))),
                       ("skip them by index (now)", lambda: list(_chunks(iter_points(spec), done, 256, lambda k: None))),
                       ("hash each one (before)", lambda: sum(1 for p in iter_points(spec) if point_key(p)))):
        t = time.perf_counter()
        run()
        print(f"resume, {points:,d} finished points: {label:26s} {(time.perf_counter() - t) / points * 1e6:6.2f} us a point")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--points", type=int, default=1_000_000)
    args = ap.parse_args()
    pareto(args.rows)
    resume(args.points)


if __name__ == "__main__":
    main()
