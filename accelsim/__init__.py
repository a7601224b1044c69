"""accelsim: a cycle-approximate DNN accelerator simulator.

Public API::

    import accelsim
    hw = accelsim.load_hardware("edge")
    net = accelsim.load_workload("resnet50")
    res = accelsim.simulate(hw, net)
    res.layers      # pandas DataFrame, one row per layer (the result contract)
    res.summary     # dict of network totals
"""

from accelsim.api import load_hardware, load_workload, save_hardware, save_workload, simulate, simulate_points
from accelsim.config.hardware import Hardware
from accelsim.errors import AccelsimError, CapacityError, ConfigError
from accelsim.mapping.mapping import Mapping, MappingFile, Tiles
from accelsim.results import CONTRACT_COLUMNS, SimulationResult
from accelsim.workload.layers import ConvLayer, EltwiseLayer, FCLayer, GemmLayer, Network, PoolLayer

__version__ = "0.1.0"

__all__ = [
    "load_hardware", "load_workload", "save_hardware", "save_workload", "simulate", "simulate_points", "Hardware",
    "Network", "ConvLayer", "FCLayer", "GemmLayer",
    "PoolLayer", "EltwiseLayer", "Mapping", "MappingFile", "Tiles", "SimulationResult", "CONTRACT_COLUMNS",
    "AccelsimError", "ConfigError", "CapacityError", "__version__",
]
