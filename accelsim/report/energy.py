"""Energy plots: per-layer stacked breakdown and the network's breakdown by component."""

from __future__ import annotations

import numpy as np
import pandas as pd

from accelsim.energy.model import ALL_COMPONENTS

UNITS = {"pJ": 1.0, "nJ": 1e3, "uJ": 1e6, "mJ": 1e9}


def _unit(max_pj: float) -> str:
    for unit in ("mJ", "uJ", "nJ"):
        if max_pj >= UNITS[unit] * 10:
            return unit
    return "pJ"


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(10, 4))
    return ax


def components(layers: pd.DataFrame) -> list[str]:
    """Energy components present in a result table (digital ones, and PIM ones for a hybrid run)."""
    return [c for c in ALL_COMPONENTS if f"energy_pj_{c}" in layers]


def layer_axis(ax, layers: pd.DataFrame) -> None:
    """One tick per layer, labelled with its name."""
    ax.set_xticks(np.arange(len(layers)))
    ax.set_xticklabels(layers["layer"], rotation=90, fontsize=7)
    ax.set_xlabel("layer")


def plot_energy_breakdown(layers: pd.DataFrame, ax=None, unit: str | None = None):
    """Stacked bars: each layer's energy split into mac, rf, buffer, noc, dram, leakage."""
    ax = _axes(ax)
    unit = unit or _unit(float(layers["energy_pj"].max()))
    x = np.arange(len(layers))
    bottom = np.zeros(len(layers))
    for comp in components(layers):
        values = layers[f"energy_pj_{comp}"].to_numpy(dtype=float) / UNITS[unit]
        ax.bar(x, values, bottom=bottom, label=comp)
        bottom += values
    layer_axis(ax, layers)
    ax.set_ylabel(f"energy ({unit})")
    ax.set_title("energy per layer by component")
    ax.legend(fontsize=8)
    return ax


def plot_network_energy(layers: pd.DataFrame, ax=None, unit: str | None = None):
    """One bar per component: the network's total energy in each."""
    ax = _axes(ax)
    comps = components(layers)
    totals = np.array([layers[f"energy_pj_{c}"].sum() for c in comps], dtype=float)
    unit = unit or _unit(float(totals.max()))
    ax.bar(comps, totals / UNITS[unit])
    ax.set_ylabel(f"energy ({unit})")
    ax.set_xlabel("component")
    share = totals / totals.sum() if totals.sum() else totals
    for i, s in enumerate(share):
        ax.annotate(f"{s:.0%}", (i, totals[i] / UNITS[unit]), ha="center", va="bottom", fontsize=8)
    ax.set_title("network energy by component")
    return ax
