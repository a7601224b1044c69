"""The shipped zoo against independent layer tables (tests/data/layer_tables, see its README)."""

from pathlib import Path

import pandas as pd
import pytest

import accelsim
from accelsim import zoo
from accelsim.workload.shape import conv_shape

TABLES = Path(__file__).parent / "data" / "layer_tables"
CNNS = {
    "alexnet": "alexnet_torchvision224",
    "alexnet_caffe227": "alexnet_caffe227",
    "vgg16": "vgg16",
    "resnet18": "resnet18",
    "resnet50": "resnet50_v1p5",
    "mobilenet_v1": "mobilenet_v1",
    "mobilenet_v2": "mobilenet_v2",
}


def test_zoo_lists_every_shipped_network_and_hwconfig():
    assert set(CNNS) | {"bert_base_layer"} <= set(zoo.shipped_workloads())
    assert {"edge", "scalesim_32x32", "eyeriss_like", "tpu_v1_like", "nvdla_small_like"} <= set(
        zoo.shipped_hardware())


@pytest.mark.parametrize("net_name", sorted(CNNS))
def test_zoo_matches_layer_table(net_name):
    table = pd.read_csv(TABLES / f"{CNNS[net_name]}.csv")
    totals = pd.read_csv(TABLES / "_totals.csv").set_index("net").loc[CNNS[net_name]]
    net = accelsim.load_workload(net_name)
    hw = accelsim.load_hardware("edge")
    mac_layers = [layer for layer in net.layers if layer.kind in ("conv", "fc")]
    assert [layer.name for layer in mac_layers] == list(table["layer"])
    for layer, ref in zip(mac_layers, table.itertuples()):
        sh = conv_shape(layer, hw, 1)
        assert sh.macs == ref.macs, layer.name
        assert sh.filter_elems() == ref.weights, layer.name
        assert (sh.P, sh.Q) == (ref.H_out, ref.W_out), layer.name
        assert sh.G == ref.groups, layer.name
    assert sum(conv_shape(x, hw, 1).macs for x in mac_layers) == totals.total_macs
    assert sum(conv_shape(x, hw, 1).filter_elems() for x in mac_layers) == totals.total_weights


def test_bert_layer_macs_by_hand():
    # BERT-base, seq 128: 4 projections 128x768x768, FFN 2 x 128x768x3072,
    # attention 12 heads x (128x64x128 + 128x128x64)
    hand = 4 * 128 * 768 * 768 + 2 * 128 * 768 * 3072 + 12 * 2 * 128 * 64 * 128
    net = accelsim.load_workload("bert_base_layer")
    hw = accelsim.load_hardware("edge")
    assert sum(conv_shape(x, hw, 1).macs for x in net.layers if x.kind == "gemm") == hand
    dynamic = [x.name for x in net.layers if x.kind == "gemm" and x.dynamic]
    assert len(dynamic) == 24 and all(name.startswith("attn_") for name in dynamic)


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(h=st.integers(1, 40), k=st.integers(1, 7), s=st.integers(1, 4), p=st.integers(0, 3), d=st.integers(1, 3))
def test_conv_output_size_counts_every_window_pytorch_style(h, k, s, p, d):
    """P equals the number of window starts whose dilated window lies inside the padded input."""
    from hypothesis import assume

    assume(d * (k - 1) + 1 <= h + 2 * p)
    layer = accelsim.ConvLayer(name="c", in_channels=1, out_channels=1, in_h=h, in_w=h, kernel=k, stride=s,
                               padding=p, dilation=d)
    windows = sum(1 for start in range(0, h + 2 * p, s) if start + d * (k - 1) <= h + 2 * p - 1)
    assert layer.out_h == layer.out_w == windows
