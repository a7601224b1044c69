"""The numba kernel against the brute-force twin (tests/naive.py): every figure, exactly."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim
from accelsim.mapping.mapping import DEFAULT_SPATIAL, ResolvedMapping, loop_order
from accelsim.workload.shape import conv_shape
from engine_cases import ORDERS, both, conv_shapes, hardware, mappings


def _diff(k, n):
    return {key: (k[key], n[key]) for key in k if k[key] != n[key]}


@given(data=st.data())
@settings(max_examples=120)
def test_kernel_equals_twin_on_random_layers(data):
    shape = data.draw(conv_shapes())
    hw = data.draw(hardware())
    rm = data.draw(mappings(shape))
    k, n = both(shape, hw, rm)
    assert not _diff(k, n), (shape, hw.model_dump(), rm)


@pytest.mark.parametrize("preset", ["ir", "or", "wr"])
@pytest.mark.parametrize("stat", ["os", "ws", "is"])
def test_kernel_equals_twin_presets_fixed_layer(preset, stat):
    """A 3x3 stride-2 padded conv, batch 2, edge tiles on every dim, every preset x stationarity."""
    from accelsim.workload.shape import ConvShape

    shape = ConvShape(G=1, N=2, M=5, C=3, P=3, Q=3, R=3, S=3, H=6, W=6, stride=(2, 2), pad=(1, 1))
    hw = accelsim.Hardware.model_validate({
        "name": "t", "clock_hz": 1e9, "array": {"rows": 4, "cols": 3},
        "buffers": [{"name": "glb", "operands": ["ifmap", "ofmap"], "size_bytes": 1 << 20,
                     "bandwidth_bytes_per_cycle": 4, "double_buffered": False},
                    {"name": "wb", "operands": ["filter"], "size_bytes": 1 << 20, "bandwidth_bytes_per_cycle": 2}],
        "backing_memory": {"bandwidth_bytes_per_cycle": 1.5, "latency_cycles": 10},
    })
    rows, cols = DEFAULT_SPATIAL[stat]
    rm = ResolvedMapping(loop_order(preset), stat, rows, cols, dict(g=1, n=1, m=2, c=2, p=2, q=2))
    k, n = both(shape, hw, rm)
    assert not _diff(k, n)


def scaled_down_zoo_layers():
    """Every distinct zoo conv/FC/GEMM shape, scaled down so the twin can walk every MAC."""
    from accelsim import zoo

    hw = accelsim.load_hardware("edge")
    seen = {}
    for net_name in zoo.shipped_workloads():
        for layer in accelsim.load_workload(net_name).layers:
            if layer.kind not in ("conv", "fc", "gemm"):
                continue
            small = _scale(conv_shape(layer, hw, 1))
            seen.setdefault(small, f"{net_name}:{layer.name}")  # identical scaled shapes run once
    return [(label, small) for small, label in seen.items()]


def _scale(sh):
    g = min(sh.G, 2)
    c, m = min(sh.C, 3), min(sh.M, 3)
    # keep the kernel, stride and padding; shrink the input to a few output rows
    h = min(sh.H, (3 - 1) * sh.stride[0] + (sh.R - 1) * sh.dil[0] + 1 - 2 * sh.pad[0]) if sh.P > 1 else sh.H
    h = max(h, (sh.R - 1) * sh.dil[0] + 1 - 2 * sh.pad[0], 1)
    w = min(sh.W, (3 - 1) * sh.stride[1] + (sh.S - 1) * sh.dil[1] + 1 - 2 * sh.pad[1]) if sh.Q > 1 else sh.W
    w = max(w, (sh.S - 1) * sh.dil[1] + 1 - 2 * sh.pad[1], 1)
    p = (h + 2 * sh.pad[0] - sh.dil[0] * (sh.R - 1) - 1) // sh.stride[0] + 1
    q = (w + 2 * sh.pad[1] - sh.dil[1] * (sh.S - 1) - 1) // sh.stride[1] + 1
    return sh._replace(G=g, C=c, M=m, H=h, W=w, P=p, Q=q)


ZOO_CASES = scaled_down_zoo_layers()


@pytest.mark.parametrize("label,small", ZOO_CASES, ids=[c[0] for c in ZOO_CASES])
def test_kernel_equals_twin_on_scaled_zoo_layers(label, small):
    hw = accelsim.Hardware.model_validate({
        "name": "t", "clock_hz": 1e9, "array": {"rows": 4, "cols": 4},
        "buffers": [{"name": "glb", "operands": ["ifmap", "filter", "ofmap"], "size_bytes": 1 << 20,
                     "bandwidth_bytes_per_cycle": 8}],
        "backing_memory": {"bandwidth_bytes_per_cycle": 2, "latency_cycles": 20},
    })
    for preset, stat in itertools.product(["ir", "or", "wr"], ["os", "ws", "is"]):
        rows, cols = DEFAULT_SPATIAL[stat]
        tiles = {k: max(1, (small.dim(k.upper()) + 1) // 2) for k in "gnmcpq"}
        rm = ResolvedMapping(loop_order(preset), stat, rows, cols, tiles)
        k, n = both(small, hw, rm)
        assert not _diff(k, n), (label, preset, stat)


@pytest.mark.slow
@given(data=st.data())
@settings(max_examples=500, deadline=None)
def test_slow_every_order_on_500_layers(data):
    """>= 500 random layers x all 120 tile-loop orders (run with -m slow before resolving engine work)."""
    shape = data.draw(conv_shapes(max_macs=1500))
    hw = data.draw(hardware())
    base = data.draw(mappings(shape))
    for order in ORDERS:
        rm = ResolvedMapping(order, base.stationarity, base.rows, base.cols, base.tiles)
        k, n = both(shape, hw, rm)
        assert not _diff(k, n), (shape, hw.model_dump(), rm)


@given(o0=st.integers(0, 20), n=st.integers(0, 20), k=st.integers(1, 7), stride=st.integers(1, 5),
       pad=st.integers(0, 6), dil=st.integers(1, 4), size=st.integers(1, 60))
def test_span_used_equals_a_set_of_positions(o0, n, k, stride, pad, dil, size):
    """Every fast path of span_used against the literal set of positions the windows read."""
    from accelsim.kernels.spans import span_used

    positions = {o * stride - pad + r * dil for o in range(o0, o0 + n) for r in range(k)}
    assert span_used(o0, o0 + n, k, stride, pad, dil, size) == len(positions & set(range(size)))


def _walk_every_class(args, slots: int):
    """The kernel's walk run as Python (``cost_into.py_func``) with at most ``slots`` kept class subtrees:
    0 walks every class, as the kernel did before it shared subtrees. Returns (output, the slot of each
    class: -1 where none was kept)."""
    import numpy as np

    from accelsim.kernels import conv_cost as cc

    iw, out = np.full(cc.IW_SIZE, -1, np.int64), np.zeros(cc.N_OUT, np.int64)  # -1: slots of no class
    saved = cc.NSLOT
    cc.NSLOT = slots  # read from the module's globals at each call in Python mode
    try:
        assert cc.cost_into.py_func(*args, iw, np.empty(cc.FW_SIZE, np.float64), out) == 0
    finally:
        cc.NSLOT = saved
    return out, iw[cc.IW_BASE + 30 * cc.MAXSEG:cc.IW_BASE + 36 * cc.MAXSEG]


def test_shared_subtrees_on_a_layer_that_shares():
    """A layer whose M and P loops each have an index-0 class and an interior class with identical
    subtrees below them: the kernel keeps subtrees, and equals both the twin and the walk of every class
    (no slot), and with one slot (the other sources walked again)."""
    import numpy as np

    from accelsim.cost import kernel_args
    from accelsim.kernels.conv_cost import conv_layer_cost
    from accelsim.mapping.tiling import plan_storage
    from accelsim.workload.shape import ConvShape
    from naive import kernel_as_dict, naive_conv_cost

    shape = ConvShape(G=1, N=1, M=8, C=4, P=6, Q=4, R=1, S=1, H=6, W=4)
    hw = accelsim.load_hardware("edge")
    rm = ResolvedMapping("mpncq", "ws", ("C",), ("M",), dict(g=1, n=1, m=2, c=2, p=2, q=2))
    plan = plan_storage(shape, hw)
    args = kernel_args(shape, hw, rm, plan)
    fast = conv_layer_cost(*args)
    assert kernel_as_dict(fast) == naive_conv_cost(shape, hw, rm, plan)
    shared, slots = _walk_every_class(args, 16)
    assert (slots >= 0).sum() >= 2  # kept subtrees: the sharing path ran
    for n in (0, 1):
        out, slots = _walk_every_class(args, n)
        assert (slots >= 0).sum() == n
        assert np.array_equal(out, fast) and np.array_equal(shared, fast)


@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_shared_subtrees_equal_walking_every_class(data):
    """On random layers the kernel (subtrees shared, up to NSLOT kept) equals the walk of every class
    and the walk with a single kept subtree."""
    import numpy as np

    from accelsim.cost import kernel_args
    from accelsim.kernels.conv_cost import conv_layer_cost
    from accelsim.mapping.tiling import plan_storage

    shape = data.draw(conv_shapes())
    hw = data.draw(hardware())
    rm = data.draw(mappings(shape))
    args = kernel_args(shape, hw, rm, plan_storage(shape, hw))
    fast = conv_layer_cost(*args)
    for n in (0, 1):
        assert np.array_equal(_walk_every_class(args, n)[0], fast), (shape, rm, n)


def test_many_border_clipped_tiles_use_a_larger_workspace():
    """Padding 40 with 1-row tiles: ~80 border-clipped P tiles, more index classes than the default
    workspace holds; the single and batch entry points retry and still equal the twin."""
    from accelsim.cost import kernel_args
    from accelsim.kernels.batch import conv_layer_cost_batch, stack_args
    from accelsim.kernels.conv_cost import MAXSEG, conv_layer_cost
    from accelsim.mapping.tiling import plan_storage
    from accelsim.workload.shape import ConvShape
    from naive import kernel_as_dict, naive_conv_cost

    shape = ConvShape(G=1, N=1, M=2, C=1, P=86, Q=1, R=3, S=1, H=8, W=1, pad=(40, 0))
    hw = accelsim.Hardware.model_validate({
        "name": "t", "clock_hz": 1e9, "array": {"rows": 2, "cols": 2},
        "buffers": [{"name": "glb", "operands": ["ifmap", "filter", "ofmap"], "size_bytes": 1 << 20,
                     "bandwidth_bytes_per_cycle": 2}],
        "backing_memory": {"bandwidth_bytes_per_cycle": 1, "latency_cycles": 3},
    })
    rm = ResolvedMapping("npqmc", "ws", ("C", "R", "S"), ("M",), dict(g=1, n=1, m=1, c=1, p=1, q=1))
    plan = plan_storage(shape, hw)
    args = kernel_args(shape, hw, rm, plan)
    twin = naive_conv_cost(shape, hw, rm, plan)
    assert 86 > MAXSEG
    assert kernel_as_dict(conv_layer_cost(*args)) == twin
    batch = conv_layer_cost_batch(*stack_args([args, args]))
    assert kernel_as_dict(batch[0]) == twin == kernel_as_dict(batch[1])
