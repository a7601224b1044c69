"""Sweeps: specs and their errors, sampling, resumable shards (SIGKILL), dask, Pareto fronts."""

import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim
from accelsim.sweep import (design_points, load_layer_results, load_results, load_spec, pareto_front, pareto_mask,
                            run_sweep, sweep_front)
from accelsim.sweep.spec import SweepSpec

TINY = {
    "name": "tiny", "base": "edge", "workloads": ["t2"],
    "axes": {"array.rows": [4, 8, 16], "buffers[spad].size_bytes": [16384, 65536], "dataflow": ["or", "wr"]},
    "objectives": ["latency", "energy"], "tiling": "heuristic",
}


@pytest.fixture()
def tiny_spec(tmp_path):
    net = {"name": "t2", "layers": [
        {"name": "c1", "kind": "conv", "in_channels": 16, "out_channels": 32, "in_h": 16, "in_w": 16, "kernel": 3,
         "padding": 1},
        {"name": "c2", "kind": "conv", "in_channels": 32, "out_channels": 32, "in_h": 16, "in_w": 16, "kernel": 1}]}
    (tmp_path / "t2.yaml").write_text(yaml.safe_dump(net))
    spec = dict(TINY, workloads=[str(tmp_path / "t2.yaml")])
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_grid_random_and_lhs_points():
    spec = SweepSpec.model_validate(TINY)
    assert len(design_points(spec)) == 12
    lhs = SweepSpec.model_validate({**TINY, "axes": {"array.rows": {"min": 1, "max": 100, "integer": False},
                                                     "array.cols": {"min": 1, "max": 100, "integer": False}},
                                    "sampling": {"method": "lhs", "samples": 10, "seed": 3}})
    pts = design_points(lhs)
    for axis in ("array.rows", "array.cols"):  # one sample per stratum of every axis
        strata = sorted(int((p[axis] - 1) / 99 * 10) for p in pts)
        assert strata == list(range(10))
    assert pts == design_points(lhs)  # the seed makes it reproducible
    rnd = SweepSpec.model_validate({**TINY, "sampling": {"method": "random", "samples": 5, "seed": 1}})
    assert design_points(rnd) == design_points(rnd) and len(design_points(rnd)) == 5


@pytest.mark.parametrize("change,fragment", [
    ({"axes": {"array.rows": [16, 0]}}, "axis 'array.rows' value 0"),
    ({"axes": {"array.rowz": [16]}}, "axis 'array.rowz': no field 'rowz'"),
    ({"axes": {"buffers[nope].size_bytes": [1]}}, "no buffers named 'nope'"),
    ({"axes": {"dataflow": ["xy"]}}, "axis 'dataflow' value 'xy'"),
    ({"objectives": ["speed"]}, "unknown objective"),
    ({"sampling": {"method": "sobol"}}, "sampling.method"),
    ({"tiling": "fast"}, "tiling"),
    ({"axes": {"array.rows.bits": [1]}}, "axis 'array.rows.bits': 'rows' is a value (16), not a section"),
    ({"axes": {"pim.adc.bits": [4]}}, "axis 'pim.adc.bits': 'pim' is empty (null) in the base config"),
    ({"per_layer": ["cycles", "cycle"]}, "per_layer: unknown per-layer column(s) ['cycle']; allowed: true"),
    ({"per_layer": []}, "per_layer: an empty list; use false"),
    ({"per_layer": ["gbuf_reads_ifmap"]}, "per_layer: ['gbuf_reads_ifmap'] name no buffer of the base config 'edge'"),
])
def test_bad_specs_name_the_field(change, fragment):
    with pytest.raises(accelsim.AccelsimError) as info:
        load_spec({**TINY, **change})
    assert fragment in str(info.value)


