"""PyTorch import (skipped when torch is absent: accelsim does not install it)."""

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

import accelsim  # noqa: E402
from accelsim.errors import AccelsimWarning  # noqa: E402
from accelsim.workload.shape import conv_shape, movement_counts  # noqa: E402
from accelsim.workload.torch_import import from_torch  # noqa: E402


class Block(nn.Module):
    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.downsample = nn.Conv2d(c_in, c_out, 1, stride, bias=False) if stride != 1 or c_in != c_out else None

    def forward(self, x):
        y = self.conv2(self.relu(self.bn1(self.conv1(x))))
        return self.relu(y + (self.downsample(x) if self.downsample is not None else x))


class ResNet18(nn.Module):
    """torchvision's ResNet-18 layout, written here so the test needs no torchvision."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        chans = [(64, 64, 1), (64, 128, 2), (128, 256, 2), (256, 512, 2)]
        for i, (ci, co, s) in enumerate(chans, start=1):
            setattr(self, f"layer{i}", nn.Sequential(Block(ci, co, s), Block(co, co, 1)))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, 1000)

    def forward(self, x):
        x = self.maxpool(self.relu(self.conv1(x)))
        for i in range(1, 5):
            x = getattr(self, f"layer{i}")(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


def test_traced_resnet18_equals_the_zoo():
    net = from_torch(ResNet18(), torch.zeros(1, 3, 224, 224), name="resnet18")
    zoo = accelsim.load_workload("resnet18")
    hw = accelsim.load_hardware("edge")
    mac = [x for x in net.layers if x.kind in ("conv", "fc")]
    zoo_mac = [x for x in zoo.layers if x.kind in ("conv", "fc")]
    assert [x.name for x in mac] == [x.name for x in zoo_mac]
    for got, want in zip(mac, zoo_mac):
        assert conv_shape(got, hw, 1) == conv_shape(want, hw, 1), got.name
    moves = sorted(movement_counts(x, 1) for x in net.layers if x.kind in ("pool", "eltwise"))
    assert moves == sorted(movement_counts(x, 1) for x in zoo.layers if x.kind in ("pool", "eltwise"))


def test_attention_matmuls_are_dynamic_and_unknown_ops_warn():
    class Attn(nn.Module):
        def __init__(self):
            super().__init__()
            self.q = nn.Linear(64, 64)
            self.up = nn.Upsample(scale_factor=2)

        def forward(self, x):
            q = self.q(x)
            s = torch.matmul(q, q.transpose(1, 2))
            return s, self.up(x.unsqueeze(1))

    with pytest.warns(AccelsimWarning, match="Upsample"):
        net = from_torch(Attn(), torch.zeros(2, 16, 64))
    L = {x.kind: x for x in net.layers}
    g = [x for x in net.layers if x.kind == "gemm"]
    assert (g[0].m, g[0].k, g[0].n, g[0].dynamic) == (32, 64, 64, False)  # the projection
    assert (g[1].batch, g[1].m, g[1].k, g[1].n, g[1].dynamic) == (2, 16, 64, 16, True)
    assert "UNSUPPORTED" in net.description and L
