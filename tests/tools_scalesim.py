"""The inputs tools/scalesim_golden.py wrote for scalesim, rebuilt the same way for the tests."""

import importlib.util
import warnings
from pathlib import Path

import accelsim

_SPEC = importlib.util.spec_from_file_location(
    "scalesim_golden", Path(__file__).resolve().parents[1] / "tools" / "scalesim_golden.py")
golden = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(golden)


def exported_inputs(config: str, tmp: Path):
    """(hardware read back from its exported .cfg, {topology name: exported csv path})."""
    hw = dict(golden.configs())[config]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cfg = accelsim.save_hardware(hw, tmp / f"{config}.cfg")
        topologies = {net["name"]: accelsim.save_workload(accelsim.load_workload(net), tmp / f"{net['name']}.csv")
                      for net in (golden.NETWORK, golden.GEMMS)}
    return accelsim.load_hardware(cfg), topologies