def test_sweep_rows_constraints_and_resume(tiny_spec, tmp_path):
    out = tmp_path / "out"
    spec = yaml.safe_load(tiny_spec.read_text())
    spec["constraints"] = {"max_pes": 100}
    tiny_spec.write_text(yaml.safe_dump(spec))
    df = run_sweep(tiny_spec, out, workers=1)
    assert len(df) == 12 and list(df["point"]) == list(range(12))
    excluded = df[df["array.rows"] == 16]
    assert (excluded["status"].str.startswith("excluded: 256 PEs > max_pes 100")).all()
    ok = df[df["status"] == "ok"]
    from accelsim.sweep.shards import sweep_counts  # the CLI's summary, read shard by shard

    assert sweep_counts(out) == (df["point"].nunique(), len(df), len(ok)) and 0 < len(ok) < len(df)
    # a row equals simulating that design point directly
    r = ok.iloc[0]
    hw = accelsim.load_hardware("edge").model_dump()
    hw["array"]["rows"] = int(r["array.rows"])
    hw["buffers"][0]["size_bytes"] = int(r["buffers[spad].size_bytes"])
    direct = accelsim.simulate(dict(hw, dataflow=r["dataflow"]), spec["workloads"][0], tiling="heuristic").summary
    assert r["cycles"] == direct["cycles"] and r["energy_pj"] == pytest.approx(direct["energy_pj"])
    mtimes = {p: p.stat().st_mtime_ns for p in (out / "shards").glob("*.parquet")}
    again = run_sweep(tiny_spec, out, workers=1)  # everything done: nothing recomputed
    assert again.equals(df)
    assert {p: p.stat().st_mtime_ns for p in (out / "shards").glob("*.parquet")} == mtimes
    spec["name"] = "other"
    tiny_spec.write_text(yaml.safe_dump(spec))
    with pytest.raises(accelsim.AccelsimError, match="different sweep"):
        run_sweep(tiny_spec, out, workers=1)


@pytest.mark.parametrize("chunk,max_pes", [(3, None), (1, 100), (4, 100)])
def test_results_read_back_as_the_concatenated_frames_of_the_shards(tiny_spec, tmp_path, chunk, max_pes):
    """load_results equals reading every shard with pandas, concatenating and sorting: shards of one
    schema (read as one table) and shards some of whose columns others lack (all points of a shard
    excluded by a constraint)."""
    spec = yaml.safe_load(tiny_spec.read_text())
    if max_pes:
        spec["constraints"] = {"max_pes": max_pes}
    tiny_spec.write_text(yaml.safe_dump(spec))
    out = tmp_path / "out"
    run_sweep(tiny_spec, out, workers=1, chunk_size=chunk, load=False)
    shards = sorted((out / "shards").glob("*.parquet"))
    frames = [pd.read_parquet(p) for p in shards]
    assert (len({tuple(f.columns) for f in frames}) > 1) == bool(max_pes)
    want = pd.concat(frames, ignore_index=True).sort_values(["point", "workload"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(load_results(out), want)


def test_resume_skips_finished_points_by_index_without_hashing_them(tiny_spec, tmp_path, monkeypatch):
    import accelsim.sweep.runner as runner

    reference = run_sweep(tiny_spec, tmp_path / "ref", workers=1)
    out = tmp_path / "resumed"
    run_sweep(tiny_spec, out, workers=1, limit=5, chunk_size=2)
    hashed = []
    key = runner.point_key
    monkeypatch.setattr(runner, "point_key", lambda p: hashed.append(p) or key(p))
    resumed = run_sweep(tiny_spec, out, workers=1, chunk_size=2)
    pd.testing.assert_frame_equal(resumed, reference)
    # the 7 points evaluated now get their keys; of the 5 finished, only the probes (each shard's first
    # point: 3 shards) are hashed, to check that the index still names the same point
    assert len(hashed) == 7 + 3
    monkeypatch.setattr(runner, "point_key", lambda p: "another")
    with pytest.raises(accelsim.AccelsimError, match="design point 0 is not the point"):
        run_sweep(tiny_spec, out, workers=1)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.one_of(
    st.integers(min_value=-2**70, max_value=2**70), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
    st.booleans(), st.none(), st.lists(st.integers(), max_size=2)), max_size=5))
def test_point_keys_hash_the_json_of_the_point(point):
    """A point's key is the hash of its sorted JSON text, whichever way it is written: resumed sweeps
    compare the keys a shard holds with the points' keys, so they may never change."""
    import hashlib
    import json

    from accelsim.sweep.spec import point_key

    text = json.dumps(point, sort_keys=True, default=str)
    assert point_key(point) == hashlib.sha256(text.encode()).hexdigest()[:20]


