"""Commands that check, describe and convert files: ``validate``, ``nest``, ``zoo``, ``import`` and
``export`` (registered on :data:`accelsim.cli.app`; same error conventions as the rest of the CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from accelsim import zoo
from accelsim.api import load_hardware, load_workload
from accelsim.cli import _fail, _fmt, _kind_of, _write, app, err, out
from accelsim.config.yamlio import load_yaml_mapping
from accelsim.errors import AccelsimError, check_output
from accelsim.mapping.mapping import load_mapping


def _file_kind(path: Path) -> str:
    """What ``path`` holds, as the loaders recognise it: SCALE-Sim .cfg files, topology CSVs and ONNX
    models by content, YAML by its fields."""
    from accelsim.config.scalesim_cfg import looks_like_cfg
    from accelsim.config.yamlio import path_kind, read_text
    from accelsim.workload.onnx_detect import is_onnx_file
    from accelsim.workload.scalesim_topology import looks_like_topology

    if path_kind(path) == "file":
        if is_onnx_file(path):
            return "workload"
        text = read_text(path)
        if looks_like_cfg(text):
            return "hardware"
        if looks_like_topology(text):
            return "workload"
    return _kind_of(load_yaml_mapping(path))


@app.command()
def validate(files: list[Path] = typer.Argument(..., help="Hardware, workload, mapping or nest files: YAML, "
                                                "SCALE-Sim .cfg and topology CSVs, ONNX models.")) -> None:
    """Check files; print what each one is, or a clear error. Exit status 2 if any is invalid."""
    bad = 0
    for path in files:
        try:
            kind = _file_kind(path)
            if kind == "hardware":
                hw = load_hardware(path)
                out.print(f"ok  {path}: hardware {hw.name!r} ({hw.array.rows}x{hw.array.cols} PEs)")
            elif kind == "workload":
                net = load_workload(path)
                out.print(f"ok  {path}: workload {net.name!r} ({len(net.layers)} layers)")
            elif kind == "nest":
                from accelsim.nest import load_nest
                n = load_nest(path)
                out.print(f"ok  {path}: nest {n.problem.name!r} on {n.architecture.name!r} "
                          f"({len(n.architecture.levels)} storage levels)")
            elif kind == "mapping":
                m = load_mapping(path)
                out.print(f"ok  {path}: mapping ({len(m.layers)} per-layer entries)")
            else:
                raise AccelsimError(f"{path}: not a hardware config (needs 'array'), workload (needs a 'layers' "
                                    "list), mapping (needs 'default' or a 'layers' mapping) or nest (needs "
                                    "'problem' and 'architecture')")
        except AccelsimError as exc:
            bad += 1
            err.print(f"[bold red]invalid[/] {exc}", highlight=False)
    if bad:
        raise typer.Exit(2)


@app.command()
def nest(
    spec: Path = typer.Argument(..., help="Nest YAML: problem, architecture (or its file) and mapping."),
    output: Optional[Path] = typer.Option(None, "-o", "--output",
                                          help="Write the per-level, per-tensor counts (.csv)."),
) -> None:
    """Count a loop nest on any storage hierarchy with Timeloop's rules (docs/nest.md)."""
    from accelsim.nest import evaluate_nest

    try:
        if output is not None:
            check_output(output)
        res = evaluate_nest(spec)
    except AccelsimError as exc:
        _fail(exc)
    t = Table(title=f"{res.summary['problem']} on {res.summary['architecture']}: words per instance, energy over all instances")
    cols = ("level", "tensor", "instances", "tile_words", "reads", "fills", "updates", "energy_pj")
    for col in cols:
        t.add_column(col, justify="left" if col in ("level", "tensor") else "right")
    for rec in res.tensors.to_dict("records"):
        t.add_row(*(_fmt(rec[c]) for c in cols))
    out.print(t)
    lv = Table(title="energy per level (pJ)")
    for col in ("level", "instances", "energy_pj_access", "energy_pj_leakage", "energy_pj"):
        lv.add_column(col, justify="left" if col == "level" else "right")
    for rec in res.levels.to_dict("records"):
        lv.add_row(rec["level"], _fmt(rec["instances"]), *(_fmt(rec[c]) for c in
                                                           ("energy_pj_access", "energy_pj_leakage", "energy_pj")))
    out.print(lv)
    s = res.summary
    out.print(f"cycles {s['cycles']:,}  MACs {s['macs']:,}  utilization {s['utilization']:.4f}  "
              f"energy {s['energy_pj']:,.3f} pJ  ({s['pj_per_mac']:.4f} pJ/MAC)")
    if output is not None:
        _write(output, lambda: res.tensors.to_csv(output, index=False))


def _zoo_table(title: str, size_header: str, names: list[str], load, size) -> Table:
    """One row per shipped file: name, size, description; a broken file is reported, not hidden."""
    t = Table(title=title)
    t.add_column("name")
    t.add_column(size_header, justify="right")
    t.add_column("description", overflow="fold")
    for name in names:
        try:
            obj = load(name)
            t.add_row(name, size(obj), obj.description)
        except AccelsimError as exc:
            t.add_row(name, "?", f"invalid: {exc}")
    return t


@app.command(name="zoo")
def zoo_cmd() -> None:
    """List the shipped hardware configs and workloads (usable by name)."""
    out.print(_zoo_table("hardware configs (hwconfigs/)", "PEs", zoo.shipped_hardware(), load_hardware,
                         lambda hw: f"{hw.array.rows}x{hw.array.cols}"))
    out.print(_zoo_table("workloads (workloads/)", "layers", zoo.shipped_workloads(), load_workload,
                         lambda net: str(len(net.layers))))


def _convert(source: str, output: Path, suffixes: tuple[str, ...], wrong_suffix: str) -> None:
    """Load ``source`` (a file, by what ``_file_kind`` finds in it, or a shipped name) and save it as
    ``output``, whose suffix must be one of ``suffixes`` (else exit with ``wrong_suffix``)."""
    from accelsim.api import save_hardware, save_workload
    from accelsim.config.yamlio import path_kind

    if output.suffix.lower() not in suffixes:
        _fail(AccelsimError(f"{output}: {wrong_suffix}"))
    try:
        path = Path(source)
        if path_kind(path) == "file":
            is_hw = _file_kind(path) == "hardware"
        else:
            is_hw = zoo.find(source, "hardware") is not None
        if is_hw:
            save_hardware(load_hardware(source), output)
        else:
            save_workload(load_workload(source), output)
    except AccelsimError as exc:
        _fail(exc)
    out.print(f"wrote {output}")


@app.command(name="import")
def import_cmd(
    source: str = typer.Argument(..., help="An ONNX model, SCALE-Sim topology CSV or .cfg, or any accelsim file."),
    output: Path = typer.Option(..., "-o", "--output", help="The accelsim YAML to write (e.g. workloads/my.yaml)."),
) -> None:
    """Convert a model or a SCALE-Sim file into an accelsim workload or hardware YAML."""
    _convert(source, output, (".yaml", ".yml"),
             "import writes accelsim YAML (.yaml); use 'accelsim export' for SCALE-Sim")


@app.command(name="export")
def export_cmd(
    source: str = typer.Argument(..., help="A hardware config or workload (path or shipped name)."),
    output: Path = typer.Option(..., "-o", "--output", help="SCALE-Sim file: .cfg (hardware) or .csv (topology)."),
) -> None:
    """Write a hardware config as a SCALE-Sim .cfg or a workload as a SCALE-Sim topology CSV."""
    _convert(source, output, (".cfg", ".csv"), "export writes SCALE-Sim files (.cfg or .csv)")
