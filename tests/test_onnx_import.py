"""ONNX import: shapes and MACs of every supported operator; ResNet-18 equals the zoo layer by layer."""

import subprocess
import sys

import pytest

onnx = pytest.importorskip("onnx")

import accelsim  # noqa: E402
from accelsim.errors import AccelsimWarning  # noqa: E402
from accelsim.workload.onnx_import import import_onnx  # noqa: E402
from accelsim.workload.shape import conv_shape, movement_counts  # noqa: E402
from onnx_models import Graph, resnet18  # noqa: E402

HW = None


def _hw():
    global HW
    HW = HW or accelsim.load_hardware("edge")
    return HW


def test_resnet18_built_here_equals_the_zoo_layer_by_layer(tmp_path):
    path = tmp_path / "resnet18.onnx"
    onnx.save(resnet18(), str(path))
    net = accelsim.load_workload(path)  # an ONNX file works wherever a workload is accepted
    zoo = accelsim.load_workload("resnet18")
    assert [x.name for x in net.layers] == [x.name for x in zoo.layers]
    for got, want in zip(net.layers, zoo.layers):
        assert got.kind == want.kind, got.name
        if got.kind in ("conv", "fc", "gemm"):
            assert conv_shape(got, _hw(), 1) == conv_shape(want, _hw(), 1), got.name
        else:
            assert movement_counts(got, 1) == movement_counts(want, 1), got.name
    assert "Relu x17" in net.description and "BatchNormalization x1" in net.description


def test_validate_recognises_an_onnx_model(tmp_path):
    from typer.testing import CliRunner

    from accelsim.cli import app

    path = tmp_path / "model.bin"  # by content, as load_workload does
    onnx.save(resnet18(), str(path))
    res = CliRunner().invoke(app, ["validate", str(path)])
    assert res.exit_code == 0, res.output
    assert f"ok  {path}: workload" in res.output


def test_every_supported_operator():
    g = Graph("ops")
    x = g.input("x", [2, 8, 10, 10])
    a = g.conv(x, "grouped", 8, 16, 3, 1, g=4, d=2, pads=[2, 2, 2, 2])
    b = g.conv(a, "asym", 16, 16, 3, 2, pads=[0, 0, 1, 1])
    c = g.conv(b, "same", 16, 8, 3, 2, auto_pad="SAME_UPPER")
    p = g.node("AveragePool", [c], "avg", kernel_shape=[2, 2], strides=[1, 1])
    m = g.node("MaxPool", [p], "max", kernel_shape=[2, 2], strides=[2, 2])
    add = g.node("Add", [m, g.weight("bias", [1, 8, 1, 1])], "bias_add")
    mul = g.node("Mul", [add, add], "square")
    cat = g.node("Concat", [mul, add], "cat", axis=1)
    f = g.node("Flatten", [cat], "flat", axis=1)
    fc = g.node("Gemm", [f, g.weight("w", [16, 5])], "fc")
    tok = g.input("tokens", [1, 6, 4, 32])  # batch, heads, sequence, head dim
    kt = g.input("keys_t", [1, 6, 32, 4])
    s = g.node("MatMul", [tok, kt], "scores")
    proj = g.node("MatMul", [tok, g.weight("wo", [32, 48])], "proj")
    model = g.model(fc)
    model.graph.output.extend([onnx.helper.make_tensor_value_info(o, onnx.TensorProto.FLOAT, None) for o in (s, proj)])
    with pytest.warns(AccelsimWarning, match="asymmetric padding"):
        net = import_onnx(model)
    L = {x.name: x for x in net.layers}
    hw = _hw()
    sh = conv_shape(L["grouped"], hw, 1)  # 10 + 4 - 2*(3-1) - 1 + 1 = 10 outputs
    assert (sh.G, sh.C, sh.M, sh.P, sh.N, sh.dil) == (4, 2, 4, 10, 2, (2, 2))
    assert sh.macs == 2 * 16 * 2 * 10 * 10 * 9
    asym = conv_shape(L["asym"], hw, 1)  # ONNX: (10 + 0 + 1 - 3) // 2 + 1 = 5
    assert (asym.P, asym.Q, asym.H) == (5, 5, 11)
    same = conv_shape(L["same"], hw, 1)  # SAME_UPPER: ceil(5 / 2) = 3
    assert (same.P, same.Q) == (3, 3)
    assert L["avg"].out_h == 2 and L["max"].out_h == 1 and L["max"].mode == "max"
    assert L["bias_add"].inputs == 1 and L["square"].inputs == 2
    assert movement_counts(L["cat"], 1) == (2 * 16, 2 * 16, 2 * 16)  # reads and writes the 16 outputs
    assert (L["fc"].kind, L["fc"].in_features, L["fc"].out_features, L["fc"].batch) == ("fc", 16, 5, 2)
    scores = L["scores"]
    assert (scores.kind, scores.dynamic, scores.batch, scores.m, scores.k, scores.n) == ("gemm", True, 6, 4, 32, 4)
    p = L["proj"]
    assert (p.dynamic, p.m, p.k, p.n) == (False, 24, 32, 48)
    assert "Flatten x1" in net.description


def test_unsupported_operator_is_named_in_a_warning(tmp_path):
    g = Graph("odd")
    x = g.input("x", [1, 4, 8, 8])
    y = g.conv(x, "c", 4, 4, 3, 1, 1)
    z = g.node("LRN", [y], "lrn", size=5)
    with pytest.warns(AccelsimWarning, match=r"unsupported operators not costed: LRN x1"):
        net = import_onnx(g.model(z))
    assert [x.name for x in net.layers] == ["c"] and "UNSUPPORTED" in net.description


def test_cli_import_and_run(tmp_path):
    path = tmp_path / "r18.onnx"
    onnx.save(resnet18(), str(path))
    out = tmp_path / "r18.yaml"
    proc = subprocess.run([sys.executable, "-m", "accelsim", "import", str(path), "-o", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert accelsim.load_workload(out) == accelsim.load_workload(path)
    run = subprocess.run([sys.executable, "-m", "accelsim", "run", "edge", str(path), "-q"], capture_output=True,
                         text=True)
    assert run.returncode == 0 and "1,814,073,344" in run.stdout  # ResNet-18's MACs


def test_bad_onnx_file(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(accelsim.AccelsimError, match="bad.onnx: not a valid ONNX model"):
        accelsim.load_workload(bad)
    with pytest.raises(accelsim.AccelsimError, match="missing.onnx: file not found"):
        accelsim.load_workload(tmp_path / "missing.onnx")