def _with_layers(spec_path: Path, per_layer) -> Path:
    """The spec at ``spec_path`` with ``per_layer`` set, written beside it."""
    path = spec_path.with_name(f"spec_layers_{per_layer}.yaml".replace(" ", ""))
    path.write_text(yaml.safe_dump({**yaml.safe_load(spec_path.read_text()), "per_layer": per_layer}))
    return path


@pytest.mark.parametrize("per_layer", [False, True])
def test_sigkill_at_random_moments_then_resume(tiny_spec, tmp_path, per_layer):
    spec = _with_layers(tiny_spec, per_layer)
    reference = run_sweep(spec, tmp_path / "ref", workers=1)
    out = tmp_path / "killed"
    rng = random.Random(7)
    cmd = [sys.executable, "-m", "accelsim", "sweep", str(spec), "-o", str(out), "-j", "1", "--chunk-size", "1"]
    for _ in range(4):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.3, 2.0))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    resumed = load_results(out)
    assert len(list((out / "shards").glob(".*.tmp"))) <= 4  # at most a torn temp file per kill, never a shard
    pd.testing.assert_frame_equal(resumed, reference)
    pd.testing.assert_frame_equal(load_layer_results(out), load_layer_results(tmp_path / "ref"))
    assert len(load_layer_results(out)) == (2 * 12 if per_layer else 0)  # 12 points, 2 layers each


def test_dask_local_cluster_gives_identical_rows(tiny_spec, tmp_path):
    pytest.importorskip("distributed")
    spec = _with_layers(tiny_spec, ["cycles", "energy_pj", "dram_reads_ifmap"])
    local = run_sweep(spec, tmp_path / "local", workers=2, limit=6)
    dask = run_sweep(spec, tmp_path / "dask", workers=2, scheduler="local", limit=6)
    assert len(local) == 6
    pd.testing.assert_frame_equal(local, dask)
    layers = load_layer_results(tmp_path / "local")
    assert len(layers) == 12
    pd.testing.assert_frame_equal(layers, load_layer_results(tmp_path / "dask"))


def test_per_layer_rows_equal_direct_runs(tiny_spec, tmp_path):
    """Per-layer rows of a sweep over a network with repeated layers, against ``simulate`` of each point's
    hardware built by hand; their sums against the point's own row."""
    spec = {**yaml.safe_load(tiny_spec.read_text()), "workloads": ["resnet18"], "per_layer": True,
            "constraints": {"max_pes": 128}}
    df = run_sweep(spec, tmp_path / "r18", workers=1)
    layers = load_layer_results(tmp_path / "r18")
    ok = df[df.status == "ok"]
    assert 0 < len(ok) < len(df)  # the constraint excluded some points: they have no per-layer rows
    net = accelsim.load_workload("resnet18")
    assert len(layers) == len(ok) * len(net.layers)
    for (point, rows), (_, rec) in zip(layers.groupby("point"), ok.iterrows()):
        assert point == rec.point
        data = accelsim.load_hardware("edge").model_dump()
        data["array"]["rows"] = int(rec["array.rows"])
        next(b for b in data["buffers"] if b["name"] == "spad")["size_bytes"] = int(rec["buffers[spad].size_bytes"])
        data["dataflow"] = rec.dataflow
        want = accelsim.simulate(accelsim.Hardware.model_validate(data), net, tiling="heuristic")
        assert rows.layer.tolist() == [x.name for x in net.layers] and rows.kind.tolist() == [x.kind for x in net.layers]
        assert rows.layer_index.tolist() == list(range(len(net.layers)))
        assert (rows.point_key == rec.point_key).all() and (rows.workload == "resnet18").all()
        for c in SweepSpec.model_validate(spec).layer_columns:
            assert np.array_equal(rows[c].to_numpy(), want.columns[c]), c
        assert rows.cycles.sum() == rec.cycles and rows.macs.sum() == want.summary["macs"]


