"""Every plot draws exactly the DataFrame's numbers, with labelled units."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import accelsim  # noqa: E402
from accelsim import report  # noqa: E402
from accelsim.compare import compare  # noqa: E402
from accelsim.sweep.pareto import pareto_front  # noqa: E402


@pytest.fixture(scope="module")
def res():
    return accelsim.simulate("edge", "resnet18")


def heights(container):
    return np.array([b.get_height() for b in container])


def test_cycles(res):
    df = res.layers
    ax = report.plot_cycles(df)
    compute, stall = ax.containers
    assert np.allclose(heights(compute), df["compute_cycles"]) and np.allclose(heights(stall), df["stall_cycles"])
    assert np.allclose([b.get_y() for b in stall], df["compute_cycles"])
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert np.allclose(lines["compute bound"].get_ydata(), df["compute_bound_cycles"])
    assert np.allclose(lines["bandwidth bound"].get_ydata(), df["bandwidth_bound_cycles"])
    assert ax.get_ylabel() == "cycles"


def test_traffic(res):
    df = res.layers
    ax = report.plot_traffic(df, "dram")
    labels = [c.get_label() for c in ax.containers]
    assert labels == ["reads_ifmap", "reads_filter", "reads_ofmap", "writes_ofmap"]
    for label, c in zip(labels, ax.containers):
        assert np.allclose(heights(c), df[f"dram_{label}"])
    assert ax.get_ylabel() == "dram traffic (elements)"
    with pytest.raises(accelsim.AccelsimError, match="no traffic columns for level 'l3'; this table has array, buffer"):
        report.plot_traffic(df, "l3")


def test_utilization(res):
    df = res.layers
    ax = report.plot_utilization(df)
    eff, util = ax.containers
    assert np.allclose(heights(eff), df["mapping_efficiency"]) and np.allclose(heights(util), df["utilization"])
    assert ax.get_ylabel() == "fraction of PEs"


def test_dataflow_comparison():
    cmp = compare("edge", "resnet18", ["ir", "or", "wr"], ["ws"])
    ax = report.plot_dataflow_comparison(cmp.long, "cycles")
    assert [c.get_label() for c in ax.containers] == ["IR/WS", "OR/WS", "WR/WS"]
    for c in ax.containers:
        want = cmp.long[cmp.long["variant"] == c.get_label()]["cycles"].to_numpy()
        assert np.allclose(heights(c), want)
    assert ax.get_ylabel() == "cycles"


def test_roofline(res):
    df = res.layers
    hw = accelsim.load_hardware("edge")
    ax = report.plot_roofline(df, hw)
    pts = [line for line in ax.get_lines() if line.get_label() == "layers"][0]
    mac = df[(df["macs"] > 0) & (df["dram_bytes"] > 0)]
    assert np.allclose(pts.get_xdata(), mac["macs"] / mac["dram_bytes"])
    assert np.allclose(pts.get_ydata(), mac["macs"] / mac["cycles"])
    roof = [line for line in ax.get_lines() if line.get_label() == "roofline"][0]
    assert np.isclose(roof.get_ydata().max(), hw.pes)
    assert ax.get_xlabel() == "operational intensity (MACs / DRAM byte)"


def test_sweep_scatter_and_heatmap(tmp_path):
    from accelsim.sweep import run_sweep

    spec = {"name": "p", "base": "edge", "workloads": ["mobilenet_v1"], "tiling": "heuristic",
            "axes": {"array.rows": [8, 16, 32], "buffers[spad].size_bytes": [65536, 262144, 1048576]}}
    df = run_sweep(spec, tmp_path / "s", workers=1, quiet=True)
    ax = report.plot_sweep(df)
    scatter = ax.collections[0].get_offsets()
    assert np.allclose(scatter[:, 0], df["latency_s"]) and np.allclose(scatter[:, 1], df["energy_pj"])
    line = ax.get_lines()[0]
    front = pareto_front(df, ["latency_s", "energy_pj"])
    assert np.allclose(line.get_xdata(), front["latency_s"]) and np.allclose(line.get_ydata(), front["energy_pj"])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("latency (s)", "energy (pJ)")
    hm = report.plot_heatmap(df, "array.rows", "buffers[spad].size_bytes", "energy_pj")
    data = hm.images[0].get_array()
    want = df.pivot_table(index="buffers[spad].size_bytes", columns="array.rows", values="energy_pj")
    assert np.allclose(np.asarray(data), want.to_numpy())
    assert [t.get_text() for t in hm.get_xticklabels()] == ["8", "16", "32"]


def test_cli_plot_every_kind(tmp_path):
    import subprocess
    import sys

    run = tmp_path / "r.parquet"
    assert subprocess.run([sys.executable, "-m", "accelsim", "run", "edge", "resnet18", "-q", "-o", str(run)],
                          capture_output=True).returncode == 0
    sweep = tmp_path / "sw"
    spec = tmp_path / "spec.yaml"
    spec.write_text("name: s\nbase: edge\nworkloads: [mobilenet_v1]\ntiling: heuristic\n"
                    "axes: {array.rows: [8, 16], array.cols: [8, 16]}\n")
    assert subprocess.run([sys.executable, "-m", "accelsim", "sweep", str(spec), "-o", str(sweep), "-j", "1"],
                          capture_output=True).returncode == 0
    cases = [(run, "cycles", []), (run, "traffic", ["--level", "buffer"]), (run, "utilization", []),
             (run, "energy", []), (run, "network-energy", []), (run, "roofline", ["--hardware", "edge"]),
             (sweep, "sweep", []), (sweep, "heatmap", [])]
    for src, kind, extra in cases:
        fig = tmp_path / f"{kind}.svg"
        proc = subprocess.run([sys.executable, "-m", "accelsim", "plot", str(src), "--kind", kind, "-o", str(fig),
                               *extra], capture_output=True, text=True)
        assert proc.returncode == 0, (kind, proc.stderr)
        assert fig.read_text().lstrip().startswith(("<?xml", "<svg"))
    bad = subprocess.run([sys.executable, "-m", "accelsim", "plot", str(run), "--kind", "roofline", "-o",
                          str(tmp_path / "x.png")], capture_output=True, text=True)
    assert bad.returncode == 2 and "needs --hardware" in bad.stderr
    from typer.testing import CliRunner

    from accelsim.cli import app

    corrupt, junk = tmp_path / "corrupt.parquet", tmp_path / "junk.csv"
    corrupt.write_text("not,parquet\n")
    junk.write_text("a,b\n1,2\n")
    for src, extra, message in [(corrupt, ["--kind", "cycles"], "cannot read it as a parquet table of results"),
                                (junk, ["--kind", "cycles"], "--kind cycles needs column 'compute_cycles'"),
                                (run, ["--kind", "traffic", "--level", "zz"], "no traffic columns for level 'zz'"),
                                (sweep, ["--kind", "sweep", "--x", "nope"], "--kind sweep needs column 'nope'"),
                                (tmp_path / "none.csv", ["--kind", "cycles"], "none.csv: file not found")]:
        res = CliRunner().invoke(app, ["plot", str(src), *extra, "-o", str(tmp_path / "x.png")])
        assert res.exit_code == 2 and isinstance(res.exception, SystemExit), res.output
        assert message in " ".join(res.output.split()) and "Traceback" not in res.output  # rich wraps lines
