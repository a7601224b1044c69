"""Energy and area: hand-computed examples to the picojoule, table rules, invariants, errors."""

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim
from accelsim.energy.model import COMPONENTS
from accelsim.energy.table import load_table, shipped_tables
from test_worked_examples import HW, NET, TILES

SIMPLE = str(Path(__file__).parent / "data" / "energy_simple.yaml")
# docs/energy.md works these out: mac 2304 x 0.5; noc (1152 x 8 + 1152 x 16) x 0.02; buffer accesses
# x 20 (read) / 30 (write); dram bytes x 8 x 10; leakage 1000 uW x 883 ns
HAND = {
    "ir": {"mac": 1152.0, "rf": 0.0, "noc": 552.96, "buffer": 20080.0, "dram": 56320.0, "leakage": 883.0},
    "or": {"mac": 1152.0, "rf": 0.0, "noc": 552.96, "buffer": 19640.0, "dram": 43520.0, "leakage": 883.0},
    "wr": {"mac": 1152.0, "rf": 0.0, "noc": 552.96, "buffer": 19900.0, "dram": 52480.0, "leakage": 883.0},
}


@pytest.mark.parametrize("dataflow", ["ir", "or", "wr"])
def test_worked_example_energy_to_the_picojoule(dataflow):
    hw = dict(HW, energy_table=SIMPLE)
    res = accelsim.simulate(hw, NET, mapping={"default": {"dataflow": dataflow, "tiles": TILES}})
    row = res.layers.iloc[0]
    for c in COMPONENTS:
        assert row[f"energy_pj_{c}"] == pytest.approx(HAND[dataflow][c], abs=1e-6), c
    assert row["energy_pj"] == pytest.approx(sum(HAND[dataflow].values()), abs=1e-6)
    s = res.summary
    assert s["area_mm2_pe"] == pytest.approx(4 * 100e-6) and s["area_mm2_interconnect"] == pytest.approx(128e-6)
    assert s["area_mm2"] == pytest.approx(1.000528)
    assert s["tops_per_w"] == pytest.approx(2 * 2304 / s["energy_pj"])
    assert s["pj_per_mac"] == pytest.approx(s["energy_pj"] / 2304)


@pytest.mark.parametrize("hw_name", ["edge", "eyeriss_like", "tpu_v1_like", "nvdla_small_like", "scalesim_32x32"])
def test_energy_is_the_sum_of_its_parts_and_tables_change_only_energy(hw_name):
    base = accelsim.simulate(hw_name, "mobilenet_v2")
    df = base.layers
    parts = sum(df[f"energy_pj_{c}"] for c in COMPONENTS)
    assert np.allclose(df["energy_pj"], parts) and (df[[f"energy_pj_{c}" for c in COMPONENTS]] >= 0).all().all()
    assert base.summary["energy_pj"] == pytest.approx(df["energy_pj"].sum())
    hw = accelsim.load_hardware(hw_name).model_dump()
    other = "hwc22" if hw["energy_table"] != "hwc22" else "hwc65"
    swapped = accelsim.simulate(dict(hw, energy_table=other), "mobilenet_v2")
    energy_cols = [c for c in df.columns if c.startswith("energy_pj")]
    assert swapped.layers.drop(columns=energy_cols).equals(df.drop(columns=energy_cols))
    assert not np.allclose(swapped.layers["energy_pj"], df["energy_pj"])
    assert swapped.summary["area_mm2"] != base.summary["area_mm2"]
    assert swapped.summary["cycles"] == base.summary["cycles"]


