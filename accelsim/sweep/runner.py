"""Evaluating a sweep: design points in deterministic chunks, locally or on dask.distributed,
results written as they arrive — one Parquet shard per evaluated chunk, named by a hash of its
points and moved into place atomically — so a killed sweep resumes with no lost and no duplicated
points (the points any shard holds are done)."""

from __future__ import annotations

import hashlib
import itertools
import os
import pickle
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Iterator, NamedTuple

import pandas as pd

from accelsim.errors import AccelsimError, ConfigError, writing
from accelsim.gc_pause import gc_paused, long_lived_frozen
from accelsim.sweep.design_point import build_hardware
from accelsim.sweep.shards import (Finished, drop_unfinished_layers, finished_points, layer_rows_parquet, load_results,
                                   rows_parquet, write_shard)
from accelsim.sweep.spec import SweepSpec, iter_points, load_spec, point_count, point_key, spec_hash
from accelsim.sweep.worker_settings import LOCAL_CLUSTER_CONFIG, worker_malloc

METRICS = ["cycles", "latency_s", "energy_pj", "edp_js", "area_mm2", "dram_bytes", "utilization", "pj_per_mac",
           "tops_per_w", "throughput_inferences_per_s",
           # a PIM base: crossbars, ADC resolution needed, pipelined rate, cell wear
           "crossbars_used", "adc_bits_needed", "pipelined_inferences_per_s", "writes_per_cell_per_inference"]
OBJECTIVE_COLUMNS = {"latency": "latency_s", "energy": "energy_pj", "edp": "edp_js", "area": "area_mm2"}


def _onchip_bytes(hw) -> int:
    return sum(b.size_bytes for b in hw.buffers)


_WORKLOADS: dict = {}  # per process: each workload is read and validated once, not once per point


def _workload(source):
    from accelsim.api import load_workload

    key = source if isinstance(source, str) else None
    if key is None:
        return load_workload(source)
    if key not in _WORKLOADS:
        _WORKLOADS[key] = load_workload(source)
    return _WORKLOADS[key]


def _screen(spec: SweepSpec, base: dict, index: int, point: dict):
    """(hardware to evaluate or None, the point's rows, one per workload): a config that fails
    validation or a constraint gets rows with a ``status`` saying why and no metrics."""
    row0 = {"point": index, "point_key": point_key(point), **point}
    try:
        hw = build_hardware(base, point, f"design point {index}")
    except ConfigError as exc:
        return None, [{**row0, "workload": w, "status": f"invalid: {exc}"} for w in spec.workloads]
    c = spec.constraints
    why = None
    if c.max_pes is not None and hw.pes > c.max_pes:
        why = f"excluded: {hw.pes} PEs > max_pes {c.max_pes}"
    elif c.max_onchip_bytes is not None and _onchip_bytes(hw) > c.max_onchip_bytes:
        why = f"excluded: {_onchip_bytes(hw)} on-chip bytes > max_onchip_bytes {c.max_onchip_bytes}"
    elif c.max_area_mm2 is not None:
        from accelsim.energy.model import chip_area_mm2, table_for

        if (area := chip_area_mm2(hw, table_for(hw))["area_mm2"]) > c.max_area_mm2:
            why = f"excluded: area {area:.3f} mm2 > max_area_mm2 {c.max_area_mm2}"
    pes, onchip = hw.pes, _onchip_bytes(hw)
    rows = [{**row0, "workload": w, "pes": pes, "onchip_bytes": onchip, "status": why or "ok"} for w in spec.workloads]
    return (hw if why is None else None), rows


def _finish(row: dict, summary) -> None:
    """A row's metrics from its network summary (``simulate_points(..., metrics=METRICS)``: those of
    ``METRICS`` it has, in that order), or its status from the error its point raised."""
    if isinstance(summary, AccelsimError):
        row["status"] = f"infeasible: {summary}"
        return
    row.update(summary)
    row["edp_js"] = summary["energy_pj"] * 1e-12 * summary["latency_s"]


class Shard(NamedTuple):
    """An evaluated chunk: its name (a hash of its points' keys), its rows as Parquet bytes, its
    per-layer rows as Parquet bytes (None without per-layer detail) and how many points it holds."""

    name: str
    data: bytes
    layers: bytes | None
    points: int


def evaluate_chunk(spec_dict: dict, base: dict, items: list[tuple[int, dict]]) -> Shard:
    """Evaluate a chunk of (index, point); runs in a worker process or on a dask worker. The chunk's
    points go through ``accelsim.simulate_points`` together, one call per workload. Returns its shard,
    encoded here, where the work is parallel: the process writing the shards only moves bytes."""
    with gc_paused():  # the chunk's objects are freed by reference counting when _shard returns, so the
        return _shard(spec_dict, base, items)  # collection that follows finds nothing of it to walk


