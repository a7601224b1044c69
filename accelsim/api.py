"""The public Python API: load hardware and workloads, simulate a network."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import ValidationError

from accelsim import zoo
from accelsim.config.hardware import Hardware
from accelsim.config.scalesim_cfg import looks_like_cfg, parse_cfg
from accelsim.config.yamlio import parse_yaml, path_kind, read_text
from accelsim.workload.onnx_detect import is_onnx_file
from accelsim.workload.scalesim_topology import looks_like_topology, parse_topology
from accelsim.kernels.batch import conv_layer_cost_batch
from accelsim.errors import AccelsimError, ConfigError, format_validation_error, warn_caller, writing
from accelsim.gc_pause import gc_paused
from accelsim.heap import adapt_once
from accelsim.mapping.mapping import Mapping, load_mapping
from accelsim.energy.model import energy_columns, energy_factors, energy_structure, table_for
from accelsim.memo import IdentityMemo
from accelsim.prepared import prepare, prepare_points, whole_group
from accelsim.results import (CONTRACT_COLUMNS, EXTRA_COLUMNS, SimulationResult, home_columns, layer_bits,
                              mac_widths, stacked_columns)
from accelsim.summary import energy_summary, energy_summary_columns, rows_of, summarize, summary_columns
from accelsim.workload.distinct import distinct_layers
from accelsim.workload.layers import Network


def _resolve_path(source, kind: str) -> Path:
    text = str(source)
    path = Path(text)
    if path.suffix or "/" in text or "\\" in text or path_kind(path) is not None:
        return path
    found = zoo.find(text, kind)
    if found is None:
        names = zoo.shipped_hardware() if kind == "hardware" else zoo.shipped_workloads()
        raise ConfigError(f"{text!r}: no such file and no shipped {kind} of that name; shipped: {', '.join(names)}")
    return found


def load_hardware(source) -> Hardware:
    """A Hardware from a loaded object, a dict, a file (YAML, or a SCALE-Sim .cfg recognised by its
    content), or a shipped name (``"edge"``)."""
    if isinstance(source, Hardware):
        return source
    if isinstance(source, dict):
        try:
            return Hardware.model_validate(source)
        except ValidationError as exc:
            raise format_validation_error(exc, "<hardware>") from None
    path = _resolve_path(source, "hardware")
    text = read_text(path)
    if looks_like_cfg(text):
        return parse_cfg(text, str(path))
    data = parse_yaml(text, str(path))
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping of fields, got {type(data).__name__}")
    try:
        return Hardware.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(exc, str(path)) from None


def load_workload(source) -> Network:
    """A Network from a loaded object, a dict, a file (YAML, a SCALE-Sim topology CSV or an ONNX
    model, recognised by content) or a shipped name (``"resnet50"``)."""
    if isinstance(source, Network):
        return source
    if isinstance(source, dict):
        try:
            return Network.model_validate(source)
        except ValidationError as exc:
            raise format_validation_error(exc, "<workload>") from None
    path = _resolve_path(source, "workload")
    if is_onnx_file(path):
        from accelsim.workload.onnx_import import import_onnx

        return import_onnx(path)
    text = read_text(path)
    if looks_like_topology(text):
        stem = "".join(ch if ch.isalnum() or ch in "_.-" else "_" for ch in path.stem)[:64] or "topology"
        return parse_topology(text, str(path), stem)
    data = parse_yaml(text, str(path))
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping of fields, got {type(data).__name__}")
    try:
        return Network.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(exc, str(path)) from None


def _yaml_dump(model, comment: str) -> str:
    import yaml

    data = model.model_dump(mode="json", exclude_defaults=True)
    if "layers" in data:  # one flow-style line per layer, as in the shipped zoo; 'kind' always written
        data["layers"] = [{"name": d.pop("name"), "kind": layer.kind, **d}
                          for d, layer in zip(data["layers"], model.layers)]
        return f"# {comment}\n" + yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=120)
    return f"# {comment}\n" + yaml.safe_dump(data, sort_keys=False)


def _save(obj, path, what: str, peer_suffix: str, write_peer) -> Path:
    """Write ``obj`` as accelsim YAML (``.yaml``/``.yml``) or, for ``peer_suffix``, SCALE-Sim's format."""
    path = Path(path)
    if path.suffix.lower() == peer_suffix:
        with writing(path):
            return write_peer(obj, path)
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise AccelsimError(f"{path}: unknown {what} format {path.suffix!r}; use .yaml or {peer_suffix} (SCALE-Sim)")
    text = _yaml_dump(obj, f"{obj.name}: written by accelsim")
    with writing(path):
        path.write_text(text)
    return path


