"""The public Python API: load hardware and workloads, simulate a network."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from accelsim import zoo
from accelsim.config.hardware import Hardware
from accelsim.config.yamlio import load_yaml_mapping
from accelsim.kernels.batch import conv_layer_cost_batch
from accelsim.errors import AccelsimError, ConfigError, format_validation_error
from accelsim.mapping.mapping import Mapping, load_mapping
from accelsim.prepared import prepare
from accelsim.results import CONTRACT_COLUMNS, EXTRA_COLUMNS, SimulationResult, build_columns, home_columns, summarize
from accelsim.workload.layers import Network


def _resolve_path(source, kind: str) -> Path:
    text = str(source)
    path = Path(text)
    if path.suffix or path.exists() or "/" in text or "\\" in text:
        return path
    found = zoo.find(text, kind)
    if found is None:
        names = zoo.shipped_hardware() if kind == "hardware" else zoo.shipped_workloads()
        raise ConfigError(f"{text!r}: no such file and no shipped {kind} of that name; shipped: {', '.join(names)}")
    return found


def load_hardware(source) -> Hardware:
    """A Hardware from a loaded object, a dict, a YAML path, or a shipped name (``"edge"``)."""
    if isinstance(source, Hardware):
        return source
    if isinstance(source, dict):
        try:
            return Hardware.model_validate(source)
        except ValidationError as exc:
            raise format_validation_error(exc, "<hardware>") from None
    path = _resolve_path(source, "hardware")
    data = load_yaml_mapping(path)
    try:
        return Hardware.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(exc, str(path)) from None


def load_workload(source) -> Network:
    """A Network from a loaded object, a dict, a YAML path, or a shipped name (``"resnet50"``)."""
    if isinstance(source, Network):
        return source
    if isinstance(source, dict):
        try:
            return Network.model_validate(source)
        except ValidationError as exc:
            raise format_validation_error(exc, "<workload>") from None
    path = _resolve_path(source, "workload")
    data = load_yaml_mapping(path)
    try:
        return Network.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(exc, str(path)) from None


def simulate(hardware, workload, *, dataflow: str | None = None, stationarity: str | None = None,
             mapping=None, batch: int | None = None, tiling: str = "best") -> SimulationResult:
    """Simulate every layer of ``workload`` on ``hardware``.

    ``hardware`` and ``workload`` may be loaded objects, paths or shipped names.
    ``dataflow`` (ir/or/wr or a loop order) and ``stationarity`` (os/ws/is)
    override the hardware defaults; ``mapping`` (a path, dict, Mapping or
    MappingFile) overrides both, per layer. ``batch`` overrides the network's.
    ``tiling``: tiles a mapping leaves unset come from the best-tiling search
    (``"best"``: minimum DRAM traffic; ``"best-cycles"``: minimum cycles, slower; both
    memoised) or the halving heuristic (``"heuristic"``).
    """
    if tiling not in ("best", "best-cycles", "heuristic"):
        raise AccelsimError(f"tiling {tiling!r}: expected 'best', 'best-cycles' or 'heuristic'")
    hw = load_hardware(hardware)
    net = load_workload(workload)
    mfile = load_mapping(mapping)
    try:
        base = Mapping(dataflow=dataflow, stationarity=stationarity)
    except ValidationError as exc:
        raise format_validation_error(exc, "<options>") from None
    n = batch or net.batch
    prep = prepare(hw, net, base, mfile, n, tiling)
    out = conv_layer_cost_batch(*prep.args) if len(prep.mac_pos) else None
    homes = sorted({h for h in (hw.homes.ifmap, hw.homes.filter, hw.homes.ofmap) if h != "dram"})
    cols = build_columns(prep, out, CONTRACT_COLUMNS + EXTRA_COLUMNS + home_columns(homes))
    return SimulationResult(pd.DataFrame(cols, copy=False), summarize(cols, hw, net.name, n))


__all__ = ["load_hardware", "load_workload", "simulate", "AccelsimError"]
