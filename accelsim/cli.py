"""Command line: a thin layer over the Python API (``accelsim --help``).

Bad input prints one clear message (file, field, value, what is allowed) and
exits with status 2; no traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from accelsim.api import load_hardware, simulate
from accelsim.config.yamlio import path_kind
from accelsim.errors import AccelsimError, check_output, writing

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="accelsim: cycles, traffic and utilization of DNN layers on accelerators.")
# Wide output when piped (rich would fold at 80 columns), the terminal's width otherwise.
out = Console(width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 200)


def _fail(exc: Exception) -> None:
    err.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
    raise typer.Exit(2)


def _checked(output: Path) -> None:
    """``check_output``, or exit with its message."""
    try:
        check_output(output)
    except AccelsimError as exc:
        _fail(exc)


def _write(output: Path, write) -> None:
    """``write()`` the file ``output`` and say so, or exit with why it could not be written."""
    try:
        with writing(output):
            write()
    except AccelsimError as exc:
        _fail(exc)
    out.print(f"wrote {output}")


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


@app.command()
def run(
    hardware: str = typer.Argument(..., help="Hardware config: a YAML path or a shipped name (accelsim zoo)."),
    workload: str = typer.Argument(..., help="Workload: a YAML path or a shipped name (accelsim zoo)."),
    dataflow: Optional[str] = typer.Option(None, "--dataflow", "-d",
                                           help="ir, or, wr, or a tile-loop order such as npqmc."),
    stationarity: Optional[str] = typer.Option(None, "--stationarity", "-s", help="os, ws or is."),
    mapping: Optional[Path] = typer.Option(None, "--mapping", "-m", help="Mapping YAML (all or some layers)."),
    batch: Optional[int] = typer.Option(None, "--batch", "-b", min=1, help="Batch size (overrides the workload's)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the per-layer table: .csv, .parquet, .json."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the summary."),
    tiling: str = typer.Option("best", "--tiling", help="best (DRAM within 10% of its minimum, then fewest "
                               "cycles) | best-dram | best-cycles | heuristic."),
    timing: str = typer.Option("native", "--timing",
                               help="native, or scalesim (SCALE-Sim 3.0.0's mapping, rules and quirks)."),
    placement: Optional[str] = typer.Option(None, "--placement", help="PIM hardware: which layers run on the "
                                            "crossbars: pim, digital, or e.g. fc,conv3x3 or layer:conv1,layer:fc1."),
) -> None:
    """Simulate WORKLOAD on HARDWARE; print the per-layer table and the network summary."""
    if stationarity is not None and stationarity.lower() not in ("os", "ws", "is"):
        _fail(AccelsimError(f"--stationarity {stationarity!r}: expected os, ws or is"))
    try:
        if output is not None:
            check_output(output)
        res = simulate(hardware, workload, dataflow=dataflow,
                       stationarity=stationarity.lower() if stationarity else None, mapping=mapping, batch=batch,
                       tiling=tiling, timing=timing, placement=placement)
        if output is not None:
            res.to_file(output)
    except AccelsimError as exc:
        _fail(exc)
    df = res.layers
    if not quiet:
        table = Table(title=f"{res.summary['network']} on {res.summary['hardware']} (batch {res.summary['batch']})")
        cols = ["layer", "kind", "macs", "cycles", "stall_cycles", "utilization", "mapping_efficiency",
                "dram_bytes", "mapping"]
        heads = ["layer", "kind", "MACs", "cycles", "stall", "util", "map eff", "DRAM bytes", "mapping"]
        if "unit" in df:  # a hybrid chip: which unit ran the layer, and what its ADCs needed
            cols[2:2], heads[2:2] = ["unit", "adc_bits_needed"], ["unit", "ADC bits needed"]
        for h in heads:
            table.add_column(h, justify="left" if h in ("layer", "kind", "mapping") else "right",
                             overflow="fold")
        for rec in df[cols].itertuples(index=False):
            table.add_row(*(_fmt(v.item() if hasattr(v, "item") else v) for v in rec))
        out.print(table)
    s = res.summary
    summ = Table(title="summary", show_header=False)
    summ.add_column("metric")
    summ.add_column("value", justify="right")
    for key, label in [("macs", "MACs"), ("cycles", "cycles"), ("stall_cycles", "stall cycles"),
                       ("compute_bound_cycles", "compute bound (cycles)"),
                       ("bandwidth_bound_cycles", "bandwidth bound (cycles)"), ("dram_bytes", "DRAM bytes"),
                       ("utilization", "utilization"), ("mapping_efficiency", "mapping efficiency"),
                       ("latency_per_inference_s", "latency per inference (s)"),
                       ("throughput_inferences_per_s", "throughput (inferences/s)"),
                       ("throughput_tops", "throughput (TOPS)"), ("peak_tops", "peak (TOPS)"),
                       ("energy_pj", "energy (pJ)"), ("tops_per_w", "TOPS/W"), ("area_mm2", "area (mm2)"),
                       ("pim_layers", "layers on PIM"), ("crossbars_used", "crossbars used"),
                       ("chip_crossbars", "crossbars on chip"),
                       ("pipelined_inferences_per_s", "pipelined (inferences/s)"),
                       ("writes_per_cell_per_inference", "cell writes per inference")]:
        if key not in s:
            continue
        v = s[key]
        summ.add_row(label, f"{v:.6g}" if isinstance(v, float) else f"{v:,}")
    out.print(summ)
    if output is not None:
        out.print(f"wrote {output}")


@app.command()
def compare(
    hardware: str = typer.Argument(..., help="Hardware config: a YAML path or a shipped name."),
    workload: str = typer.Argument(..., help="Workload: a YAML path or a shipped name."),
    dataflows: str = typer.Option("ir,or,wr", "--dataflows", help="Comma-separated: ir, or, wr or loop orders."),
    stationarities: Optional[str] = typer.Option(None, "--stationarities",
                                                 help="Comma-separated os, ws, is (default: the hardware's)."),
    objective: str = typer.Option("dram", "--objective", help="dram (DRAM bytes) or cycles."),
    tiling: Optional[str] = typer.Option(None, "--tiling", help="best | best-cycles | heuristic "
                                         "(default: the search for the objective)."),
    batch: Optional[int] = typer.Option(None, "--batch", "-b", min=1),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the per-layer comparison (.csv)."),
) -> None:
    """Compare dataflows (and stationarities) layer by layer, each with its own best tiles, and say why."""
    from accelsim.compare import compare as run_compare

    try:
        if output is not None:
            check_output(output)
        cmp = run_compare(hardware, workload, [d.strip() for d in dataflows.split(",") if d.strip()],
                          [s.strip().lower() for s in stationarities.split(",")] if stationarities else None,
                          objective=objective, tiling=tiling, batch=batch)
    except AccelsimError as exc:
        _fail(exc)
    metric = "dram_bytes" if objective == "dram" else "cycles"
    t = Table(title=f"{metric} per layer (lower is better)")
    t.add_column("layer")
    variants = list(cmp.variants["variant"])
    for v in variants:
        t.add_column(v, justify="right")
    t.add_column("winner")
    t.add_column("why", overflow="fold")
    for rec in cmp.layers.to_dict("records"):
        t.add_row(rec["layer"], *(f"{rec[f'{metric}[{v}]']:,}" for v in variants), rec["winner"], rec["why"])
    out.print(t)
    v = Table(title="network")
    for col in ("variant", "cycles", "stall_cycles", "dram_bytes", "utilization", "layers_won"):
        v.add_column(col, justify="left" if col == "variant" else "right")
    for rec in cmp.variants.to_dict("records"):
        v.add_row(rec["variant"], f"{rec['cycles']:,}", f"{rec['stall_cycles']:,}", f"{rec['dram_bytes']:,}",
                  f"{rec['utilization']:.3f}", str(rec["layers_won"]))
    out.print(v)
    out.print(f"[bold]overall:[/] {cmp.why}" if cmp.winner != "tie" else f"overall: {cmp.why}")
    if output is not None:
        _write(output, lambda: cmp.layers.to_csv(output, index=False))


@app.command()
def sweep(
    spec: Path = typer.Argument(..., help="Sweep spec YAML (see sweeps/)."),
    output: Path = typer.Option(..., "-o", "--output", help="Results directory (resumable)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Evaluate at most N points, in spec order."),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", min=1, help="Local processes (default: cores)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler",
                                            help="dask.distributed: 'local' (LocalCluster) or tcp://HOST:PORT."),
    chunk_size: Optional[int] = typer.Option(None, "--chunk-size", min=1,
                                             help="Design points per task and shard (default: up to 1024 with "
                                             "heuristic tiles, 256 with best; at least 4 tasks per worker)."),
) -> None:
    """Evaluate a design-space sweep; rerunning resumes where it stopped."""
    from accelsim.sweep.runner import run_sweep
    from accelsim.sweep.shards import sweep_counts

    try:
        run_sweep(spec, output, limit=limit, workers=workers, scheduler=scheduler, chunk_size=chunk_size, load=False)
    except AccelsimError as exc:
        _fail(exc)
    points, rows, ok = sweep_counts(output)
    out.print(f"{points} design points, {rows} rows ({ok} evaluated) in {output}")
    if any((output / "layers").glob("*.parquet")):
        out.print(f"per-layer rows in {output / 'layers'} (accelsim.sweep.load_layer_results)")


@app.command()
def pareto(
    results: Path = typer.Argument(..., help="A sweep results directory."),
    objectives: Optional[str] = typer.Option(None, "--objectives",
                                             help="Two or three of latency, energy, edp, area (default: the spec's)."),
    workload: Optional[str] = typer.Option(None, "--workload", help="Only this workload's rows."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the front (.csv)."),
) -> None:
    """Print the Pareto front of a sweep's results."""
    import yaml

    from accelsim.sweep import OBJECTIVE_COLUMNS, sweep_front

    if path_kind(results) != "dir" or not any(Path(results, "shards").glob("*.parquet")) \
            or path_kind(results / "spec.yaml") != "file":
        _fail(AccelsimError(f"{results}: no sweep results"))
    if output is not None:
        _checked(output)
    spec = yaml.safe_load((results / "spec.yaml").read_text())
    objs = [o.strip() for o in objectives.split(",")] if objectives else spec["objectives"]
    bad = [o for o in objs if o not in OBJECTIVE_COLUMNS]
    if bad or not 2 <= len(objs) <= 3:
        _fail(AccelsimError(f"--objectives {objs}: two or three of {', '.join(OBJECTIVE_COLUMNS)}"))
    names = [w for w in spec.get("workloads", []) if isinstance(w, str)]
    if workload is not None and workload not in names and len(names) == len(spec.get("workloads", [])):
        _fail(AccelsimError(f"--workload {workload!r}: this sweep's workloads are {', '.join(names)}"))
    cols = [OBJECTIVE_COLUMNS[o] for o in objs]
    front = sweep_front(results, cols, workload)  # shard by shard: a sweep's rows need not fit in memory
    if front.empty:
        front = pd.DataFrame(columns=["workload", *spec["axes"], *cols])
    axes = [c for c in spec["axes"]]
    t = Table(title=f"Pareto front ({', '.join(objs)})")
    from rich.markup import escape

    for col in ["workload", *axes, *cols]:
        t.add_column(escape(col), justify="left" if col == "workload" else "right")
    for rec in front.to_dict("records"):
        t.add_row(*(_fmt(rec[c]) if not isinstance(rec[c], float) else f"{rec[c]:.4g}" for c in
                    ["workload", *axes, *cols]))
    out.print(t)
    if output is not None:
        _write(output, lambda: front.to_csv(output, index=False))