def test_a_per_layer_column_a_point_lacks_is_null(tiny_spec, tmp_path):
    """A PIM column asked of a digital design: null on every row, the other columns filled."""
    out = tmp_path / "out"
    run_sweep(_with_layers(tiny_spec, ["crossbars", "cycles"]), out, workers=1, chunk_size=5)
    layers = load_layer_results(out)
    assert len(layers) == 12 * 2 and layers.crossbars.isna().all() and layers.cycles.notna().all()
    assert layers.cycles.dtype == np.int64 and layers.point.tolist() == sorted(layers.point.tolist())


def test_per_layer_shards_of_unfinished_chunks_are_dropped_on_resume(tiny_spec, tmp_path, monkeypatch):
    """A sweep stopped between a chunk's two writes has its per-layer shard and not its summary shard: the
    chunk is evaluated again on resume, maybe in another chunk, and its orphaned per-layer rows must not
    stay as duplicates; written the other way round, its per-layer rows would be lost."""
    import accelsim.sweep.runner as runner

    spec = _with_layers(tiny_spec, True)
    run_sweep(spec, tmp_path / "ref", workers=1)
    out = tmp_path / "out"
    write, calls = runner.write_shard, []

    def stop_at_the_second_summary(where: Path, name: str, data: bytes) -> None:
        calls.append(where.name)
        if calls.count("shards") == 2:
            raise KeyboardInterrupt
        write(where, name, data)

    monkeypatch.setattr(runner, "write_shard", stop_at_the_second_summary)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, out, workers=1, chunk_size=3)
    assert calls == ["layers", "shards", "layers", "shards"]
    names = lambda d: {p.name for p in (out / d).glob("*.parquet")}  # noqa: E731
    assert len(names("layers")) == 2 and len(names("shards")) == 1
    assert len(load_layer_results(out)) == 3 * 2  # only the finished chunk's points, 2 layers each
    monkeypatch.setattr(runner, "write_shard", write)
    run_sweep(spec, out, workers=1, chunk_size=5)  # the other points, chunked otherwise: new shard names
    assert names("layers") == names("shards")
    pd.testing.assert_frame_equal(load_layer_results(out), load_layer_results(tmp_path / "ref"))
    pd.testing.assert_frame_equal(load_results(out), load_results(tmp_path / "ref"))


