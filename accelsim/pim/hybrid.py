"""A network on a hybrid chip: placed layers on the crossbars, the rest on the digital array.

Layers run in network order and each takes its input from the layer before it. Where a PIM layer's
neighbour runs on the digital array (or it is the first or last layer), its input is read from (its
output written to) the backing memory, where the digital array keeps its activations; between two PIM
layers activations move tile to tile on the interconnect. Those boundary bytes are ``transfer_bytes``.
"""

from __future__ import annotations

import numpy as np

from accelsim.pim.cost import PIM_COLUMNS, pim_columns
from accelsim.pim.placement import place
from accelsim.workload.layers import Network


def run_hybrid(hw, net: Network, batch: int, placement, digital, table) -> dict:
    """Per-layer columns of the whole network (numpy arrays, network order): ``digital(sub_network)`` gives
    the digital layers' columns, ``pim_columns`` the PIM layers'; a column one side lacks is 0 there."""
    units = place(net, placement)
    n = len(net.layers)
    pim_pos = [i for i, u in enumerate(units) if u == "pim"]
    dig_pos = [i for i, u in enumerate(units) if u == "digital"]
    parts = []
    if dig_pos:
        sub = Network(name=net.name, batch=net.batch, layers=[net.layers[i] for i in dig_pos])
        d = digital(sub)
        d["unit"] = np.array(["digital"] * len(dig_pos), dtype=object)
        parts.append((dig_pos, d))
    if pim_pos:
        from_digital = np.array([i == 0 or units[i - 1] == "digital" for i in pim_pos])
        to_digital = np.array([i == n - 1 or units[i + 1] == "digital" for i in pim_pos])
        parts.append((pim_pos, pim_columns(hw, [net.layers[i] for i in pim_pos], batch, from_digital, to_digital,
                                           table)))
    names: list[str] = []
    for _, cols in parts:
        names += [c for c in cols if c not in names]
    names = [c for c in names if c not in PIM_COLUMNS] + PIM_COLUMNS
    energy = [c for c in names if c.startswith("energy_pj")]
    names = [c for c in names if c not in energy] + energy
    out = {}
    for c in names:
        dtype = np.result_type(*[cols[c].dtype for _, cols in parts if c in cols] or [np.int64])
        arr = np.zeros(n, dtype=dtype)
        if dtype == object:
            arr[:] = ""
        for pos, cols in parts:
            if c in cols:
                arr[pos] = cols[c]
        out[c] = arr
    return out
