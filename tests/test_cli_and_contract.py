"""CLI commands and the result contract (column names other capabilities rely on)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import accelsim
from accelsim import zoo
from accelsim.results import CONTRACT_COLUMNS

REPO = Path(__file__).resolve().parents[1]


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "accelsim", *args], capture_output=True, text=True, env=env)


@pytest.mark.parametrize("hw_name", zoo.shipped_hardware())
def test_contract_on_every_hwconfig_and_network(hw_name):
    for net_name in zoo.shipped_workloads():
        res = accelsim.simulate(hw_name, net_name)
        df = res.layers
        assert list(df.columns[: len(CONTRACT_COLUMNS)]) == CONTRACT_COLUMNS
        assert df.notna().all().all(), (hw_name, net_name)
        assert len(df) == len(accelsim.load_workload(net_name).layers)
        mac = df[df["macs"] > 0]
        assert (mac["cycles"] > 0).all()
        on_array = mac[mac["unit"] == "digital"] if "unit" in mac else mac  # crossbars hold their weights
        assert (on_array["buffer_reads_filter"] > 0).all()
        assert mac["mapping"].str.len().gt(0).all()
        assert (df["latency_s"] == df["cycles"] / accelsim.load_hardware(hw_name).clock_hz).all()
        for key in ("macs", "cycles", "latency_per_inference_s", "throughput_inferences_per_s", "utilization"):
            assert key in res.summary


def test_tpu_activations_stay_in_unified_buffer():
    res = accelsim.simulate("tpu_v1_like", "resnet50")
    df = res.layers.set_index("layer")
    conv = df.loc["layer3.0.conv2"]
    assert conv["dram_reads_ifmap"] == 0 and conv["dram_writes_ofmap"] == 0
    assert conv["ub_writes_ofmap"] > 0 and conv["dram_reads_filter"] > 0


def test_result_columns_and_lazy_frame_agree():
    res = accelsim.simulate("edge", "resnet18", tiling="heuristic")
    cols = res.columns  # read before the DataFrame exists
    assert res._frame is None
    df = res.layers
    pd.testing.assert_frame_equal(df, pd.DataFrame(cols))  # the fast path builds what pandas would
    for c in cols:
        assert (df[c].to_numpy() == cols[c]).all(), c
    again = accelsim.SimulationResult(df, res.summary)  # built from a frame, the arrays come from it
    assert all((again.columns[c] == cols[c]).all() for c in cols)
    assert "resnet18 on edge" in repr(res)


def test_cli_run_writes_every_format(tmp_path):
    for suffix in (".csv", ".parquet", ".json"):
        out = tmp_path / f"r{suffix}"
        proc = cli("run", "edge", "resnet18", "-d", "wr", "-s", "os", "-q", "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        if suffix == ".csv":
            df = pd.read_csv(out)
        elif suffix == ".parquet":
            df = pd.read_parquet(out)
        else:
            payload = json.loads(out.read_text())
            df = pd.DataFrame(payload["layers"])
            assert payload["summary"]["network"] == "resnet18"
        assert list(df.columns[: len(CONTRACT_COLUMNS)]) == CONTRACT_COLUMNS
        assert df["mapping"].dropna().str.startswith(("WR", "stream")).all()
    api = accelsim.simulate("edge", "resnet18", dataflow="wr", stationarity="os").layers
    assert (pd.read_csv(tmp_path / "r.csv")["cycles"].to_numpy() == api["cycles"].to_numpy()).all()


@pytest.mark.parametrize("args", [
    ["run", "edge", "vgg8_cifar", "--tiling", "heuristic", "-q", "-o", "{missing}/run.csv"],
    ["compare", "edge", "vgg8_cifar", "--tiling", "heuristic", "-o", "{missing}/compare.csv"],
    ["export", "edge", "-o", "{missing}/edge.cfg"],
    ["import", "edge", "-o", "{missing}/edge.yaml"],
    ["nest", str(REPO / "nests" / "timeloop" / "ex03_conv1d_oc_3level_bypass.yaml"), "-o", "{missing}/nest.csv"],
    ["plot", "{tmp}/results.csv", "-k", "cycles", "-o", "{missing}/figure.png"],
    ["sweep", str(REPO / "sweeps" / "pe_x_buffer_resnet50.yaml"), "--limit", "1", "-o", "{file}/sweep"],
], ids=lambda a: a[0])
@pytest.mark.filterwarnings("ignore::accelsim.errors.AccelsimWarning")  # export's notes on what .cfg cannot hold
def test_cli_output_that_cannot_be_written_is_a_clear_error(tmp_path, args):
    """Every command writing ``-o`` says which file it cannot write and why, with status 2 and no
    traceback; those that compute first check the directory before they start."""
    from typer.testing import CliRunner

    from accelsim.cli import app

    (tmp_path / "a_file").write_text("")
    places = {"missing": str(tmp_path / "missing"), "tmp": str(tmp_path), "file": str(tmp_path / "a_file")}
    res = CliRunner().invoke(app, [a.format(**places) for a in args])
    assert res.exit_code == 2 and isinstance(res.exception, SystemExit), res.output
    assert "cannot write" in " ".join(res.output.split()) and "Traceback" not in res.output  # rich wraps lines
    assert not (tmp_path / "missing").exists()


@pytest.mark.filterwarnings("ignore::accelsim.errors.AccelsimWarning")  # pooling layers left out of the .csv
def test_api_writers_raise_accelsim_errors(tmp_path):
    res = accelsim.simulate("edge", "vgg8_cifar", tiling="heuristic")
    with pytest.raises(accelsim.AccelsimError, match="x.csv: cannot write"):
        res.to_file(tmp_path / "missing" / "x.csv")
    for save, obj, name in ((accelsim.save_hardware, accelsim.load_hardware("edge"), "edge"),
                            (accelsim.save_workload, accelsim.load_workload("vgg8_cifar"), "net")):
        for suffix in (".yaml", ".cfg" if name == "edge" else ".csv"):
            with pytest.raises(accelsim.AccelsimError, match=f"{name}{suffix}: cannot write"):
                save(obj, tmp_path / "missing" / f"{name}{suffix}")


@pytest.mark.parametrize("batch", [0, -1, 2.5, "2", True, 1 << 17])
def test_batch_outside_the_schema_range_is_an_error(batch):
    """simulate and simulate_points take the workload schema's batch range (1..65536); 0 was taken as the
    network's batch, -1 and "2" were tracebacks, 2.5 ran."""
    with pytest.raises(accelsim.AccelsimError, match="expected a whole number from 1 to 65536"):
        accelsim.simulate("edge", "vgg8_cifar", batch=batch, tiling="heuristic")
    with pytest.raises(accelsim.AccelsimError, match="expected a whole number from 1 to 65536"):
        accelsim.simulate_points(["edge"], "vgg8_cifar", batch=batch, tiling="heuristic")


