"""SCALE-Sim .cfg and topology CSVs: every shared file loads, round trips are exact, MACs match scalesim."""

import warnings
from pathlib import Path

import pandas as pd
import pytest

import accelsim
from accelsim.config.scalesim_cfg import format_cfg, parse_cfg
from accelsim.errors import AccelsimWarning
from accelsim.workload.scalesim_topology import format_topology, parse_topology
from accelsim.workload.shape import conv_shape

DATA = Path(__file__).parent / "data" / "scalesim"
CFGS = sorted((DATA / "configs").glob("*.cfg"))
TOPOS = sorted((DATA / "topologies").glob("*.csv"))


@pytest.mark.parametrize("path", CFGS, ids=[p.stem for p in CFGS])
def test_every_cfg_loads_and_round_trips(path):
    hw = accelsim.load_hardware(path)
    cp = __import__("configparser").ConfigParser()
    cp.read(path)
    ap = cp["architecture_presets"]
    assert (hw.array.rows, hw.array.cols) == (int(ap["ArrayHeight"]), int(ap["ArrayWidth"]))
    assert hw.stationarity == ap["Dataflow"].strip()
    assert hw.staging_buffer("ifmap").size_bytes == int(ap["IfmapSramSzkB"]) * 1024
    assert hw.scalesim.interface_bandwidth == cp["run_presets"]["InterfaceBandwidth"].strip()
    assert hw.scalesim.layout.ifmap_bank_bandwidth == int(cp["layout"]["IfmapSRAMBankBandwidth"])
    again = parse_cfg(format_cfg(hw), "rewritten")
    assert again.model_dump(exclude={"description"}) == hw.model_dump(exclude={"description"})
    # what scalesim 3.0.0 reads: every section and key it requires, spelled its way
    text = format_cfg(hw)
    for key in ("[general]", "run_name", "[architecture_presets]", "ArrayHeight", "IfmapSramSzkB", "IfmapOffset",
                "Bandwidth", "Dataflow", "ReadRequestBuffer", "[layout]", "IfmapSRAMBankBandwidth",
                "FilterSRAMBankPort", "[sparsity]", "SparsitySupport", "RandomNumberGeneratorSeed", "[run_presets]",
                "InterfaceBandwidth", "UseRamulatorTrace"):
        assert key in text


@pytest.mark.parametrize("path", TOPOS, ids=[p.stem for p in TOPOS])
def test_every_topology_loads_and_round_trips(path):
    net = accelsim.load_workload(path)
    again = parse_topology(format_topology(net), "rewritten", net.name)
    assert again.model_dump(exclude={"description"}) == net.model_dump(exclude={"description"})
    for line in format_topology(net).strip().splitlines():
        assert line.endswith(",")  # scalesim drops the last comma-field


def test_small_topology_macs_equal_scalesim():
    ref = pd.read_csv(DATA / "reference_small.csv")
    ref = ref[ref["config"] == ref["config"].iloc[0]].set_index("layer_name")
    net = accelsim.load_workload(DATA / "topologies" / "small_layers.csv")
    hw = accelsim.load_hardware(CFGS[0])
    assert [x.name for x in net.layers] == list(ref.index)
    for layer in net.layers:
        sh = conv_shape(layer, hw, 1)
        assert sh.macs == ref.loc[layer.name, "macs"]
        # these layers have (H - R) divisible by the stride: floor and ceil output rules agree
        assert (sh.P, sh.Q) == (ref.loc[layer.name, "ofmap_h"], ref.loc[layer.name, "ofmap_w"])


def test_gemm_topology_uses_the_design_convention():
    net = accelsim.load_workload(DATA / "topologies" / "gemm_small.csv")
    qk = net.layers[0]
    assert (qk.kind, qk.m, qk.n, qk.k) == ("gemm", 128, 128, 64)
    sh = conv_shape(net.layers[1], accelsim.load_hardware("edge"), 1)
    assert (sh.P * sh.Q, sh.C, sh.M) == (128, 768, 768) and sh.macs == 128 * 768 * 768
    assert format_topology(net).splitlines()[0] == "Layer, M, N, K,"