def _shard(spec_dict: dict, base: dict, items: list[tuple[int, dict]]) -> Shard:
    from accelsim.api import simulate_points

    spec = SweepSpec.model_validate(spec_dict)
    screened = [_screen(spec, base, i, p) for i, p in items]
    live = [k for k, (hw, _) in enumerate(screened) if hw is not None]
    detail = spec.layer_columns or None
    layer_parts: list[tuple[dict, object, dict]] = []  # (row, network, per-layer columns) of each evaluated row
    for j, w in enumerate(spec.workloads):
        net = _workload(w)
        summaries = simulate_points([screened[k][0] for k in live], net, tiling=spec.tiling, batch=spec.batch,
                                    metrics=METRICS, layer_columns=detail)
        for k, summary in zip(live, summaries):
            row = screened[k][1][j]
            if detail and not isinstance(summary, AccelsimError):
                layer_parts.append((row, net, summary.pop("layers")))
            _finish(row, summary)
    name = hashlib.sha1("|".join(rows[0]["point_key"] for _, rows in screened).encode()).hexdigest()[:20]
    layers = layer_rows_parquet(layer_parts, detail) if detail else None
    return Shard(name, rows_parquet([row for _, rows in screened for row in rows]), layers, len(items))


# points per task at most, by tiling: with heuristic tiles a point costs ~0.15 ms, so 1,024 points are
# ~0.15 s of work (what a killed sweep loses per worker); dask's fixed cost per task (submitting, the
# scheduler, the round trip: a few ms of the client's and scheduler's CPU, which share the cores with
# the workers on one machine) halved against 256-point tasks, measured; in one process the per-point
# cost is the same. With best tiles a point costs ~12 ms: 256 points are already ~3 s.
MAX_CHUNK = {"heuristic": 1024, "best": 256}


def default_chunk_size(points: int, workers: int, tiling: str = "heuristic") -> int:
    """Points per task: up to ``MAX_CHUNK[tiling]``, so that a task's fixed costs are amortised — a
    Parquet shard (~1 ms) and on dask a round trip — but small enough that every worker gets at least
    four tasks."""
    return max(1, min(MAX_CHUNK[tiling], points // (4 * max(1, workers))))


def _chunks(points, done: Finished, size: int, skipped) -> Iterator[list[tuple[int, dict]]]:
    """Consecutive chunks of ``size`` (index, point) of the points not yet ``done``; ``skipped(count)``
    hears of the done ones as they are passed."""
    chunk: list = []
    passed = 0
    bits, probes = done.bits, done.probes
    for i, p in enumerate(points):
        if i >> 3 < len(bits) and bits[i >> 3] >> (i & 7) & 1:
            if i in probes and probes[i] != point_key(p):
                raise AccelsimError(f"design point {i} is not the point this directory's results hold under that "
                                    "index (was it made by another version of accelsim or numpy?); "
                                    "use another directory")
            passed += 1
            continue
        chunk.append((i, p))
        if len(chunk) == size:
            if passed:
                skipped(passed)
                passed = 0
            yield chunk
            chunk = []
    if passed:
        skipped(passed)
    if chunk:
        yield chunk


def _progress(total: int, done: int, quiet: bool):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.fields[rate]} points/s"), TimeRemainingColumn(),
                        disable=quiet, transient=False)
    task = progress.add_task("sweep", total=total, completed=done, rate="-")
    return progress, task


