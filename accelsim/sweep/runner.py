"""Evaluating a sweep: design points in deterministic chunks, locally or on dask.distributed,
results written as they arrive — one Parquet shard per evaluated chunk, named by a hash of its
points and moved into place atomically — so a killed sweep resumes with no lost and no duplicated
points (the points any shard holds are done)."""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import pickle
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Iterator, NamedTuple

import pandas as pd

from accelsim.errors import AccelsimError, ConfigError
from accelsim.gc_pause import gc_paused
from accelsim.sweep.design_point import build_hardware
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
    layers = _layer_parquet(layer_parts, detail) if detail else None
    return Shard(name, _parquet([row for _, rows in screened for row in rows]), layers, len(items))


def _layer_parquet(parts: list[tuple[dict, object, dict]], names: list[str]) -> bytes:
    """Per-layer rows as Parquet bytes: for each evaluated (point, workload) row, one row per layer of its
    network — point, point_key, workload, layer_index, layer, kind, then the columns ``names`` (null where
    a point's table has no such column). Built column by column, each from one numpy array (a chunk of
    ResNet-50 points is ~74k rows: an array per point and column cost ~40 us a point)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    counts = np.array([len(net.layers) for _, net, _ in parts], np.int64)
    owner = np.repeat(np.arange(len(parts)), counts)  # each row's part
    starts = np.cumsum(counts) - counts
    nets: dict = {}  # each network's layer names and kinds, once, and where they start in the lists below
    layer_names: list[str] = []
    layer_kinds: list[str] = []
    first = np.empty(len(parts), np.int64)
    for k, (_, net, _) in enumerate(parts):
        if id(net) not in nets:
            nets[id(net)] = len(layer_names)
            layer_names += [x.name for x in net.layers]
            layer_kinds += [x.kind for x in net.layers]
        first[k] = nets[id(net)]
    position = np.arange(len(owner), dtype=np.int64) - starts[owner]  # each row's layer index
    per_part = pa.array(owner)
    per_layer = pa.array(first[owner] + position)

    def text(values: list[str], index: pa.Array) -> pa.Array:
        return pc.take(pa.array(values, pa.string()), index)

    data = {"point": pa.array(np.array([row["point"] for row, _, _ in parts], np.int64)[owner]),
            "point_key": text([row["point_key"] for row, _, _ in parts], per_part),
            "workload": text([row["workload"] for row, _, _ in parts], per_part),
            "layer_index": pa.array(position),
            "layer": text(layer_names, per_layer),
            "kind": text(layer_kinds, per_layer)}
    for c in names:
        pieces = [cols.get(c) for _, _, cols in parts]
        kinds = {p.dtype for p in pieces if p is not None}
        if len(kinds) == 1 and all(p is not None for p in pieces):
            data[c] = pa.array(np.concatenate(pieces))
        else:  # some points lack the column (or have it as another type): null there, piece by piece
            arrays = [None if p is None else pa.array(p) for p in pieces]
            kind = next((a.type for a in arrays if a is not None), pa.null())
            data[c] = pa.chunked_array([pa.nulls(n, kind) if a is None else a for a, n in zip(arrays, counts)], kind)
    out = io.BytesIO()
    pq.write_table(pa.table(data), out, use_dictionary=["point_key", "workload", "layer", "kind"])
    return out.getvalue()


def _parquet(rows: list[dict]) -> bytes:
    """Rows (dicts; a key a row lacks is a null) as Parquet bytes, straight through pyarrow: a third of
    what a pandas DataFrame and its ``to_parquet`` cost, and ``pd.read_parquet`` gives the same frame."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    keys = list(dict.fromkeys(itertools.chain.from_iterable(rows)))  # the keys of every row, in order seen
    data = io.BytesIO()
    # dictionary encoding only where values repeat: on the metrics (floats, mostly distinct) it doubled the
    # time of writing a shard and made it larger
    pq.write_table(pa.Table.from_pydict({k: [row.get(k) for row in rows] for k in keys}), data,
                   use_dictionary=["workload", "status"])
    return data.getvalue()


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


def _write_shard(shards: Path, name: str, data: bytes) -> None:
    """One shard per evaluated chunk (not per point: encoding one costs ~1 ms), named by a hash of its
    design points' keys."""
    tmp = shards / f".{name}.{os.getpid()}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, shards / f"{name}.parquet")  # atomic: a shard is either whole or absent


