"""Fair dataflow comparisons: every variant with its own best tiles, the winner per layer and why.

A variant is a (dataflow, stationarity) pair. Each is simulated with tiles searched for *it*
(``tiling="best"`` for the DRAM objective, ``"best-cycles"`` for the cycles objective), so a
verdict reflects the dataflow, not a shared tiling. The winner of a layer has the smallest
objective (ties: the other objective); the reason compares it with the runner-up: which
operand's DRAM traffic differs most, how many more cycles the runner-up stalls or computes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from accelsim.api import load_hardware, load_workload, simulate
from accelsim.errors import AccelsimError
from accelsim.workload.shape import conv_shape

OBJECTIVES = {"dram": ("dram_bytes", "cycles"), "cycles": ("cycles", "dram_bytes")}
_TRAFFIC = {  # operand: (what the DRAM counts are, words for re-fetching it)
    "ifmap": "re-reads its inputs",
    "filter": "re-reads its weights",
    "ofmap": "spills and re-reads partial sums",
}


@dataclass
class Comparison:
    """``layers``: one row per layer, metrics per variant, winner and reason; ``variants``: network
    totals per variant; ``long``: one row per (layer, variant); ``winner``/``why``: the overall verdict."""

    layers: pd.DataFrame
    variants: pd.DataFrame
    long: pd.DataFrame
    winner: str
    why: str
    objective: str


def _label(df: str, st: str) -> str:
    return f"{df.upper()}/{st.upper()}"


def _op_bytes(row, bits) -> dict:
    return {
        "ifmap": row["dram_reads_ifmap"] * bits[0] / 8,
        "filter": row["dram_reads_filter"] * bits[1] / 8,
        "ofmap": row["dram_psum_elems"] * bits[2] / 8,
    }


def _fmt_bytes(x: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(x) >= scale:
            return f"{x / scale:.3g} {unit}"
    return f"{x:.0f} B"


def _reason(win, run, wname: str, rname: str, metric: str, bits) -> str:
    """Why ``win`` beats ``run``, in words."""
    parts = []
    wb, rb = _op_bytes(win, bits), _op_bytes(run, bits)
    op = max(wb, key=lambda k: rb[k] - wb[k])
    if rb[op] - wb[op] > 0:
        col = "dram_psum_elems" if op == "ofmap" else f"dram_reads_{op}"
        if win[col] > 0:
            parts.append(f"{rname} {_TRAFFIC[op]} ({run[col] / win[col]:.1f}x as much: "
                         f"{_fmt_bytes(rb[op])} vs {_fmt_bytes(wb[op])})")
        else:
            parts.append(f"{rname} {_TRAFFIC[op]} ({_fmt_bytes(rb[op])}; {wname} none)")
    dstall = int(run["stall_cycles"] - win["stall_cycles"])
    dcomp = int(run["compute_cycles"] - win["compute_cycles"])
    if dstall > 0 and dstall >= dcomp:
        parts.append(f"{rname} stalls {dstall:,} cycles more waiting for memory")
    elif dcomp > 0:
        eff = ""
        if run["mapping_efficiency"] < win["mapping_efficiency"] - 0.005:
            eff = f"; it keeps {run['mapping_efficiency']:.0%} of the PEs busy vs {win['mapping_efficiency']:.0%}"
        parts.append(f"{rname} computes {dcomp:,} cycles more (more folds, fill and drain{eff})")
    if not parts:
        parts.append("the difference is in the tie-breaking metric only")
    units = {"cycles": "cycles", "dram_bytes": "DRAM bytes"}
    other = "dram_bytes" if metric == "cycles" else "cycles"
    if win[metric] == run[metric]:
        gain = 1 - win[other] / run[other] if run[other] else 0.0
        head = f"{wname} wins: the same {units[metric]} as {rname} and {gain:.1%} fewer {units[other]}"
    else:
        gain = 1 - win[metric] / run[metric] if run[metric] else 0.0
        head = f"{wname} wins with {gain:.1%} fewer {units[metric]} than {rname}"
    return head + ": " + "; ".join(parts)


def _verdict(g: pd.DataFrame, labels: list[str], metric: str, tie: str, bits) -> tuple[str, str]:
    """(winner, reason) among the variants in ``g`` (indexed by variant). Tied winners are joined
    with '='; the reason compares the winner with the best variant that is not tied with it."""
    key = {v: (g.at[v, metric], g.at[v, tie]) for v in labels}
    best = min(key.values())
    winners = [v for v in labels if key[v] == best]
    rest = sorted((v for v in labels if key[v] != best), key=key.get)
    if not rest:
        return ("tie", "all variants cost the same here") if len(labels) > 1 else (labels[0], "only one variant")
    name = " and ".join(winners) + (" (tied)" if len(winners) > 1 else "")
    return "=".join(winners), _reason(g.loc[winners[0]], g.loc[rest[0]], name, rest[0], metric, bits)


def compare(hardware, workload, dataflows=("ir", "or", "wr"), stationarities=None, objective: str = "dram",
            tiling: str | None = None, batch: int | None = None, mapping=None) -> Comparison:
    """Simulate every (dataflow, stationarity) variant and explain which wins each layer, and why.

    ``dataflows`` / ``stationarities``: lists (None = the hardware's default); ``objective``:
    ``"dram"`` (DRAM bytes) or ``"cycles"``; ``tiling`` defaults to the search for that objective;
    ``mapping`` (as for ``simulate``) may fix tiles or unrolling; its dataflow/stationarity entries
    would override the variants, so leave those unset.
    """
    if objective not in OBJECTIVES:
        raise AccelsimError(f"objective {objective!r}: expected one of {sorted(OBJECTIVES)}")
    hw = load_hardware(hardware)
    net = load_workload(workload)
    dfs = list(dataflows) if dataflows else [hw.dataflow]
    sts = list(stationarities) if stationarities else [hw.stationarity]
    for st in sts:
        if st not in ("os", "ws", "is"):
            raise AccelsimError(f"stationarity {st!r}: expected os, ws or is")
    tiling = tiling or ("best-dram" if objective == "dram" else "best-cycles")
    metric, tie = OBJECTIVES[objective]
    frames, totals = [], []
    for df_name, st in itertools.product(dfs, sts):
        res = simulate(hw, net, dataflow=df_name, stationarity=st, tiling=tiling, batch=batch, mapping=mapping)
        t = res.layers.copy()
        t.insert(0, "variant", _label(df_name, st))
        frames.append(t)
        totals.append({"variant": _label(df_name, st), **{k: res.summary[k] for k in (
            "cycles", "compute_cycles", "stall_cycles", "dram_bytes", "utilization", "mapping_efficiency",
            "latency_s")}})
    long = pd.concat(frames, ignore_index=True)
    outs = {layer.name: (conv_shape(layer, hw, batch or net.batch).ofmap_elems() if layer.kind in
                         ("conv", "fc", "gemm") else 0) for layer in net.layers}
    # partial sums moved to and from DRAM: read-backs plus every write but the final one (MAC layers)
    mac = long["kind"].isin(["conv", "fc", "gemm"])
    long["dram_psum_elems"] = np.where(
        mac, long["dram_reads_ofmap"] + (long["dram_writes_ofmap"] - long["layer"].map(outs)).clip(lower=0), 0)
    bits = (hw.precision.input_bits, hw.precision.weight_bits, hw.precision.psum_bits)
    labels = [f["variant"].iloc[0] for f in frames]
    rows = []
    for name, grp in long.groupby("layer", sort=False):
        g = grp.set_index("variant")
        rec = {"layer": name, "kind": g["kind"].iloc[0]}
        for v in labels:
            rec[f"{metric}[{v}]"] = g.at[v, metric]
            rec[f"{tie}[{v}]"] = g.at[v, tie]
        rec["winner"], rec["why"] = _verdict(g, labels, metric, tie, bits)
        rows.append(rec)
    layers = pd.DataFrame(rows)
    variants = pd.DataFrame(totals)
    variants["layers_won"] = [int(sum(v in w.split("=") for w in layers["winner"])) for v in variants["variant"]]
    agg = long.groupby("variant")[["dram_reads_ifmap", "dram_reads_filter", "dram_psum_elems", "stall_cycles",
                                   "compute_cycles", "cycles", "dram_bytes"]].sum()
    agg["mapping_efficiency"] = variants.set_index("variant")["mapping_efficiency"]
    winner, why = _verdict(agg, labels, metric, tie, bits)
    return Comparison(layers, variants, long, winner, why, objective)