def test_mac_energy_follows_each_layers_precision():
    """Per-layer precision overrides: each layer's MACs at its own operand width (max of input and
    weight bits) and partial-sum width, looked up in the table one by one."""
    from accelsim.energy.model import table_for
    from accelsim.workload.layers import ConvLayer, LayerPrecision, Network

    precisions = [None, LayerPrecision(input_bits=4, weight_bits=4, psum_bits=16), None,
                  LayerPrecision(weight_bits=16, psum_bits=32)]
    net = Network(name="mixed", layers=[ConvLayer(name=f"c{i}", in_channels=4, out_channels=4, in_h=6, in_w=6,
                                                  kernel=3, padding=1, precision=p)
                                        for i, p in enumerate(precisions)])
    hw = accelsim.load_hardware("edge")
    df = accelsim.simulate(hw, net).layers
    table, p = table_for(hw), hw.precision
    for i, lp in enumerate(precisions):
        width = max((lp and lp.input_bits) or p.input_bits, (lp and lp.weight_bits) or p.weight_bits)
        psum = (lp and lp.psum_bits) or p.psum_bits
        assert df.energy_pj_mac[i] == df.macs[i] * table.mac_pj(width, psum).energy_pj
    assert df.energy_pj_mac[1] < df.energy_pj_mac[0] < df.energy_pj_mac[3]


def _sram_literal(table, size, field):
    """The table rule read literally: the tabulated figure at a tabulated size, else log-log
    interpolation between the first tabulated size >= ``size`` and the one before it (the two
    smallest or the two largest beyond either end)."""
    pts = sorted((e.size_bytes, getattr(e, field)) for e in table.sram if getattr(e, field) is not None)
    if len(pts) == 1:
        return pts[0][1]
    for s_, v in pts:
        if s_ == size:
            return v
    i = 1
    while i < len(pts) - 1 and pts[i][0] < size:
        i += 1
    (s0, v0), (s1, v1) = pts[i - 1], pts[i]
    if v0 <= 0 or v1 <= 0:
        return v0 + (v1 - v0) * (size - s0) / (s1 - s0)
    t = math.log(size / s0) / math.log(s1 / s0)
    return math.exp(math.log(v0) + t * (math.log(v1) - math.log(v0)))


@given(st.sampled_from(shipped_tables()), st.sampled_from(["read_pj", "write_pj", "area_um2", "leak_uw"]),
       st.one_of(st.integers(1, 1 << 26), st.sampled_from([512, 1024, 8192, 65536, 1 << 20, 1 << 22])))
@settings(max_examples=400, deadline=None)
def test_sram_bisection_equals_the_literal_rule(name, field, size):
    table = load_table(name)
    if table.sram is None or all(getattr(e, field) is None for e in table.sram):
        return
    assert table.sram_at(size, field) == _sram_literal(table, size, field)


@given(st.sampled_from(shipped_tables()), st.lists(st.integers(1, 1 << 26), min_size=1, max_size=40, unique=True))
@settings(max_examples=100, deadline=None)
def test_sram_figures_of_many_sizes_equal_sram_at(name, sizes):
    table = load_table(name)
    fields = ("read_pj", "write_pj", "area_um2", "leak_uw")
    figures = table.sram_figures(sizes + [512, 8192, 1 << 20], fields)  # some of them tabulated sizes
    assert figures == {s: tuple(table.sram_at(s, f) for f in fields) for s in sizes + [512, 8192, 1 << 20]}


def test_table_rules():
    t = load_table("hwc45")
    # log-log interpolation between tabulated SRAM sizes; exact at tabulated points
    assert t.sram_at(8192, "read_pj") == pytest.approx(6.13702)
    third = t.sram_at(16384, "read_pj")  # a third of the way from 8 KiB to 64 KiB in log size
    assert third == pytest.approx(6.13702 ** (2 / 3) * 25.8695 ** (1 / 3), rel=1e-12)
    # MAC width rule: tabulated widths exact, others scaled as bits^2 from the nearest
    assert t.mac_pj(16, 32).energy_pj == pytest.approx(3.8896310053596705)
    assert t.mac_pj(8, 32).accumulator_bits == 24  # widest accumulator when none is wide enough
    assert t.mac_pj(4, 16).energy_pj == pytest.approx(t.mac_pj(8, 16).energy_pj / 4)
    # Horowitz: MAC = multiply + add as published; areas inherited from hwc45 per field
    h = load_table("horowitz45")
    assert h.mac_pj(8, 32).energy_pj == pytest.approx(0.3) and h.mac_pj(16, 16).energy_pj == pytest.approx(1.5)
    assert h.sram_at(8192, "read_pj") == 10.0 and h.sram_at(8192, "area_um2") == pytest.approx(26267.3)
    # Eyeriss normalized hierarchy: MAC 1 : RF 1 : NoC 2 : buffer 6 : DRAM 200 per 16-bit word
    e = load_table("eyeriss_norm")
    mac = e.mac_pj(16, 16).energy_pj
    assert (e.register_pj_per_bit * 16 / mac, e.noc_pj_per_bit_hop * 16 / mac) == pytest.approx((1, 2))
    assert (e.sram_at(100_000, "read_pj") / mac, e.dram("dram") * 16 / mac) == pytest.approx((6, 200))
    assert set(shipped_tables()) >= {"hwc65", "hwc45", "hwc22", "horowitz45", "eyeriss_norm"}


