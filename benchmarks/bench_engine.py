"""Engine speed, by hand: ``python benchmarks/bench_engine.py``.

Prints, single process: JIT compile/cache-load time of the first call, then warm time per full
network through ``accelsim.simulate`` for every shipped workload on every shipped hwconfig
(heuristic tiles, mapping resolved each call), and the time of a whole ``accelsim run`` in a new
process (which must load the cached kernels, not recompile).
"""

import subprocess
import sys
import time

import accelsim
from accelsim import zoo


def main() -> None:
    t0 = time.perf_counter()
    accelsim.simulate("edge", "resnet18")
    print(f"first simulate in this process (JIT compile or cache load): {time.perf_counter() - t0:.2f} s")
    nets = zoo.shipped_workloads()
    print(f"{'hardware':18s} " + " ".join(f"{n[:14]:>14s}" for n in nets) + "   (ms per network, warm)")
    for hw_name in zoo.shipped_hardware():
        hw = accelsim.load_hardware(hw_name)
        cells = []
        for net_name in nets:
            net = accelsim.load_workload(net_name)
            reps = 5
            t = time.perf_counter()
            for _ in range(reps):
                accelsim.simulate(hw, net)
            cells.append((time.perf_counter() - t) / reps * 1e3)
        print(f"{hw_name:18s} " + " ".join(f"{c:14.2f}" for c in cells))
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "accelsim", "run", "edge", "resnet50", "-q"], check=True,
                   capture_output=True)
    print(f"`accelsim run edge resnet50` in a new process: {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
