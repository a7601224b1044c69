"""scalesim 3.0.0 and accelsim on the same inputs, in one run: time and peak-memory ratios.

Run: ``python benchmarks/bench_scalesim.py [--rounds 3] [--resnet18 os,ws,is] [--user-resnet18 os,ws,is]
[--venv .scalesim-venv]``.
scalesim runs from its own venv (``tools/scalesim_golden.py`` creates it) in a child process whose
wall time and peak RSS are measured; accelsim runs in this process with its kernels warm
(``--timing scalesim``, the same files). Small set: the 10 layers of
tests/data/scalesim/topologies/small_layers.csv on a 16x16 array, OS/WS/IS, with 64 kB SRAMs in CALC
mode and with 8 kB SRAMs in USER mode (stalls replayed). ResNet-18 at 224x224 on
a 32x32 array (64 kB SRAMs, CALC) for the dataflows given (scalesim takes minutes each).
accelsim's figures: the first ``simulate`` of freshly loaded inputs (loading not timed); the same call
given the two file paths, so that it parses them as scalesim's timed run parses its config and topology
(scalesim also writes its report CSVs, accelsim writes nothing); and repeated calls on the same objects.
Each small case runs ``--rounds`` times (default 3), scalesim then accelsim in each round, and every
speed-up is the median of the rounds' own ratios: the machine's speed drifts by up to 2x over seconds,
and a ratio of two times taken seconds apart measures that drift as much as the two tools.
``--user-resnet18``: accelsim alone on ResNet-18 with ``scalesim_32x32`` switched to USER mode (bank
bandwidth 10), each dataflow in a fresh process after a warm-up on the small set: seconds and peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

import accelsim

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "scalesim"
CHILD = r'''
import resource, sys, time
from scalesim.scale_sim import scalesim
t = time.perf_counter()
s = scalesim(save_disk_space=True, verbose=False, config=sys.argv[1], topology=sys.argv[2], layout=sys.argv[3],
             input_type_gemm=False)
s.run_scale(top_path=sys.argv[4])
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
'''


def run_scalesim(py: Path, cfg: Path, topo: Path, out: Path) -> tuple[float, float]:
    layout = out.parent / "no_layout.csv"  # scalesim creates `out` itself (one level only)
    layout.write_text("Layer name, (layout header only)\n")
    res = subprocess.run([str(py), "-c", CHILD, str(cfg), str(topo), str(layout), str(out)], check=True,
                         capture_output=True, text=True)
    wall, rss_kb = res.stdout.strip().splitlines()[-1].split()
    return float(wall), float(rss_kb) / 1024


USER_CHILD = r'''
import resource, sys, time, warnings
import accelsim
warnings.simplefilter("ignore")
base = accelsim.load_hardware("scalesim_32x32").model_dump()
user = dict(base["scalesim"] or {}, interface_bandwidth="USER")
hw = accelsim.load_hardware(dict(base, stationarity=sys.argv[1], scalesim=user))
accelsim.simulate(hw, sys.argv[2], timing="scalesim")  # JIT warm
t = time.perf_counter()
res = accelsim.simulate(hw, "resnet18", timing="scalesim")
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
      int(res.summary["stall_cycles"]))
'''


def run_accelsim_user_resnet18(df: str) -> tuple[float, float, int]:
    """Seconds, peak RSS (MB) and stall cycles of ResNet-18 in USER mode, in a fresh process."""
    res = subprocess.run([sys.executable, "-c", USER_CHILD, df, str(DATA / "topologies" / "small_layers.csv")],
                         check=True, capture_output=True, text=True)
    wall, mb, stall = res.stdout.strip().splitlines()[-1].split()
    return float(wall), float(mb), int(stall)


def run_accelsim(cfg: Path, topo: Path, reps: int = 20) -> tuple[float, float, float, float, float]:
    """Median seconds of a first ``simulate`` of freshly loaded inputs (kernels warm, nothing memoised:
    mapping, kernel and SCALE-Sim DRAM replay computed; over ``min(reps, 20)`` fresh loads), median
    seconds of ``simulate(cfg, topo)`` given the paths (the same, with both files read and parsed:
    what scalesim's timed run does before it simulates; ``min(reps, 20)`` calls), median seconds per
    repeated ``simulate`` of the same objects (the prepared network is memoised: mapping and DRAM
    replay reused; kernel, columns and summary recomputed; the DataFrame not built), the same with the
    per-layer DataFrame built, and peak RSS (MB)."""
    accelsim.simulate(accelsim.load_hardware(cfg), accelsim.load_workload(topo), timing="scalesim")  # JIT warm
    firsts, files = [], []
    for _ in range(min(reps, 20)):
        hw, net = accelsim.load_hardware(cfg), accelsim.load_workload(topo)
        t = time.perf_counter()
        accelsim.simulate(hw, net, timing="scalesim")
        firsts.append(time.perf_counter() - t)
        t = time.perf_counter()
        accelsim.simulate(cfg, topo, timing="scalesim")
        files.append(time.perf_counter() - t)
    first, from_files = float(np.median(firsts)), float(np.median(files))
    walls, with_frame = [], []
    for _ in range(reps):
        t = time.perf_counter()
        res = accelsim.simulate(hw, net, timing="scalesim")
        walls.append(time.perf_counter() - t)
        res.layers
        with_frame.append(time.perf_counter() - t)
    # peak memory of this whole process (Python, numpy, pandas, numba/LLVM and the run)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return first, from_files, float(np.median(walls)), float(np.median(with_frame)), rss


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--venv", default=str(REPO / ".scalesim-venv"))
    ap.add_argument("--resnet18", default="", help="comma-separated dataflows to run ResNet-18 for (slow)")
    ap.add_argument("--user-resnet18", default="", help="dataflows to time accelsim's USER mode on ResNet-18 for")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of each small case (speed-ups: median of theirs)")
    args = ap.parse_args()
    for df in [d for d in args.user_resnet18.split(",") if d]:
        wall, mb, stall = run_accelsim_user_resnet18(df)
        print(f"ResNet-18 224, 32x32 {df}, USER (accelsim only): {wall:.2f} s, peak {mb:.0f} MB, {stall} stall cycles")
    if args.user_resnet18 and not args.resnet18 and not Path(args.venv).exists():
        return 0
    py = Path(args.venv) / "bin" / "python"
    if not py.exists():
        print(f"no scalesim venv at {args.venv}: run tools/scalesim_golden.py first", file=sys.stderr)
        return 1
    warnings.simplefilter("ignore")
    tmp = Path(tempfile.mkdtemp())
    print(f"{'case':28s} {'scalesim s':>11s} {'1st call s':>11s} {'speed-up':>9s} {'files s':>9s} {'speed-up':>9s} "
          f"{'accelsim s':>11s} {'speed-up':>10s} {'+DataFrame':>11s} {'speed-up':>9s} {'scalesim MB':>12s} "
          f"{'accelsim MB':>12s}")
    for df, mode in [(d, "64k") for d in ("os", "ws", "is")] + [(d, "8k_user") for d in ("os", "ws", "is")]:
        cfg = DATA / "configs" / f"a16x16_{df}_{mode}.cfg"
        topo = DATA / "topologies" / "small_layers.csv"
        rounds = []  # per round: scalesim s, its MB, then accelsim's first, from files, repeat, +DataFrame s, MB
        for _ in range(args.rounds):
            s_wall, s_mb = run_scalesim(py, cfg, topo, tmp / f"small_{df}_{mode}")
            rounds.append((s_wall, s_mb, *run_accelsim(cfg, topo, reps=200 if mode == "64k" else 20)))
        s_wall, s_mb, a_first, a_files, a_wall, a_frame, a_mb = (float(np.median(c)) for c in zip(*rounds))
        first_x, files_x, wall_x, frame_x = (float(np.median([r[0] / r[k] for r in rounds])) for k in (2, 3, 4, 5))
        label = f"10 small, 16x16 {df}" + (" USER" if "user" in mode else "")
        print(f"{label:28s} {s_wall:11.3f} {a_first:11.6f} {first_x:9.0f} {a_files:9.6f} {files_x:9.0f} "
              f"{a_wall:11.6f} {wall_x:10.0f} {a_frame:11.6f} {frame_x:9.0f} {s_mb:12.0f} {a_mb:12.0f}")
        if args.rounds > 1:
            for what, k in (("first call", 2), ("from files", 3)):
                print(f"{'':28s} rounds: scalesim " + " ".join(f"{r[0]:.3f}" for r in rounds) + f" s; {what} "
                      + " ".join(f"{r[k] * 1e6:.0f}" for r in rounds) + " us; speed-ups "
                      + " ".join(f"{r[0] / r[k]:.0f}" for r in rounds))
    for df in [d for d in args.resnet18.split(",") if d]:
        base = accelsim.load_hardware("scalesim_32x32").model_dump()
        cfg = accelsim.save_hardware(accelsim.load_hardware(dict(base, stationarity=df)), tmp / f"r18_{df}.cfg")
        topo = accelsim.save_workload(accelsim.load_workload("resnet18"), tmp / "resnet18.csv")
        s_wall, s_mb = run_scalesim(py, cfg, topo, tmp / f"r18_{df}")
        a_first, a_files, a_wall, a_frame, a_mb = run_accelsim(cfg, topo, reps=5)
        print(f"{'ResNet-18 224, 32x32 ' + df:28s} {s_wall:11.1f} {a_first:11.6f} {s_wall / a_first:9.0f} "
              f"{a_files:9.6f} {s_wall / a_files:9.0f} {a_wall:11.6f} {s_wall / a_wall:10.0f} {a_frame:11.6f} {s_wall / a_frame:9.0f} {s_mb:12.0f} "
              f"{a_mb:12.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
