"""Design-space sweeps: specs, evaluation (local or dask.distributed), resumable results, Pareto."""

from accelsim.sweep.pareto import pareto_front, pareto_mask, sweep_front
from accelsim.sweep.runner import OBJECTIVE_COLUMNS, run_sweep
from accelsim.sweep.shards import load_layer_results, load_results
from accelsim.sweep.spec import SweepSpec, design_points, load_spec

__all__ = ["SweepSpec", "design_points", "load_spec", "run_sweep", "load_results", "load_layer_results", "pareto_front",
           "pareto_mask", "sweep_front", "OBJECTIVE_COLUMNS"]