def save_workload(net: Network, path) -> Path:
    """Write a workload: ``.yaml``/``.yml`` (accelsim) or ``.csv`` (SCALE-Sim topology)."""
    from accelsim.workload.scalesim_topology import write_topology

    return _save(net, path, "workload", ".csv", write_topology)


def save_hardware(hw: Hardware, path) -> Path:
    """Write a hardware config: ``.yaml``/``.yml`` (accelsim) or ``.cfg`` (SCALE-Sim)."""
    from accelsim.config.scalesim_cfg import write_cfg

    return _save(hw, path, "hardware", ".cfg", write_cfg)


def simulate(hardware, workload, *, dataflow: str | None = None, stationarity: str | None = None,
             mapping=None, batch: int | None = None, tiling: str = "best", timing: str = "native",
             quirks: tuple[str, ...] | None = None, placement=None) -> SimulationResult:
    """Simulate every layer of ``workload`` on ``hardware``.

    ``hardware`` and ``workload`` may be loaded objects, paths or shipped names.
    ``dataflow`` (ir/or/wr or a loop order) and ``stationarity`` (os/ws/is)
    override the hardware defaults; ``mapping`` (a path, dict, Mapping or
    MappingFile) overrides both, per layer. ``batch`` overrides the network's.
    ``tiling``: tiles a mapping leaves unset come from the best-tiling search
    (``"best"``: DRAM traffic within 10% of its minimum, then fewest cycles; ``"best-dram"``: the
    minimum DRAM traffic; ``"best-cycles"``: minimum cycles, slower; all memoised) or the halving
    heuristic (``"heuristic"``).
    ``timing``: ``"native"`` (physically consistent) or ``"scalesim"`` (SCALE-Sim 3.0.0's mapping,
    output-size rule and quirks; ``quirks`` switches a subset on — ``os_fold``, ``off_by_one``,
    ``os_ofmap_extra``, ``no_psum_reads``, ``ceil_rule``, as a tuple or one comma-separated string —
    default all; docs/scalesim_parity.md). ``batch``: 1 to 65536, as the workload schema allows.
    ``placement`` (hardware with a ``pim`` section): which layers run on the crossbars — a Placement, a dict,
    or a short spec (``"pim"``, ``"digital"``, ``"fc,conv3x3"``, ``"layer:conv1,..."``); default the
    hardware's ``pim.placement`` (docs/pim.md).
    """
    with gc_paused():  # gc_pause.py: one small first call in four started a collection
        if timing not in ("native", "scalesim"):
            raise AccelsimError(f"timing {timing!r}: expected 'native' or 'scalesim'")
        _check_tiling(tiling)
        hw = load_hardware(hardware)
        net = load_workload(workload)
        mfile = load_mapping(mapping)
        try:
            base = Mapping(dataflow=dataflow, stationarity=stationarity)
        except ValidationError as exc:
            raise format_validation_error(exc, "<options>") from None
        n = _batch(batch, net)
        _warn_sparse(net)
        if isinstance(quirks, str):  # one name, or several separated by commas
            quirks = tuple(q.strip() for q in quirks.split(",") if q.strip())
        if quirks is not None and timing != "scalesim":
            raise AccelsimError(f"quirks {list(quirks)}: SCALE-Sim's quirks apply with timing='scalesim' only")
        if quirks is not None:
            unknown = set(quirks) - {"os_fold", "off_by_one", "os_ofmap_extra", "no_psum_reads", "ceil_rule"}
            if unknown:
                raise AccelsimError(f"unknown SCALE-Sim quirk(s) {sorted(unknown)}")
            quirks = tuple(sorted(quirks))
        table = table_for(hw)

        def digital(sub: Network) -> dict:
            return _columns([prepare(hw, sub, base, mfile, n, tiling, timing, quirks)], [hw], table, text=True)

        if hw.pim is not None:
            from accelsim.pim.hybrid import run_hybrid

            cols = run_hybrid(hw, net, n, _placement(placement, hw), digital, table)
        else:
            if placement is not None:
                raise AccelsimError(f"placement: {hw.name} has no pim section, every layer runs on the digital array")
            cols = digital(net)
        summary = summarize(cols, hw, net.name, n)
        summary.update(energy_summary(cols, hw, table, summary))
        return SimulationResult(cols, summary)


