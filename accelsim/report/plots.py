"""Per-layer and sweep plots (DataFrame in, Axes out), every axis labelled with its unit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from accelsim.report.energy import _axes, layer_axis

OPERANDS = ("ifmap", "filter", "ofmap")


def _finish(ax, layers: pd.DataFrame, ylabel: str, title: str):
    """Layer names on x, the unit on y, a title and a legend."""
    layer_axis(ax, layers)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def plot_cycles(layers: pd.DataFrame, ax=None):
    """Per-layer cycles split into compute and stall, with the compute and bandwidth bounds."""
    ax = _axes(ax)
    x = np.arange(len(layers))
    compute = layers["compute_cycles"].to_numpy(float)
    stall = layers["stall_cycles"].to_numpy(float)
    ax.bar(x, compute, label="compute")
    ax.bar(x, stall, bottom=compute, label="stall")
    ax.plot(x, layers["compute_bound_cycles"], "k_", markersize=10, label="compute bound")
    ax.plot(x, layers["bandwidth_bound_cycles"], "r_", markersize=10, label="bandwidth bound")
    return _finish(ax, layers, "cycles", "cycles per layer")


def plot_traffic(layers: pd.DataFrame, level: str = "dram", ax=None):
    """Per-layer traffic per operand at one level (``dram``, ``buffer``, ``rf``, ``array`` or an
    on-chip home buffer), in elements: reads of each operand and writes of outputs, stacked."""
    ax = _axes(ax)
    cols = [c for c in layers.columns if c.startswith(f"{level}_") and c.rsplit("_", 1)[-1] in OPERANDS]
    if not cols:
        from accelsim.errors import AccelsimError

        levels = sorted({c.split("_", 1)[0] for c in layers.columns
                         if c.endswith(("_reads_ifmap", "_reads_filter", "_writes_ofmap"))})
        raise AccelsimError(f"no traffic columns for level {level!r}; this table has {', '.join(levels) or 'none'}")
    x = np.arange(len(layers))
    bottom = np.zeros(len(layers))
    for c in cols:
        v = layers[c].to_numpy(float)
        ax.bar(x, v, bottom=bottom, label=c[len(level) + 1:])
        bottom += v
    return _finish(ax, layers, f"{level} traffic (elements)", f"{level} traffic per layer")


def plot_utilization(layers: pd.DataFrame, ax=None):
    """Per-layer mapping efficiency and achieved utilization (fractions of the PEs)."""
    ax = _axes(ax)
    x = np.arange(len(layers))
    w = 0.4
    ax.bar(x - w / 2, layers["mapping_efficiency"], w, label="mapping efficiency")
    ax.bar(x + w / 2, layers["utilization"], w, label="utilization")
    ax.set_ylim(0, 1.05)
    return _finish(ax, layers, "fraction of PEs", "utilization per layer")


def plot_dataflow_comparison(long: pd.DataFrame, metric: str = "cycles", ax=None):
    """Variants side by side per layer (``long``: one row per layer and ``variant``, as
    ``accelsim.compare.compare(...).long``)."""
    ax = _axes(ax)
    variants = list(dict.fromkeys(long["variant"]))
    layers = list(dict.fromkeys(long["layer"]))
    w = 0.8 / len(variants)
    x = np.arange(len(layers))
    table = long.pivot_table(index="layer", columns="variant", values=metric, sort=False).loc[layers]
    for i, v in enumerate(variants):
        ax.bar(x - 0.4 + w * (i + 0.5), table[v].to_numpy(float), w, label=v)
    ax.set_xticks(x)
    ax.set_xticklabels(layers, rotation=90, fontsize=7)
    ax.set_xlabel("layer")
    unit = {"cycles": "cycles", "dram_bytes": "DRAM bytes", "energy_pj": "energy (pJ)"}.get(metric, metric)
    ax.set_ylabel(unit)
    ax.set_title(f"{unit} per layer by dataflow")
    ax.legend(fontsize=8)
    return ax


def plot_roofline(layers: pd.DataFrame, hw, ax=None):
    """Achieved throughput (MACs/cycle) against operational intensity (MACs per DRAM byte), with the
    compute roof (PEs x MACs/PE) and the bandwidth roof (DRAM bytes/cycle x intensity)."""
    ax = _axes(ax)
    mac = layers[(layers["macs"] > 0) & (layers["dram_bytes"] > 0)]
    intensity = mac["macs"] / mac["dram_bytes"]
    achieved = mac["macs"] / mac["cycles"]
    peak = hw.pes * hw.array.macs_per_pe
    bw = hw.backing_memory.bandwidth_bytes_per_cycle
    xs = np.logspace(np.log10(max(intensity.min() / 10, 1e-3)), np.log10(intensity.max() * 10), 200)
    ax.loglog(xs, np.minimum(peak, bw * xs), "k-", label="roofline")
    ax.loglog(intensity, achieved, "o", label="layers")
    ax.set_xlabel("operational intensity (MACs / DRAM byte)")
    ax.set_ylabel("throughput (MACs / cycle)")
    ax.set_title("roofline")
    ax.legend(fontsize=8)
    return ax


def plot_sweep(results: pd.DataFrame, x: str = "latency_s", y: str = "energy_pj", ax=None):
    """Sweep design points as a scatter, the Pareto front (minimising both) as a line."""
    from accelsim.sweep.pareto import pareto_front

    ax = _axes(ax)
    ok = results[results["status"] == "ok"] if "status" in results else results
    ax.scatter(ok[x], ok[y], s=10, alpha=0.5, label="design points")
    front = pareto_front(ok, [x, y])
    ax.plot(front[x], front[y], "r.-", label="Pareto front")
    units = {"latency_s": "latency (s)", "energy_pj": "energy (pJ)", "edp_js": "EDP (J s)", "area_mm2": "area (mm²)",
             "cycles": "cycles", "dram_bytes": "DRAM bytes"}
    ax.set_xlabel(units.get(x, x))
    ax.set_ylabel(units.get(y, y))
    ax.set_title("design space")
    ax.legend(fontsize=8)
    return ax


def plot_heatmap(results: pd.DataFrame, x: str, y: str, metric: str = "energy_pj", ax=None):
    """A metric over two swept axes (mean over the other axes and workloads)."""
    ax = _axes(ax)
    ok = results[results["status"] == "ok"] if "status" in results else results
    grid = ok.pivot_table(index=y, columns=x, values=metric, aggfunc="mean")
    im = ax.imshow(grid.to_numpy(float), origin="lower", aspect="auto")
    ax.set_xticks(range(len(grid.columns)))
    ax.set_xticklabels([str(c) for c in grid.columns], rotation=45, fontsize=7)
    ax.set_yticks(range(len(grid.index)))
    ax.set_yticklabels([str(i) for i in grid.index], fontsize=7)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    units = {"latency_s": "latency (s)", "energy_pj": "energy (pJ)", "edp_js": "EDP (J s)", "area_mm2": "area (mm²)"}
    ax.figure.colorbar(im, ax=ax, label=units.get(metric, metric))
    ax.set_title(f"{units.get(metric, metric)} over {x} x {y}")
    return ax
