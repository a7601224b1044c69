"""ONNX models -> accelsim workloads (needs the ``onnx`` extra: ``pip install accelsim[onnx]``).

Shapes come from ONNX shape inference. Costed operators:

* ``Conv`` (groups, dilations, strides, pads or auto_pad; asymmetric padding is applied to the
  input size, exactly reproducing the output size) -> conv;
* ``Gemm`` and ``MatMul`` with a constant second operand (an initializer) -> FC (2-D input) or static
  GEMM; ``MatMul`` of two activations (attention) -> dynamic GEMM, leading dims as batch;
* ``MaxPool``, ``AveragePool``, ``GlobalAveragePool``, ``GlobalMaxPool`` -> pooling;
* ``Add``, ``Mul``, ``Sub``, ``Div``, ``Sum``, ``Concat`` -> element-wise data movement.

Activations and normalisations (``Relu``, ``BatchNormalization``, ``Softmax``, ...) are fused into
the layer that produces their input, and shape-only operators (``Flatten``, ``Reshape``, ...) cost
nothing; both are listed in the workload's description. Any other operator is reported in a
warning naming it: never dropped silently.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

from pydantic import ValidationError

from accelsim.errors import ConfigError, format_validation_error, warn_caller
from accelsim.workload.layers import Network

FUSED = {"Relu", "LeakyRelu", "PRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Elu", "Selu",
         "Softplus", "Gelu", "Erf", "BatchNormalization", "InstanceNormalization", "LayerNormalization", "Softmax",
         "Sqrt", "Pow", "Exp", "Neg", "Reciprocal", "QuantizeLinear", "DequantizeLinear"}
SHAPE_ONLY = {"Flatten", "Reshape", "Squeeze", "Unsqueeze", "Transpose", "Identity", "Dropout", "Constant", "Shape",
              "Gather", "Cast", "ConstantOfShape", "Slice", "Split", "Expand", "Range", "ReduceMean"}
ELTWISE = {"Add", "Mul", "Sub", "Div", "Sum"}


def _require_onnx():
    try:
        import onnx
    except ImportError:
        raise ConfigError("ONNX import needs the 'onnx' package: pip install 'accelsim[onnx]'") from None
    return onnx


def _attrs(node) -> dict:
    import onnx

    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _shapes(model) -> dict[str, list[int | None]]:
    out = {}
    g = model.graph
    for vi in list(g.input) + list(g.value_info) + list(g.output):
        t = vi.type.tensor_type
        if t.HasField("shape"):
            out[vi.name] = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
    for init in g.initializer:
        out[init.name] = list(init.dims)
    return out


def _resolve_pads(attrs: dict, in_hw: list[int], kernel: list[int], strides: list[int],
                  dil: list[int]) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) padding from ``pads`` or ``auto_pad``."""
    auto = attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        pads = []
        for size, k, s, d in zip(in_hw, kernel, strides, dil):
            out = -(-size // s)
            total = max(0, (out - 1) * s + d * (k - 1) + 1 - size)
            small, big = total // 2, total - total // 2
            pads.append((small, big) if auto == "SAME_UPPER" else (big, small))
        return pads[0][0], pads[1][0], pads[0][1], pads[1][1]
    if auto == "VALID":
        return 0, 0, 0, 0
    p = list(attrs.get("pads", [0, 0, 0, 0]))
    return p[0], p[1], p[2], p[3]


def _dims(shape, name, what) -> list[int]:
    if shape is None or any(d is None or d <= 0 for d in shape):
        raise ConfigError(f"{what}: the shape of {name!r} is unknown ({shape}); give the model static input "
                          "shapes (or fix the batch dimension) before importing")
    return [int(d) for d in shape]


def import_onnx(source, name: str | None = None, batch: int | None = None) -> Network:
    """A Network from an ONNX file or ``onnx.ModelProto``; ``batch`` replaces a symbolic batch dim."""
    onnx = _require_onnx()
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise ConfigError(f"{path}: file not found")
        try:
            model = onnx.load(str(path))
        except Exception as exc:  # onnx raises DecodeError and others for corrupt files
            raise ConfigError(f"{path}: not a valid ONNX model ({type(exc).__name__})") from None
        label = str(path)
        default_name = path.stem
    else:
        model, label, default_name = source, "<onnx model>", source.graph.name or "onnx_model"
    if batch is not None:
        for inp in model.graph.input:
            dims = inp.type.tensor_type.shape.dim
            if dims and not dims[0].HasField("dim_value"):
                dims[0].dim_value = batch
    try:
        model = onnx.shape_inference.infer_shapes(model)
    except Exception as exc:
        raise ConfigError(f"{label}: ONNX shape inference failed: {exc}") from None
    shapes = _shapes(model)
    static = {init.name for init in model.graph.initializer}
    static |= {n.output[0] for n in model.graph.node if n.op_type == "Constant"}
    layers, fused, free, unsupported = [], Counter(), Counter(), Counter()
    used_names: set[str] = set()

    def unique(base: str) -> str:
        base = base or "layer"
        cand, i = base, 1
        while cand in used_names:
            cand, i = f"{base}_{i}", i + 1
        used_names.add(cand)
        return cand

    for idx, node in enumerate(model.graph.node):
        op = node.op_type
        lname = node.name or f"{op.lower()}_{idx}"
        where = f"{label}: node {lname!r} ({op})"
        a = _attrs(node)
        if op == "Conv":
            x = _dims(shapes.get(node.input[0]), node.input[0], where)
            w = _dims(shapes.get(node.input[1]), node.input[1], where)
            n, c, h, wd = x
            m, _, kh, kw = w
            strides = list(a.get("strides", [1, 1]))
            dil = list(a.get("dilations", [1, 1]))
            top, left, bottom, right = _resolve_pads(a, [h, wd], [kh, kw], strides, dil)
            layer = {"name": unique(lname), "kind": "conv", "batch": n, "in_channels": c, "out_channels": m,
                     "kernel": (kh, kw), "stride": tuple(strides), "dilation": tuple(dil), "groups": a.get("group", 1)}
            if top == bottom and left == right:
                layer.update(in_h=h, in_w=wd, padding=(top, left))
            else:  # asymmetric: pad the input explicitly, which keeps the output size and MACs exact
                layer.update(in_h=h + top + bottom, in_w=wd + left + right, padding_applied=True)
                warn_caller(f"{where}: asymmetric padding {[top, left, bottom, right]} applied to the input "
                            "size; its padded zeros count as input traffic")
            layers.append(layer)
        elif op in ("Gemm", "MatMul"):
            a_shape = _dims(shapes.get(node.input[0]), node.input[0], where)
            b_shape = _dims(shapes.get(node.input[1]), node.input[1], where)
            if op == "Gemm":
                if a.get("transA", 0):
                    a_shape = a_shape[::-1]
                if a.get("transB", 0):
                    b_shape = b_shape[::-1]
            k, nn = b_shape[-2], b_shape[-1]
            dynamic = node.input[1] not in static
            lead = a_shape[:-2]
            mm = a_shape[-2] if len(a_shape) >= 2 else 1
            if not dynamic and len(b_shape) == 2:
                if len(a_shape) == 2:
                    layers.append({"name": unique(lname), "kind": "fc", "batch": mm, "in_features": k,
                                   "out_features": nn})
                else:
                    layers.append({"name": unique(lname), "kind": "gemm", "m": mm * math.prod(lead), "k": k, "n": nn})
            else:
                layers.append({"name": unique(lname), "kind": "gemm", "batch": max(1, math.prod(lead)), "m": mm,
                               "k": k, "n": nn, "dynamic": dynamic})
        elif op in ("MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"):
            n, c, h, wd = _dims(shapes.get(node.input[0]), node.input[0], where)
            mode = "max" if "Max" in op else "avg"
            layer = {"name": unique(lname), "kind": "pool", "batch": n, "channels": c, "in_h": h, "in_w": wd,
                     "mode": mode}
            if op.startswith("Global"):
                layer["global_pool"] = True
            else:
                k = list(a["kernel_shape"])
                strides = list(a.get("strides", [1, 1]))
                top, left, bottom, right = _resolve_pads(a, [h, wd], k, strides, [1, 1])
                layer.update(kernel=tuple(k), stride=tuple(strides), padding=(max(top, bottom), max(left, right)))
            layers.append(layer)
        elif op in ELTWISE or op == "Concat":
            out = _dims(shapes.get(node.output[0]), node.output[0], where)
            nb = out[0] if len(out) >= 2 else 1
            rest = out[1:] if len(out) >= 2 else out
            c = rest[0] if rest else 1
            h = rest[1] if len(rest) > 1 else 1
            w = math.prod(rest[2:]) if len(rest) > 2 else 1
            if len(out) == 3:  # [batch, tokens, features]
                c, h, w = out[2], out[1], 1
            inputs = 1 if op == "Concat" else max(1, sum(1 for i in node.input if i and i not in static))
            layers.append({"name": unique(lname), "kind": "eltwise", "batch": nb, "channels": c, "h": h, "w": w,
                           "inputs": inputs})
        elif op in FUSED:
            fused[op] += 1
        elif op in SHAPE_ONLY:
            free[op] += 1
        else:
            unsupported[op] += 1
    if unsupported:
        listed = ", ".join(f"{k} x{v}" for k, v in sorted(unsupported.items()))
        warn_caller(f"{label}: unsupported operators not costed: {listed}")
    if not layers:
        raise ConfigError(f"{label}: no operator accelsim can cost (conv, gemm, matmul, pooling, element-wise)")
    notes = []
    if fused:
        notes.append("fused into their producers: " + ", ".join(f"{k} x{v}" for k, v in sorted(fused.items())))
    if free:
        notes.append("shape-only, not costed: " + ", ".join(f"{k} x{v}" for k, v in sorted(free.items())))
    if unsupported:
        notes.append("UNSUPPORTED, not costed: " + ", ".join(f"{k} x{v}" for k, v in sorted(unsupported.items())))
    clean = "".join(ch if ch.isalnum() or ch in "_.-" else "_" for ch in (name or default_name))[:64] or "onnx_model"
    try:
        return Network.model_validate({"name": clean, "description": f"imported from {label}. " + "; ".join(notes),
                                       "layers": layers})
    except ValidationError as exc:
        raise format_validation_error(exc, label) from None
