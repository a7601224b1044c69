"""The PIM back-end: mapping counts against the independent VGG-8 oracle and the brute-force twin,
ISAAC's published peak figures, NeuroSim's published VGG-8 efficiency, and the checks a designer needs."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import accelsim
from accelsim.errors import AccelsimError, AccelsimWarning, ConfigError
from accelsim.kernels import pim_mapping as K
from accelsim.pim.chip import static_mw
from accelsim.pim.cost import peak
from accelsim.pim.cost import layer_args
from accelsim.sweep.design_point import build_hardware
from naive_pim import naive_pim_counts

DATA = Path(__file__).parent / "data" / "pim"
ORACLE = pd.read_csv(DATA / "vgg8_mapping_counts.csv")
# the oracle's configurations (its README): xbar rows x cols, weight bits, cell bits, input bits, active rows
CONFIGS = {
    "neurosim_v14_default": (128, 128, 8, 1, 8, 128),
    "neurosim_v14_parallel32": (128, 128, 8, 1, 8, 32),
    "neurosim_v14_parallel64": (128, 128, 8, 1, 8, 64),
    "isaac_ce_16b": (128, 128, 16, 2, 16, 128),
    "isaac_like_8b": (128, 128, 8, 2, 8, 128),
    "mnsim2_default_256": (256, 256, 8, 1, 8, 256),
}


def with_pim(hw, **changes):
    """``hw`` with fields of its pim section replaced (``crossbar__rows`` = ``pim.crossbar.rows``), built the
    way a sweep builds a design point."""
    return build_hardware(hw.model_dump(), {"pim." + k.replace("__", "."): v for k, v in changes.items()})


def oracle_hw(config: str):
    xr, xc, wb, cb, ib, active = CONFIGS[config]
    return with_pim(accelsim.load_hardware("neurosim_like"), crossbar__rows=xr, crossbar__cols=xc,
                    crossbar__cell_bits=cb, crossbar__rows_active=active, precision__weight_bits=wb,
                    precision__input_bits=ib, precision__dac_bits=1, adc__columns_per_adc=8,
                    duplication="none", tiles=4096)


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_mapping_counts_equal_the_vgg8_oracle(config):
    hw = oracle_hw(config)
    net = accelsim.load_workload("vgg8_cifar")
    layers = [x for x in net.layers if x.kind in ("conv", "fc")]
    out = K.pim_counts_batch(np.stack([layer_args(x, hw, 1) for x in layers]))
    ref = ORACLE[(ORACLE.config == config) & (ORACLE.layer != "TOTAL")].set_index("layer")
    assert list(ref.index) == [x.name for x in layers]
    for row, x in zip(out, layers):
        r = ref.loc[x.name]
        got = {"rows_KKC": row[K.P_ROWS], "weight_slices": row[K.P_SLICES], "cols_physical": row[K.P_COLS],
               "xbar_row_blocks": row[K.P_ROW_BLOCKS], "xbar_col_blocks": row[K.P_COL_BLOCKS],
               "xbars": row[K.P_XBARS], "cells_used": row[K.P_CELLS_USED], "cells_allocated": row[K.P_CELLS_ALLOC],
               "windows": row[K.P_WINDOWS], "input_cycles": row[K.P_IN_CYCLES],
               "row_groups": row[K.P_ROW_GROUPS] // row[K.P_ROW_BLOCKS],
               "array_activations": row[K.P_ACTIVATIONS], "adc_conversions": row[K.P_ADC_CONV], "macs": row[K.P_MACS]}
        assert got == {k: int(r[k]) for k in got}, x.name
        assert row[K.P_CELLS_USED] / row[K.P_CELLS_ALLOC] == pytest.approx(r["utilization"], abs=5e-5)
    # and through simulate: the result table carries the same counts
    res = accelsim.simulate(hw, net)
    on = res.layers[res.layers.unit == "pim"].set_index("layer")
    for col, ref_col in (("crossbars", "xbars"), ("array_activations", "array_activations"),
                         ("adc_conversions", "adc_conversions"), ("macs", "macs")):
        assert on[col].to_dict() == ref[ref_col].astype(int).to_dict()
    total = ORACLE[(ORACLE.config == config) & (ORACLE.layer == "TOTAL")].iloc[0]
    assert res.summary["crossbars_used"] == total["xbars"]
    assert res.summary["macs"] == total["macs"] == 615_917_568


layer_dims = st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 9), st.integers(1, 6),
                       st.integers(1, 3), st.integers(1, 2), st.integers(1, 3), st.integers(1, 3))


@settings(max_examples=150, deadline=None)
@given(dims=layer_dims, xr=st.integers(2, 20), xc=st.integers(2, 20), cell=st.integers(1, 3), wb=st.integers(1, 9),
       ib=st.integers(1, 5), dac=st.integers(1, 3), active=st.integers(1, 20),
       layout=st.sampled_from(["adjacent", "separate"]), signed=st.sampled_from(["none", "offset_column", "differential"]),
       flip=st.booleans())
def test_kernel_equals_brute_force_twin(dims, xr, xc, cell, wb, ib, dac, active, layout, signed, flip):
    G, N, M, C, P, Q, R, S = dims
    active = min(active, xr)
    dac = min(dac, ib)
    args = np.array([G, N, M, C, P, Q, R, S, xr, xc, cell, wb, ib, dac, active, K.LAYOUT_ADJACENT if layout == "adjacent"
                     else K.LAYOUT_SEPARATE, {"none": 0, "offset_column": 1, "differential": 2}[signed], int(flip)],
                    np.int64)
    row = K.pim_counts_batch(args[None, :])[0]
    ref = naive_pim_counts(G, N, M, C, P, Q, R, S, xr, xc, cell, wb, ib, dac, active, layout, signed, flip)
    got = {"crossbars": row[K.P_XBARS], "cells_used": row[K.P_CELLS_USED], "cells_allocated": row[K.P_CELLS_ALLOC],
           "input_cycles": row[K.P_IN_CYCLES], "activations": row[K.P_ACTIVATIONS],
           "adc_conversions": row[K.P_ADC_CONV], "dac_drives": row[K.P_DAC_DRIVES], "cell_reads": row[K.P_CELL_READS],
           "macs": row[K.P_MACS], "serial_per_window": row[K.P_SERIAL_PER_WINDOW],
           "adc_bits_needed": row[K.P_ADC_BITS]}
    assert got == ref


@pytest.mark.parametrize("rows,v,w", [(128, 1, 2), (128, 1, 1), (128, 2, 2), (64, 1, 1), (256, 4, 2), (32, 2, 1)])
def test_adc_bits_needed_is_isaacs_equation(rows, v, w):
    # ISAAC ISCA'16 eq. (1): A = log2(R) + v + w, one less when v = 1 or w = 1; eq. (2) encoding saves one more
    expected = int(math.log2(rows)) + v + w - (1 if v == 1 or w == 1 else 0)
    args = np.array([1, 1, 1, rows, 1, 1, 1, 1, rows, 128, w, 16, 16, v, rows, 0, 0, 0], np.int64)
    assert K.pim_counts_batch(args[None, :])[0, K.P_ADC_BITS] == expected
    args[K.A_FLIP] = 1
    assert K.pim_counts_batch(args[None, :])[0, K.P_ADC_BITS] == expected - 1


def test_isaac_peak_figures_from_crossbar_timing():
    pim = accelsim.load_hardware("isaac_like").pim
    pk = peak(pim)
    assert pim.chip_crossbars == 16_128
    # 16,128 crossbars x 128 rows x 16 weights of 8 cells, a 16-bit input over 16 x 100 ns, a MAC = 2 ops
    assert pk["peak_tops"] == pytest.approx(41.3, rel=0.05)
    # ISAAC Table IV (CE): 478.95 GOPS/s/mm2 and 627.5 GOPS/W
    assert pk["gops_per_mm2"] == pytest.approx(478.95, rel=0.10)
    assert pk["gops_per_w"] == pytest.approx(627.5, rel=0.10)
    # Table I: the 12 IMAs of a tile draw 289 mW on 0.157 mm2, the whole tile 330 mW on 0.372 mm2
    dyn_tile_mw = pk["peak_dynamic_w"] / pim.tiles * 1e3
    ima_regs = [p for p in pim.static if p.name in ("input_register", "ima_output_register")]
    ima_mw = dyn_tile_mw + sum(p.count * p.power_mw for p in ima_regs)
    assert ima_mw == pytest.approx(289, rel=0.01)
    assert dyn_tile_mw + sum(static_mw(pim, "tile").values()) == pytest.approx(330, rel=0.01)
    from accelsim.pim.chip import area_mm2, crossbar_area_um2
    ima_area = pim.crossbars_per_tile * crossbar_area_um2(pim) * 1e-6 + sum(p.count * p.area_mm2 for p in ima_regs)
    assert ima_area == pytest.approx(0.157, rel=0.01)
    tile_area = (area_mm2(pim)["area_mm2_pim"] - 22.88) / pim.tiles
    assert tile_area == pytest.approx(0.372, rel=0.01)


@pytest.mark.parametrize("active,published", [(32, 11.25), (64, 19.88)])
def test_neurosim_vgg8_tops_per_watt_within_2x_of_published(active, published):
    # NeuroSim V1.4 manual Table VII: 22 nm RRAM, 4-bit ADC, parallel read 32 / 64 rows: 11.25 / 19.88 TOPS/W
    hw = with_pim(accelsim.load_hardware("neurosim_like"), crossbar__rows_active=active, adc__bits=4)
    s = accelsim.simulate(hw, "vgg8_cifar").summary
    assert published / 2 <= s["tops_per_w"] <= published * 2


def test_energy_is_the_sum_of_its_parts_and_counts_times_energies():
    hw = accelsim.load_hardware("neurosim_like")
    t = accelsim.simulate(hw, "vgg8_cifar").layers
    parts = [c for c in t.columns if c.startswith("energy_pj_")]
    assert np.allclose(t[parts].sum(axis=1), t.energy_pj)
    pim = t[t.unit == "pim"]
    e, adc = hw.pim.energy, hw.pim.adc
    assert np.allclose(pim.energy_pj_adc, pim.adc_conversions * adc.energy_pj[5])
    assert np.allclose(pim.energy_pj_dac, pim.dac_drives * e.dac_pj)
    assert np.allclose(pim.energy_pj_crossbar, pim.cell_reads * e.cell_read_pj)
    assert (t[t.unit == "digital"].kind == "pool").all()


def test_reprogramming_when_weights_do_not_fit_counts_writes_and_warns_lifetime():
    hw = with_pim(accelsim.load_hardware("neurosim_like"), tiles=10, duplication="auto")  # 640 < 6344 crossbars
    with pytest.warns(AccelsimWarning, match="reprograms.*wear out") as got:
        res = accelsim.simulate(hw, "vgg8_cifar", batch=4)
    assert [w.filename for w in got if "wear out" in str(w.message)] == [__file__]  # the caller's line
    pim = res.layers[res.layers.unit == "pim"]
    assert (pim.cells_written == pim.cells_used).all() and (pim.duplication == 1).all()
    assert np.allclose(pim.energy_pj_write, pim.cells_used * hw.pim.energy.cell_write_pj)
    # writes per cell per inference: every cell the layers use, spread over the chip's cells, per image
    chip_cells = 640 * 128 * 128
    assert res.summary["writes_per_cell_per_inference"] == pytest.approx(pim.cells_used.sum() / chip_cells / 4)
    per_inf = res.summary["latency_s"] / 4
    assert res.summary["lifetime_s"] == pytest.approx(1e6 * per_inf / res.summary["writes_per_cell_per_inference"])
    assert (pim.dram_reads_filter > 0).all() and (pim.stall_cycles > 0).all()


def test_lossless_adc_warns_and_lossy_is_reported_only():
    hw = accelsim.load_hardware("neurosim_like")  # 5-bit ADC, lossy by design
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = accelsim.simulate(hw, "vgg8_cifar")
    assert res.layers.set_index("layer").loc["conv2", "adc_bits_needed"] == 8  # 128 rows, 1-bit cells and DACs
    with pytest.warns(AccelsimWarning, match="lossy"):
        accelsim.simulate(with_pim(hw, adc__lossless=True), "vgg8_cifar")


def test_duplication_balances_the_pipeline_within_the_chip():
    hw = accelsim.load_hardware("isaac_like")
    res = accelsim.simulate(hw, "vgg8_cifar")
    t = res.layers[res.layers.unit == "pim"]
    assert t.crossbars.sum() <= hw.pim.chip_crossbars
    slow = accelsim.simulate(with_pim(hw, duplication="none"), "vgg8_cifar").summary
    assert res.summary["pipeline_interval_s"] < slow["pipeline_interval_s"] / 5
    with pytest.raises(ConfigError, match="duplicate asks for"):
        accelsim.simulate(with_pim(hw, duplication="none", duplicate={"fc1": 4}), "vgg8_cifar")


def test_placement_rules_and_transfers_between_units():
    net = accelsim.load_workload("vgg8_cifar")
    res = accelsim.simulate("isaac_like", net, placement="fc")
    t = res.layers.set_index("layer")
    assert list(t.index[t.unit == "pim"]) == ["fc1", "fc2"]
    # fc1's input comes from the digital array through DRAM, fc2's output (the last) goes back to it
    assert t.loc["fc1", "dram_reads_ifmap"] == 8192 and t.loc["fc1", "dram_writes_ofmap"] == 0
    assert t.loc["fc2", "dram_writes_ofmap"] == 10 and t.loc["fc2", "dram_reads_ifmap"] == 0
    assert t.loc["fc1", "transfer_bytes"] == 8192 * 16 // 8 and t.loc["fc2", "transfer_bytes"] == 10 * 2
    only = accelsim.simulate("isaac_like", net, placement={"default": "digital", "layers": {"conv2": "pim"}})
    assert list(only.layers.layer[only.layers.unit == "pim"]) == ["conv2"]
    rule = accelsim.simulate("isaac_like", "resnet18", placement="fc,conv3x3").layers
    assert set(rule[rule.unit == "pim"].kind) == {"conv", "fc"}
    assert (rule[(rule.unit == "pim") & (rule.kind == "conv")].mapping.str.contains("xbars")).all()
    conv1 = rule.set_index("layer").loc["conv1"]
    assert conv1.unit == "digital"  # 7x7
    dig = accelsim.simulate("isaac_like", net, placement="digital").summary
    assert dig["pim_layers"] == 0 and dig["macs"] == res.summary["macs"]


def test_dynamic_gemms_stay_digital():
    t = accelsim.simulate("neurosim_like", "bert_base_layer").layers
    dyn = t[t.layer.str.startswith("attn_")]
    assert len(dyn) and (dyn.unit == "digital").all()
    assert (t[t.layer.isin(["ffn1", "ffn2", "out_proj"])].unit == "pim").all()


def test_pim_macs_equal_the_digital_engine_and_cycles_respect_the_bound():
    for net in ("resnet18", "mobilenet_v2"):
        pim = accelsim.simulate("isaac_like", net).layers
        dig = accelsim.simulate("isaac_like", net, placement="digital").layers
        assert (pim.macs.to_numpy() == dig.macs.to_numpy()).all()
        assert (pim.cycles >= pim.compute_bound_cycles).all()
        on = pim[pim.unit == "pim"]
        assert len(on) and ((on.mapping_efficiency > 0) & (on.mapping_efficiency <= 1)).all()


@pytest.mark.parametrize("changes,match", [
    ({"crossbar__rows_active": 256}, "rows_active = 256 exceeds rows = 128"),
    ({"adc__columns_per_adc": 512}, "columns_per_adc = 512 exceeds"),
    ({"precision__input_bits": 4, "precision__dac_bits": 5}, "dac_bits = 5 exceeds input_bits = 4"),
    ({"adc__energy_pj": {8: -1.0}}, "finite value > 0"),
])
def test_bad_pim_fields_name_the_field(changes, match):
    with pytest.raises(ConfigError, match=match):
        with_pim(accelsim.load_hardware("isaac_like"), **changes)


def test_bad_placement_is_a_clear_error():
    with pytest.raises(ConfigError, match="no layer named 'nope'"):
        accelsim.simulate("isaac_like", "vgg8_cifar", placement={"layers": {"nope": "pim"}})
    with pytest.raises(ConfigError, match="'conv3' is not one of"):
        accelsim.simulate("isaac_like", "vgg8_cifar", placement="fc,conv3")
    with pytest.raises(AccelsimError, match="has no pim section"):
        accelsim.simulate("edge", "vgg8_cifar", placement="fc")


def test_worked_example_in_docs_conv2_on_neurosim_like():
    """docs/pim.md works conv2 of VGG-8 by hand; every number here is from that page."""
    hw = with_pim(accelsim.load_hardware("neurosim_like"), duplication="none")
    t = accelsim.simulate(hw, "vgg8_cifar").layers.set_index("layer").loc["conv2"]
    assert (t.crossbars, t.array_activations, t.adc_conversions, t.shift_add_ops) == (72, 589_824, 75_497_472, 75_497_472)
    assert (t.dac_drives, t.cell_reads, t.macs, t.adc_bits_needed) == (75_497_472, 9_663_676_416, 150_994_944, 8)
    assert t.compute_cycles == 720_896 and t.mapping_efficiency == 1.0
    assert t.energy_pj_adc == pytest.approx(4_169_725, abs=1)
    assert t.energy_pj_shift_add == pytest.approx(5_269_724, abs=1)
    assert t.energy_pj_dac == pytest.approx(437_885, abs=1)
    assert t.energy_pj_crossbar == pytest.approx(118_090, abs=1)
    auto = accelsim.simulate("neurosim_like", "vgg8_cifar").layers.set_index("layer").loc["conv2"]
    assert auto.duplication == 94 and auto.compute_cycles == 7_744


def test_digital_vs_pim_table_and_plot():
    import matplotlib

    matplotlib.use("Agg")
    from accelsim import report

    chips = (("edge", "edge", None), ("nsim", "neurosim_like", "pim"))
    table = report.digital_vs_pim(("vgg8_cifar",), chips)
    ref = accelsim.simulate("neurosim_like", "vgg8_cifar").summary
    row = table.set_index("chip").loc["nsim"]
    assert row.energy_pj == ref["energy_pj"] and row.area_mm2 == ref["area_mm2"]
    axes = report.plot_digital_vs_pim(table)
    assert [a.get_ylabel() for a in axes] == ["energy per inference (uJ)", "latency per inference (us)", "area (mm2)"]
    for ax, col, scale in zip(axes, ("energy_pj", "latency_s", "area_mm2"), (1e-6, 1e6, 1.0)):
        heights = [p.get_height() for p in ax.patches]  # one bar per chip, in table order
        assert heights == pytest.approx(list(table[col] * scale))
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ["edge", "nsim"]


def test_cli_plots_digital_vs_pim(tmp_path):
    import subprocess
    import sys

    src = Path(__file__).resolve().parents[1] / "docs" / "figures" / "digital_vs_pim.csv"
    out = tmp_path / "f.png"
    proc = subprocess.run([sys.executable, "-m", "accelsim", "plot", str(src), "--kind", "digital-vs-pim", "-o", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size > 10_000


def test_pipelined_energy_spreads_static_power_over_the_interval():
    ns = accelsim.simulate("neurosim_like", "vgg8_cifar").summary  # no static parts: the same energy
    assert ns["pipelined_energy_pj_per_inference"] == pytest.approx(ns["energy_pj"])
    hw = accelsim.load_hardware("isaac_like")
    s = accelsim.simulate(hw, "vgg8_cifar").summary
    t = accelsim.simulate(hw, "vgg8_cifar").layers
    on = t[t.unit == "pim"]
    # ISAAC's static parts: per tile (Table I, without the crossbar peripherals) and HyperTransport (10.4 W)
    tile_mw = 12 * (1.24 + 0.23) + 20.7 + 7.0 + 10.5 + 0.52 + 0.05 + 0.4 + 1.68
    tiles = np.ceil(on.crossbars / 96)
    static_pj = ((tiles * tile_mw + 10400) * on.latency_s * 1e9).sum()
    expected = s["energy_pj"] - static_pj + (168 * tile_mw + 10400) * s["pipeline_interval_s"] * 1e9
    assert s["pipelined_energy_pj_per_inference"] == pytest.approx(expected, rel=1e-9)
    assert s["pipelined_energy_pj_per_inference"] < s["energy_pj"]


def test_repeated_runs_with_memoised_pim_mapping_equal_a_fresh_one():
    """The PIM side remembers per (hardware, layers, batch) what does not change between runs (argument
    rows, sizes, homes, the duplication): runs after runs with other placements and batches, on the
    same objects, equal a run on freshly loaded copies."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hw = accelsim.load_hardware("isaac_like")
        for name in ("vgg8_cifar", "resnet18"):  # weights that fit (duplicated), weights that do not
            net = accelsim.load_workload(name)
            for placement in ("pim", "fc", "fc,conv3x3", "pim"):
                for batch in (1, 4):
                    got = accelsim.simulate(hw, net, placement=placement, batch=batch)
                    fresh = accelsim.simulate(accelsim.load_hardware("isaac_like"), accelsim.load_workload(name),
                                              placement=placement, batch=batch)
                    assert got.summary == fresh.summary
                    assert got.layers.equals(fresh.layers)