# Design points prepared and costed together by simulate_points: their stacked arrays take ~35 kB a point
# of ResNet-50 (kernel arguments, counts, result and energy columns), so a block's working memory stays
# ~9 MB whatever the number of points asked for. 256 points cost the same per point as 1,024 (measured on
# chunks of 1,024 points, session 21: medians 97.7 and 96.3 us, 128 points 100.3 us), and a process's
# first block touches a third of the fresh memory (2,830 against 8,900 page faults; on the 2-core VM a
# fault costs ~5-10 us, ~0.1 s per sweep worker at 1,024).
POINTS_PER_BLOCK = 256


def simulate_points(hardware: list, workload, *, batch: int | None = None, tiling: str = "best",
                    metrics: list[str] | None = None, layer_columns: list[str] | None = None) -> list:
    """Network summaries of many design points on one workload — each equal to ``simulate(hw, workload,
    batch=batch, tiling=tiling).summary`` — with one kernel call and the result, energy and summary
    arithmetic done for all the points that share a precision and a buffer structure at once (what a
    sweep needs; the per-layer tables are not kept). A layer the network repeats is costed once per point
    (``workload.distinct``) and counted once per repeat in the totals (``kernels/network_sums.py``). Entry i
    is point i's summary, or the AccelsimError it raised (a layer that does not fit); ``metrics``: only
    these of its entries (the ones it has; default all). ``layer_columns``: each summary also holds, under
    ``"layers"``, these columns of the point's per-layer table (the ones it has), one entry per layer of
    the network, equal to those of ``simulate(...).columns``. Hardware with a PIM section is simulated point by
    point; the others go through in blocks of ``POINTS_PER_BLOCK`` (bounded working memory)."""
    with gc_paused():  # gc_pause.py: one small first call in four started a collection
        if isinstance(hardware, (str, Path, dict, Hardware)) or not hasattr(hardware, "__iter__"):
            raise AccelsimError(f"simulate_points: hardware must be a list of configs (objects, dicts, paths or "
                                f"shipped names), got {type(hardware).__name__}; for one config use simulate()")
        _check_tiling(tiling)
        net = load_workload(workload)
        hws = [load_hardware(h) for h in hardware]
        n = _batch(batch, net)
        _warn_sparse(net)
        distinct, index = distinct_layers(net)
        results: list = [None] * len(hws)
        adapt_once()  # heap.py: blocks of design points free and reallocate ~9 MB; keep it in the heap

        def alone(i: int) -> None:  # point i simulated by itself
            try:
                res = simulate(hws[i], net, batch=n, tiling=tiling)
            except AccelsimError as exc:
                results[i] = exc
                return
            summary = res.summary
            results[i] = summary if metrics is None else {k: summary[k] for k in metrics if k in summary}
            if layer_columns is not None:
                results[i]["layers"] = {c: res.columns[c] for c in layer_columns if c in res.columns}

        for i, hw in enumerate(hws):
            if hw.pim is not None:
                alone(i)
        digital = [i for i, hw in enumerate(hws) if hw.pim is None]
        for start in range(0, len(digital), POINTS_PER_BLOCK):
            block = digital[start:start + POINTS_PER_BLOCK]
            groups: dict = {}
            for i, prep in zip(block, prepare_points([hws[i] for i in block], distinct, n, tiling)):
                if isinstance(prep, AccelsimError):
                    results[i] = prep
                    continue
                hw = hws[i]
                width = prep.buffers if len(prep.mac_pos) else 0
                groups.setdefault((hw.precision, energy_structure(hw), width), []).append((i, hw, prep))
            for members in groups.values():
                points = [m[1] for m in members]
                try:
                    table = table_for(points[0])
                    cols = _columns([m[2] for m in members], points, table, text=False)
                except AccelsimError:  # one point's energy entry missing: find out which, point by point
                    for i, _, _ in members:
                        alone(i)
                    continue
                # the totals sum each point's rows over every layer of the network, a repeat as often as it
                # occurs, in the order simulate sums its per-layer table (float for float)
                sums = summary_columns(cols, points, net.name, n, index)
                sums.update(energy_summary_columns(cols, points, table, sums, index))
                kept_sums = sums if metrics is None else {k: sums[k] for k in metrics if k in sums}
                kept = rows_of(kept_sums) if kept_sums else [{} for _ in members]  # none of the metrics asked
                for (i, _, _), summary in zip(members, kept):
                    results[i] = summary
                if layer_columns is not None:
                    _layer_detail(cols, [m[0] for m in members], index, layer_columns, results)
        return results


