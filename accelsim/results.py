"""The result contract: one row per layer with fixed column names, and a network summary.

Counts are element counts, each operand at its own precision (partial sums at
partial-sum precision); ``*_reads_ofmap`` are partial-sum read-backs. Levels:
``rf`` (PE register files), ``array`` (PE-to-PE forwarding: ``array_reads_ifmap``
and ``array_reads_filter`` count operand hops, ``array_writes_ofmap`` partial-sum
hops of a spatial reduction), ``buffer`` (the staging global buffer, or FIFO),
``dram`` (backing memory) and, for an operand whose home is an on-chip buffer
``B`` other than its staging buffer, ``B_reads_<op>`` / ``B_writes_ofmap``.
Efficiencies are fractions in [0, 1]; throughput counts a MAC as 2 ops.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from accelsim.cost import LayerCost
from accelsim.errors import AccelsimError
from accelsim.kernels import layout as L

CONTRACT_COLUMNS = [
    "layer", "kind", "macs", "cycles", "compute_cycles", "stall_cycles", "compute_bound_cycles",
    "bandwidth_bound_cycles", "mapping_efficiency", "utilization", "buffer_reads_ifmap",
    "buffer_reads_filter", "buffer_reads_ofmap", "buffer_writes_ofmap", "dram_reads_ifmap",
    "dram_reads_filter", "dram_reads_ofmap", "dram_writes_ofmap", "dram_bytes", "latency_s", "mapping",
]
EXTRA_COLUMNS = [
    "rf_reads_ifmap", "rf_writes_ifmap", "rf_reads_filter", "rf_writes_filter", "rf_reads_ofmap",
    "rf_writes_ofmap", "array_reads_ifmap", "array_reads_filter", "array_writes_ofmap",
]


def home_columns(home_buffers: list[str]) -> list[str]:
    cols = []
    for b in home_buffers:
        cols += [f"{b}_reads_ifmap", f"{b}_reads_filter", f"{b}_reads_ofmap", f"{b}_writes_ofmap"]
    return cols


def _ceil_bytes(elem_bits: int) -> int:
    return -(-elem_bits // 8)


def mac_layer_row(name: str, kind: str, lc: LayerCost, hw) -> dict:
    """Name the kernel's counts for a conv/FC/GEMM layer."""
    c = lc.counts
    sh = lc.shape
    bits = {"ifmap": sh.input_bits, "filter": sh.weight_bits}
    macs = int(c[L.O_MACS])
    cycles = int(c[L.O_CYCLES])
    compute = int(c[L.O_COMPUTE])
    pes = hw.pes
    row = {"layer": name, "kind": kind, "macs": macs, "cycles": cycles, "compute_cycles": compute,
           "stall_cycles": cycles - compute,
           "compute_bound_cycles": -(-macs // (pes * hw.array.macs_per_pe))}
    home_rd = {"ifmap": int(c[L.O_HOME_RD_IF]), "filter": int(c[L.O_HOME_RD_FI]), "ofmap": int(c[L.O_HOME_RD_OF])}
    home_wr = int(c[L.O_HOME_WR_OF])
    final_wr = int(c[L.O_HOME_WR_OF_FINAL])
    dram = {"dram_reads_ifmap": 0, "dram_reads_filter": 0, "dram_reads_ofmap": 0, "dram_writes_ofmap": 0}
    onchip = {}
    dram_bits = 0
    compulsory_bits = 0
    for i, op in enumerate(("ifmap", "filter", "ofmap")):
        home = lc.plan.homes[i]
        if home == "dram":
            if op == "ofmap":
                dram["dram_reads_ofmap"] = home_rd["ofmap"]
                dram["dram_writes_ofmap"] = home_wr
                dram_bits += (home_rd["ofmap"] + home_wr - final_wr) * sh.psum_bits + final_wr * sh.output_bits
                compulsory_bits += sh.ofmap_elems() * sh.output_bits
            else:
                dram[f"dram_reads_{op}"] = home_rd[op]
                dram_bits += home_rd[op] * bits[op]
                compulsory_bits += (int(c[L.O_COMPULSORY_IF]) if op == "ifmap" else sh.filter_elems()) * bits[op]
        elif op == "ofmap":
            onchip[f"{home}_reads_ofmap"] = home_rd["ofmap"]
            onchip[f"{home}_writes_ofmap"] = home_wr
        else:
            onchip[f"{home}_reads_{op}"] = home_rd[op]
    bw_bits = hw.backing_memory.bandwidth_bytes_per_cycle * 8.0
    fold_cycles = int(c[L.O_FOLD_CYCLES])
    row.update({
        "bandwidth_bound_cycles": math.ceil(compulsory_bits / bw_bits) if compulsory_bits else 0,
        "mapping_efficiency": float(c[L.O_USED_PE_CYCLES]) / (pes * fold_cycles) if fold_cycles else 0.0,
        "utilization": macs / (pes * hw.array.macs_per_pe * cycles) if cycles else 0.0,
        "buffer_reads_ifmap": int(c[L.O_BUF_RD_IF]),
        "buffer_reads_filter": int(c[L.O_BUF_RD_FI]),
        "buffer_reads_ofmap": int(c[L.O_BUF_RD_OF]),
        "buffer_writes_ofmap": int(c[L.O_BUF_WR_OF]),
        **dram,
        "dram_bytes": _ceil_bytes(dram_bits),
        "latency_s": cycles / hw.clock_hz,
        "mapping": lc.mapping.describe(),
    })
    rf = hw.register_files
    row.update({
        "rf_reads_ifmap": macs if rf.ifmap_bytes else 0,
        "rf_writes_ifmap": int(c[L.O_DELIV_IF]) if rf.ifmap_bytes else 0,
        "rf_reads_filter": macs if rf.filter_bytes else 0,
        "rf_writes_filter": int(c[L.O_DELIV_FI]) if rf.filter_bytes else 0,
        "rf_reads_ofmap": macs if rf.psum_bytes else 0,
        "rf_writes_ofmap": macs if rf.psum_bytes else 0,
        "array_reads_ifmap": int(c[L.O_ARR_IF]),
        "array_reads_filter": int(c[L.O_ARR_FI]),
        "array_writes_ofmap": int(c[L.O_ARR_OF]),
    })
    row.update(onchip)
    return row


def movement_row(name: str, kind: str, mc, hw) -> dict:
    """A pooling / element-wise layer: no MACs; traffic to DRAM or to the activations' on-chip home."""
    bw_bits = hw.backing_memory.bandwidth_bytes_per_cycle * 8.0
    dram_bits = (mc.reads * mc.in_bits if mc.read_home == "dram" else 0) + \
        (mc.writes * mc.out_bits if mc.write_home == "dram" else 0)
    row = dict.fromkeys(CONTRACT_COLUMNS + EXTRA_COLUMNS, 0)
    row.update({
        "layer": name, "kind": kind, "macs": 0, "cycles": mc.cycles, "compute_cycles": mc.compute_cycles,
        "stall_cycles": mc.cycles - mc.compute_cycles, "compute_bound_cycles": 0,
        "bandwidth_bound_cycles": math.ceil(dram_bits / bw_bits), "mapping_efficiency": 0.0, "utilization": 0.0,
        "dram_bytes": _ceil_bytes(dram_bits), "latency_s": mc.cycles / hw.clock_hz,
        "mapping": f"stream {kind} on {hw.array.cols} lanes",
    })
    row[f"{mc.read_home}_reads_ifmap"] = mc.reads
    row[f"{mc.write_home}_writes_ofmap"] = mc.writes
    return row


@dataclass
class SimulationResult:
    """Per-layer DataFrame (``layers``) and network summary (``summary``) of one run."""

    layers: pd.DataFrame
    summary: dict = field(default_factory=dict)

    def to_file(self, path) -> Path:
        """Write the per-layer table to .csv, .parquet or .json (summary included in JSON)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".csv":
            self.layers.to_csv(path, index=False)
        elif suffix == ".parquet":
            self.layers.to_parquet(path, index=False)
        elif suffix == ".json":
            payload = {"summary": self.summary, "layers": self.layers.to_dict(orient="records")}
            path.write_text(json.dumps(payload, indent=1, default=float))
        else:
            raise AccelsimError(f"{path}: unknown output format {suffix!r}; use .csv, .parquet or .json")
        return path


def summarize(df: pd.DataFrame, hw, network: str, batch: int) -> dict:
    macs = int(df["macs"].sum())
    cycles = int(df["cycles"].sum())
    latency = cycles / hw.clock_hz
    fold_weighted = df.loc[df["macs"] > 0]
    eff = ((fold_weighted["mapping_efficiency"] * fold_weighted["compute_cycles"]).sum()
           / fold_weighted["compute_cycles"].sum()) if len(fold_weighted) else 0.0
    return {
        "hardware": hw.name,
        "network": network,
        "batch": batch,
        "layers": len(df),
        "macs": macs,
        "cycles": cycles,
        "compute_cycles": int(df["compute_cycles"].sum()),
        "stall_cycles": int(df["stall_cycles"].sum()),
        "compute_bound_cycles": int(df["compute_bound_cycles"].sum()),
        "bandwidth_bound_cycles": int(df["bandwidth_bound_cycles"].sum()),
        "dram_bytes": int(df["dram_bytes"].sum()),
        "mapping_efficiency": float(eff),
        "utilization": macs / (hw.pes * hw.array.macs_per_pe * cycles) if cycles else 0.0,
        "latency_s": latency,
        "latency_per_inference_s": latency / batch,
        "throughput_inferences_per_s": batch / latency if latency else 0.0,
        "throughput_tops": 2 * macs / latency / 1e12 if latency else 0.0,
        "peak_tops": 2 * hw.pes * hw.array.macs_per_pe * hw.clock_hz / 1e12,
    }
