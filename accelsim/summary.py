"""Network summaries: the totals of a run from its per-layer columns (the result contract of
``accelsim.results``), for one design point or for many whose columns are stacked point after point."""

from __future__ import annotations

import numpy as np

from accelsim.kernels.network_sums import network_sums

_NO_INTS = np.zeros((0, 0), np.int64)


def _sums(ints: np.ndarray, floats: np.ndarray, points: int, index: np.ndarray | None) -> tuple:
    """``network_sums`` of stacked columns (each point's rows: their width / ``points``); ``index``: None for
    a row per layer. The integer block must be int64: the kernel would truncate floats into its int totals."""
    if ints.dtype != np.int64 or floats.dtype != np.float64:
        raise TypeError(f"network totals: int64 and float64 columns expected, got {ints.dtype} and {floats.dtype}")
    kept = floats.shape[1] // points
    return network_sums(ints, floats, points, kept, np.arange(kept, dtype=np.int64) if index is None else index)


def energy_summary(cols: dict, hw, table, summary: dict) -> dict:
    """Energy, efficiency and area figures of a run (pJ, TOPS/W with a MAC = 2 ops, W, mm2); with a PIM
    section, its components and its chip area too."""
    return rows_of(energy_summary_columns(cols, [hw], table, {"macs": [summary["macs"]],
                                                                "latency_s": [summary["latency_s"]]}))[0]


def energy_summary_columns(cols: dict, hws: list, table, summary: dict,
                           index: np.ndarray | None = None) -> dict[str, list]:
    """``energy_summary`` of design points whose per-layer columns are stacked, point after point, each
    point the same number of rows, as columns (one entry per point; ``summary``: their ``summary_columns``,
    of which ``macs`` and ``latency_s`` are read). ``index``: as for ``summary_columns``."""
    from accelsim.energy.model import ALL_COMPONENTS, chip_area_columns

    names = ["energy_pj"] + [f"energy_pj_{c}" for c in ALL_COMPONENTS if f"energy_pj_{c}" in cols]
    # each total equals numpy's sum of the point's per-layer column (kernels/network_sums.py)
    totals = _sums(_NO_INTS, np.stack([cols[c] for c in names]), len(hws), index)[1].tolist()
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


def summary_columns(cols: dict, hws: list, network: str, batch: int,
                    index: np.ndarray | None = None) -> dict[str, list]:
    """``summarize`` (without the PIM figures) of design points whose per-layer columns are stacked,
    point after point, each point the same number of rows, as columns (one entry per point): one kernel
    pass for the sums. ``index`` (int64[layers of the network]): each layer's row among a point's rows,
    when these are the network's distinct layers only (a repeated layer counts once per repeat); default:
    a row per layer."""
    points = len(hws)  # never empty
    rows = len(cols["macs"]) // points if index is None else len(index)
    # mapping efficiency: the MAC layers' average weighted by their compute cycles
    weight = np.where(cols["macs"] > 0, cols["compute_cycles"], 0)
    sums, weighted = _sums(np.stack([cols[c] for c in SUMMED] + [weight]),
                           (cols["mapping_efficiency"] * weight).reshape(1, -1), points, index)
    sums, weighted = sums.tolist(), weighted[0].tolist()
    totals, weights = dict(zip(SUMMED, sums)), sums[-1]
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