def run_sweep(spec_source, out_dir, limit: int | None = None, workers: int | None = None,
              scheduler: str | None = None, chunk_size: int | None = None, quiet: bool | None = None,
              load: bool = True) -> pd.DataFrame | None:
    """Run (or resume) a sweep into ``out_dir``; returns every row written so far (``load=False``:
    nothing, for sweeps whose rows are better read back in parts, see :func:`sweep_counts`).

    ``workers``: local processes (default: the machine's cores; 1 = in this process).
    ``scheduler``: ``None`` for local processes, ``"local"`` for a dask LocalCluster on loopback,
    or a ``tcp://HOST:PORT`` dask scheduler. ``limit``: evaluate at most this many points, the
    first ones in the spec's deterministic order. ``chunk_size``: design points per task and per
    Parquet shard (default :func:`default_chunk_size`).
    """
    spec, base = load_spec(spec_source)
    out = Path(out_dir)
    shards = out / "shards"
    with writing(out):  # an unwritable place says so before anything runs
        shards.mkdir(parents=True, exist_ok=True)
    marker = out / "sweep.json"
    import json

    ident = {"name": spec.name, "spec_hash": spec_hash(spec)}
    if marker.exists():
        if json.loads(marker.read_text()) != ident:
            raise AccelsimError(f"{out}: holds results of a different sweep ({marker.read_text().strip()}); "
                                "use another directory")
    else:
        marker.write_text(json.dumps(ident))
        (out / "spec.yaml").write_text(_spec_yaml(spec))
    total = point_count(spec) if limit is None else min(limit, point_count(spec))
    done = finished_points(shards, total)
    layers = out / "layers"
    if spec.layer_columns:
        layers.mkdir(exist_ok=True)
        drop_unfinished_layers(shards, layers)
    quiet = (not sys.stderr.isatty()) if quiet is None else quiet
    workers = workers or os.cpu_count() or 1
    if chunk_size is None:
        chunk_size = default_chunk_size(total - done.count, workers, spec.tiling)
    spec_dict = spec.model_dump()
    progress, task = _progress(total, 0, quiet)
    start, finished = time.perf_counter(), 0

    def skipped(count: int) -> None:
        progress.update(task, advance=count)

    def record(shard: Shard):
        nonlocal finished
        if shard.layers is not None:  # first: a chunk is finished when its summary shard exists
            write_shard(layers, shard.name, shard.layers)
        write_shard(shards, shard.name, shard.data)
        finished += shard.points
        rate = finished / max(1e-9, time.perf_counter() - start)
        progress.update(task, advance=shard.points, rate=f"{rate:.1f}")

    chunks = _chunks(itertools.islice(iter_points(spec), total), done, chunk_size, skipped)
    with progress, long_lived_frozen():  # gc_pause.py: the collector's full passes stalled the workers
        first = next(chunks, None)
        if first is not None:  # else nothing is left to do: no workers, no cluster
            _evaluate(itertools.chain([first], chunks), spec_dict, base, workers, scheduler, record)
    return load_results(out) if load else None


def _evaluate(chunks, spec_dict: dict, base: dict, workers: int, scheduler: str | None, record) -> None:
    """Evaluate the chunks (an iterator) on the backend asked for, ``record``-ing each shard."""
    if scheduler is not None:
        _run_dask(scheduler, workers, spec_dict, base, chunks, record)
    elif workers == 1:
        for chunk in chunks:
            record(evaluate_chunk(spec_dict, base, chunk))
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=worker_malloc) as pool:
            running = {pool.submit(evaluate_chunk, spec_dict, base, c) for c in itertools.islice(chunks, 2 * workers)}
            while running:  # a few chunks per worker in flight: the points are never all in memory
                finished_now, running = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished_now:
                    record(fut.result())
                running |= {pool.submit(evaluate_chunk, spec_dict, base, c)
                            for c in itertools.islice(chunks, len(finished_now))}


def _run_dask(scheduler: str, workers, spec_dict, base, chunks, record) -> None:
    try:
        import dask
        from distributed import Client, LocalCluster, as_completed as dask_completed
    except ImportError:
        raise AccelsimError("--scheduler needs dask.distributed: pip install 'accelsim[distributed]'") from None
    cluster = None
    if scheduler == "local":
        with dask.config.set(LOCAL_CLUSTER_CONFIG):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)
    elif scheduler.startswith("tcp://"):
        try:
            client = Client(scheduler)
        except OSError as exc:  # nothing listening, or a timeout
            raise AccelsimError(f"--scheduler {scheduler}: cannot reach a dask scheduler there ({exc})") from None
    else:
        raise AccelsimError(f"scheduler {scheduler!r}: expected 'local' or tcp://HOST:PORT")
    try:
        # the spec and base config travel once per worker, not once per task; a few tasks per worker
        # thread are in flight (the first start at once, and a sweep of 10^8 points is not one graph)
        spec_f, base_f = client.scatter([spec_dict, base], broadcast=True, hash=False)
        todo = iter(chunks)
        running = dask_completed(with_results=True)
        # a chunk travels pickled: dask walks a task's arguments for futures to substitute, on the client
        # when it submits and on the worker when it runs, and a chunk is ~1,000 objects (1.3 ms a task
        # on the client alone, measured); bytes are one
        for chunk in itertools.islice(todo, max(4, 2 * sum(client.nthreads().values()))):
            running.add(client.submit(_evaluate_pickled, spec_f, base_f, pickle.dumps(chunk), pure=False))
        for _, shard in running:
            record(shard)
            chunk = next(todo, None)
            if chunk is not None:
                running.add(client.submit(_evaluate_pickled, spec_f, base_f, pickle.dumps(chunk), pure=False))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _evaluate_pickled(spec_dict: dict, base: dict, chunk: bytes) -> Shard:
    """``evaluate_chunk`` of a pickled chunk (what a dask task receives)."""
    return evaluate_chunk(spec_dict, base, pickle.loads(chunk))


def _spec_yaml(spec: SweepSpec) -> str:
    import yaml

    return yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False)