def test_api_argument_types():
    with pytest.raises(accelsim.AccelsimError, match="mapping: expected a path, a dict"):
        accelsim.simulate("edge", "vgg8_cifar", mapping=5)
    # metrics none of which a point has: an empty summary per point (was None)
    assert accelsim.simulate_points(["edge", "eyeriss_like"], "vgg8_cifar", tiling="heuristic",
                                    metrics=["no_such_metric"]) == [{}, {}]


def test_cli_run_prints_table_and_summary():
    proc = cli("run", "edge", "alexnet")
    assert proc.returncode == 0
    assert "features.0" in proc.stdout and "summary" in proc.stdout and "throughput" in proc.stdout


def test_cli_mapping_file_applies_per_layer(tmp_path):
    mfile = tmp_path / "m.yaml"
    mfile.write_text("default: {dataflow: ir}\nlayers:\n  'layer1.*': {dataflow: wr, stationarity: os}\n")
    out = tmp_path / "r.csv"
    assert cli("validate", str(mfile)).returncode == 0
    proc = cli("run", "edge", "resnet18", "-m", str(mfile), "-o", str(out), "-q")
    assert proc.returncode == 0, proc.stderr
    df = pd.read_csv(out).set_index("layer")
    assert df.loc["layer1.0.conv1", "mapping"].startswith("WR(mcnpq) OS")
    assert df.loc["layer2.0.conv1", "mapping"].startswith("IR(npqcm)")


def test_cli_zoo_and_validate_shipped():
    proc = cli("zoo")
    assert proc.returncode == 0 and "tpu_v1_like" in proc.stdout and "bert_base_layer" in proc.stdout
    files = [str(p) for p in sorted((REPO / "hwconfigs").glob("*.yaml")) + sorted((REPO / "workloads").glob("*.yaml"))]
    proc = cli("validate", *files)
    assert proc.returncode == 0 and proc.stdout.count("ok ") == len(files)


def test_hwconfigs_folder_holds_only_hardware():
    for path in (REPO / "hwconfigs").glob("*.yaml"):
        assert accelsim.load_hardware(path).name == path.stem
        assert path.read_text().startswith("#"), f"{path.name} needs a comment citing its source"


def test_console_script_and_module_entry_points():
    script = Path(sys.executable).parent / "accelsim"  # installed beside the interpreter
    proc = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "run" in proc.stdout


def test_suite_slice_runs_with_jit_disabled():
    """A representative slice of the suite with NUMBA_DISABLE_JIT=1 (the kernels as plain Python)."""
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(REPO / "tests" / "test_worked_examples.py"),
         str(REPO / "tests" / "test_engine_twin.py") + "::test_kernel_equals_twin_presets_fixed_layer"],
        capture_output=True, text=True, env=env, cwd=REPO)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert " passed" in proc.stdout


def test_docs_yaml_examples_validate():
    """The hardware, workload and mapping templates in the docs are valid as written."""
    import yaml

    from accelsim.mapping.mapping import load_mapping

    blocks = []
    for doc in ("concepts.md", "engine.md"):
        text = (REPO / "docs" / doc).read_text()
        blocks += [b.split("```", 1)[0] for b in text.split("```yaml\n")[1:]]
    kinds = []
    for block in blocks:
        data = yaml.safe_load(block)
        if "array" in data:
            accelsim.load_hardware(data)
            kinds.append("hardware")
        elif isinstance(data.get("layers"), list):
            accelsim.simulate("edge", accelsim.load_workload(data))
            kinds.append("workload")
        else:
            accelsim.simulate("edge", "resnet18", mapping=load_mapping(data))
            kinds.append("mapping")
    assert sorted(kinds) == ["hardware", "mapping", "workload"]


def test_readme_python_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = (REPO / "README.md").read_text()
    blocks = [b.split("```", 1)[0] for b in text.split("```python\n")[1:]]
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert (tmp_path / "resnet50_edge.parquet").exists()