def test_depthwise_dp_layer_is_a_grouped_conv_with_scalesim_macs():
    text = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n" \
           "conv_DP1, 16, 16, 3, 3, 32, 2, 1,\n"
    net = parse_topology(text)
    layer = net.layers[0]
    assert (layer.groups, layer.in_channels, layer.out_channels) == (32, 32, 64)
    sh = conv_shape(layer, accelsim.load_hardware("edge"), 1)
    assert sh.macs == 32 * 2 * 14 * 14 * 3 * 3  # Channels x Num Filter x E x F x R x S
    assert format_topology(net) == text


def test_floor_and_ceil_output_rules_differ_with_a_warning():
    text = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n" \
           "c1, 230, 230, 7, 7, 3, 64, 2,\n"
    with pytest.warns(AccelsimWarning, match=r"112x112 .* SCALE-Sim's 113x113"):
        net = parse_topology(text, "t.csv")
    assert net.layers[0].out_h == 112 and net.layers[0].padding_applied


def test_content_not_extension_decides(tmp_path):
    cfg = tmp_path / "machine.txt"
    cfg.write_text(CFGS[0].read_text())
    topo = tmp_path / "net.yaml"
    topo.write_text((DATA / "topologies" / "small_layers.csv").read_text())
    assert accelsim.load_hardware(cfg).array.rows == 16
    assert len(accelsim.load_workload(topo).layers) == 10


