"""The array path of heuristic tiling (accelsim.array_prepare.py, kernels/heuristic_tiling.py)
against the per-layer Python path it replaces (cost.resolve_mapping -> mapping.tiling.plan_storage /
heuristic_tiles -> cost.kernel_args): identical kernel arguments, homes, readable mappings and
stationarities, and the same error when a layer does not fit."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim
from accelsim import zoo
from accelsim.cost import SCALESIM_QUIRKS, kernel_args, resolve_mapping, scalesim_mapping
from accelsim.errors import AccelsimError, CapacityError
from accelsim.array_prepare import array_rows, array_rows_points, table_of
from accelsim.kernels.batch import stack_args
from accelsim.mapping.mapping import Mapping, MappingFile
from accelsim.mapping.tiling import plan_storage
from accelsim.prepared import prepare
from accelsim.workload.shape import ConvShape, conv_shape
from engine_cases import BUFFER_LAYOUTS, ORDERS, axes

SIZES = [8, 64, 300, 1024, 4096, 20_000, 1 << 20]


@st.composite
def layers(draw):
    """Layers large enough for the tiler to halve several dims (shape only: no kernel runs)."""
    g = draw(st.sampled_from([1, 1, 2, 3]))
    r, s = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, dh * (r - 1) + 1 - 2 * ph), 40))
    w = draw(st.integers(max(1, dw * (s - 1) + 1 - 2 * pw), 40))
    bits = draw(st.sampled_from([(8, 8, 32, 8), (16, 16, 16, 16), (4, 8, 24, 4)]))
    return ConvShape(G=g, N=draw(st.integers(1, 3)), M=draw(st.sampled_from([1, 3, 16, 70])),
                     C=draw(st.sampled_from([1, 2, 16, 33])), P=(h + 2 * ph - dh * (r - 1) - 1) // sh + 1,
                     Q=(w + 2 * pw - dw * (s - 1) - 1) // sw + 1, R=r, S=s, H=h, W=w, stride=(sh, sw),
                     pad=(ph, pw), dil=(dh, dw), input_bits=bits[0], weight_bits=bits[1], psum_bits=bits[2],
                     output_bits=bits[3], dynamic_filter=draw(st.booleans()))


@st.composite
def tight_hardware(draw):
    """Buffers from 8 bytes to 1 MiB, so layers get tiled, fall back from their homes, or do not fit."""
    layout = draw(st.sampled_from(BUFFER_LAYOUTS))
    names = [n for n, _ in layout]
    buffers = [{"name": n, "operands": ops, "size_bytes": draw(st.sampled_from(SIZES)),
                "bandwidth_bytes_per_cycle": draw(st.sampled_from([1, 3, 16])),
                "double_buffered": draw(st.booleans())} for n, ops in layout]
    return accelsim.Hardware.model_validate({
        "name": "t", "clock_hz": 1e9,
        "array": {"rows": draw(st.integers(1, 20)), "cols": draw(st.integers(1, 20))},
        "buffers": buffers, "fifo_bytes": draw(st.sampled_from(SIZES)),
        "backing_memory": {"bandwidth_bytes_per_cycle": 8, "latency_cycles": draw(st.sampled_from([0, 50]))},
        "homes": {op: draw(st.sampled_from(["dram"] + names)) for op in ("ifmap", "filter", "ofmap")},
        "dataflow": draw(st.sampled_from(["ir", "or", "wr"])), "stationarity": draw(st.sampled_from(["os", "ws", "is"])),
    })


@st.composite
def partial_mappings(draw):
    """Mappings that leave some or all of dataflow, stationarity, unrolling and tiles to the defaults."""
    data = {}
    if draw(st.booleans()):
        data["dataflow"] = draw(st.sampled_from(ORDERS + ["ir", "or", "wr"]))
    if draw(st.booleans()):
        data["stationarity"] = draw(st.sampled_from(["os", "ws", "is"]))
    if draw(st.booleans()):
        rows, cols = draw(axes())
        data["rows"], data["cols"] = list(rows), list(cols)
    if draw(st.booleans()):
        data["tiles"] = {k: draw(st.one_of(st.none(), st.integers(1, 40))) for k in "gnmcpq"}
    return Mapping.model_validate(data)


def per_layer(names, shapes, hw, mapping):
    """The reference: each layer through the Python tiler; the first layer that does not fit raises."""
    rows, homes, descs, stats = [], [], [], []
    for name, shape in zip(names, shapes):
        rm, plan = resolve_mapping(name, shape, hw, mapping, tiling="heuristic")
        rows.append(kernel_args(shape, hw, rm, plan))
        homes.append(plan.homes)
        descs.append(rm.describe())
        stats.append(rm.stationarity)
    return stack_args(rows), homes, descs, stats


def assert_same(fast, ref):
    args, homes, descs, stats = fast
    descs = descs() if callable(descs) else descs  # array_rows formats them on demand
    for j, (a, b) in enumerate(zip(args, ref[0])):
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), f"argument {j}"
        assert a.flags.c_contiguous
    assert [tuple(h) for h in homes] == ref[1]
    assert descs == ref[2] and stats == ref[3]


@given(data=st.data())
@settings(max_examples=300, deadline=None)
def test_array_path_equals_per_layer_path(data):
    shapes = data.draw(st.lists(layers(), min_size=1, max_size=4))
    hw, mapping = data.draw(tight_hardware()), data.draw(partial_mappings())
    names = [f"l{i}" for i in range(len(shapes))]
    try:
        ref = per_layer(names, shapes, hw, mapping)
    except AccelsimError as exc:  # same error, same words
        with pytest.raises(type(exc)) as fast_exc:
            array_rows(hw, table_of(names, shapes), [(mapping, mapping.model_dump_json())] * len(shapes))
        assert str(fast_exc.value) == str(exc)
        return
    assert_same(array_rows(hw, table_of(names, shapes), [(mapping, mapping.model_dump_json())] * len(shapes)), ref)


@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_one_table_across_design_points(data):
    """A sweep reuses one LayerTable while the hardware changes: the memoised mapping rows
    (array_prepare._variants) must follow every field they read, and only those."""
    shapes = data.draw(st.lists(layers(), min_size=1, max_size=3))
    names = [f"l{i}" for i in range(len(shapes))]
    table = table_of(names, shapes)
    mapping = data.draw(partial_mappings())  # one request, as in a sweep
    key = mapping.model_dump_json()
    for _ in range(5):
        hw = data.draw(tight_hardware())
        if data.draw(st.booleans()):  # the hardware fixes its unrolling
            rows, cols = data.draw(axes())
            d = hw.model_dump()
            d["array"].update(rows_unroll=list(rows), cols_unroll=list(cols))
            hw = accelsim.Hardware.model_validate(d)
        try:
            ref = per_layer(names, shapes, hw, mapping)
        except AccelsimError:
            continue
        assert_same(array_rows(hw, table, [(mapping, key)] * len(shapes)), ref)


@given(data=st.data())
@settings(max_examples=80, deadline=None)
def test_design_points_together_equal_one_at_a_time(data):
    """array_rows_points (one numba call for a sweep's points) gives each point what the per-layer path
    gives it: points with one buffer structure but their own array shape, buffer sizes, bandwidths,
    FIFO size and memory latency, some of which do not fit (the same error, word for word)."""
    shapes = data.draw(st.lists(layers(), min_size=1, max_size=3))
    names = [f"l{i}" for i in range(len(shapes))]
    table = table_of(names, shapes)
    mapping = data.draw(partial_mappings())
    base = data.draw(tight_hardware()).model_dump()
    hws = []
    for _ in range(data.draw(st.integers(1, 5))):
        d = {**base, "array": {**base["array"], "rows": data.draw(st.integers(1, 20)),
                               "cols": data.draw(st.integers(1, 20))},
             "buffers": [{**b, "size_bytes": data.draw(st.sampled_from(SIZES)),
                          "bandwidth_bytes_per_cycle": data.draw(st.sampled_from([1, 3, 16]))} for b in base["buffers"]],
             "fifo_bytes": data.draw(st.sampled_from(SIZES)),
             "backing_memory": {**base["backing_memory"], "latency_cycles": data.draw(st.sampled_from([0, 7])),
                                "bandwidth_bytes_per_cycle": data.draw(st.sampled_from([2, 8.5]))}}
        hws.append(accelsim.Hardware.model_validate(d))
    got = array_rows_points(hws, table, [(mapping, mapping.model_dump_json())] * len(shapes))
    assert len(got) == len(hws)
    for k, (hw, g) in enumerate(zip(hws, got)):
        try:
            ref = per_layer(names, shapes, hw, mapping)
        except AccelsimError as exc:
            assert type(g) is type(exc) and str(g) == str(exc)
            continue
        group, at, describe, stats = g  # the point's rows are those of the arrays all points were prepared in
        assert (at, group.points, group.n) == (k, len(hws), len(shapes))
        assert_same((group.point_args(k), group.point_homes(k), describe, stats), ref)


@pytest.mark.parametrize("hw_name", [h for h in zoo.shipped_hardware()
                                     if accelsim.load_hardware(h).pim is None])
def test_zoo_prepare_equals_per_layer_path(hw_name):
    """Every shipped network under every dataflow and stationarity, as ``simulate`` prepares it."""
    hw = accelsim.load_hardware(hw_name)
    checked = 0
    for net_name in zoo.shipped_workloads():
        net = accelsim.load_workload(net_name)
        mac = [x for x in net.layers if x.kind in ("conv", "fc", "gemm")]
        shapes = [conv_shape(x, hw, net.batch) for x in mac]
        for df, stat in [("ir", "os"), ("or", "ws"), ("wr", "is"), ("or", "os")]:
            mapping = Mapping(dataflow=df, stationarity=stat)
            try:
                ref = per_layer([x.name for x in mac], shapes, hw, mapping)
            except CapacityError as exc:
                with pytest.raises(CapacityError, match="does not fit") as fast_exc:
                    prepare(hw, net, mapping, MappingFile(), net.batch, "heuristic")
                assert str(fast_exc.value) == str(exc)
                continue
            prep = prepare(hw, net, mapping, MappingFile(), net.batch, "heuristic")
            assert_same((prep.args, prep.homes, prep.mappings, prep.stationarities), ref)
            checked += 1
    assert checked > 0


def test_per_layer_mapping_file():
    """A mapping file with per-layer entries: each layer tiled under its own merged mapping."""
    hw, net = accelsim.load_hardware("edge"), accelsim.load_workload("resnet18")
    mfile = MappingFile.model_validate({"default": {"dataflow": "wr"},
                                        "layers": {"*conv1": {"stationarity": "os", "tiles": {"m": 8}},
                                                   "fc": {"dataflow": "ir"}}})
    base = Mapping()
    mac = [x for x in net.layers if x.kind in ("conv", "fc", "gemm")]
    ref_rows = []
    for x in mac:
        m = base.merged(mfile.for_layer(x.name))
        ref_rows.append(per_layer([x.name], [conv_shape(x, hw, 1)], hw, m))
    prep = prepare(hw, net, base, mfile, 1, "heuristic")
    for i, ref in enumerate(ref_rows):
        assert prep.mappings[i] == ref[2][0] and tuple(prep.homes[i]) == ref[1][0]
        for a, b in zip(prep.args, ref[0]):
            assert np.array_equal(a[i], b[0])
    assert len({d.split(" ")[0] for d in prep.mappings}) == 2  # WR(...) and IR(...) both present


def per_layer_scalesim(shapes, hw, stat, quirks):
    rows, homes, descs = [], [], []
    for shape in shapes:
        rm, flags = scalesim_mapping(shape, hw, stat, quirks)
        plan = plan_storage(shape, hw)
        rows.append(kernel_args(shape, hw, rm, plan, flags))
        homes.append(plan.homes)
        descs.append("SCALE-Sim " + rm.describe())
    return stack_args(rows), homes, descs, [stat] * len(shapes)


@given(data=st.data())
@settings(max_examples=150, deadline=None)
def test_scalesim_array_path_equals_per_layer_path(data):
    """SCALE-Sim timing: whole layers, groups one by one, quirk flags per stationarity; homes planned
    though nothing is tiled."""
    shapes = data.draw(st.lists(layers(), min_size=1, max_size=4))
    hw = data.draw(tight_hardware())
    stat = data.draw(st.sampled_from(["os", "ws", "is"]))
    quirks = tuple(q for q in SCALESIM_QUIRKS if data.draw(st.booleans()))
    names = [f"l{i}" for i in range(len(shapes))]
    mapping = Mapping(stationarity=stat)
    fast = array_rows(hw, table_of(names, shapes), [(mapping, mapping.model_dump_json())] * len(shapes), quirks)
    assert_same(fast, per_layer_scalesim(shapes, hw, stat, quirks))


@pytest.mark.parametrize("quirks", [None, (), ("off_by_one", "os_fold")])
def test_scalesim_prepare_of_shipped_files(quirks):
    """The golden SCALE-Sim configs and topology through ``prepare`` (the ceil output rule with the
    default quirks, PyTorch's floor rule without it)."""
    from pathlib import Path

    data = Path(__file__).parent / "data" / "scalesim"
    net = accelsim.load_workload(data / "topologies" / "small_layers.csv")
    kq = tuple(SCALESIM_QUIRKS) if quirks is None else quirks
    ceil = quirks is None or "ceil_rule" in quirks
    for cfg in sorted((data / "configs").glob("a16x16_*_64k.cfg")):
        hw = accelsim.load_hardware(cfg)
        shapes = [conv_shape(x, hw, net.batch, ceil_rule=ceil) for x in net.layers]
        prep = prepare(hw, net, Mapping(), MappingFile(), net.batch, "best", "scalesim", quirks)
        assert_same((prep.args, prep.homes, prep.mappings, prep.stationarities),
                    per_layer_scalesim(shapes, hw, hw.stationarity, kq))
