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


def test_pool_and_add_layers_by_hand():
    """Streaming layers: max(compute on `cols` lanes, bytes / bandwidth) + latency, by hand."""
    from accelsim.workload.layers import EltwiseLayer, PoolLayer

    net = Network(name="mv", layers=[
        PoolLayer(name="pool", channels=8, in_h=8, in_w=8, kernel=2, stride=2),  # 512 in, 128 out
        EltwiseLayer(name="add", channels=8, h=4, w=4, inputs=2),  # 256 in, 128 out
    ])
    hw = dict(HW, backing_memory={"bandwidth_bytes_per_cycle": 4, "latency_cycles": 5})
    df = accelsim.simulate(hw, net).layers.set_index("layer")
    # pool: 128 outputs x 4-element windows = 512 ops / 2 lanes = 256 cycles;
    #       (512 + 128) bytes / 4 B per cycle = 160 cycles -> 256 + 5 latency
    assert df.loc["pool", "cycles"] == 261 and df.loc["pool", "compute_cycles"] == 256
    assert df.loc["pool", "dram_reads_ifmap"] == 512 and df.loc["pool", "dram_writes_ofmap"] == 128
    assert df.loc["pool", "dram_bytes"] == 640
    # add: 128 adds / 2 lanes = 64 cycles; 384 bytes / 4 = 96 cycles -> 96 + 5
    assert df.loc["add", "cycles"] == 101 and df.loc["add", "stall_cycles"] == 37
    # the same on chip: activations homed in the buffer (1000 B/cycle): no DRAM, compute bound
    on_chip = dict(hw, homes={"ifmap": "glb", "ofmap": "glb"})
    df = accelsim.simulate(on_chip, net).layers.set_index("layer")
    assert df.loc["pool", "dram_bytes"] == 0 and df.loc["pool", "glb_reads_ifmap"] == 512
    assert df.loc["pool", "cycles"] == 256 and df.loc["add", "cycles"] == 64
