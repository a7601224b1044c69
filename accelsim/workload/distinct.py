"""A network's distinct layers: networks repeat layers (ResNet-50's 72 layers hold 30 distinct ones,
MobileNetV2's 64 hold 37), and a layer's cost depends only on its definition and the hardware, never
on its name or position — as long as nothing is chosen per layer name (a mapping file's per-layer
entries, a PIM placement), which is why only ``accelsim.api.simulate_points`` uses this: it takes
no mapping file and simulates PIM configs point by point. It costs each distinct layer once and
copies its results to the layers that repeat it."""

from __future__ import annotations

import numpy as np

from accelsim.memo import IdentityMemo
from accelsim.workload.layers import Network

_DISTINCT = IdentityMemo(256)


def distinct_layers(net: Network) -> tuple[Network, np.ndarray]:
    """(``net`` restricted to the first layer of each distinct definition, in network order; for every
    layer of ``net`` the position of its definition in that network). Memoised per network object."""
    return _DISTINCT.get((net,), None, lambda: _distinct(net))


def _distinct(net: Network) -> tuple[Network, np.ndarray]:
    first: dict[str, int] = {}  # a definition -> its position among the distinct layers
    keep: list[int] = []  # the positions in ``net`` of the distinct layers
    index = np.empty(len(net.layers), np.int64)
    for i, layer in enumerate(net.layers):
        key = layer.model_dump_json(exclude={"name"})
        if key not in first:
            first[key] = len(keep)
            keep.append(i)
        index[i] = first[key]
    if len(keep) == len(net.layers):
        return net, index
    return net.model_copy(update={"layers": [net.layers[i] for i in keep]}), index