def _drop_unfinished_layers(shards: Path, layers: Path) -> None:
    """Delete the per-layer shards of chunks killed between their two writes (no summary shard): their
    points are evaluated again, maybe in other chunks, whose per-layer shards would repeat these rows."""
    finished = {p.name for p in shards.glob("*.parquet")}
    for path in layers.glob("*.parquet"):
        if path.name not in finished:
            path.unlink()


class Finished(NamedTuple):
    """The design points some shard holds: a bit per index (``bits``, bytes), how many below the sweep's
    ``total``, and the key of each shard's first point (``probes``, index -> key) to check that the
    spec still gives the same point under that index. A resumed sweep skips its finished points by index
    (the directory's spec hash is checked first), not by hashing every point: one bit per point, so
    12.5 MB for 10^8 points, instead of a set of keys."""

    bits: bytes
    count: int
    probes: dict


def _finished_points(shards: Path, total: int) -> Finished:
    import numpy as np
    import pyarrow.parquet as pq

    paths = list(shards.glob("*.parquet"))
    if not paths:
        return Finished(b"", 0, {})
    bits = np.zeros((total + 7) // 8, np.uint8)
    probes = {}
    for path in paths:
        table = pq.read_table(path, columns=["point", "point_key"])
        index = table.column("point").to_numpy()
        if len(index):
            probes[int(index[0])] = table.column("point_key")[0].as_py()
        index = index[index < total]
        np.bitwise_or.at(bits, index >> 3, (1 << (index & 7)).astype(np.uint8))
    count = sum(int(np.unpackbits(bits[k:k + 2**20]).sum()) for k in range(0, len(bits), 2**20))  # 8 MB at a time
    return Finished(bits.tobytes(), count, probes)


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
    done = _finished_points(shards, total)
    layers = out / "layers"
    if spec.layer_columns:
        layers.mkdir(exist_ok=True)
        _drop_unfinished_layers(shards, layers)
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
            _write_shard(layers, shard.name, shard.layers)
        _write_shard(shards, shard.name, shard.data)
        finished += shard.points
        rate = finished / max(1e-9, time.perf_counter() - start)
        progress.update(task, advance=shard.points, rate=f"{rate:.1f}")

    chunks = _chunks(itertools.islice(iter_points(spec), total), done, chunk_size, skipped)
    with progress:
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
        client = Client(scheduler)
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


def sweep_counts(out_dir) -> tuple[int, int, int]:
    """(design points, rows, rows evaluated) of a sweep directory, one shard at a time and only the
    columns needed (a sweep of 10^8 points need not fit in memory as one frame)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    points = rows = ok = 0
    for path in Path(out_dir, "shards").glob("*.parquet"):
        table = pq.read_table(path, columns=["point", "status"])
        points += len(pc.unique(table.column("point")))
        rows += table.num_rows
        ok += pc.sum(pc.equal(table.column("status"), "ok")).as_py() or 0
    return points, rows, ok


def load_layer_results(out_dir) -> pd.DataFrame:
    """The per-layer rows of a sweep directory whose spec asks for them (``per_layer``), ordered by design
    point, workload and layer; only those of finished chunks."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    finished = {p.name for p in Path(out_dir, "shards").glob("*.parquet")}
    paths = sorted(p for p in Path(out_dir, "layers").glob("*.parquet") if p.name in finished)
    if not paths:
        return pd.DataFrame()
    df = pa.concat_tables([pq.ParquetFile(p).read(use_threads=False) for p in paths], promote_options="default"
                          ).to_pandas()
    return df.sort_values(["point", "workload", "layer_index"]).reset_index(drop=True)


def load_results(out_dir) -> pd.DataFrame:
    """Every row of a sweep directory, in design-point order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    shards = sorted(Path(out_dir, "shards").glob("*.parquet"))
    if not shards:
        return pd.DataFrame()
    # one shard's parse costs ~0.5 ms through ParquetFile, ~0.9 ms through read_table / read_parquet, and
    # a DataFrame per shard as much again: shards of one schema (nearly always) become one table and one
    # frame; others are read as before, shard by shard, so pandas fills the columns some lack its way
    tables = [pq.ParquetFile(p).read(use_threads=False) for p in shards]
    if all(t.schema.equals(tables[0].schema) for t in tables[1:]):
        df = pa.concat_tables(tables).to_pandas()
    else:
        df = pd.concat([pd.read_parquet(p) for p in shards], ignore_index=True)
    return df.sort_values(["point", "workload"]).reset_index(drop=True)
