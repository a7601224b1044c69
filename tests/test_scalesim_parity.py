"""--timing scalesim against 180 real scalesim 3.0.0 results, and every quirk switched off alone."""

from pathlib import Path

import pandas as pd
import pytest

import accelsim
from accelsim.workload.shape import conv_shape

DATA = Path(__file__).parent / "data" / "scalesim"
REF = pd.read_csv(DATA / "reference_small.csv")
TOPO = DATA / "topologies" / "small_layers.csv"
ALL = ("os_fold", "off_by_one", "os_ofmap_extra", "no_psum_reads", "ceil_rule")


@pytest.mark.parametrize("config", sorted(REF["config"].unique()))
def test_compute_side_equals_scalesim(config):
    hw = accelsim.load_hardware(DATA / "configs" / f"{config}.cfg")
    layers = accelsim.simulate(hw, TOPO, timing="scalesim").layers.set_index("layer")
    for ref in REF[REF["config"] == config].itertuples():
        row = layers.loc[ref.layer_name]
        assert row["compute_cycles"] == ref.compute_cycles  # scalesim's Total - Stall
        assert row["buffer_reads_ifmap"] == ref.sram_ifmap_reads
        assert row["buffer_reads_filter"] == ref.sram_filter_reads
        assert row["buffer_writes_ofmap"] == ref.sram_ofmap_writes
        assert abs(row["mapping_efficiency"] - ref.mapping_eff_pct / 100) <= 1e-6  # printed to 4 decimals
        if ref.bw_mode == "CALC":
            assert abs(row["utilization"] - ref.overall_util_pct / 100) <= 1e-6
        else:  # USER mode: stalls, and DRAM reads in whole bank-bandwidth lines, exactly
            assert row["stall_cycles"] == ref.stall_cycles
            assert row["cycles"] == ref.total_cycles
            assert (row["dram_reads_ifmap"], row["dram_reads_filter"]) == (ref.dram_ifmap_reads, ref.dram_filter_reads)


def _run(hw, net, quirks):
    return accelsim.simulate(hw, net, timing="scalesim", quirks=quirks).layers.iloc[0]


