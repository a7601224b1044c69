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
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from accelsim.errors import AccelsimError
from accelsim.kernels import layout as L
from accelsim.memo import IdentityMemo
from accelsim.movement import MovementRows, MovementTable

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


_SHAPES = IdentityMemo(256)


def _shape_constants(shapes: list) -> tuple[dict, np.ndarray, np.ndarray]:
    """Operand bits per layer, ofmap and filter elements of a list of ConvShapes; memoised per list
    object (the array path of array_prepare shares one list across design points)."""
    return _SHAPES.get((shapes,), None, lambda: (
        {k: np.array([getattr(sh, f"{k}_bits") for sh in shapes], np.int64)
         for k in ("input", "weight", "psum", "output")},
        np.array([sh.ofmap_elems() for sh in shapes], np.int64),
        np.array([sh.filter_elems() for sh in shapes], np.int64)))


class RowHardware(NamedTuple):
    """The hardware figures the result columns read, per row: plain numbers for one design point, or
    arrays with one entry per row when design points are stacked (``row_hardware``)."""

    pes: Any  # PEs in the array
    macs_per_pe: Any
    dram_bw_bits: Any  # backing-memory bandwidth (bits/cycle)
    clock_hz: Any
    rf_ifmap: Any  # 1 when the PEs have an ifmap register file, else 0
    rf_filter: Any
    rf_psum: Any


def per_row(values: list, counts: int):
    """One value per design point: the value itself for one point, else an array repeating each
    point's value ``counts`` times (its rows are consecutive)."""
    return values[0] if len(values) == 1 else np.repeat(np.asarray(values), counts)


def row_hardware(values: list[list], counts: int) -> RowHardware:
    """RowHardware of design points, ``counts`` rows each, from their ``hardware_values``."""
    return RowHardware(*(per_row(v, counts) for v in values))


def hardware_values(hws: list) -> list[list]:
    """Per RowHardware field, its value for each design point."""
    points = [(hw.pes, hw.array.macs_per_pe, hw.backing_memory.bandwidth_bytes_per_cycle * 8.0, hw.clock_hz,
               int(bool(hw.register_files.ifmap_bytes)), int(bool(hw.register_files.filter_bytes)),
               int(bool(hw.register_files.psum_bytes))) for hw in hws]
    return [list(v) for v in zip(*points)]