def test_the_recommended_worker_environment_reaches_dask_workers():
    """docs/sweeps.md's environment variables for a running cluster give its workers the settings of the
    LocalCluster that ``--scheduler local`` starts: glibc's thresholds in the worker processes'
    environment, under their upper-case names (a variable per setting would arrive lower-cased), and
    the periods of dask's own periodic work in the workers and the scheduler (ms)."""
    pytest.importorskip("distributed")
    import json

    from accelsim.sweep.worker_settings import LOCAL_CLUSTER_CONFIG, WORKER_MALLOC, worker_environment

    probe = """if True:
        import json, os, dask
        from distributed import Client, LocalCluster
        config = {k: dask.config.get(k) for k in %r}

        def periods(dask_worker=None, dask_scheduler=None):
            server = dask_worker or dask_scheduler
            return {k: pc.callback_time for k, pc in server.periodic_callbacks.items()
                    if k in ("tick", "monitor", "memory_monitor")}

        with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster, Client(cluster) as client:
            env = list(client.run(lambda: {k: v for k, v in os.environ.items() if k.startswith("MALLOC")}).values())[0]
            worker = list(client.run(periods).values())[0]
            scheduler = client.run_on_scheduler(periods)
        print(json.dumps([config, env, worker, scheduler]))
    """ % (list(LOCAL_CLUSTER_CONFIG),)
    done = subprocess.run([sys.executable, "-c", probe], env={**os.environ, **worker_environment()},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    config, env, worker, scheduler = json.loads(done.stdout.strip().splitlines()[-1])
    assert config == LOCAL_CLUSTER_CONFIG
    assert env == {k: str(v) for k, v in WORKER_MALLOC.items()}
    assert worker == {"tick": 1000, "monitor": 2000, "memory_monitor": 1000}  # dask's defaults: 20, 500, 100
    assert scheduler == {"tick": 1000, "monitor": 2000}


def test_pareto_mask_equals_brute_force():
    rng = np.random.default_rng(0)
    for k in (2, 3):
        v = rng.integers(0, 20, size=(300, k)).astype(float)
        mask = pareto_mask(v)
        brute = [not any(np.all(v[j] <= v[i]) and np.any(v[j] < v[i]) for j in range(len(v))) for i in range(len(v))]
        # duplicates of a front point are kept once
        uniq = {tuple(v[i]) for i in range(len(v)) if brute[i]}
        assert {tuple(v[i]) for i in np.flatnonzero(mask)} == uniq and mask.sum() == len(uniq)


def test_pareto_mask_keeps_the_first_of_equal_rows():
    v = np.array([[2.0, 1.0, 3.0], [1.0, 2.0, 3.0], [2.0, 1.0, 3.0], [1.0, 2.0, 3.0], [3.0, 3.0, 3.0]])
    assert pareto_mask(v).tolist() == [True, True, False, False, False]
    assert pareto_mask(v[:, :2]).tolist() == [True, True, False, False, False]
    assert pareto_mask(np.empty((0, 2))).tolist() == []


@pytest.mark.parametrize("reduce_rows", [1, 65_536])  # the front reduced after every shard, or once at the end
@pytest.mark.parametrize("objectives", [["latency_s", "energy_pj"], ["latency_s", "energy_pj", "area_mm2"]])
def test_sweep_front_read_shard_by_shard_equals_the_front_of_all_rows(tiny_spec, tmp_path, objectives, reduce_rows,
                                                                      monkeypatch):
    import accelsim.sweep.pareto

    monkeypatch.setattr(accelsim.sweep.pareto, "_REDUCE_ROWS", reduce_rows)
    out = tmp_path / "front"
    spec = yaml.safe_load(tiny_spec.read_text())
    net = yaml.safe_load(Path(spec["workloads"][0]).read_text())
    net["name"], net["layers"] = "t1", net["layers"][:1]
    (tmp_path / "t1.yaml").write_text(yaml.safe_dump(net))
    spec["workloads"].append(str(tmp_path / "t1.yaml"))
    cols = accelsim.load_hardware("edge").array.cols
    spec["constraints"] = {"max_pes": 8 * cols}  # the 16-row points are excluded: their shards have no metrics
    df = run_sweep(spec, out, workers=1, chunk_size=1)  # 12 one-point shards, read in hash order
    assert (df.status == "ok").sum() == 16
    ok = df[df.status == "ok"]
    expect = pd.concat([pareto_front(g, objectives) for _, g in ok.groupby("workload")], ignore_index=True)
    got = sweep_front(out, objectives)
    assert len(got) >= 2
    pd.testing.assert_frame_equal(got[expect.columns], expect, check_dtype=False)  # all rows: NaN makes ints float
    w = ok.workload.iloc[-1]  # one workload: the second's front alone
    alone = sweep_front(out, objectives, workload=w)
    pd.testing.assert_frame_equal(alone[expect.columns], expect[expect.workload == w].reset_index(drop=True),
                                  check_dtype=False)
    assert sweep_front(out, objectives, workload="nothing").empty


def test_cli_sweep_and_pareto(tiny_spec, tmp_path):
    out = tmp_path / "cli"
    proc = subprocess.run([sys.executable, "-m", "accelsim", "sweep", str(tiny_spec), "-o", str(out), "--limit", "4",
                           "-j", "1"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "4 design points" in proc.stdout
    front_csv = tmp_path / "front.csv"
    proc = subprocess.run([sys.executable, "-m", "accelsim", "pareto", str(out), "-o", str(front_csv)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    front = pd.read_csv(front_csv)
    allrows = load_results(out)
    v = allrows[["latency_s", "energy_pj"]].to_numpy()
    assert len(front) == pareto_mask(v).sum() and "buffers[spad].size_bytes" in proc.stdout
    from typer.testing import CliRunner

    from accelsim.cli import app

    res = CliRunner().invoke(app, ["pareto", str(out), "--workload", "nope"])
    assert res.exit_code == 2 and "--workload 'nope': this sweep's workloads are" in " ".join(res.output.split())


def test_unreachable_scheduler_is_a_clear_error(tiny_spec, tmp_path):
    pytest.importorskip("distributed")
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with pytest.raises(accelsim.AccelsimError, match="--scheduler tcp://127.0.0.1:1: cannot reach a dask scheduler"):
            run_sweep(tiny_spec, tmp_path / "out", scheduler="tcp://127.0.0.1:1", limit=2)


def test_shipped_specs_load():
    for path in sorted(Path(__file__).resolve().parents[1].joinpath("sweeps").glob("*.yaml")):
        spec, _ = load_spec(path)
        assert design_points(spec)


def test_pim_sweep_rows_equal_direct_runs(tmp_path):
    spec = {"name": "pim_tiny", "base": "neurosim_like", "workloads": ["vgg8_cifar"],
            "axes": {"pim.crossbar.rows": [64, 128], "pim.adc.bits": [4, 8]},
            "constraints": {"max_area_mm2": 3000}, "objectives": ["energy", "area"], "tiling": "heuristic"}
    df = run_sweep(spec, tmp_path / "pim", workers=1)
    assert len(df) == 4 and (df.status == "ok").all()
    for _, rec in df.iterrows():
        data = accelsim.load_hardware("neurosim_like").model_dump()
        data["pim"]["crossbar"]["rows"] = int(rec["pim.crossbar.rows"])  # by hand, not through the sweep's builder
        data["pim"]["adc"]["bits"] = int(rec["pim.adc.bits"])
        s = accelsim.simulate(accelsim.Hardware.model_validate(data), "vgg8_cifar", tiling="heuristic").summary
        assert rec.energy_pj == s["energy_pj"] and rec.area_mm2 == s["area_mm2"]
        assert rec.crossbars_used == s["crossbars_used"] and rec.adc_bits_needed == s["adc_bits_needed"]
    # ADC energy grows with resolution; the area constraint sees the crossbars, not only the digital array
    by = df.set_index(["pim.crossbar.rows", "pim.adc.bits"]).energy_pj
    assert by[(128, 8)] > by[(128, 4)]
    # 8-bit ADCs (4,570 um2 each, 16 per crossbar) put the chip over 2,000 mm2
    tight = run_sweep({**spec, "name": "pim_tight", "constraints": {"max_area_mm2": 1000}}, tmp_path / "t", workers=1)
    assert (tight.status.str.startswith("excluded: area") == (tight["pim.adc.bits"] == 8)).all()


def test_default_chunk_size_amortises_but_keeps_every_worker_busy():
    from accelsim.sweep.runner import MAX_CHUNK, default_chunk_size

    assert default_chunk_size(100_000, 2) == MAX_CHUNK["heuristic"] == 1024
    assert default_chunk_size(100_000, 2, "best") == MAX_CHUNK["best"] == 256
    assert default_chunk_size(112, 2) == 14          # 8 tasks for 2 workers
    assert default_chunk_size(100, 8) == 3           # 34 tasks for 8 workers
    assert default_chunk_size(3, 16) == 1
    for tiling, most in MAX_CHUNK.items():
        for points in (1, 7, 100, 1000, 10_000):
            for workers in (1, 2, 8):
                size = default_chunk_size(points, workers, tiling)
                assert 1 <= size <= most
                assert size == most or -(-points // size) >= min(points, 4 * workers)


def test_design_points_share_nothing_with_the_base():
    """build_hardware copies only the path it changes and passes the base's other sections as validated
    models: the base and earlier points stay as they were, and each point equals (fields set included)
    the base validated with its changes applied to a deep copy by hand."""
    import copy

    from accelsim.sweep.design_point import build_hardware

    for name, changes in [("edge", {"array.rows": 7, "buffers[spad].size_bytes": 12345, "dataflow": "wr"}),
                          ("edge", {"buffers[0].double_buffered": False, "backing_memory.latency_cycles": 3}),
                          ("edge", {"buffers[acc].size_bytes": 4096, "buffers[acc].port_bits": 32}),
                          ("tpu_v1_like", {"buffers[weight_fifo].size_bytes": 1 << 16, "buffers[1].port_bits": 64,
                                           "precision.psum_bits": 24, "array.cols": 128}),
                          ("eyeriss_like", {"register_files.ifmap_bytes": 48, "buffers[filter_glb].size_bytes": 4096,
                                            "stationarity": "os"}),
                          ("neurosim_like", {"pim.crossbar.rows": 64, "pim.adc.bits": 5}),
                          ("neurosim_like", {"buffers[gbuf].size_bytes": 1 << 21, "pim.crossbar.cols": 64})]:
        base = accelsim.load_hardware(name).model_dump()
        before = copy.deepcopy(base)
        build_hardware(base, {})  # an earlier point of the same sweep
        hw = build_hardware(base, changes)
        assert base == before
        assert build_hardware(base, {}) == accelsim.Hardware.model_validate(before)
        by_hand = copy.deepcopy(base)
        for path, value in changes.items():
            node, parts = by_hand, path.split(".")
            for part in parts[:-1]:
                key, _, sel = part.partition("[")
                node = node[key]
                if sel:
                    sel = sel.rstrip("]")
                    node = node[int(sel)] if sel.isdigit() else next(x for x in node if x["name"] == sel)
            node[parts[-1]] = value
        expected = accelsim.Hardware.model_validate(by_hand)
        assert hw == expected and hw.model_dump() == expected.model_dump()
        assert hw.model_fields_set == expected.model_fields_set
        assert hw.array.model_fields_set == expected.array.model_fields_set


def test_an_invalid_change_or_base_is_named_whatever_sections_are_shared():
    """A change that breaks a section's field, or a validator of an enclosing section, is reported by
    field; so is a base that is itself invalid (no validated sections to share)."""
    from accelsim.sweep.design_point import build_hardware

    base = accelsim.load_hardware("edge").model_dump()
    for changes, fragment in [({"buffers[acc].size_bytes": 0}, "buffers[1].size_bytes"),
                              ({"homes.ifmap": "nowhere"}, "homes.ifmap = 'nowhere' is neither 'dram' nor a buffer"),
                              ({"array.cols": 5000}, "array.cols: Input should be less than or equal to 4096")]:
        with pytest.raises(accelsim.AccelsimError, match=re.escape(fragment)):
            build_hardware(base, changes)
    bad = {**base, "fifo_bytes": 0}
    with pytest.raises(accelsim.AccelsimError, match="fifo_bytes"):
        build_hardware(bad, {"array.rows": 8})
    assert build_hardware(bad, {"fifo_bytes": 64}).fifo_bytes == 64


def test_axes_whose_paths_collide_or_stop_at_a_list_are_named():
    """Two axes that set one field, an axis inside another's value, and a path that stops at a list are
    errors naming the axis (the paths are resolved once per set of axes, before any point is built)."""
    from accelsim.sweep.design_point import build_hardware

    base = accelsim.load_hardware("edge").model_dump()
    for changes, fragment in [
            ({"buffers[0].size_bytes": 1024, "buffers[spad].size_bytes": 2048},
             "axis 'buffers[spad].size_bytes': sets the same field as axis 'buffers[0].size_bytes'"),
            ({"array": {"rows": 4, "cols": 4}, "array.rows": 8}, "axis 'array.rows': lies inside the value of axis 'array'"),
            ({"array.rows": 8, "array": {"rows": 4, "cols": 4}}, "axis 'array': holds fields that other axes set"),
            ({"buffers.size_bytes": 1024}, "axis 'buffers.size_bytes': 'buffers' is a list: select an item")]:
        with pytest.raises(accelsim.AccelsimError, match=re.escape(fragment)):
            build_hardware(base, changes)
    assert build_hardware(base, {"array": {"rows": 4, "cols": 5}}).array.cols == 5  # a whole section is a value


def test_shard_bytes_read_back_as_the_pandas_frame_of_the_rows():
    """Shards are written straight through pyarrow; reading one gives what a DataFrame of the rows gives
    (missing keys as NaN, ints with gaps as floats, ints and floats mixed as floats, strings)."""
    import io

    from accelsim.sweep.shards import rows_parquet

    rows = [{"point": 0, "point_key": "a", "array.rows": 4, "status": "ok", "cycles": 10, "energy_pj": 1.5},
            {"point": 1, "point_key": "b", "array.rows": 8, "status": "invalid: x"},
            {"point": 2, "point_key": "c", "array.rows": 16, "status": "ok", "cycles": 7, "energy_pj": 0.25,
             "dataflow": "wr"}]
    for case in (rows, [dict(r, mixed=v) for r, v in zip(rows, [1, 2.5, 3])]):
        got = pd.read_parquet(io.BytesIO(rows_parquet(case)))
        pd.testing.assert_frame_equal(got, pd.DataFrame(case))


def test_points_stream_in_blocks_equal_to_one_draw(monkeypatch):
    """Random points are drawn in blocks; the stream is the one a single draw of all of them gives."""
    import accelsim.sweep.spec as spec_module

    spec, _ = load_spec(dict(TINY, axes={"array.rows": {"min": 4, "max": 64, "integer": True},
                                         "buffers[spad].size_bytes": {"min": 16384, "max": 262144, "log": True}},
                             sampling={"method": "random", "samples": 23, "seed": 4}))
    whole = design_points(spec)
    monkeypatch.setattr(spec_module, "_BLOCK", 5)
    assert design_points(spec) == whole and len(whole) == 23


def test_sampled_values_are_the_literal_formulas():
    """Random and Latin-hypercube values, float for float, against the formulas written out per point from
    the generator's own draws (point keys, and so resumed sweeps, rest on these floats)."""
    import math

    axes = {"array.rows": {"min": 4, "max": 64, "integer": True}, "clock_hz": {"min": 1e8, "max": 2e9},
            "buffers[spad].size_bytes": {"min": 16384, "max": 262144, "log": True},
            "backing_memory.bandwidth_bytes_per_cycle": {"min": 1.5, "max": 300.0, "log": True, "integer": False},
            "dataflow": ["ir", "or", "wr"]}

    def value(axis, u):
        if isinstance(axis, list):
            return axis[min(len(axis) - 1, int(u * len(axis)))]
        lo, hi = float(axis["min"]), float(axis["max"])
        v = math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo))) if axis.get("log") else lo + u * (hi - lo)
        return int(round(v)) if axis.get("integer", True) else float(v)

    for method in ("random", "lhs"):
        spec, _ = load_spec(dict(TINY, axes=axes, sampling={"method": method, "samples": 50, "seed": 7}))
        rng = np.random.default_rng(7)
        if method == "random":
            u = rng.random((50, len(axes)))
        else:
            u = np.empty((50, len(axes)))
            for j in range(len(axes)):
                u[:, j] = (rng.permutation(50) + rng.random(50)) / 50
        want = [{name: value(axis, float(x)) for (name, axis), x in zip(axes.items(), row)} for row in u]
        got = design_points(spec)
        assert got == want
        assert [[type(v) for v in p.values()] for p in got] == [[type(v) for v in p.values()] for p in want]


def test_a_sweep_larger_than_memory_streams_its_points(tiny_spec, tmp_path):
    """10^9 grid points, 3 evaluated: the points are generated as they are needed, never all at once
    (built all at once, they would not fit in this machine's memory)."""
    spec = yaml.safe_load(tiny_spec.read_text())
    spec["axes"] = {"array.rows": {"min": 2, "max": 1001, "steps": 1000, "integer": True},
                    "array.cols": {"min": 2, "max": 1001, "steps": 1000, "integer": True},
                    "buffers[spad].size_bytes": {"min": 16384, "max": 1048576, "steps": 1000, "integer": True}}
    from accelsim.sweep.spec import point_count

    assert point_count(load_spec(spec)[0]) == 10**9
    df = run_sweep(spec, tmp_path / "big", workers=1, limit=3)
    assert list(df["point"]) == [0, 1, 2] and (df["status"] == "ok").all()


def test_specs_without_per_layer_keep_their_hash():
    """Sweep directories written before ``per_layer`` existed still resume: the shipped spec's hash is the
    one accelsim gave it then (commit 8272234, computed with that checkout), and asking for per-layer rows
    makes it another sweep."""
    from accelsim.sweep.spec import spec_hash

    spec, _ = load_spec(Path(__file__).parents[1] / "sweeps" / "pe_x_buffer_resnet50.yaml")
    assert spec_hash(spec) == "020a03f67f97809e"
    assert spec_hash(spec.model_copy(update={"per_layer": True})) != spec_hash(spec)