def test_overrides_and_missing_entries_are_named():
    hw = accelsim.load_hardware("edge").model_dump()
    base = accelsim.simulate(hw, "resnet18").summary
    cheap = accelsim.simulate(dict(hw, energy_overrides={"dram_pj_per_bit": {"lpddr4": 1.0}}), "resnet18").summary
    assert cheap["energy_pj_dram"] == pytest.approx(base["dram_bytes"] * 8 * 1.0)
    with pytest.raises(accelsim.AccelsimError, match="no DRAM energy for kind 'hbm9'"):
        accelsim.simulate(dict(hw, backing_memory=dict(hw["backing_memory"], kind="hbm9")), "resnet18")
    with pytest.raises(accelsim.AccelsimError, match="energy table 'nope' not found"):
        accelsim.simulate(dict(hw, energy_table="nope"), "resnet18")
    with pytest.raises(accelsim.AccelsimError, match="register_pj_per_bit"):
        accelsim.simulate(dict(hw, energy_overrides={"register_pj_per_bit": "cheap"}), "resnet18")


def test_missing_entry_in_a_user_table_is_named(tmp_path):
    p = tmp_path / "t.yaml"
    p.write_text("name: t\nmac: [{bits: 8, accumulator_bits: 16, energy_pj: 1.0}]\n")
    hw = dict(accelsim.load_hardware("edge").model_dump(), energy_table=str(p))
    with pytest.raises(accelsim.AccelsimError, match="entry 'noc_pj_per_bit_hop' missing"):
        accelsim.simulate(hw, "resnet18")


def test_a_table_copy_does_not_keep_the_figures_cached_from_the_original():
    t = load_table("hwc45")
    mac, sram = t.mac_pj(8, 32).energy_pj, t.sram_at(100_000, "read_pj")  # cached on t now
    copy = t.model_copy(update={"mac": [e.model_copy(update={"energy_pj": 2 * e.energy_pj}) for e in t.mac],
                                "sram": [e.model_copy(update={"read_pj": 2 * e.read_pj}) for e in t.sram]})
    assert copy.mac_pj(8, 32).energy_pj == 2 * mac
    assert copy.sram_at(100_000, "read_pj") == pytest.approx(2 * sram, rel=1e-12)
    assert t.mac_pj(8, 32).energy_pj == mac


@given(st.sampled_from(["edge", "eyeriss_like", "tpu_v1_like"]),
       st.lists(st.tuples(st.integers(1024, 1 << 22), st.sampled_from([8, 16, 64, 128]),
                          st.sampled_from(["dram", "lpddr4", "ddr3"]), st.sampled_from([(8, 8), (16, 16), (4, 8)]),
                          st.integers(1, 64)), min_size=1, max_size=6))