def mac_columns(preps: list, out: np.ndarray, rh: RowHardware) -> dict:
    """Result columns of the MAC layers (arrays, one entry per MAC layer of each design point, points
    one after another) from the kernel output; ``preps``: the points' prepared networks (the same
    network's layer table), ``rh``: their hardware per MAC row."""
    prep = preps[0]
    pes = rh.pes * rh.macs_per_pe
    n = out.shape[0]
    bits, ofmap_elems, filter_elems = _shape_constants(prep.shapes)  # the points share one layer table
    if len(preps) == 1:
        homes = prep.homes
        if "mac" not in prep.derived:  # constants of the prepared network, computed on its first run
            prep.derived["mac"] = (homes == "dram", sorted(set(homes.ravel()) - {"dram"}))
        on_dram, home_names = prep.derived["mac"]
    else:
        homes = np.concatenate([p.homes for p in preps])
        on_dram, home_names = homes == "dram", sorted(set(homes.ravel()) - {"dram"})
        bits = {k: np.tile(v, len(preps)) for k, v in bits.items()}
        ofmap_elems, filter_elems = np.tile(ofmap_elems, len(preps)), np.tile(filter_elems, len(preps))
    macs = out[:, L.O_MACS]
    cycles = out[:, L.O_CYCLES]
    compute = out[:, L.O_COMPUTE]
    fold = out[:, L.O_FOLD_CYCLES]
    if prep.timing == "scalesim":  # SCALE-Sim's read buffers and write drains (accelsim/scalesim_memory.py)
        if len(preps) > 1:
            raise ValueError("SCALE-Sim timing: one design point at a time")
        if "scalesim_dram" not in prep.derived:
            from accelsim.scalesim_memory import dram_columns

            prep.derived["scalesim_dram"] = dram_columns(prep, out)
        cycles = compute + prep.derived["scalesim_dram"]["stall_cycles"]  # USER mode stalls; CALC never does
    cols = {
        "macs": macs, "cycles": cycles, "compute_cycles": compute, "stall_cycles": cycles - compute,
        "compute_bound_cycles": -(-macs // pes),
        "mapping_efficiency": (np.where(out[:, L.O_FOLDS] > 0, out[:, L.O_USED_PES] / np.maximum(
            rh.pes * out[:, L.O_FOLDS], 1), 0.0) if prep.timing == "scalesim" else
            np.where(fold > 0, out[:, L.O_USED_PE_CYCLES] / np.maximum(rh.pes * fold, 1), 0.0)),
        "utilization": np.where(cycles > 0, macs / np.maximum(pes * cycles, 1), 0.0),
        "buffer_reads_ifmap": out[:, L.O_BUF_RD_IF], "buffer_reads_filter": out[:, L.O_BUF_RD_FI],
        "buffer_reads_ofmap": out[:, L.O_BUF_RD_OF], "buffer_writes_ofmap": out[:, L.O_BUF_WR_OF],
    }
    home_rd = {"ifmap": out[:, L.O_HOME_RD_IF], "filter": out[:, L.O_HOME_RD_FI], "ofmap": out[:, L.O_HOME_RD_OF]}
    home_wr = out[:, L.O_HOME_WR_OF]
    final = out[:, L.O_HOME_WR_OF_FINAL]
    zero = np.zeros(n, np.int64)
    if prep.timing == "scalesim":
        cols.update({k: v for k, v in prep.derived["scalesim_dram"].items() if k != "stall_cycles"})
        final = cols["dram_writes_ofmap"]  # one SCALE-Sim word per output or partial sum, at output width
    else:
        cols["dram_reads_ifmap"] = np.where(on_dram[:, 0], home_rd["ifmap"], 0)
        cols["dram_reads_filter"] = np.where(on_dram[:, 1], home_rd["filter"], 0)
        cols["dram_reads_ofmap"] = np.where(on_dram[:, 2], home_rd["ofmap"], 0)
        cols["dram_writes_ofmap"] = np.where(on_dram[:, 2], home_wr, 0)
    dram_bits = (cols["dram_reads_ifmap"] * bits["input"] + cols["dram_reads_filter"] * bits["weight"]
                 + (cols["dram_reads_ofmap"] + cols["dram_writes_ofmap"] - np.where(on_dram[:, 2], final, 0))
                 * bits["psum"] + np.where(on_dram[:, 2], final, 0) * bits["output"])
    compulsory = (np.where(on_dram[:, 0], out[:, L.O_COMPULSORY_IF] * bits["input"], 0)
                  + np.where(on_dram[:, 1], filter_elems * bits["weight"], 0)
                  + np.where(on_dram[:, 2], ofmap_elems * bits["output"], 0))
    cols["bandwidth_bound_cycles"] = np.ceil(compulsory / rh.dram_bw_bits).astype(np.int64)
    cols["dram_bytes"] = -(-dram_bits // 8)
    cols["latency_s"] = cycles / rh.clock_hz
    cols.update({
        "rf_reads_ifmap": macs * rh.rf_ifmap, "rf_writes_ifmap": out[:, L.O_DELIV_IF] * rh.rf_ifmap,
        "rf_reads_filter": macs * rh.rf_filter, "rf_writes_filter": out[:, L.O_DELIV_FI] * rh.rf_filter,
        "rf_reads_ofmap": macs * rh.rf_psum, "rf_writes_ofmap": macs * rh.rf_psum,
        "array_reads_ifmap": out[:, L.O_ARR_IF], "array_reads_filter": out[:, L.O_ARR_FI],
        "array_writes_ofmap": out[:, L.O_ARR_OF],
    })
    for name in home_names:
        for k, op in enumerate(("ifmap", "filter", "ofmap")):
            mask = homes[:, k] == name
            cols[f"{name}_reads_{op}"] = np.where(mask, home_rd[op], 0) + cols.get(f"{name}_reads_{op}", zero)
        cols[f"{name}_writes_ofmap"] = np.where(homes[:, 2] == name, home_wr, 0)
    return cols


def build_columns(prep, out: np.ndarray | None, columns: list[str]) -> dict:
    """The per-layer table of one design point as numpy columns: MAC layers from the kernel output,
    streaming layers from their costs, and the text columns."""
    return stacked_columns([prep], out, columns, text=True)


def stacked_columns(preps: list, out: np.ndarray | None, columns: list[str], text: bool = False) -> dict:
    """The per-layer tables of design points of one network, stacked: rows ``k * n .. (k + 1) * n`` are
    point k's layers (``out``: the kernel output of their MAC layers, in the same order). ``text``:
    also the layer, kind and mapping columns (one point only)."""
    prep = preps[0]
    n, points = len(prep.names), len(preps)
    block = np.zeros((len(columns), n * points), np.int64)  # one allocation; each row is a contiguous column
    data = dict(zip(columns, block))
    for c in ("mapping_efficiency", "utilization", "latency_s"):
        data[c] = np.zeros(n * points, np.float64)
    if text:
        if points > 1:
            raise ValueError("text columns: one design point at a time")
        data.update(_text_columns(prep))
    else:
        for c in ("layer", "kind", "mapping"):
            data.pop(c, None)
    offsets = np.arange(points, dtype=np.int64)[:, None] * n
    values = hardware_values([p.hw for p in preps])
    if out is not None and len(prep.mac_pos):
        mac_rows = prep.mac_pos if points == 1 else (offsets + prep.mac_pos).ravel()
        rh = row_hardware(values, len(prep.mac_pos))
        for c, v in mac_columns(preps, out, rh).items():
            if c in data:
                data[c][mac_rows] = v
    if len(prep.movement.pos):
        mv = prep.movement if points == 1 else _stack_movement(preps, offsets)
        rh = row_hardware(values, len(prep.movement.pos))
        for c, (where, v) in movement_columns(mv, rh).items():
            if c in data:
                data[c][where] = v
    return {c: data[c] for c in columns if c in data}


def _text_columns(prep) -> dict:
    """Layer names, kinds and readable mappings: the same on every run of a prepared network, so one set
    of read-only arrays, which frame_of converts for pandas once."""
    if "text" not in prep.derived:
        n = len(prep.names)
        mapping = np.empty(n, dtype=object)
        mapping[prep.mac_pos] = prep.mappings
        for pos in prep.movement.pos.tolist():
            mapping[pos] = f"stream {prep.kinds[pos]} on {prep.hw.array.cols} lanes"
        text = {"layer": np.array(prep.names, dtype=object), "kind": np.array(prep.kinds, dtype=object),
                "mapping": mapping}
        for v in text.values():
            v.flags.writeable = False
        prep.derived["text"] = text
    return prep.derived["text"]


def _stack_movement(preps: list, offsets: np.ndarray):
    """The streaming layers of stacked design points as one MovementRows, positions offset per point."""
    rows = [p.movement for p in preps]
    t = rows[0].table
    k = len(preps)
    table = MovementTable((offsets + t.pos).ravel(), np.tile(t.reads, k), np.tile(t.writes, k), np.tile(t.ops, k),
                          np.tile(t.in_bits, k), np.tile(t.out_bits, k))
    return MovementRows(table, *(np.concatenate([getattr(r, f) for r in rows])
                                 for f in ("cycles", "compute_cycles", "read_home", "write_home", "dram_bits")))


def movement_columns(mv, rh: RowHardware) -> dict:
    """Numeric columns of the pooling / element-wise layers (``movement.MovementRows``) as
    {column: (positions, values)}: no MACs; traffic to DRAM or the on-chip home. ``rh``: the hardware
    per streaming layer."""
    pos, t = mv.pos, mv.table
    cols = {
        "cycles": (pos, mv.cycles), "compute_cycles": (pos, mv.compute_cycles),
        "stall_cycles": (pos, mv.cycles - mv.compute_cycles),
        "bandwidth_bound_cycles": (pos, np.ceil(mv.dram_bits / rh.dram_bw_bits).astype(np.int64)),
        "dram_bytes": (pos, -(-mv.dram_bits // 8)), "latency_s": (pos, mv.cycles / rh.clock_hz),
    }
    for home in set(mv.read_home.tolist()):
        at = mv.read_home == home
        cols[f"{home}_reads_ifmap"] = (pos[at], t.reads[at])
    for home in set(mv.write_home.tolist()):
        at = mv.write_home == home
        cols[f"{home}_writes_ofmap"] = (pos[at], t.writes[at])
    return cols


_TEXT_MEMO: dict[int, tuple] = {}  # id(read-only text column) -> (the column, its pandas string array)


def frame_of(columns: dict) -> pd.DataFrame:
    """``pd.DataFrame(columns)``, built column by column without pandas' per-column inference (a third
    of the time on a 10-layer network); the public constructor when this pandas lacks the fast path.
    Read-only text columns (a prepared network's names, kinds and mappings) are converted for pandas
    once. tests/test_cli_and_contract.py checks the frames are equal."""
    arrays = []
    for v in columns.values():
        if v.dtype == object:
            hit = _TEXT_MEMO.get(id(v))
            if hit is None or hit[0] is not v:
                hit = (v, pd.array(v, dtype="str"))
                if not v.flags.writeable:
                    if len(_TEXT_MEMO) > 4096:
                        _TEXT_MEMO.clear()
                    _TEXT_MEMO[id(v)] = hit
            v = hit[1]
        arrays.append(v)
    n = len(arrays[0]) if arrays else 0
    try:
        return pd.DataFrame._from_arrays(arrays, columns=pd.Index(list(columns)), index=pd.RangeIndex(n),
                                         verify_integrity=False)
    except (AttributeError, TypeError):
        return pd.DataFrame(columns, copy=False)


class SimulationResult:
    """Per-layer table and network summary of one run.

    ``layers``: the per-layer DataFrame, built on first access (a sweep that reads only the
    ``summary`` never pays for it); ``columns``: the same table as numpy arrays, one per column."""

    def __init__(self, layers: pd.DataFrame | dict, summary: dict | None = None):
        self._frame = layers if isinstance(layers, pd.DataFrame) else None
        self._columns = None if isinstance(layers, pd.DataFrame) else layers
        self.summary = summary if summary is not None else {}

    @property
    def layers(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = frame_of(self._columns)
        return self._frame

    @property
    def columns(self) -> dict:
        if self._columns is None:
            self._columns = {c: self._frame[c].to_numpy() for c in self._frame.columns}
        return self._columns

    def __repr__(self) -> str:
        return (f"SimulationResult({self.summary.get('network', '?')} on {self.summary.get('hardware', '?')}: "
                f"{len(self.columns['layer'])} layers, {self.summary.get('cycles', 0):,} cycles)")

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


def layer_bits(prep) -> dict:
    """Operand bits per layer (arrays over all layers): input, weight, psum, output."""
    if "bits" in prep.derived:
        return prep.derived["bits"]
    n = len(prep.names)
    p = prep.hw.precision
    out = {"input": np.full(n, p.input_bits), "weight": np.full(n, p.weight_bits), "psum": np.full(n, p.psum_bits),
           "output": np.full(n, p.output_bits)}
    if len(prep.mac_pos):
        mac_bits = prep.args[8]  # the kernel's bits argument: int64[MAC layers, 4]
        for j, k in enumerate(("input", "weight", "psum", "output")):
            out[k][prep.mac_pos] = mac_bits[:, j]
    out["input"][prep.movement.pos] = prep.movement.table.in_bits
    out["output"][prep.movement.pos] = prep.movement.table.out_bits
    prep.derived["bits"] = out
    return out
