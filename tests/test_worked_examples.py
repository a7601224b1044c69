"""docs/worked_examples.md: numbers computed by hand, asserted against the engine."""

import pytest

import accelsim
from accelsim.workload.layers import ConvLayer, Network

HW = {
    "name": "worked", "clock_hz": 1e9, "array": {"rows": 2, "cols": 2, "interconnect": "systolic"},
    "precision": {"input_bits": 8, "weight_bits": 8, "psum_bits": 16, "output_bits": 8},
    "buffers": [{"name": "glb", "operands": ["ifmap", "filter", "ofmap"], "size_bytes": 1 << 20,
                 "bandwidth_bytes_per_cycle": 1000, "double_buffered": True}],
    "backing_memory": {"bandwidth_bytes_per_cycle": 4, "latency_cycles": 0},
    "stationarity": "ws",
}
NET = Network(name="one", layers=[ConvLayer(name="conv", in_channels=4, out_channels=4, in_h=4, in_w=4,
                                            kernel=3, padding=1)])
TILES = {"n": 1, "m": 2, "c": 2, "p": 2, "q": 4, "g": 1}
HAND = {  # dataflow: (dram_reads_ifmap, dram_reads_filter, dram_reads_ofmap, dram_writes_ofmap, dram_bytes)
    "ir": (96, 288, 64, 128, 704),
    "or": (192, 288, 0, 64, 544),
    "wr": (192, 144, 64, 128, 656),
}


@pytest.mark.parametrize("dataflow", ["ir", "or", "wr"])
def test_worked_example(dataflow):
    res = accelsim.simulate(HW, NET, mapping={"default": {"dataflow": dataflow, "tiles": TILES}})
    row = res.layers.iloc[0]
    got = (row.dram_reads_ifmap, row.dram_reads_filter, row.dram_reads_ofmap, row.dram_writes_ofmap,
           row.dram_bytes)
    assert got == HAND[dataflow]
    assert row.macs == 2304
    assert row.compute_bound_cycles == 576
    assert row.compute_cycles == 864
    assert row.cycles == 883
    assert row.stall_cycles == 19
    assert (row.buffer_reads_ifmap, row.buffer_reads_filter) == (1152, 288)
    assert (row.buffer_writes_ofmap, row.buffer_reads_ofmap) == (1152, 1088)
    assert row.mapping.startswith(dataflow.upper())
