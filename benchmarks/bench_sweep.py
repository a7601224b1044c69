"""Sweep throughput, run by hand: ``python benchmarks/bench_sweep.py [--points N] [--overhead N [--pairs K]
[--dask-defaults]]``.

Design points per second over ResNet-50 (each point = one full network evaluation on a freshly
validated hardware config) at the default chunk size, for heuristic and best tiling, with:
1 and 2 local worker processes; ``--scheduler local`` end to end (a dask LocalCluster of 2 workers
started, warmed by the first chunks and closed inside the timed run); and an already running dask
cluster of 2 workers reached by its ``tcp://`` address, as on a real cluster: a ``dask scheduler`` and a
``dask worker`` process of their own (started and warmed by a 16-point sweep of other points before the
timer; its start-up time is printed; its workers have the settings docs/sweeps.md recommends,
``--dask-defaults`` gives them dask's own). Each case runs in a
fresh Python process, warmed by a 2-point sweep of other points (kernels loaded, workload read), so
no case inherits another's memoised mappings (local workers are forked from the process that runs
them).
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = (("1 worker", {"workers": 1}), ("2 workers", {"workers": 2}),
         ("dask --scheduler local x2", {"workers": 2, "scheduler": "local"}),
         ("dask running cluster x2", {"workers": 2, "scheduler": "running"}))


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
    cluster, note = None, ""
    if kw.get("scheduler") == "running":
        t = time.perf_counter()
        cluster = running_cluster()
        kw = {"scheduler": cluster.scheduler_address}
        run_sweep(spec(tiling, 16, seed=98), Path(tempfile.mkdtemp()), quiet=True, **kw)  # warm the workers
        note = f"  (cluster start + warm-up {time.perf_counter() - t:.1f} s, not timed)"
    out = Path(tempfile.mkdtemp())
    t = time.perf_counter()
    df = run_sweep(spec(tiling, n), out, quiet=True, **kw)
    dt = time.perf_counter() - t
    print(f"{tiling:9s} {label:26s} {len(df):5d} points in {dt:7.2f} s = {len(df) / dt:8.1f} points/s{note}",
          flush=True)
    shutil.rmtree(out)
    if cluster is not None:
        cluster.close()


class RunningCluster:
    """A 2-worker dask cluster started as on a real one: a ``dask scheduler`` process and a ``dask worker``
    process (2 worker processes of 1 thread under their nannies), reached by its ``tcp://`` address. The
    workers have the settings docs/sweeps.md recommends (as environment variables where they start), or
    dask's defaults."""

    def __init__(self, dask_defaults: bool = False):
        import json
        import os

        self.tmp = Path(tempfile.mkdtemp())
        file = self.tmp / "scheduler.json"
        env = dict(os.environ)
        if not dask_defaults:
            from accelsim.sweep.worker_settings import worker_environment

            env.update(worker_environment())
        dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
        self.procs = [subprocess.Popen(dask + ["--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                               "--scheduler-file", str(file)], env=env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        while True:  # the scheduler writes its address once it listens
            try:
                self.scheduler_address = json.loads(file.read_text())["address"]
                break
            except (OSError, ValueError, KeyError):
                if self.procs[0].poll() is not None:
                    raise RuntimeError("the dask scheduler exited") from None
                time.sleep(0.05)
        self.procs.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", "--nworkers", "2", "--nthreads", "1",
             "--no-dashboard", "--scheduler-file", str(file)], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(self.scheduler_address) as client:
            client.wait_for_workers(2, timeout=120)

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
            proc.wait(timeout=60)
        shutil.rmtree(self.tmp, ignore_errors=True)


def running_cluster(dask_defaults: bool = False) -> RunningCluster:
    return RunningCluster(dask_defaults)


def overhead(n: int, pairs: int, dask_defaults: bool) -> None:
    """Dask's overhead on a running 2-worker cluster against 2 local processes, at the default chunk
    size: the two run on the same points in turn, ``pairs`` times on other points (the VM's speed
    drifts), then the median."""
    from accelsim.sweep import run_sweep

    run_sweep(spec("heuristic", 2, seed=99), Path(tempfile.mkdtemp()), workers=1, quiet=True)
    cluster = running_cluster(dask_defaults)
    addr = cluster.scheduler_address
    run_sweep(spec("heuristic", 16, seed=98), Path(tempfile.mkdtemp()), scheduler=addr, quiet=True)
    overheads = []
    for k in range(pairs):
        rates = {}
        # both sweep the same points (other seeds' points cost differently), into directories of their own,
        # in alternating order
        for backend in (("pool", "dask") if k % 2 == 0 else ("dask", "pool")):
            kw = {"workers": 2} if backend == "pool" else {"scheduler": addr}
            t = time.perf_counter()
            run_sweep(spec("heuristic", n, seed=10 + k), Path(tempfile.mkdtemp()), quiet=True, **kw)
            rates[backend] = n / (time.perf_counter() - t)
        rates = [rates["pool"], rates["dask"]]
        overheads.append((rates[0] / rates[1] - 1) * 100)
        print(f"heuristic, {n} points: 2 local workers {rates[0]:.0f} points/s, running dask cluster x2 "
              f"{rates[1]:.0f} points/s: overhead {overheads[-1]:+.0f}%", flush=True)
    print(f"median overhead over {pairs} pairs: {statistics.median(overheads):+.0f}%"
          f"{' (dask default worker settings)' if dask_defaults else ''}")
    cluster.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=200)
    ap.add_argument("--overhead", type=int, metavar="N", help="only the interleaved dask-overhead measurement "
                    "on N heuristic points")
    ap.add_argument("--pairs", type=int, default=5, help="--overhead: alternating pairs of runs (default 5)")
    ap.add_argument("--dask-defaults", action="store_true", help="--overhead: the running cluster with dask's "
                    "default worker settings instead of the recommended ones")
    ap.add_argument("--one", nargs=3, metavar=("TILING", "CASE", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        one_case(args.one[0], int(args.one[1]), int(args.one[2]))
        return
    if args.overhead:
        overhead(args.overhead, args.pairs, args.dask_defaults)
        return
    for tiling, n in (("heuristic", args.points), ("best", max(10, args.points // 10))):
        for case in range(len(CASES)):
            subprocess.run([sys.executable, __file__, "--one", tiling, str(case), str(n)], check=True)


if __name__ == "__main__":
    main()