@pytest.mark.parametrize("stat", ["os", "ws", "is"])
def test_each_quirk_off_moves_its_figure_by_the_documented_amount(stat):
    hw = accelsim.load_hardware(DATA / "configs" / f"a8x8_{stat}_64k.cfg")
    text = ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
            "c, 18, 18, 3, 3, 8, 20, 2,\n")  # (18 - 3) % 2 != 0: the ceil rule adds an output row and column
    from accelsim.workload.scalesim_topology import parse_topology

    with pytest.warns(accelsim.errors.AccelsimWarning):
        net = parse_topology(text)
    on = _run(hw, net, ALL)
    sh = conv_shape(net.layers[0], hw, 1, ceil_rule=True)
    ar, ac = hw.array.rows, hw.array.cols
    rows_dims = {"os": sh.P * sh.Q, "ws": sh.C * sh.R * sh.S, "is": sh.C * sh.R * sh.S}[stat]
    cols_dims = {"os": sh.M, "ws": sh.M, "is": sh.P * sh.Q}[stat]
    folds = -(-rows_dims // ar) * -(-cols_dims // ac)
    for quirk in ALL:
        off = _run(hw, net, tuple(q for q in ALL if q != quirk))
        if quirk == "off_by_one":
            assert off["compute_cycles"] - on["compute_cycles"] == 1
        elif quirk == "os_fold":
            assert off["compute_cycles"] - on["compute_cycles"] == (folds * ar if stat == "os" else 0)
        elif quirk == "os_ofmap_extra":
            assert on["buffer_writes_ofmap"] - off["buffer_writes_ofmap"] == (folds * (ar + ac) if stat == "os" else 0)
        elif quirk == "no_psum_reads":  # native reads back every partial sum but the first visit of each output
            outputs = sh.M * sh.P * sh.Q
            assert on["buffer_reads_ofmap"] == 0
            assert off["buffer_reads_ofmap"] == on["buffer_writes_ofmap"] - outputs - (
                folds * (ar + ac) if stat == "os" else 0)
        elif quirk == "ceil_rule":  # ceil((18 - 3) / 2) + 1 = 9 outputs a side; floor rule: 8
            assert (sh.P, sh.Q) == (9, 9) and off["macs"] == on["macs"] * 64 // 81
    native_like = _run(hw, net, ())
    assert native_like["macs"] == conv_shape(net.layers[0], hw, 1).macs


def test_bad_timing_and_quirk_names():
    with pytest.raises(accelsim.AccelsimError, match="timing 'exact'"):
        accelsim.simulate("edge", "resnet18", timing="exact")
    with pytest.raises(accelsim.AccelsimError, match="unknown SCALE-Sim quirk"):
        accelsim.simulate("edge", "resnet18", timing="scalesim", quirks=("os_fold", "typo"))
    with pytest.raises(accelsim.AccelsimError, match="apply with timing='scalesim' only"):  # was ignored
        accelsim.simulate("edge", "resnet18", quirks=("os_fold",))
    # one name, or names separated by commas, as a string (it was taken letter by letter)
    both = accelsim.simulate("edge", "resnet18", timing="scalesim", quirks="os_fold, off_by_one").summary
    assert both == accelsim.simulate("edge", "resnet18", timing="scalesim", quirks=("off_by_one", "os_fold")).summary


def test_cli_runs_scalesim_files_with_scalesim_timing(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "r.csv"
    proc = subprocess.run([sys.executable, "-m", "accelsim", "run", str(DATA / "configs" / "a16x16_ws_8k.cfg"),
                           str(TOPO), "--timing", "scalesim", "-q", "-o", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    df = pd.read_csv(out).set_index("layer")
    ref = REF[REF["config"] == "a16x16_ws_8k"].set_index("layer_name")
    assert (df.loc[ref.index, "compute_cycles"] == ref["compute_cycles"]).all()
    gemm = subprocess.run([sys.executable, "-m", "accelsim", "run", str(DATA / "configs" / "a8x8_os_8k.cfg"),
                           str(DATA / "topologies" / "gemm_small.csv"), "--timing", "scalesim", "-q"],
                          capture_output=True, text=True)
    assert gemm.returncode == 0, gemm.stderr


GOLDEN = pd.read_csv(DATA / "golden_exported.csv")


@pytest.mark.parametrize("config", sorted(GOLDEN["config"].unique()))
def test_files_written_by_accelsim_give_scalesim_numbers(config, tmp_path):
    """tools/scalesim_golden.py ran scalesim 3.0.0 on configs and topologies accelsim exported."""
    import warnings

    from tools_scalesim import exported_inputs

    hw, topologies = exported_inputs(config, tmp_path)
    for topo_name, path in topologies.items():
        ref = GOLDEN[(GOLDEN["config"] == config) & (GOLDEN["topology"] == topo_name)].sort_values("LayerID")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            net = accelsim.load_workload(path)
        got = accelsim.simulate(hw, net, timing="scalesim").layers
        lid = 0
        for layer, row in zip(net.layers, got.itertuples()):
            n = layer.groups if "DP" in layer.name else 1  # scalesim runs a DP layer as one layer per channel
            sub = ref[(ref["LayerID"] >= lid) & (ref["LayerID"] < lid + n)]
            lid += n
            assert row.compute_cycles == (sub["Total Cycles"] - sub["Stall Cycles"]).sum(), layer.name
            assert row.buffer_reads_ifmap == sub["SRAM IFMAP Reads"].sum(), layer.name
            assert row.buffer_reads_filter == sub["SRAM Filter Reads"].sum(), layer.name
            assert row.buffer_writes_ofmap == sub["SRAM OFMAP Writes"].sum(), layer.name
            assert abs(row.mapping_efficiency - sub["Mapping Efficiency %"].mean() / 100) <= 1e-6, layer.name
            assert abs(row.utilization - (sub["Overall Util %"] * sub["Total Cycles"]).sum()
                       / sub["Total Cycles"].sum() / 100) <= 1e-6, layer.name
            for col, ref_col in (("dram_reads_ifmap", "DRAM IFMAP Reads"), ("dram_reads_filter", "DRAM Filter Reads"),
                                 ("dram_writes_ofmap", "DRAM OFMAP Writes")):  # CALC mode
                assert abs(getattr(row, col) - sub[ref_col].sum()) <= 0.002 * sub[ref_col].sum(), (layer.name, col)
        assert lid == len(ref)
