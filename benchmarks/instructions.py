"""Instructions per operation, counted by valgrind's callgrind, run by hand:
``python benchmarks/instructions.py [first|sweep|all] [--rev REV] [--reps N]``.

Timings on this project's VM drift by up to 2x within seconds (docs/sweeps.md), so a change worth 5%
cannot be told from noise by timing it (benchmarks/ab_inprocess.py's own spread is ~10%). Instruction
counts do not drift: the same code on the same inputs counts the same to ~0.1%, whatever else the
machine runs. They are not time (cache misses and branch mispredictions cost cycles they do not
count), so a change is still confirmed by a timed benchmark; they say whether it removed work.

Each case runs in a child Python under ``valgrind --tool=callgrind --instr-atstart=no`` (imports and
warm-up uninstrumented, ~15 s); the child turns counting on with ``callgrind_control -i on`` around the
measured loop only. The loop runs at ``reps`` and at ``2 * reps`` operations and the difference is
divided by ``reps``, so the toggling itself cancels out. Cases:

- ``first``: the first ``simulate`` of freshly loaded SCALE-Sim small-set files
  (``benchmarks/bench_scalesim.py``'s first call), 16x16, OS/WS/IS, CALC (64 kB) and OS USER mode;
- ``sweep``: a ResNet-50 design point in 1,024-point ``evaluate_chunk`` calls, heuristic tiles
  (``benchmarks/bench_sweep.py``'s spec; a point's whole evaluation, its row encoded as Parquet).

``--rev REV``: count the ``accelsim`` package of that git revision too (extracted with ``git archive``)
and print new / old. Each tree's kernels are first compiled and cached under ``valgrind --tool=none``:
numba compiles for the CPU valgrind presents (no AVX-512), and a count whose two runs did not both load
the same cached code is off by a few percent (measured: 1.051 against 1.093 M instructions a sweep point).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from revision import REPO, package_at

SMALL = REPO / "tests" / "data" / "scalesim"
FIRST_CONFIGS = ("a16x16_os_64k", "a16x16_ws_64k", "a16x16_is_64k", "a16x16_os_8k_user")


def _counting(on: bool) -> None:
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())], capture_output=True,
                   check=True)


def child(case: str, arg: str, reps: int, pool: int, valgrind: bool) -> None:
    """Warm up, build the inputs of ``reps`` operations, then run them with counting on (``pool``: sweep
    chunks drawn from one spec of that many, so that both runs of a count see the same first chunks)."""
    import warnings

    warnings.simplefilter("ignore")
    import accelsim

    if case == "first":
        cfg, topo = SMALL / "configs" / f"{arg}.cfg", SMALL / "topologies" / "small_layers.csv"
        for _ in range(3):
            accelsim.simulate(accelsim.load_hardware(cfg), accelsim.load_workload(topo), timing="scalesim")
        pairs = [(accelsim.load_hardware(cfg), accelsim.load_workload(topo)) for _ in range(reps)]

        def run():
            for hw, net in pairs:
                accelsim.simulate(hw, net, timing="scalesim")
    else:
        sys.path.insert(0, str(REPO / "benchmarks"))
        from bench_sweep import spec
        from accelsim.sweep.runner import evaluate_chunk
        from accelsim.sweep.spec import iter_points, load_spec

        size = int(arg)
        sweep, base = load_spec(spec("heuristic", size * (pool + 1)))
        data = sweep.model_dump()
        points = list(enumerate(iter_points(sweep)))
        evaluate_chunk(data, base, points[:size])  # warm: kernels loaded, workload read
        chunks = [points[size * (k + 1):size * (k + 2)] for k in range(reps)]

        def run():
            for chunk in chunks:
                evaluate_chunk(data, base, chunk)
    if valgrind:
        _counting(True)
    run()
    if valgrind:
        _counting(False)


def count(root: Path, case: str, arg: str, reps: int, pool: int) -> int:
    """Instructions of ``reps`` operations of a case with the ``accelsim`` package found at ``root``."""
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONPATH=str(root))
    with tempfile.TemporaryDirectory() as tmp:
        got = subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                              f"--callgrind-out-file={tmp}/out", sys.executable, __file__, "--child", case, arg,
                              str(reps), str(pool)], env=env, capture_output=True, text=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", got.stderr)
    if got.returncode or found is None:
        sys.exit(f"instructions: valgrind run failed:\n{got.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def per_op(root: Path, case: str, arg: str, reps: int) -> float:
    return (count(root, case, arg, 2 * reps, 2 * reps) - count(root, case, arg, reps, 2 * reps)) / reps


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), valgrind=sys.argv[6:] != ["warm"])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("case", nargs="?", default="all", choices=("first", "sweep", "all"))
    ap.add_argument("--rev", help="also count this git revision's accelsim and print new / old")
    ap.add_argument("--reps", type=int, help="operations per run (default: 40 first calls, 1 sweep chunk)")
    args = ap.parse_args()
    if subprocess.run(["which", "valgrind", "callgrind_control"], capture_output=True).returncode:
        sys.exit("instructions: needs valgrind (with callgrind_control) on PATH")
    cases = [("first", c) for c in FIRST_CONFIGS] if args.case in ("first", "all") else []
    if args.case in ("sweep", "all"):
        cases.append(("sweep", "1024"))
    roots = [("this tree", REPO)] + ([(args.rev, package_at(args.rev, "instructions"))] if args.rev else [])
    for _, root in roots:  # compile (and cache) the kernels for valgrind's CPU, which lacks AVX-512: else
        for case, arg in cases:  # the first count compiles them and the second loads them, other code
            subprocess.run(["valgrind", "--tool=none", "-q", sys.executable, __file__, "--child", case, arg, "1", "1",
                            "warm"], env=dict(os.environ, PYTHONPATH=str(root)), check=True)
    for case, arg in cases:
        reps = args.reps or (40 if case == "first" else 1)
        unit = "a call" if case == "first" else "a point"
        counts = [per_op(root, case, arg, reps) / (1 if case == "first" else int(arg)) for _, root in roots]
        line = f"{case} {arg:18s} " + ", ".join(f"{label}: {c:,.0f} instructions {unit}"
                                                  for (label, _), c in zip(roots, counts))
        if len(counts) == 2:
            line += f"; new / old {counts[0] / counts[1]:.4f}"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
