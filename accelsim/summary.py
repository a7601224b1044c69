"""Network summaries: the totals of a run from its per-layer columns (the result contract of
``accelsim.results``), for one design point or for many whose columns are stacked point after point."""

from __future__ import annotations

import numpy as np


def energy_summary(cols: dict, hw, table, summary: dict) -> dict:
    """Energy, efficiency and area figures of a run (pJ, TOPS/W with a MAC = 2 ops, W, mm2); with a PIM
    section, its components and its chip area too."""
    return energy_summaries(cols, [hw], table, [summary])[0]


def energy_summaries(cols: dict, hws: list, table, summaries: list[dict]) -> list[dict]:
    """``energy_summary`` of design points whose per-layer columns are stacked, point after point, each
    point the same number of rows (``summaries``: their ``summarize`` figures)."""
    from accelsim.energy.model import ALL_COMPONENTS, chip_areas_mm2

    names = ["energy_pj"] + [f"energy_pj_{c}" for c in ALL_COMPONENTS if f"energy_pj_{c}" in cols]
    # each point's sum along its own contiguous row: numpy's pairwise sum of that row, as a 1-D sum is
    totals = np.stack([cols[c] for c in names]).reshape(len(names), len(hws), -1).sum(axis=2).T.tolist()
    out = []
    for summary, values, area in zip(summaries, totals, chip_areas_mm2(hws, table)):
        energy, macs, latency = values[0], summary["macs"], summary["latency_s"]
        out.append({"energy_table": table.name, **dict(zip(names, values)),
                    "pj_per_mac": energy / macs if macs else 0.0,
                    "tops_per_w": 2 * macs / energy if energy else 0.0,
                    "average_power_w": energy * 1e-12 / latency if latency else 0.0,
                    **area})
    return out


def summarize(cols: dict, hw, network: str, batch: int) -> dict:
    """Network totals from the per-layer columns (numpy arrays); with a PIM section, the hybrid figures
    of accelsim.pim.hybrid.hybrid_summary too."""
    from accelsim.pim.hybrid import hybrid_summary

    summary = summaries(cols, [hw], network, batch)[0]
    if hw.pim is not None:
        summary.update(hybrid_summary(cols, hw, batch, summary["macs"], summary["cycles"]))
    return summary


SUMMED = ("macs", "cycles", "compute_cycles", "stall_cycles", "compute_bound_cycles", "bandwidth_bound_cycles",
          "dram_bytes")
SUMMARY_INPUTS = SUMMED + ("mapping_efficiency",)  # the columns summaries read, besides the energy_pj* ones


def summaries(cols: dict, hws: list, network: str, batch: int) -> list[dict]:
    """``summarize`` (without the PIM figures) of design points whose per-layer columns are stacked,
    point after point, each point the same number of rows: one numpy pass for all of them."""
    points = len(hws)
    rows = len(cols["macs"]) // max(1, points)
    # the summed columns are int64 counts (cycles, MACs, bytes): one stacked pass, Python ints out
    totals = dict(zip(SUMMED, np.stack([cols[c] for c in SUMMED]).reshape(len(SUMMED), points, rows)
                      .sum(axis=2).tolist()))
    # mapping efficiency: the MAC layers' average weighted by their compute cycles
    weight = np.where(cols["macs"] > 0, cols["compute_cycles"], 0).reshape(points, rows)
    weighted = (cols["mapping_efficiency"].reshape(points, rows) * weight).sum(axis=1)
    weights = weight.sum(axis=1).tolist()
    out = []
    for k, hw in enumerate(hws):
        t = {c: v[k] for c, v in totals.items()}
        macs, cycles, w = t["macs"], t["cycles"], weights[k]
        latency = cycles / hw.clock_hz
        pes = hw.pes * hw.array.macs_per_pe
        out.append({
            "hardware": hw.name, "network": network, "batch": batch, "layers": rows, **t,
            "mapping_efficiency": float(weighted[k] / w) if w else 0.0,
            "utilization": macs / (pes * cycles) if cycles else 0.0,
            "latency_s": latency,
            "latency_per_inference_s": latency / batch,
            "throughput_inferences_per_s": batch / latency if latency else 0.0,
            "throughput_tops": 2 * macs / latency / 1e12 if latency else 0.0,
            "peak_tops": 2 * pes * hw.clock_hz / 1e12,
        })
    return out