PLOT_KINDS = ("cycles", "traffic", "utilization", "energy", "network-energy", "roofline", "sweep", "heatmap",
              "digital-vs-pim")


def _read_results(path: Path):
    kind = path_kind(path)
    if kind == "dir":
        from accelsim.sweep import load_results

        return load_results(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".json"):
        raise AccelsimError(f"{path}: expected a run's .csv/.parquet/.json or a sweep directory")
    if kind != "file":
        raise AccelsimError(f"{path}: file not found")
    try:
        if suffix == ".csv":
            return pd.read_csv(path)
        if suffix == ".parquet":
            return pd.read_parquet(path)
        import json

        return pd.DataFrame(json.loads(path.read_text())["layers"])
    except (OSError, ValueError, KeyError, TypeError) as exc:  # pandas, pyarrow and json errors are ValueErrors
        raise AccelsimError(f"{path}: cannot read it as a {suffix[1:]} table of results: "
                            f"{type(exc).__name__}: {exc}") from None


@app.command()
def plot(
    results: Path = typer.Argument(..., help="A run's -o file (.csv/.parquet/.json), a sweep directory, or (for "
                                   "digital-vs-pim) a table saved from accelsim.report.digital_vs_pim."),
    kind: str = typer.Option(..., "--kind", "-k", help=" | ".join(PLOT_KINDS)),
    output: Path = typer.Option(..., "-o", "--output", help="Figure file: .png or .svg."),
    level: str = typer.Option("dram", "--level", help="traffic: dram, buffer, rf, array or a home buffer."),
    hardware: Optional[str] = typer.Option(None, "--hardware", help="roofline: the hardware of the run."),
    x: Optional[str] = typer.Option(None, "--x", help="sweep/heatmap: x column (default latency_s / first axis)."),
    y: Optional[str] = typer.Option(None, "--y", help="sweep/heatmap: y column (default energy_pj / second axis)."),
    metric: str = typer.Option("energy_pj", "--metric", help="heatmap: the metric shown."),
) -> None:
    """Draw a figure from saved results."""
    import matplotlib

    matplotlib.use("Agg")
    from accelsim import report

    if kind not in PLOT_KINDS:
        _fail(AccelsimError(f"--kind {kind!r}: expected one of {', '.join(PLOT_KINDS)}"))
    if output.suffix.lower() not in (".png", ".svg"):
        _fail(AccelsimError(f"{output}: figures are written as .png or .svg"))
    _checked(output)
    try:
        df = _read_results(results)
        if df.empty:
            raise AccelsimError(f"{results}: no rows")
        if kind == "cycles":
            ax = report.plot_cycles(df)
        elif kind == "traffic":
            ax = report.plot_traffic(df, level)
        elif kind == "utilization":
            ax = report.plot_utilization(df)
        elif kind == "energy":
            ax = report.plot_energy_breakdown(df)
        elif kind == "network-energy":
            ax = report.plot_network_energy(df)
        elif kind == "roofline":
            if hardware is None:
                raise AccelsimError("--kind roofline needs --hardware (the run's hardware config)")
            ax = report.plot_roofline(df, load_hardware(hardware))
        elif kind == "sweep":
            ax = report.plot_sweep(df, x or "latency_s", y or "energy_pj")
        elif kind == "digital-vs-pim":  # a table from accelsim.report.digital_vs_pim(...).to_csv(...)
            ax = report.plot_digital_vs_pim(df)[0]
        else:
            import yaml

            axes = list(yaml.safe_load((results / "spec.yaml").read_text())["axes"]) if results.is_dir() else []
            if (x is None or y is None) and len(axes) < 2:
                raise AccelsimError("--kind heatmap needs --x and --y (two swept axes)")
            ax = report.plot_heatmap(df, x or axes[0], y or axes[1], metric)
    except AccelsimError as exc:
        _fail(exc)
    except KeyError as exc:  # a column the figure needs
        _fail(AccelsimError(f"{results}: --kind {kind} needs column {exc.args[0]!r}, which it does not have"))
    ax.figure.tight_layout()
    _write(output, lambda: ax.figure.savefig(output))


def _kind_of(data: dict) -> str:
    if "problem" in data and "architecture" in data:
        return "nest"
    if "array" in data or "backing_memory" in data:
        return "hardware"
    if isinstance(data.get("layers"), list):
        return "workload"
    if "default" in data or isinstance(data.get("layers"), dict):
        return "mapping"
    return "unknown"



from accelsim import cli_files  # noqa: E402,F401  (registers validate, nest, zoo, import and export on ``app``)


def main() -> None:
    try:
        app()
    except AccelsimError as exc:  # pragma: no cover - commands catch their own
        err.print(f"error: {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
