"""matplotlib figures from result DataFrames (DataFrame in, Axes out)."""

from accelsim.report.energy import plot_energy_breakdown, plot_network_energy
from accelsim.report.pim import digital_vs_pim, plot_digital_vs_pim
from accelsim.report.plots import (
    plot_cycles,
    plot_dataflow_comparison,
    plot_heatmap,
    plot_roofline,
    plot_sweep,
    plot_traffic,
    plot_utilization,
)

__all__ = ["plot_energy_breakdown", "plot_network_energy", "plot_cycles", "plot_traffic", "plot_utilization",
           "plot_dataflow_comparison", "plot_roofline", "plot_sweep", "plot_heatmap",
           "digital_vs_pim", "plot_digital_vs_pim"]
