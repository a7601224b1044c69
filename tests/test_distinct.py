"""accelsim.workload.distinct: a network's distinct layers, which simulate_points costs once each
(tests/test_simulate_points.py checks the summaries stay float-for-float equal to simulate's)."""

import pytest

import accelsim
from accelsim import zoo
from accelsim.workload.distinct import distinct_layers


def _definition(layer) -> dict:
    return layer.model_dump(exclude={"name"})


@pytest.mark.parametrize("name", zoo.shipped_workloads())
def test_every_layer_maps_to_its_first_equal_definition(name):
    net = accelsim.load_workload(name)
    kept, index = distinct_layers(net)
    assert len(index) == len(net.layers)
    assert [_definition(x) for x in net.layers] == [_definition(kept.layers[i]) for i in index.tolist()]
    defs = [_definition(x) for x in kept.layers]
    assert all(defs.count(d) == 1 for d in defs)  # no definition twice
    positions = [x.name for x in net.layers]
    first = [positions.index(x.name) for x in kept.layers]
    assert first == sorted(first)  # network order, first occurrences
    assert all(first[i] <= q for q, i in enumerate(index.tolist()))  # a repeat maps back, never forward
    assert distinct_layers(net)[0] is kept  # memoised per network object


def test_repeats_of_a_hand_made_network():
    conv = {"kind": "conv", "in_channels": 4, "out_channels": 8, "in_h": 8, "in_w": 8, "kernel": 3, "padding": 1}
    net = accelsim.load_workload({"name": "rep", "layers": [
        {"name": "a", **conv}, {"name": "b", **conv, "out_channels": 4}, {"name": "c", **conv},
        {"name": "d", **conv, "out_channels": 4}, {"name": "e", **conv, "stride": 2}]})
    kept, index = distinct_layers(net)
    assert [x.name for x in kept.layers] == ["a", "b", "e"]
    assert index.tolist() == [0, 1, 0, 1, 2]


def test_a_network_without_repeats_is_itself():
    net = accelsim.load_workload("alexnet")
    kept, index = distinct_layers(net)
    assert kept is net and index.tolist() == list(range(len(net.layers)))
