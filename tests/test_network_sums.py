"""kernels/network_sums.py against numpy: each point's totals over the network's layers (repeated
layers counted once per repeat) equal, bit for bit, numpy's sum of the point's per-layer column
written out in network order (what ``np.sum`` and ``DataFrame.sum`` give), and Python's exact sum of
the integer columns; and a run's summary equals the sums of its per-layer table."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim
from accelsim.kernels.network_sums import network_sums
from accelsim.summary import summary_columns


@st.composite
def stacked_tables(draw):
    """(ints, floats, points, kept, index): random per-layer rows of a few points, a network of
    ``len(index)`` layers over ``kept`` distinct ones (lengths across numpy's 8- and 128-element blocks)."""
    kept = draw(st.integers(1, 40))
    layers = draw(st.integers(1, 300))
    points = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    index = rng.integers(0, kept, layers).astype(np.int64)
    if draw(st.booleans()):  # every row a layer of its own, in order (a full per-layer table)
        kept = layers = len(index)
        index = np.arange(layers, dtype=np.int64)
    ints = rng.integers(-2**40, 2**40, (draw(st.integers(1, 5)), points * kept)).astype(np.int64)
    # magnitudes spread over 24 decades, signs mixed: any other summation order gives other bits
    scale = 10.0 ** rng.integers(-12, 12, (1, points * kept))
    floats = rng.standard_normal((draw(st.integers(1, 5)), points * kept)) * scale
    return ints, floats, points, kept, index


@settings(max_examples=300, deadline=None)
@given(stacked_tables())
def test_totals_equal_numpys_sum_of_the_written_out_columns(table):
    ints, floats, points, kept, index = table
    isum, fsum = network_sums(ints, floats, points, kept, index)
    assert isum.shape == (len(ints), points) and fsum.shape == (len(floats), points)
    for p in range(points):
        rows = p * kept + index  # the point's rows for every layer of the network, in order
        for c in range(len(ints)):
            assert int(isum[c, p]) == sum(int(v) for v in ints[c, rows])
        for c in range(len(floats)):
            column = floats[c, rows].copy()
            assert fsum[c, p] == column.sum(), (c, p, len(rows))
            assert fsum[c, p] == np.add.reduce(column.reshape(1, -1), axis=1)[0]


def test_order_matters_on_these_values():
    """The float check has teeth: on such values a sequential sum differs from numpy's pairwise one."""
    rng = np.random.default_rng(7)
    differ = 0
    for _ in range(50):
        x = rng.standard_normal(100) * 10.0 ** rng.integers(-12, 12, 100)
        s = 0.0
        for v in x:
            s += v
        differ += s != x.sum()
    assert differ > 10


def test_a_summary_is_the_sum_of_its_layer_table():
    """simulate's totals, through the kernel, are the sums of its per-layer DataFrame, exactly."""
    res = accelsim.simulate("edge", "resnet50", tiling="heuristic")
    df = res.layers
    for c in ("macs", "cycles", "compute_cycles", "stall_cycles", "dram_bytes"):
        assert res.summary[c] == int(df[c].sum()), c
    for c in [c for c in df.columns if c.startswith("energy_pj")]:
        assert res.summary[c] == df[c].sum(), c
    weight = np.where(df["macs"] > 0, df["compute_cycles"], 0)
    assert res.summary["mapping_efficiency"] == (df["mapping_efficiency"] * weight).sum() / weight.sum()


def test_long_networks_walk_numpys_halving_tree():
    """Runs past 128 elements are split in two, again and again: 129 to ~10^5 layers."""
    rng = np.random.default_rng(3)
    for layers in (129, 256, 257, 1000, 4097, 100_003):
        floats = (rng.standard_normal(layers) * 10.0 ** rng.integers(-12, 12, layers)).reshape(1, -1)
        _, fsum = network_sums(np.zeros((0, layers), np.int64), floats, 1, layers, np.arange(layers, dtype=np.int64))
        assert fsum[0, 0] == floats[0].sum(), layers


def test_signed_zeros_as_numpy():
    """A column of -0.0 sums to numpy's zero, sign included."""
    for layers in (1, 5, 9, 300):
        floats = np.full((1, layers), -0.0)
        _, fsum = network_sums(np.zeros((0, layers), np.int64), floats, 1, layers, np.arange(layers, dtype=np.int64))
        want = floats[0].sum()
        assert fsum[0, 0] == want and np.signbit(fsum[0, 0]) == np.signbit(want), layers


def test_float_counts_are_refused_not_truncated():
    """The kernel sums its integer block into int64: a float count column would be truncated silently, so
    the summaries refuse it."""
    hw = accelsim.load_hardware("edge")
    cols = {c: np.ones(3, np.int64) for c in ("macs", "cycles", "compute_cycles", "stall_cycles",
                                               "compute_bound_cycles", "bandwidth_bound_cycles", "dram_bytes")}
    cols["mapping_efficiency"] = np.ones(3)
    assert summary_columns(cols, [hw], "n", 1)["cycles"] == [3]
    cols["cycles"] = np.full(3, 0.5)
    with pytest.raises(TypeError, match="int64 and float64 columns expected"):
        summary_columns(cols, [hw], "n", 1)
