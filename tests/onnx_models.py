"""ONNX models built in the tests with onnx.helper (nothing downloaded)."""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class Graph:
    def __init__(self, name):
        self.name, self.nodes, self.inits, self.inputs, self.n = name, [], [], [], 0

    def input(self, name, shape):
        self.inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
        return name

    def weight(self, name, shape):
        self.inits.append(numpy_helper.from_array(np.zeros(shape, np.float16).astype(np.float32), name))
        return name

    def node(self, op, inputs, name, **attrs):
        out = f"{name}_out"
        self.nodes.append(helper.make_node(op, inputs, [out], name=name, **attrs))
        return out

    def conv(self, x, name, cin, cout, k, s=1, p=0, g=1, d=1, pads=None, auto_pad=None):
        w = self.weight(f"{name}.weight", [cout, cin // g, k, k])
        attrs = {"kernel_shape": [k, k], "strides": [s, s], "group": g, "dilations": [d, d]}
        if auto_pad:
            attrs["auto_pad"] = auto_pad
        else:
            attrs["pads"] = pads or [p, p, p, p]
        return self.node("Conv", [x, w], name, **attrs)

    def model(self, out):
        outputs = [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)]
        graph = helper.make_graph(self.nodes, self.name, self.inputs, outputs, self.inits)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def resnet18() -> onnx.ModelProto:
    """torchvision's ResNet-18 at 224x224, node names as the zoo's layer names."""
    g = Graph("resnet18")
    x = g.input("input", [1, 3, 224, 224])
    x = g.conv(x, "conv1", 3, 64, 7, 2, 3)
    x = g.node("BatchNormalization", [x, g.weight("bn1.s", [64]), g.weight("bn1.b", [64]), g.weight("bn1.m", [64]),
                                      g.weight("bn1.v", [64])], "bn1")
    x = g.node("Relu", [x], "relu")
    x = g.node("MaxPool", [x], "maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    c = 64
    for stage in range(1, 5):
        width = 64 * 2 ** (stage - 1)
        for b in range(2):
            s = 2 if (b == 0 and stage > 1) else 1
            pre = f"layer{stage}.{b}"
            y = g.conv(x, f"{pre}.conv1", c, width, 3, s, 1)
            y = g.node("Relu", [y], f"{pre}.relu1")
            y = g.conv(y, f"{pre}.conv2", width, width, 3, 1, 1)
            short = g.conv(x, f"{pre}.downsample", c, width, 1, s, 0) if (s != 1 or c != width) else x
            x = g.node("Add", [y, short], f"{pre}.add")
            x = g.node("Relu", [x], f"{pre}.relu2")
            c = width
    x = g.node("GlobalAveragePool", [x], "avgpool")
    x = g.node("Flatten", [x], "flatten", axis=1)
    x = g.node("Gemm", [x, g.weight("fc.weight", [1000, 512]), g.weight("fc.bias", [1000])], "fc", transB=1)
    return g.model(x)
