"""Network summaries: the totals of a run from its per-layer columns (the result contract of
``accelsim.results``), for one design point or for many whose columns are stacked point after point."""

from __future__ import annotations

import numpy as np


def energy_summary(cols: dict, hw, table, summary: dict) -> dict:
    """Energy, efficiency and area figures of a run (pJ, TOPS/W with a MAC = 2 ops, W, mm2); with a PIM
    section, its components and its chip area too."""
    return rows_of(energy_summary_columns(cols, [hw], table, {"macs": [summary["macs"]],
                                                                "latency_s": [summary["latency_s"]]}))[0]


def energy_summary_columns(cols: dict, hws: list, table, summary: dict) -> dict[str, list]:
    """``energy_summary`` of design points whose per-layer columns are stacked, point after point, each
    point the same number of rows, as columns (one entry per point; ``summary``: their ``summary_columns``,
    of which ``macs`` and ``latency_s`` are read)."""
    from accelsim.energy.model import ALL_COMPONENTS, chip_area_columns

    names = ["energy_pj"] + [f"energy_pj_{c}" for c in ALL_COMPONENTS if f"energy_pj_{c}" in cols]
    # each point's sum along its own contiguous row: numpy's pairwise sum of that row, as a 1-D sum is
    totals = np.stack([cols[c] for c in names]).reshape(len(names), len(hws), -1).sum(axis=2).tolist()
    figures = [(e / m if m else 0.0, 2 * m / e if e else 0.0, e * 1e-12 / t if t else 0.0)
               for e, m, t in zip(totals[0], summary["macs"], summary["latency_s"])]
    per_mac, tops_per_w, power = map(list, zip(*figures))
    return {"energy_table": [table.name] * len(hws), **dict(zip(names, totals)), "pj_per_mac": per_mac,
            "tops_per_w": tops_per_w, "average_power_w": power, **chip_area_columns(hws, table)}


def rows_of(columns: dict[str, list]) -> list[dict]:
    """Columns (equal-length lists) as one dict per entry."""
    keys = list(columns)
    return [dict(zip(keys, values)) for values in zip(*columns.values())]


def summarize(cols: dict, hw, network: str, batch: int) -> dict:
    """Network totals from the per-layer columns (numpy arrays); with a PIM section, the hybrid figures
    of accelsim.pim.hybrid.hybrid_summary too."""
    from accelsim.pim.hybrid import hybrid_summary

    summary = rows_of(summary_columns(cols, [hw], network, batch))[0]
    if hw.pim is not None:
        summary.update(hybrid_summary(cols, hw, batch, summary["macs"], summary["cycles"]))
    return summary


SUMMED = ("macs", "cycles", "compute_cycles", "stall_cycles", "compute_bound_cycles", "bandwidth_bound_cycles",
          "dram_bytes")
SUMMARY_INPUTS = SUMMED + ("mapping_efficiency",)  # the columns summaries read, besides the energy_pj* ones


def summary_columns(cols: dict, hws: list, network: str, batch: int) -> dict[str, list]:
    """``summarize`` (without the PIM figures) of design points whose per-layer columns are stacked,
    point after point, each point the same number of rows, as columns (one entry per point): one numpy pass
    for the sums."""
    points = len(hws)
    rows = len(cols["macs"]) // max(1, points)
    # the summed columns are int64 counts (cycles, MACs, bytes): one stacked pass, Python ints out
    totals = dict(zip(SUMMED, np.stack([cols[c] for c in SUMMED]).reshape(len(SUMMED), points, rows)
                      .sum(axis=2).tolist()))
    # mapping efficiency: the MAC layers' average weighted by their compute cycles
    weight = np.where(cols["macs"] > 0, cols["compute_cycles"], 0).reshape(points, rows)
    weighted = (cols["mapping_efficiency"].reshape(points, rows) * weight).sum(axis=1).tolist()
    weights = weight.sum(axis=1).tolist()
    figures = []  # one tuple per point, turned into columns at the end: one pass, cheap for one point too
    for hw, macs, cycles, x, w in zip(hws, totals["macs"], totals["cycles"], weighted, weights):
        latency = cycles / hw.clock_hz
        pes = hw.pes * hw.array.macs_per_pe
        figures.append((hw.name, x / w if w else 0.0, macs / (pes * cycles) if cycles else 0.0, latency,
                        latency / batch, batch / latency if latency else 0.0,
                        2 * macs / latency / 1e12 if latency else 0.0, 2 * pes * hw.clock_hz / 1e12))
    (names, efficiency, utilization, latency, per_inference, throughput, tops,
     peak) = map(list, zip(*figures))  # hws is never empty
    return {"hardware": names, "network": [network] * points, "batch": [batch] * points, "layers": [rows] * points,
            **totals, "mapping_efficiency": efficiency, "utilization": utilization, "latency_s": latency,
            "latency_per_inference_s": per_inference, "throughput_inferences_per_s": throughput,
            "throughput_tops": tops, "peak_tops": peak}
