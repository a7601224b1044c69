"""The result-column and energy kernels (``kernels.result_rows``, ``kernels.energy_rows``) against their
numpy twins (tests/reference_columns.py): every column equal, value for value and dtype for dtype, for
one design point and for many stacked; native and SCALE-Sim timing; DRAM, staging, non-staging and pure
home buffers; register files; FIFOs."""

import copy
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import accelsim
from accelsim.api import _columns
from accelsim.energy.model import energy_factors, energy_structure, table_for
from accelsim.mapping.mapping import Mapping, MappingFile
from accelsim.prepared import prepare, prepare_points, whole_group
from accelsim.results import CONTRACT_COLUMNS, EXTRA_COLUMNS, home_codes, home_columns, index_home_codes, layer_bits
from reference_columns import energy_columns, table_columns

DATA = Path(__file__).parent / "data" / "scalesim"


def _check(preps: list, hws: list) -> None:
    table = table_for(hws[0])
    got = _columns(preps, hws, table, text=False)
    prep = preps[0]
    kernel_out = None
    if len(prep.mac_pos):
        from accelsim.api import _kernel_args
        from accelsim.kernels.batch import conv_layer_cost_batch

        kernel_out = conv_layer_cost_batch(*_kernel_args(preps))
    ref = table_columns(preps, kernel_out, CONTRACT_COLUMNS + EXTRA_COLUMNS + home_columns(hws[0].on_chip_homes()))
    bits = {k: np.tile(layer_bits(prep)[j], len(preps)) for j, k in enumerate(("input", "weight", "psum", "output"))}
    ref.update(energy_columns(ref, bits, energy_factors(hws, table), len(prep.names)))
    assert list(got) == list(ref)
    for c in ref:
        assert got[c].dtype == ref[c].dtype, c
        assert np.array_equal(got[c], ref[c]), (c, got[c], ref[c])


def _variants() -> dict:
    edge = accelsim.load_hardware("edge").model_dump()
    fifo = copy.deepcopy(edge)  # filters stream through a FIFO
    fifo["name"], fifo["buffers"][0]["operands"] = "edge_fifo", ["ifmap"]
    pure = copy.deepcopy(edge)  # activations homed in a buffer that stages nothing
    pure["name"] = "edge_pure_home"
    pure["buffers"].append({"name": "gbuf", "size_bytes": 1 << 21, "bandwidth_bytes_per_cycle": 32, "operands": []})
    pure["homes"] = {"ifmap": "gbuf", "filter": "dram", "ofmap": "gbuf"}
    return {"fifo": fifo, "pure": pure}


@pytest.mark.parametrize("hw", ["edge", "eyeriss_like", "nvdla_small_like", "tpu_v1_like", "scalesim_32x32", "fifo",
                                "pure"])
@pytest.mark.parametrize("net,tiling", [("resnet18", "heuristic"), ("mobilenet_v2", "best"),
                                        ("bert_base_layer", "heuristic")])
def test_one_point_equals_reference(hw, net, tiling):
    hw = accelsim.load_hardware(_variants().get(hw, hw))
    _check([prepare(hw, accelsim.load_workload(net), Mapping(), MappingFile(), 1, tiling)], [hw])


@pytest.mark.parametrize("cfg", ["a16x16_os_64k", "a16x16_ws_8k", "a8x8_is_8k_user", "a16x16_os_8k_user"])
@pytest.mark.parametrize("topo", ["small_layers", "gemm_small"])
def test_scalesim_timing_equals_reference(cfg, topo):
    hw = accelsim.load_hardware(DATA / "configs" / f"{cfg}.cfg")
    net = accelsim.load_workload(DATA / "topologies" / f"{topo}.csv")
    _check([prepare(hw, net, Mapping(), MappingFile(), 1, "best", "scalesim")], [hw])


def _points(base: str, sizes: list[int], rows: list[int], homes: bool) -> list:
    d = accelsim.load_hardware(base).model_dump()
    out = []
    for k, (size, r) in enumerate(zip(sizes, rows)):
        p = copy.deepcopy(d)
        p["name"], p["array"]["rows"] = f"p{k}", r
        p["buffers"][0]["size_bytes"] = size
        if homes and base == "edge":
            p["homes"] = {"ifmap": "spad", "filter": "dram", "ofmap": "spad"}
        out.append(accelsim.load_hardware(p))
    return out


@pytest.mark.parametrize("base,homes", [("edge", False), ("edge", True), ("tpu_v1_like", False),
                                        ("eyeriss_like", False)])
def test_stacked_points_equal_reference(base, homes):
    """Design points prepared together (a sweep's chunk): per-point hardware, homes that differ by point
    (some layers' activations fit the scratchpad, some do not)."""
    hws = _points(base, [1 << 14, 1 << 17, 1 << 20, 1 << 22, 3_000_000], [4, 8, 16, 32, 64], homes)
    net = accelsim.load_workload("resnet50")
    preps = prepare_points(hws, net, 1, "heuristic")
    assert len({energy_structure(h) for h in hws}) == 1
    _check(preps, hws)  # the arrays the points were prepared in, as they are
    assert whole_group(preps) is not None and whole_group(preps[::-1]) is None
    _check(preps[::-1], hws[::-1])  # other stackings: each point's rows of them, concatenated
    _check(preps[1:3], hws[1:3])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.sampled_from([2, 4, 16, 64]), cols=st.sampled_from([1, 8, 32]),
       spad=st.sampled_from([2048, 65536, 1 << 20, 5_000_000]), acc=st.sampled_from([512, 16384, 1 << 20]),
       homes=st.booleans(), rf=st.booleans(), fifo=st.booleans(), bw=st.sampled_from([1.5, 16, 64]))
def test_random_configs_equal_reference(rows, cols, spad, acc, homes, rf, fifo, bw):
    d = accelsim.load_hardware("edge").model_dump()
    d["array"]["rows"], d["array"]["cols"] = rows, cols
    d["buffers"][0]["size_bytes"], d["buffers"][1]["size_bytes"] = spad, acc
    d["backing_memory"]["bandwidth_bytes_per_cycle"] = bw
    if homes:
        d["homes"] = {"ifmap": "spad", "filter": "dram", "ofmap": "spad"}
    if rf:
        d["register_files"] = {"ifmap_bytes": 4, "filter_bytes": 4, "psum_bytes": 8}
    if fifo and not homes:
        d["buffers"][0]["operands"] = ["ifmap"]
    hw = accelsim.load_hardware(d)
    try:
        prep = prepare(hw, accelsim.load_workload("vgg8_cifar"), Mapping(), MappingFile(), 2, "heuristic")
    except accelsim.AccelsimError:  # a layer that does not fit: nothing to compare
        return
    _check([prep], [hw])


@settings(max_examples=60, deadline=None)
@given(idx=st.lists(st.lists(st.integers(-1, 4), min_size=3, max_size=3), min_size=1, max_size=12),
       names=st.permutations(["spad", "acc", "glb", "fifo_filter", "ub"]))
def test_home_codes_from_indices_equal_those_from_names(idx, names):
    """A prepared group's homes are buffer indices; their codes equal those of the homes as names."""
    home_idx = np.array(idx, np.int64)
    by_name = np.array(list(names) + ["dram"], dtype=object)[home_idx]
    codes, on_chip = index_home_codes(home_idx, tuple(names))
    want_codes, want_names = home_codes(by_name)
    assert on_chip == want_names and codes.dtype == want_codes.dtype and np.array_equal(codes, want_codes)
