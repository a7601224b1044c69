"""Which unit runs each layer of a hybrid digital + PIM chip."""

from __future__ import annotations

import re

from accelsim.config.pim import Placement, PlacementRule
from accelsim.errors import ConfigError
from accelsim.workload.layers import Network


def crossbar_capable(layer) -> bool:
    """Conv, FC and static-weight GEMMs hold their weights in cells; a dynamic GEMM (both operands
    activations, attention) would need reprogramming per input, pooling and element-wise layers have no
    weights: they stay on the digital array."""
    return layer.kind in ("conv", "fc") or (layer.kind == "gemm" and not layer.dynamic)


def _matches(rule: PlacementRule, layer) -> bool:
    if rule.kinds is not None and layer.kind not in rule.kinds:
        return False
    if rule.kernel is not None and tuple(getattr(layer, "kernel", (1, 1))) != tuple(rule.kernel):
        return False
    return True


def place(net: Network, placement: Placement) -> list[str]:
    """'pim' or 'digital' per layer, in network order (unknown names in ``placement.layers`` are an
    error; a layer the crossbars cannot hold stays digital whatever the rules say)."""
    names = {x.name for x in net.layers}
    unknown = sorted(set(placement.layers) - names)
    if unknown:
        raise ConfigError(f"pim.placement.layers: no layer named {unknown[0]!r} in {net.name} "
                          f"(layers: {', '.join(list(names)[:5])}, ...)")
    units = []
    for layer in net.layers:
        if not crossbar_capable(layer):
            units.append("digital")
            continue
        unit = placement.layers.get(layer.name)
        if unit is None:
            unit = next((r.unit for r in placement.rules if _matches(r, layer)), placement.default)
        units.append(unit)
    return units


_TOKEN = re.compile(r"^(conv(\d+)x(\d+)|conv|fc|gemm)$")


def parse_placement(text: str) -> Placement:
    """A placement from a short spec: ``pim`` (every layer that can), ``digital`` (none), or a comma list of
    ``conv``, ``fc``, ``gemm``, ``convRxS`` (e.g. ``fc,conv3x3``: FC and 3x3 convs on PIM, the rest
    digital) and ``layer:NAME`` entries."""
    text = text.strip()
    if text in ("pim", "all"):
        return Placement(default="pim")
    if text in ("digital", "none"):
        return Placement(default="digital")
    rules, layers = [], {}
    for token in (t.strip() for t in text.split(",")):
        if token.startswith("layer:") and len(token) > 6:
            layers[token[6:]] = "pim"
            continue
        m = _TOKEN.match(token)
        if m is None:
            raise ConfigError(f"--placement {text!r}: {token!r} is not one of pim, digital, conv, fc, gemm, "
                              "convRxS (e.g. conv3x3) or layer:NAME")
        if m.group(2):
            rules.append(PlacementRule(kinds=["conv"], kernel=(int(m.group(2)), int(m.group(3)))))
        else:
            rules.append(PlacementRule(kinds=[m.group(1)]))
    return Placement(default="digital", rules=rules, layers=layers)
