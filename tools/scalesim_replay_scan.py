"""Every layer of tests/test_scalesim_dram.py's random grid through the CALC-mode DRAM replay
(accelsim/kernels/scalesim_dram.py) and the address-by-address replica
(tests/scalesim_calc_reference.py): the distribution of the replay's error, which sets the bound that
test asserts.

Run: ``python tools/scalesim_replay_scan.py [--every K]`` (all 168,480 layers: about 10 minutes on one
core; ``--every K`` scans every K-th). Prints the count of operand results beyond 1, 3, 5 and 10% and
the worst ones (docs/scalesim_parity.md quotes them).
"""

import argparse
import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from scalesim_calc_reference import calc_misses, demand_streams  # noqa: E402
from test_scalesim_dram import GRID, _replay  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--every", type=int, default=1)
    args = ap.parse_args()
    combos = list(itertools.product(*GRID.values()))[::args.every]
    errors, t = [], time.perf_counter()
    for df, k, stride, extra, C, K, ar, ac, kb in combos:
        H = k + extra
        streams = demand_streams(df, H, H, k, k, C, K, stride, ar, ac)
        got = _replay(df, H, H, k, k, C, K, stride, ar, ac, kb, kb)
        for op, stream, g in zip(("ifmap", "filter"), streams, got):
            ref = calc_misses(stream, kb)
            errors.append((abs(g - ref) / ref, df, f"{k}x{k}", stride, H, C, K, f"{ar}x{ac}", kb, op, g, ref))
    errors.sort(reverse=True)
    print(f"{len(combos)} layers, {len(errors)} operand results in {time.perf_counter() - t:.0f} s")
    for bound in (0.01, 0.03, 0.05, 0.10):
        print(f"  beyond {bound:.0%}: {sum(e[0] > bound for e in errors)}")
    print("worst (error, dataflow, kernel, stride, H=W, C, K, array, kB, operand, replay, replica):")
    for e in errors[:10]:
        print(f"  {e[0]:.4f}", *e[1:])


if __name__ == "__main__":
    main()