def _layer_detail(cols: dict, members: list[int], index: np.ndarray, names: list[str], results: list) -> None:
    """Each member's per-layer columns ``names`` (those the stacked ``cols`` hold: a row per distinct layer,
    point after point) out to the network's layers, a repeated layer's row once per repeat, into its
    summary's ``"layers"``."""
    rows = np.arange(len(members), dtype=np.int64)[:, None] * (len(cols["macs"]) // len(members)) + index
    picked = {c: cols[c][rows] for c in names if c in cols}  # [points, layers] each
    for k, i in enumerate(members):
        results[i]["layers"] = {c: v[k] for c, v in picked.items()}


def _columns(preps: list, hws: list[Hardware], table, text: bool) -> dict:
    """Result and energy columns of design points of one network (their prepared networks ``preps``,
    one precision and buffer structure), stacked point after point; ``text``: also the layer, kind
    and mapping columns (one point)."""
    prep = preps[0]
    out = None
    if len(prep.mac_pos):
        out = conv_layer_cost_batch(*_kernel_args(preps))
    columns = CONTRACT_COLUMNS + EXTRA_COLUMNS + home_columns(hws[0].on_chip_homes())
    layers = stacked_columns(preps, out, columns, text=text)
    cols = layers.cols
    cols.update(energy_columns(layers, layer_bits(prep), mac_widths(prep), energy_factors(hws, table)))
    return cols


def _kernel_args(preps: list) -> tuple:
    """The batch-kernel arguments of these prepared networks, stacked: the arrays they were prepared in
    when they are all the points of one ``prepare_points`` group, in order; else concatenated."""
    if len(preps) == 1:
        return preps[0].args
    group = whole_group(preps)
    if group is not None:
        return group[0].args
    return tuple(np.concatenate([p.args[j] for p in preps]) for j in range(len(preps[0].args)))


def _batch(batch, net: Network) -> int:
    """The batch to run: the network's, or ``batch`` when given (a whole number in the workload schema's
    range; 0 was once taken as "the network's")."""
    if batch is None:
        return net.batch
    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or not 1 <= batch <= 1 << 16:
        raise AccelsimError(f"batch {batch!r}: expected a whole number from 1 to {1 << 16}")
    return int(batch)


def _check_tiling(tiling: str) -> None:
    if tiling not in ("best", "best-dram", "best-cycles", "heuristic"):
        raise AccelsimError(f"tiling {tiling!r}: expected 'best', 'best-dram', 'best-cycles' or 'heuristic'")


def _warn_sparse(net: Network) -> None:
    sparse = _sparse_layers(net)
    if sparse:
        warn_caller(f"{net.name}: N:M sparsity of {len(sparse)} layer(s) ({sparse[0]}, ...) is recorded but not "
                    "modelled; these layers are costed dense")


_SPARSE = IdentityMemo(256)


def _sparse_layers(net: Network) -> list[str]:
    """Names of the layers with N:M sparsity, once per (frozen) network object."""
    return _SPARSE.get((net,), None, lambda: [x.name for x in net.layers if getattr(x, "sparsity", None)])


def _placement(placement, hw: Hardware):
    """The placement to use: the hardware's, or the caller's (a Placement, a dict, or a short spec)."""
    from accelsim.config.pim import Placement
    from accelsim.pim.placement import parse_placement

    if placement is None:
        return hw.pim.placement
    if isinstance(placement, Placement):
        return placement
    if isinstance(placement, str):
        return parse_placement(placement)
    try:
        return Placement.model_validate(placement)
    except ValidationError as exc:
        raise format_validation_error(exc, "<placement>") from None


__all__ = ["load_hardware", "load_workload", "save_hardware", "save_workload", "simulate", "simulate_points",
           "AccelsimError"]
