"""matplotlib figures from result DataFrames (DataFrame in, Axes out)."""

from accelsim.report.energy import plot_energy_breakdown, plot_network_energy

__all__ = ["plot_energy_breakdown", "plot_network_energy"]