@settings(max_examples=60, deadline=None)
def test_energy_factors_of_many_points_equal_each_points_literal_figures(name, changes):
    """``energy_factors``' gathered arrays against the figures looked up point by point, buffer by buffer."""
    from accelsim.config.hardware import OPERANDS
    from accelsim.energy.model import energy_factors, table_for

    base = accelsim.load_hardware(name).model_dump()
    hws = []
    for size, port, kind, (a, w), rows in changes:
        d = {**base, "backing_memory": {**base["backing_memory"], "kind": kind}, "array": {**base["array"], "rows": rows},
             "precision": {**base["precision"], "input_bits": a, "weight_bits": w}}
        d["buffers"] = [{**b, "size_bytes": size * (j + 1), "port_bits": port} for j, b in enumerate(base["buffers"])]
        hws.append(accelsim.load_hardware(d))
    table = table_for(hws[0])
    width = table.sram_width_bits
    # the points as built (each its own sections), and repeated as a sweep's share sections (found by id)
    many = hws * 32
    for f, points in ((energy_factors(hws, table), hws), (energy_factors(many, table), many)):
        for k, hw in enumerate(points):
            def figures(b):
                return [b.port_bits, table.sram_at(b.size_bytes, "read_pj"), table.sram_at(b.size_bytes, "write_pj"),
                        b.port_bits / width]

            rf = hw.register_files
            reg = table.register_pj_per_bit if (rf.ifmap_bytes or rf.filter_bytes or rf.psum_bytes) else 0.0
            staging = [hw.staging_buffer(op) for op in OPERANDS]
            leak = 0.0
            for b in hw.buffers:
                leak += table.sram_at(b.size_bytes, "leak_uw")
            p = hw.precision
            leak += hw.pes * (table.mac_pj(max(p.input_bits, p.weight_bits), p.psum_bits).leak_uw or 0.0)
            fifo = table.register_pj_per_bit if None in staging else 0.0
            dram = table.dram_pj_per_bit[hw.backing_memory.kind]
            assert f.point[k].tolist() == [reg, fifo, table.noc_pj_per_bit_hop, dram, leak]
            assert f.stage[k].tolist() == [[0.0] * 4 if b is None else figures(b) for b in staging]
            assert f.pure[k].tolist() == [figures(b) for b in hw.buffers if not b.operands]
    assert f.staged.tolist() == [int(hw.staging_buffer(op) is not None) for op in OPERANDS]
    assert f.pure_names == tuple(b.name for b in hws[0].buffers if not b.operands)


@given(st.sampled_from(["edge", "eyeriss_like", "tpu_v1_like"]),
       st.lists(st.tuples(st.integers(1024, 1 << 22), st.sampled_from([(8, 8, 32), (16, 16, 32), (4, 8, 16)]),
                          st.integers(1, 64), st.integers(1, 64), st.sampled_from([0, 16, 512])),
                min_size=1, max_size=6))
@settings(max_examples=60, deadline=None)
def test_area_columns_of_many_points_equal_each_points_literal_areas(name, changes):
    """``area_columns`` of many points (gathered, as numpy columns) against each point's areas written out
    as the docstring of accelsim/energy/model.py gives them, in Python floats."""
    import math

    from accelsim.energy.model import area_columns, table_for

    base = accelsim.load_hardware(name).model_dump()
    hws = []
    for size, (a, w, ps), rows, cols, rf in changes:
        d = {**base, "array": {**base["array"], "rows": rows, "cols": cols},
             "precision": {**base["precision"], "input_bits": a, "weight_bits": w, "psum_bits": ps},
             "register_files": {"ifmap_bytes": rf, "filter_bytes": 2 * rf, "psum_bytes": 0}}
        d["buffers"] = [{**b, "size_bytes": size * (j + 1)} for j, b in enumerate(base["buffers"])]
        hws.append(accelsim.load_hardware(d))
    table = table_for(hws[0])
    few, many = area_columns(hws, table), area_columns(hws * 32, table)  # many: sections shared, found by id
    for k, hw in enumerate(hws * 32):
        p, rf, pes = hw.precision, hw.register_files, hw.array.rows * hw.array.cols
        reg = table.register_area_um2_per_bit
        parts = [pes * table.mac_pj(max(p.input_bits, p.weight_bits), p.psum_bits).area_um2 * 1e-6,
                 pes * 8 * (rf.ifmap_bytes + rf.filter_bytes + rf.psum_bytes) * reg * 1e-6,
                 pes * (p.input_bits + p.weight_bits + p.psum_bits) * reg * 1e-6,
                 *[table.sram_at(b.size_bytes, "area_um2") * 1e-6 for b in hw.buffers]]
        names = ["area_mm2_pe", "area_mm2_rf", "area_mm2_interconnect", *[f"area_mm2_{b.name}" for b in hw.buffers]]
        literal = {**dict(zip(names, parts)), "area_mm2": math.fsum(parts)}
        assert {c: many[c][k] for c in literal} == literal
        if k < len(hws):
            assert {c: few[c][k] for c in literal} == literal
