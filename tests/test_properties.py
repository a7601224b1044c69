"""Invariants of the engine on the whole zoo (full size) and on random small layers."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim
from accelsim import zoo
from accelsim.cost import kernel_args
from accelsim.kernels import layout as L
from accelsim.kernels.conv_cost import conv_layer_cost
from accelsim.mapping.tiling import plan_storage
from accelsim.workload.shape import conv_shape
from engine_cases import conv_shapes, hardware, mappings

HWS = zoo.shipped_hardware()
NETS = zoo.shipped_workloads()


def used_inputs(sh) -> int:
    """Distinct non-padding input elements the layer reads, by brute force over output positions."""
    def axis(out, k, stride, pad, dil, size):
        pos = (np.arange(out)[:, None] * stride - pad + np.arange(k)[None, :] * dil).ravel()
        return np.unique(pos[(pos >= 0) & (pos < size)]).size
    return sh.G * sh.N * sh.C * axis(sh.P, sh.R, sh.stride[0], sh.pad[0], sh.dil[0], sh.H) * \
        axis(sh.Q, sh.S, sh.stride[1], sh.pad[1], sh.dil[1], sh.W)


@pytest.mark.parametrize("hw_name", HWS)
@pytest.mark.parametrize("dataflow", ["ir", "or", "wr"])
def test_zoo_invariants(hw_name, dataflow):
    hw = accelsim.load_hardware(hw_name)
    for net_name, stat in itertools.product(NETS, ["os", "ws", "is"]):
        net = accelsim.load_workload(net_name)
        digital = {"placement": "digital"} if hw.pim else {}  # the digital engine's invariants
        res = accelsim.simulate(hw, net, dataflow=dataflow, stationarity=stat, **digital)
        df = res.layers.set_index("layer")
        assert df.notna().all().all()
        assert (df["cycles"] >= df["compute_bound_cycles"]).all()
        assert (df["cycles"] >= df["bandwidth_bound_cycles"]).all()
        assert (df["stall_cycles"] >= 0).all()
        assert df["utilization"].between(0, 1).all() and df["mapping_efficiency"].between(0, 1).all()
        for layer in net.layers:
            if layer.kind not in ("conv", "fc", "gemm"):
                continue
            row = df.loc[layer.name]
            sh = conv_shape(layer, hw, net.batch)
            assert row["macs"] == sh.macs  # MACs conserved
            assert row["cycles"] * hw.pes * hw.array.macs_per_pe >= sh.macs
            plan = plan_storage(sh, hw)
            homes = dict(zip(("ifmap", "filter", "ofmap"), plan.homes))
            if homes["ifmap"] == "dram":
                assert row["dram_reads_ifmap"] >= used_inputs(sh)
            if homes["filter"] == "dram":
                assert row["dram_reads_filter"] >= sh.filter_elems()
                if dataflow == "wr":  # weight block loaded once, reused over batch and space
                    assert row["dram_reads_filter"] == sh.filter_elems(), layer.name
            if homes["ofmap"] == "dram":
                assert row["dram_writes_ofmap"] >= sh.ofmap_elems()
                if dataflow == "or":  # each output written exactly once, no partial-sum read-back
                    assert row["dram_writes_ofmap"] == sh.ofmap_elems(), layer.name
                    assert row["dram_reads_ofmap"] == 0
                assert row["dram_writes_ofmap"] - row["dram_reads_ofmap"] == sh.ofmap_elems()
        assert res.summary["macs"] == int(df["macs"].sum())


@given(data=st.data())
@settings(max_examples=150)
def test_random_layer_invariants(data):
    shape = data.draw(conv_shapes(max_macs=20000))
    hw = data.draw(hardware())
    rm = data.draw(mappings(shape))
    plan = plan_storage(shape, hw)
    c = conv_layer_cost(*kernel_args(shape, hw, rm, plan))
    assert c[L.O_MACS] == shape.macs
    assert c[L.O_CYCLES] >= c[L.O_COMPUTE] >= -(-shape.macs // (hw.pes * hw.array.macs_per_pe))
    # every weight and every used input reaches the array at least once; every output is written
    assert c[L.O_BUF_RD_FI] >= shape.filter_elems()
    assert c[L.O_BUF_WR_OF] - c[L.O_BUF_RD_OF] == shape.ofmap_elems()
    assert c[L.O_DELIV_IF] >= shape.macs // max(1, shape.M) and c[L.O_DELIV_FI] >= shape.filter_elems()
    kinds = plan.home_kind
    if kinds[0] != L.HOME_IS_STAGING:
        assert c[L.O_HOME_RD_IF] >= used_inputs(shape) == c[L.O_COMPULSORY_IF]
    if kinds[1] != L.HOME_IS_STAGING:
        assert c[L.O_HOME_RD_FI] >= shape.filter_elems()
    if kinds[2] != L.HOME_IS_STAGING:
        assert c[L.O_HOME_WR_OF] - c[L.O_HOME_RD_OF] == shape.ofmap_elems() == c[L.O_HOME_WR_OF_FINAL]
    assert 0 <= c[L.O_USED_PE_CYCLES] <= hw.pes * c[L.O_FOLD_CYCLES]
