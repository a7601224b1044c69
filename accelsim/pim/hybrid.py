"""A network on a hybrid chip: placed layers on the crossbars, the rest on the digital array.

Layers run in network order and each takes its input from the layer before it. Where a PIM layer's
neighbour runs on the digital array (or it is the first or last layer), its input is read from (its
output written to) the backing memory, where the digital array keeps its activations; between two PIM
layers activations move tile to tile on the interconnect. Those boundary bytes are ``transfer_bytes``.
"""

from __future__ import annotations

import numpy as np

from accelsim.memo import IdentityMemo
from accelsim.pim.chip import static_mw_while
from accelsim.pim.cost import PIM_COLUMNS, peak, pim_columns
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
        d = digital(_digital_part(net, dig_pos))
        d["unit"] = np.array(["digital"] * len(dig_pos), dtype=object)
        parts.append((dig_pos, d))
    if pim_pos:
        from_digital = np.array([i == 0 or units[i - 1] == "digital" for i in pim_pos])
        to_digital = np.array([i == n - 1 or units[i + 1] == "digital" for i in pim_pos])
        parts.append((pim_pos, pim_columns(hw, [net.layers[i] for i in pim_pos], batch, from_digital, to_digital,
                                           table)))
    names = list(dict.fromkeys(c for _, cols in parts for c in cols))  # first seen first
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


_SUBNETS = IdentityMemo(256)


def _digital_part(net: Network, dig_pos: list[int]) -> Network:
    """The digital layers as a network of their own: the same object on every run, so what the digital
    side memoises per network (its prepared mapping) is found again."""
    return _SUBNETS.get((net,), tuple(dig_pos),
                        lambda: Network(name=net.name, batch=net.batch, layers=[net.layers[i] for i in dig_pos]))


def hybrid_summary(cols: dict, hw, batch: int, macs: int, cycles: int) -> dict:
    """Hybrid figures: peak and utilization over both units, the PIM layers, crossbars used, the pipelined
    rate (the slowest stage: a PIM layer, or the digital array, which runs its layers one after another),
    reprogramming and lifetime."""
    pk = peak(hw.pim)
    peak_per_cycle = hw.pes * hw.array.macs_per_pe + pk["peak_macs_per_ns"] * 1e9 / hw.clock_hz
    on_pim = cols["unit"] == "pim"
    lat = cols["latency_s"]
    interval = max(float(lat[on_pim].max()) if on_pim.any() else 0.0, float(lat[~on_pim].sum())) / batch
    writes = float(cols["writes_per_cell_per_inference"].sum())
    per_inf = cycles / hw.clock_hz / batch
    # pipelined steady state: every image still spends its dynamic energy, but the static parts of the
    # whole chip are on for one interval per image instead of the layers' static share of the latency
    static_run = sum(static_mw_while(hw.pim, cols["crossbars"][on_pim]).values())
    static_pj = float(np.sum(static_run * lat[on_pim] * 1e9)) if on_pim.any() else 0.0
    pipelined_pj = (float(cols["energy_pj"].sum()) - static_pj) / batch + pk["static_w"] * 1e3 * interval * 1e9
    return {
        "utilization": macs / (peak_per_cycle * cycles) if cycles else 0.0,
        "peak_tops": 2 * peak_per_cycle * hw.clock_hz / 1e12,
        "pim_peak_tops": pk["peak_tops"],
        "pim_layers": int(on_pim.sum()),
        "pim_macs": int(cols["macs"][on_pim].sum()),
        "crossbars_used": int(cols["crossbars"].sum()),
        "chip_crossbars": hw.pim.chip_crossbars,
        "adc_bits": hw.pim.adc.bits,
        "adc_bits_needed": int(cols["adc_bits_needed"].max()) if on_pim.any() else 0,
        "pipeline_interval_s": interval,
        "pipelined_inferences_per_s": 1.0 / interval if interval else 0.0,
        "pipelined_energy_pj_per_inference": pipelined_pj,
        "writes_per_cell_per_inference": writes,
        "lifetime_s": hw.pim.programming.endurance_writes * per_inf / writes if writes else float("inf"),
    }
