"""PyTorch modules -> accelsim workloads (Python API only; needs torch, which accelsim does not
install).

``from_torch(module, example_input)`` traces the module with ``torch.fx``, propagates the example
input's shapes, and maps what it finds the way the ONNX importer does: ``nn.Conv2d`` -> conv,
``nn.Linear`` -> FC (2-D input) or static GEMM, ``matmul``/``bmm``/``@`` of two activations ->
dynamic GEMM, pooling modules -> pooling, ``+``/``*``/``cat`` -> element-wise; activations and
normalisations are fused, shape operations are free, anything else is named in a warning.
"""

from __future__ import annotations

import math
import operator
from collections import Counter

from pydantic import ValidationError

from accelsim.errors import ConfigError, format_validation_error, warn_caller
from accelsim.workload.layers import Network


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def from_torch(module, example_input, name: str | None = None) -> Network:
    """A Network from an ``nn.Module`` and an example input tensor (its shape fixes every layer's)."""
    try:
        import torch
        from torch import nn
        from torch.fx import symbolic_trace
        from torch.fx.passes.shape_prop import ShapeProp
    except ImportError:
        raise ConfigError("PyTorch import needs torch (pip install torch); accelsim does not install it") from None
    try:
        gm = symbolic_trace(module)
        ShapeProp(gm).propagate(example_input)
    except Exception as exc:  # tracing failures come in many types
        raise ConfigError(f"torch.fx could not trace {type(module).__name__}: {exc}") from None

    def shape(n):
        meta = n.meta.get("tensor_meta") if hasattr(n, "meta") else None
        return list(meta.shape) if meta is not None and hasattr(meta, "shape") else None

    modules = dict(gm.named_modules())
    params = {n.target for n in gm.graph.nodes if n.op == "get_attr"}
    fused_types = (nn.ReLU, nn.ReLU6, nn.GELU, nn.SiLU, nn.Sigmoid, nn.Tanh, nn.Hardswish, nn.Hardsigmoid,
                   nn.LeakyReLU, nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.Softmax, nn.Identity)
    free_types = (nn.Flatten, nn.Dropout, nn.Unflatten)
    fused_fns = {torch.relu, torch.nn.functional.relu, torch.sigmoid, torch.tanh, torch.nn.functional.gelu,
                 torch.softmax, torch.nn.functional.softmax}
    free_fns = {torch.flatten, torch.reshape, torch.transpose, torch.permute, getattr, operator.getitem}
    free_methods = {"view", "reshape", "flatten", "permute", "transpose", "size", "contiguous", "squeeze",
                    "unsqueeze", "expand", "chunk", "split"}
    layers, fused, free, unsupported = [], Counter(), Counter(), Counter()

    def lname(n):
        return str(n.target) if n.op == "call_module" else n.name.replace("_", ".")

    for n in gm.graph.nodes:
        if n.op in ("placeholder", "output", "get_attr"):
            continue
        ins = [a for a in n.args if isinstance(a, torch.fx.Node)]
        x = shape(ins[0]) if ins else None
        out = shape(n)
        if n.op == "call_module":
            mod = modules[n.target]
            if isinstance(mod, nn.Conv2d):
                b, c, h, w = x
                layers.append({"name": lname(n), "kind": "conv", "batch": b, "in_channels": c,
                               "out_channels": mod.out_channels, "in_h": h, "in_w": w, "kernel": _pair(mod.kernel_size),
                               "stride": _pair(mod.stride), "padding": _pair(mod.padding),
                               "dilation": _pair(mod.dilation), "groups": mod.groups})
            elif isinstance(mod, nn.Linear):
                if len(x) == 2:
                    layers.append({"name": lname(n), "kind": "fc", "batch": x[0], "in_features": mod.in_features,
                                   "out_features": mod.out_features})
                else:
                    layers.append({"name": lname(n), "kind": "gemm", "m": math.prod(x[:-1]), "k": mod.in_features,
                                   "n": mod.out_features})
            elif isinstance(mod, (nn.MaxPool2d, nn.AvgPool2d)):
                b, c, h, w = x
                layers.append({"name": lname(n), "kind": "pool", "batch": b, "channels": c, "in_h": h, "in_w": w,
                               "kernel": _pair(mod.kernel_size), "stride": _pair(mod.stride or mod.kernel_size),
                               "padding": _pair(mod.padding), "mode": "max" if isinstance(mod, nn.MaxPool2d) else "avg"})
            elif isinstance(mod, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)) and out[-2:] == [1, 1]:
                b, c, h, w = x
                layers.append({"name": lname(n), "kind": "pool", "batch": b, "channels": c, "in_h": h, "in_w": w,
                               "global_pool": True,
                               "mode": "avg" if isinstance(mod, nn.AdaptiveAvgPool2d) else "max"})
            elif isinstance(mod, fused_types):
                fused[type(mod).__name__] += 1
            elif isinstance(mod, free_types):
                free[type(mod).__name__] += 1
            else:
                unsupported[type(mod).__name__] += 1
        elif n.op == "call_function" and n.target in (operator.add, torch.add, operator.mul, torch.mul, torch.cat):
            dims = out if len(out) >= 2 else [1] + out
            c, h, w = (dims[1], dims[2] if len(dims) > 2 else 1, math.prod(dims[3:]) if len(dims) > 3 else 1)
            if len(out) == 3:
                c, h, w = out[2], out[1], 1
            inputs = 1 if n.target is torch.cat else max(1, len(ins))
            layers.append({"name": lname(n), "kind": "eltwise", "batch": dims[0], "channels": c, "h": h, "w": w,
                           "inputs": inputs})
        elif n.op == "call_function" and n.target in (torch.matmul, torch.bmm, operator.matmul):
            a, b = shape(n.args[0]), shape(n.args[1])
            dynamic = not (isinstance(n.args[1], torch.fx.Node) and n.args[1].target in params)
            layers.append({"name": lname(n), "kind": "gemm", "batch": max(1, math.prod(a[:-2])), "m": a[-2],
                           "k": a[-1], "n": b[-1], "dynamic": dynamic})
        elif (n.op == "call_function" and n.target in fused_fns) or (n.op == "call_method" and n.target == "relu"):
            fused[getattr(n.target, "__name__", str(n.target))] += 1
        elif (n.op == "call_function" and n.target in free_fns) or (n.op == "call_method" and n.target in free_methods):
            free[getattr(n.target, "__name__", str(n.target))] += 1
        else:
            unsupported[getattr(n.target, "__name__", str(n.target))] += 1
    if unsupported:
        warn_caller("unsupported operations not costed: " + ", ".join(f"{k} x{v}" for k, v in
                                                                     sorted(unsupported.items())))
    notes = []
    for label, counts in (("fused into their producers", fused), ("shape-only, not costed", free),
                          ("UNSUPPORTED, not costed", unsupported)):
        if counts:
            notes.append(f"{label}: " + ", ".join(f"{k} x{v}" for k, v in sorted(counts.items())))
    clean = "".join(ch if ch.isalnum() or ch in "_.-" else "_" for ch in (name or type(module).__name__))[:64]
    try:
        return Network.model_validate({"name": clean or "torch_model",
                                       "description": "traced from PyTorch. " + "; ".join(notes), "layers": layers})
    except ValidationError as exc:
        raise format_validation_error(exc, f"<{type(module).__name__}>") from None
