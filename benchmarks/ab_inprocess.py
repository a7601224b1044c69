"""This tree against an older commit, in one process, run by hand:
``python benchmarks/ab_inprocess.py REV [--pairs K] [--chunk N] [--only sweep|first]``.

The VM this project is measured on changes speed by up to 2x within seconds, so two benchmark runs in
turn can disagree by more than a change gains. Here both versions run in one process, alternating
chunk by chunk (or call by call), so each pair of measurements shares the machine's phase: the older
commit's ``accelsim`` package is extracted with ``git archive`` into a temporary directory, renamed
``accelsim_ab`` (its own imports rewritten), and imported beside this tree's. Printed per case: both
versions' median cost and the median and range over pairs of new / old.

Cases: a ResNet-50 sweep chunk (``evaluate_chunk``, heuristic and best tiles, different points in
each run of a pair, the order alternating) and the first ``simulate`` of freshly loaded SCALE-Sim
small-set files (``benchmarks/bench_scalesim.py``'s first call).
"""

import argparse
import re
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from revision import package_at  # noqa: E402


def extract(rev: str) -> Path:
    """The ``accelsim`` package (and shipped files) of ``rev``, renamed ``accelsim_ab``."""
    out = package_at(rev, "ab_inprocess")
    (out / "accelsim").rename(out / "accelsim_ab")
    for path in (out / "accelsim_ab").rglob("*.py"):
        text = path.read_text()
        text = re.sub(r"\baccelsim\.", "accelsim_ab.", text)
        text = re.sub(r"^(\s*)import accelsim$", r"\1import accelsim_ab as accelsim", text, flags=re.M)
        text = text.replace("from accelsim import", "from accelsim_ab import")
        path.write_text(text)
    return out


def report(label: str, old: list[float], new: list[float], unit: str) -> None:
    ratios = sorted(b / a for a, b in zip(old, new))

    def med(v):
        return sorted(v)[len(v) // 2]

    print(f"{label:28s} old {med(old):9.1f} {unit}, new {med(new):9.1f} {unit}; new/old median "
          f"{med(ratios):.3f} (pairs {ratios[0]:.2f}-{ratios[-1]:.2f})", flush=True)


def sweep_case(old, new, tiling: str, size: int, pairs: int) -> None:
    from bench_sweep import spec

    runs = []
    for m in (old, new):
        sp, base = m.sweep.spec.load_spec(spec(tiling, size * (2 * pairs + 2)))
        runs.append((m.sweep.runner.evaluate_chunk, sp.model_dump(), base, list(enumerate(m.sweep.spec.design_points(sp)))))
    for evaluate, d, base, pts in runs:
        evaluate(d, base, pts[:size])  # warm
    times = ([], [])
    for k in range(pairs):
        starts = (size * (1 + 2 * k), size * (2 + 2 * k))
        for j in ((0, 1) if k % 2 == 0 else (1, 0)):
            evaluate, d, base, pts = runs[j]
            t = time.perf_counter()
            evaluate(d, base, pts[starts[j]:starts[j] + size])
            times[j].append((time.perf_counter() - t) / size * 1e6)
    report(f"sweep chunk, {tiling}", times[0], times[1], "us/point")


def first_call_case(old, new, name: str, pairs: int) -> None:
    data = REPO / "tests" / "data" / "scalesim"
    cfg, topo = data / "configs" / f"{name}.cfg", data / "topologies" / "small_layers.csv"
    for m in (old, new):
        m.simulate(m.load_hardware(cfg), m.load_workload(topo), timing="scalesim")  # kernels warm
    times = ([], [])
    for k in range(pairs):
        for j in ((0, 1) if k % 2 == 0 else (1, 0)):
            m = (old, new)[j]
            hw, net = m.load_hardware(cfg), m.load_workload(topo)
            t = time.perf_counter()
            m.simulate(hw, net, timing="scalesim")
            times[j].append((time.perf_counter() - t) * 1e6)
    report(f"first call, {name}", times[0], times[1], "us")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("rev", help="the older commit")
    ap.add_argument("--pairs", type=int, default=12)
    ap.add_argument("--chunk", type=int, default=256, help="points per sweep chunk (heuristic tiles)")
    ap.add_argument("--only", choices=("sweep", "first"), help="only the sweep chunks, or only the first calls (all "
                    "six small-set cases)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    sys.path.insert(0, str(extract(args.rev)))
    import accelsim
    import accelsim.sweep.runner  # noqa: F401
    import accelsim_ab
    import accelsim_ab.sweep.runner  # noqa: F401

    print(f"old: {args.rev}; new: this tree")
    if args.only != "first":
        sweep_case(accelsim_ab, accelsim, "heuristic", args.chunk, args.pairs)
        sweep_case(accelsim_ab, accelsim, "best", 10, max(2, args.pairs // 3))
    if args.only != "sweep":
        users = ("os", "ws", "is") if args.only == "first" else ("os",)
        for name in [f"a16x16_{df}_64k" for df in ("os", "ws", "is")] + [f"a16x16_{df}_8k_user" for df in users]:
            first_call_case(accelsim_ab, accelsim, name, 3 * args.pairs)


if __name__ == "__main__":
    main()
