"""Digital against PIM: energy, latency and area of networks on several chips (summaries in, Axes out)."""

from __future__ import annotations

import numpy as np
import pandas as pd

DEFAULT_CHIPS = (("edge (digital 16x16, 45 nm)", "edge", None),
                 ("tpu_v1_like (digital 256x256, 22 nm)", "tpu_v1_like", None),
                 ("neurosim_like chip, layers on its digital array", "neurosim_like", "digital"),
                 ("neurosim_like, crossbars", "neurosim_like", "pim"),
                 ("isaac_like, crossbars", "isaac_like", "pim"))


def digital_vs_pim(networks=("vgg8_cifar", "resnet18"), chips=DEFAULT_CHIPS) -> pd.DataFrame:
    """One row per (chip, network): energy per inference (pJ), latency per inference (s), pipelined rate
    (inferences/s; the latency's inverse on a digital chip), area (mm2), TOPS/W. ``chips``: (label, hardware,
    placement) triples; placement None for a chip without crossbars."""
    import warnings

    import accelsim
    from accelsim.errors import AccelsimWarning

    rows = []
    for label, hw, placement in chips:
        for net in networks:
            with warnings.catch_warnings():  # reprogramming / ADC warnings are in the table's columns
                warnings.simplefilter("ignore", AccelsimWarning)
                s = accelsim.simulate(hw, net, placement=placement).summary
            rows.append({"chip": label, "network": net, "energy_pj": s["energy_pj"] / s["batch"],
                         "latency_s": s["latency_per_inference_s"],
                         "inferences_per_s": s.get("pipelined_inferences_per_s", s["throughput_inferences_per_s"]),
                         "area_mm2": s["area_mm2"], "tops_per_w": s["tops_per_w"]})
    return pd.DataFrame(rows)


def plot_digital_vs_pim(table: pd.DataFrame, axes=None):
    """Three panels of grouped bars (one group per network, one bar per chip), log scale: energy per
    inference (uJ), latency per inference (us), area (mm2)."""
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    chips = list(dict.fromkeys(table["chip"]))
    nets = list(dict.fromkeys(table["network"]))
    width = 0.8 / len(chips)
    for ax, (col, scale, label) in zip(axes, (("energy_pj", 1e-6, "energy per inference (uJ)"),
                                              ("latency_s", 1e6, "latency per inference (us)"),
                                              ("area_mm2", 1.0, "area (mm2)"))):
        for k, chip in enumerate(chips):
            sub = table[table["chip"] == chip].set_index("network")
            ax.bar(np.arange(len(nets)) + k * width, [sub.loc[n, col] * scale for n in nets], width, label=chip)
        ax.set_xticks(np.arange(len(nets)) + width * (len(chips) - 1) / 2)
        ax.set_xticklabels(nets)
        ax.set_yscale("log")
        ax.set_ylabel(label)
    axes[0].legend(fontsize=7)
    axes[1].set_title("digital arrays and ReRAM crossbars, batch 1")
    return axes
