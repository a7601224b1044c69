"""Engine speed, run by hand: ``python benchmarks/bench_engine.py [--quick]``.

Prints, single process (numba's own threading unused):

1. warm time per full network through ``accelsim.simulate`` for every zoo workload on every
   shipped hwconfig (mappings memoised: the second and later calls of the same inputs);
2. layer evaluations per second through the batch entry point (``conv_layer_cost_batch``), on
   every zoo layer x hwconfig with heuristic tiles, repeated to ~10^5 rows;
3. best-tiling search time for a whole ResNet-50 per dataflow, cold (fresh process: kernels loaded
   from numba's on-disk cache, nothing memoised);
4. time of ``accelsim run edge resnet50`` in a new process, twice (the second must not recompile:
   its time is import + cache load + run).
"""

import subprocess
import sys
import time

import numpy as np

import accelsim
from accelsim import zoo


def _per_network() -> None:
    nets = zoo.shipped_workloads()
    print("1. simulate(), warm, ms per network (tiling=best, memoised)")
    print(f"   {'hardware':18s} " + " ".join(f"{n[:13]:>13s}" for n in nets))
    for hw_name in zoo.shipped_hardware():
        hw = accelsim.load_hardware(hw_name)
        cells = []
        for net_name in nets:
            net = accelsim.load_workload(net_name)
            accelsim.simulate(hw, net)
            reps = 20
            t = time.perf_counter()
            for _ in range(reps):
                accelsim.simulate(hw, net)
            cells.append((time.perf_counter() - t) / reps * 1e3)
        print(f"   {hw_name:18s} " + " ".join(f"{c:13.3f}" for c in cells))


def _batch_rate(target_rows: int) -> None:
    from accelsim.cost import kernel_args, resolve_mapping
    from accelsim.kernels.batch import conv_layer_cost_batch, stack_args
    from accelsim.mapping.mapping import Mapping
    from accelsim.workload.shape import conv_shape

    rows = []
    for hw_name in zoo.shipped_hardware():
        hw = accelsim.load_hardware(hw_name)
        for net_name in zoo.shipped_workloads():
            for layer in accelsim.load_workload(net_name).layers:
                if layer.kind in ("conv", "fc", "gemm"):
                    sh = conv_shape(layer, hw, 1)
                    rm, plan = resolve_mapping(layer.name, sh, hw, Mapping(), tiling="heuristic")
                    rows.append(kernel_args(sh, hw, rm, plan))
    base = stack_args(rows)
    reps = max(1, target_rows // len(rows))
    args = tuple(np.ascontiguousarray(np.concatenate([a] * reps)) if isinstance(a, np.ndarray) and a.ndim
                 else a for a in base)
    conv_layer_cost_batch(*base)  # JIT / cache load
    times = []
    for _ in range(7):  # a shared VM's speed drifts: report the best and the median of 7 runs
        t = time.perf_counter()
        out = conv_layer_cost_batch(*args)
        times.append(time.perf_counter() - t)
    n = out.shape[0]
    best, med = min(times), float(np.median(times))
    print(f"2. batch entry: {n:,} layer evaluations ({len(rows)} distinct zoo layer x hwconfig rows), 7 runs: "
          f"best {n / best:,.0f}/s ({best / n * 1e6:.2f} us each), median {n / med:,.0f}/s on one core")


def _fresh(code: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - t


def _search_cold() -> None:
    print("3. best-tiling search, whole ResNet-50 on edge, fresh process per dataflow")
    for df in ("ir", "or", "wr"):
        code = ("import time, accelsim; hw = accelsim.load_hardware('edge'); net = accelsim.load_workload('resnet50');"
                "t = time.perf_counter(); accelsim.simulate(hw, net, dataflow='%s', tiling='best');"
                "print(time.perf_counter() - t)" % df)
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
        print(f"   {df}: {float(out.strip()):.3f} s for the search + simulate (kernels from the on-disk cache)")


def _cli_twice() -> None:
    cmd = [sys.executable, "-m", "accelsim", "run", "edge", "resnet50", "-q"]
    times = []
    for _ in range(2):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    imp = _fresh("import accelsim")
    print(f"4. `accelsim run edge resnet50` in a new process: {times[0]:.2f} s, again {times[1]:.2f} s "
          f"(of which `import accelsim` {imp:.2f} s)")


def main() -> None:
    quick = "--quick" in sys.argv
    t0 = time.perf_counter()
    accelsim.simulate("edge", "resnet18")
    print(f"0. first simulate in this process (kernels from cache, or compiled): {time.perf_counter() - t0:.2f} s")
    _per_network()
    _batch_rate(20_000 if quick else 100_000)
    _search_cold()
    _cli_twice()


if __name__ == "__main__":
    main()
