"""Best tiling: the search kernel against brute-force enumeration judged by the full cost kernel."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim
from accelsim.cost import kernel_args, resolve_mapping, spatial_unrolling
from accelsim.kernels import layout as L
from accelsim.kernels.conv_cost import conv_layer_cost
from accelsim.mapping import search
from accelsim.mapping.mapping import Mapping, ResolvedMapping, loop_order
from accelsim.mapping.tiling import TILE_KEYS, fits, plan_storage
from engine_cases import conv_shapes


def brute_force(shape, hw, order, stat, objective):
    """Every candidate tile set, costed by the kernel. Cycles objective: the least (cycles, dram,
    on-chip). DRAM objective: among sets within 1% of the least (dram, on-chip) traffic, the least
    (cycles, dram, on-chip)."""
    plan = plan_storage(shape, hw)
    rows, cols = spatial_unrolling(shape, hw, Mapping(), stat)
    lists = [search.tile_candidates(shape.dim(k.upper())) for k in TILE_KEYS]
    keys = []
    for combo in itertools.product(*lists):
        tiles = dict(zip(TILE_KEYS, map(int, combo)))
        if not fits(shape, tiles, plan):
            continue
        rm = ResolvedMapping(order, stat, rows, cols, tiles)
        keys.append(_key(shape, plan, conv_layer_cost(*kernel_args(shape, hw, rm, plan)), "dram"))
    if not keys:
        return None
    if objective == "cycles":
        return min((c, d, o) for d, o, c in keys)
    slack = {"dram": 10, "dram-strict": 0}[objective]
    d0, o0, _ = min(keys)
    return min((c, d, o) for d, o, c in keys if d * 100 <= d0 * (100 + slack) and o * 100 <= o0 * (100 + slack))


def _key(shape, plan, c, objective):
    bits = {"ifmap": shape.input_bits, "filter": shape.weight_bits}
    dram = onchip = 0
    per_op = {"ifmap": c[L.O_HOME_RD_IF] * bits["ifmap"], "filter": c[L.O_HOME_RD_FI] * bits["filter"],
              "ofmap": (c[L.O_HOME_RD_OF] + c[L.O_HOME_WR_OF] - c[L.O_HOME_WR_OF_FINAL]) * shape.psum_bits
              + c[L.O_HOME_WR_OF_FINAL] * shape.output_bits}
    for op, kind in zip(("ifmap", "filter", "ofmap"), plan.home_kind):
        if kind == L.HOME_DRAM:
            dram += per_op[op]
        elif kind == L.HOME_ONCHIP:
            onchip += per_op[op]
    cycles = int(c[L.O_CYCLES])
    return (dram, onchip, cycles) if objective == "dram" else (cycles, dram, onchip)


def _chosen(shape, plan, c, objective):
    d, o, cyc = _key(shape, plan, c, "dram")
    return (cyc, d, o)


def small_hw(size, homes=None):
    return accelsim.Hardware.model_validate({
        "name": "t", "clock_hz": 1e9, "array": {"rows": 3, "cols": 2},
        "buffers": [{"name": "glb", "operands": ["ifmap", "ofmap"], "size_bytes": size, "bandwidth_bytes_per_cycle": 8},
                    {"name": "wb", "operands": ["filter"], "size_bytes": max(16, size // 4),
                     "bandwidth_bytes_per_cycle": 4, "double_buffered": False}],
        "backing_memory": {"bandwidth_bytes_per_cycle": 2, "latency_cycles": 5},
        "homes": homes or {},
    })


@given(shape=conv_shapes(max_macs=3000), size=st.sampled_from([256, 1024, 4096]),
       preset=st.sampled_from(["ir", "or", "wr"]), stat=st.sampled_from(["os", "ws", "is"]),
       objective=st.sampled_from(["dram", "dram-strict", "cycles"]))
@settings(max_examples=40)
def test_search_finds_the_brute_force_optimum(shape, size, preset, stat, objective):
    hw = small_hw(size)
    order = loop_order(preset)
    expected = brute_force(shape, hw, order, stat, objective)
    tiling = {"dram": "best", "dram-strict": "best-dram", "cycles": "best-cycles"}[objective]
    try:
        rm, plan = resolve_mapping("l", shape, hw, Mapping(dataflow=preset, stationarity=stat), tiling=tiling)
    except accelsim.CapacityError:
        assert expected is None
        return
    got = _chosen(shape, plan, conv_layer_cost(*kernel_args(shape, hw, rm, plan)), objective)
    assert got == expected


def test_search_is_memoised_and_respects_fixed_tiles():
    hw = accelsim.load_hardware("edge")
    net = accelsim.load_workload("resnet18")
    from accelsim.workload.shape import conv_shape

    shape = conv_shape(net.layers[3], hw, 1)
    m = Mapping(dataflow="wr", tiles={"m": 32})
    rm1, _ = resolve_mapping("a", shape, hw, m, tiling="best")
    n = len(search._CACHE)
    rm2, _ = resolve_mapping("b", shape, hw, m, tiling="best")
    assert rm1.tiles == rm2.tiles and len(search._CACHE) == n  # a look-up, not a second search
    assert rm1.tiles["m"] == 32


def test_best_tiling_never_moves_more_dram_than_heuristic():
    hw = accelsim.load_hardware("edge")
    for df in ("ir", "or", "wr"):
        strict = accelsim.simulate(hw, "resnet50", dataflow=df, tiling="best-dram").layers
        best = accelsim.simulate(hw, "resnet50", dataflow=df, tiling="best").layers
        heur = accelsim.simulate(hw, "resnet50", dataflow=df, tiling="heuristic").layers
        assert (strict["dram_bytes"] <= heur["dram_bytes"]).all()
        assert (best["dram_bytes"] <= 1.10 * strict["dram_bytes"] + 1).all()  # within the 10% slack
        assert (best["cycles"] <= strict["cycles"]).all()


def test_unknown_tiling_is_an_error():
    with pytest.raises(accelsim.AccelsimError, match="tiling 'fast'"):
        accelsim.simulate("edge", "resnet18", tiling="fast")
