"""Time accelsim.nest on the shipped Timeloop nests (nests/timeloop/), single process.

    python benchmarks/bench_nest.py [--repeat 50]

Prints, per nest: the first evaluation in this process (YAML read, validation, counting, energy,
DataFrames), then the best of ``--repeat`` evaluations of the already-validated spec with the
progression memo cleared (cold counting) and kept (warm).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from accelsim.nest import evaluate_nest, load_nest
from accelsim.nest.analysis import _progression_sum

NESTS = Path(__file__).resolve().parents[1] / "nests" / "timeloop"


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=50)
    args = ap.parse_args()
    print(f"{'nest':36s} {'first (ms)':>10s} {'cold (ms)':>10s} {'warm (ms)':>10s}")
    for path in sorted(NESTS.glob("*.yaml")):
        if path.name.startswith("arch_"):
            continue
        t = time.perf_counter()
        evaluate_nest(path)
        first = time.perf_counter() - t
        spec = load_nest(path)

        def cold():
            _progression_sum.cache_clear()
            evaluate_nest(spec)

        print(f"{path.stem:36s} {first * 1e3:10.2f} {_best(cold, args.repeat) * 1e3:10.2f} "
              f"{_best(lambda: evaluate_nest(spec), args.repeat) * 1e3:10.2f}")


if __name__ == "__main__":
    main()
