"""Pooling and element-wise layers: accelsim/movement.py (arrays, one numba call per network) against
the per-layer plain-Python twin in tests/naive.py, on the zoo and on random hardware and layers."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim
from accelsim import zoo
from accelsim.movement import movement_rows, movement_rows_stacked, movement_table, point_rows
from accelsim.workload.layers import MAC_KINDS, EltwiseLayer, LayerPrecision, Network, PoolLayer
from naive import naive_movement_cost

FIELDS = ("cycles", "compute_cycles", "read_home", "write_home", "dram_bits")


def _check(hw, net, batch=1):
    """Every streaming layer of ``net``: the array path equals the twin, field by field, and the
    result table carries those figures."""
    rows = movement_rows(hw, movement_table(net, hw, batch))
    want = [naive_movement_cost(net.layers[p], hw, batch) for p in rows.pos.tolist()]
    assert rows.pos.tolist() == [i for i, x in enumerate(net.layers) if x.kind not in MAC_KINDS]
    for k, w in enumerate(want):
        got = {f: getattr(rows, f)[k] for f in FIELDS}
        got.update(reads=rows.table.reads[k], writes=rows.table.writes[k], in_bits=rows.table.in_bits[k],
                   out_bits=rows.table.out_bits[k])
        assert got == w, net.layers[rows.pos[k]].name
    return rows, want


def test_zoo_streaming_layers_match_the_twin():
    checked = 0
    for hw_name in zoo.shipped_hardware():
        hw = accelsim.load_hardware(hw_name)
        for net_name in zoo.shipped_workloads():
            rows, _ = _check(hw, accelsim.load_workload(net_name), batch=2)
            checked += len(rows.pos)
    assert checked > 100


def _hardware(draw):
    homes = st.sampled_from(["dram", "glb", "act"])
    return accelsim.load_hardware({
        "name": "mv", "clock_hz": 1e9, "array": {"rows": 4, "cols": draw(st.integers(1, 64))},
        "buffers": [{"name": "glb", "operands": ["ifmap", "filter", "ofmap"],
                     "size_bytes": draw(st.integers(64, 1 << 22)),
                     "bandwidth_bytes_per_cycle": draw(st.integers(1, 512))},
                    {"name": "act", "operands": [], "size_bytes": draw(st.integers(64, 1 << 22)),
                     "bandwidth_bytes_per_cycle": draw(st.integers(1, 512))}],
        "backing_memory": {"bandwidth_bytes_per_cycle": draw(st.integers(1, 64)),
                           "latency_cycles": draw(st.integers(0, 200))},
        "homes": {"ifmap": draw(homes), "ofmap": draw(homes)},
        "precision": {"input_bits": draw(st.sampled_from([4, 8, 16])),
                      "output_bits": draw(st.sampled_from([4, 8, 16]))},
    })


def _layer(draw, i):
    bits = st.one_of(st.none(), st.sampled_from([2, 8, 32]))
    prec = draw(st.one_of(st.none(), st.builds(LayerPrecision, input_bits=bits, output_bits=bits)))
    if draw(st.booleans()):
        h, w = draw(st.integers(2, 112)), draw(st.integers(2, 112))
        return PoolLayer(name=f"pool{i}", channels=draw(st.integers(1, 512)), in_h=h, in_w=w,
                         kernel=draw(st.integers(1, min(3, h, w))), precision=prec)
    return EltwiseLayer(name=f"add{i}", channels=draw(st.integers(1, 512)), h=draw(st.integers(1, 112)),
                        w=draw(st.integers(1, 112)), inputs=draw(st.integers(1, 4)), precision=prec)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_random_streaming_layers_match_the_twin(data):
    hw = _hardware(data.draw)
    net = Network(name="mv", layers=[_layer(data.draw, i) for i in range(data.draw(st.integers(1, 6)))])
    batch = data.draw(st.integers(1, 4))
    rows, want = _check(hw, net, batch)
    df = accelsim.simulate(hw, net, batch=batch).layers
    for k, w in enumerate(want):
        row = df.iloc[int(rows.pos[k])]
        assert (row.cycles, row.compute_cycles) == (w["cycles"], w["compute_cycles"])
        assert row.dram_bytes == -(-w["dram_bits"] // 8)
        assert row[f"{w['read_home']}_reads_ifmap"] == w["reads"]
        assert row[f"{w['write_home']}_writes_ofmap"] == w["writes"]
    assert np.all(df.macs == 0)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_design_points_together_equal_the_twin(data):
    """movement_rows_stacked (a sweep's points in one pass), sliced by point_rows: each point's rows equal
    the twin's on that point, for points with the same activation homes but their own sizes, bandwidths
    and lanes."""
    first = _hardware(data.draw)
    hws = [first] + [accelsim.load_hardware({**_hardware(data.draw).model_dump(), "homes": first.homes.model_dump(),
                                             "precision": first.precision.model_dump()})
                     for _ in range(data.draw(st.integers(0, 3)))]
    net = Network(name="mv", layers=[_layer(data.draw, i) for i in range(data.draw(st.integers(1, 4)))])
    table = movement_table(net, first, 2)
    stacked = movement_rows_stacked(hws, table)
    assert len(stacked.cycles) == len(hws) * len(table.pos)  # every point's rows, none more
    for j, hw in enumerate(hws):
        rows = point_rows(stacked, j)
        for k, p in enumerate(rows.pos.tolist()):
            want = naive_movement_cost(net.layers[p], hw, 2)
            assert {f: getattr(rows, f)[k] for f in FIELDS} == {f: want[f] for f in FIELDS}, net.layers[p].name