def test_writers_cover_what_scalesim_cannot_express(tmp_path):
    net = accelsim.load_workload("alexnet_caffe227")  # groups=2 convs, pooling
    with pytest.warns(AccelsimWarning, match="pool1"):
        text = format_topology(net)
    assert "conv2_g0," in text and "conv2_g1," in text and "pool1" not in text
    rows = parse_topology(text).layers
    hw = accelsim.load_hardware("edge")
    assert sum(conv_shape(x, hw, 1).macs for x in rows) == sum(
        conv_shape(x, hw, 1).macs for x in net.layers if x.kind in ("conv", "fc"))
    with pytest.raises(accelsim.AccelsimError, match="batch 4"):
        format_topology(accelsim.Network(name="b", batch=4, layers=[net.layers[0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hw_text = format_cfg(accelsim.load_hardware("scalesim_32x32"))
    assert "ArrayHeight:    32" in hw_text and "Dataflow : os" in hw_text
    with pytest.warns(AccelsimWarning) as record:
        format_cfg(accelsim.load_hardware("eyeriss_like"))
    messages = " | ".join(str(w.message) for w in record)
    assert "1-byte words" in messages and "hold several operands" in messages


_ARRAY = ("[architecture_presets]\nArrayHeight: 8\nArrayWidth: 8\nIfmapSramSzkB: 8\nFilterSramSzkB: 8\n"
          "OfmapSramSzkB: 8\nBandwidth: 8\nDataflow: os\n")


@pytest.mark.parametrize("bad,fragment", [
    ("[architecture_presets]\nArrayHeight: 0\n", "ArrayHeight = 0: allowed range is 1..4096"),
    # free-text values are checked by the schema, with the rest of the config (once a traceback)
    ("[general]\nrun_name = " + "x" * 300 + "\n" + _ARRAY,
     "scalesim.run_name: String should have at most 256 characters"),
    (_ARRAY + "[sparsity]\nSparseRep : " + "y" * 70 + "\n",
     "scalesim.sparsity.representation: String should have at most 64 characters"),
    ("[architecture_presets]\nArrayHeight: sixteen\n", "ArrayHeight = 'sixteen': expected a whole number"),
    ("[architecture_presets]\nArrayHeight: 1e400\n", "ArrayHeight = '1e400': expected a whole number"),
    ("[architecture_presets]\nArrayHeight: 8\nArrayWidth: 8\n", "IfmapSramSzkB missing"),
    ("[architecture_presets]\nArrayHeight: 8\nArrayWidth: 8\nIfmapSramSzkB: 8\nFilterSramSzkB: 8\n"
     "OfmapSramSzkB: 8\nBandwidth: 8\nDataflow: rs\n", "Dataflow = 'rs': expected one of os, ws, is"),
])
def test_bad_cfg_names_section_and_key(tmp_path, bad, fragment):
    p = tmp_path / "bad.cfg"
    p.write_text(bad)
    with pytest.raises(accelsim.AccelsimError, match="bad.cfg") as info:
        accelsim.load_hardware(p)
    assert fragment in str(info.value)


@pytest.mark.parametrize("cell", ["x", "inf", "1e400"])
def test_bad_topology_names_line_and_column(tmp_path, cell):
    p = tmp_path / "bad.csv"
    p.write_text("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
                 f"ok, 8, 8, 3, 3, 4, 4, 1,\nbroken, 8, {cell}, 3, 3, 4, 4, 1,\n")
    with pytest.raises(accelsim.AccelsimError, match=rf"bad.csv: line 3, column 3 \(IFMAP Width\): '{cell}'"):
        accelsim.load_workload(p)


def test_yaml_round_trip_of_every_shipped_file(tmp_path):
    from accelsim import save_hardware, save_workload, zoo

    for name in zoo.shipped_hardware():
        hw = accelsim.load_hardware(name)
        assert accelsim.load_hardware(save_hardware(hw, tmp_path / f"{name}.yaml")) == hw
    for name in zoo.shipped_workloads():
        net = accelsim.load_workload(name)
        assert accelsim.load_workload(save_workload(net, tmp_path / f"{name}.yaml")) == net


def test_warnings_name_the_callers_line_through_the_api(tmp_path):
    """Warnings raised while reading or writing SCALE-Sim files point at the user's call, not into accelsim
    (``errors.warn_caller``): through ``load_workload``, ``save_workload`` and ``save_hardware``."""
    topo = tmp_path / "t.csv"
    topo.write_text("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
                    "Strides,\nc1, 230, 230, 7, 7, 3, 64, 2,\n")
    with pytest.warns(AccelsimWarning, match="ceil rule") as read:
        accelsim.load_workload(topo)
    with pytest.warns(AccelsimWarning, match="pool1") as written:
        accelsim.save_workload(accelsim.load_workload("alexnet_caffe227"), tmp_path / "a.csv")
    with pytest.warns(AccelsimWarning) as cfg:  # 1-byte words, and a buffer of several operands
        accelsim.save_hardware(accelsim.load_hardware("eyeriss_like"), tmp_path / "e.cfg")
    assert len(cfg) == 2
    assert {w.filename for w in [*read, *written, *cfg]} == {__file__}


def test_validate_recognises_scalesim_files_by_content(tmp_path):
    """``accelsim validate`` takes what ``run`` takes: SCALE-Sim .cfg files and topology CSVs, whatever
    their names (they were read as YAML and rejected)."""
    from typer.testing import CliRunner

    from accelsim.cli import app

    renamed = tmp_path / "arch.txt"
    renamed.write_text((DATA / "configs" / "a16x16_os_64k.cfg").read_text())
    files = [str(DATA / "configs" / "a16x16_ws_8k_user.cfg"), str(DATA / "topologies" / "small_layers.csv"), str(renamed)]
    res = CliRunner().invoke(app, ["validate", *files])
    assert res.exit_code == 0, res.output
    assert "hardware 'a16x16_ws_8k_user' (16x16 PEs)" in res.output and "workload 'small_layers' (10 layers)" in res.output
    assert res.output.count("ok  ") == 3
    bad = tmp_path / "bad.csv"
    bad.write_text("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
                   "broken, 8, x, 3, 3, 4, 4, 1,\n")
    res = CliRunner().invoke(app, ["validate", str(bad)])
    assert res.exit_code == 2 and "line 2, column 3 (IFMAP Width)" in res.output
