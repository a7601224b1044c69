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

from accelsim.errors import AccelsimError, writing
from accelsim.kernels.energy_rows import ENERGY_INPUTS
from accelsim.kernels.result_rows import FLOAT_COLUMNS, MAC_COLUMNS, mac_rows
from accelsim.movement import MovementRows, MovementTable
from accelsim.prepared import whole_group

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


def _shape_constants(args: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Operand bits (int64[n, 4]: input, weight, psum, output), ofmap and filter elements of the MAC
    layers, from their batch-kernel arguments (``args[0]``: G N M C P Q R S, ``args[8]``: the bits):
    G*N*M*P*Q and G*M*C*R*S, as ``ConvShape.ofmap_elems`` / ``filter_elems``."""
    d = args[0]
    g, m = d[:, 0], d[:, 2]
    return args[8], g * d[:, 1] * m * d[:, 4] * d[:, 5], g * m * d[:, 3] * d[:, 6] * d[:, 7]


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


def index_home_codes(home_idx: np.ndarray, buffer_names: tuple[str, ...]) -> tuple[np.ndarray, list[str]]:
    """``home_codes`` of homes given as indices into ``buffer_names`` (-1: 'dram'), without the names."""
    present = np.flatnonzero(np.bincount(home_idx.ravel() + 1, minlength=len(buffer_names) + 1)[1:])
    names = sorted(buffer_names[i] for i in present.tolist())
    lut = np.full(len(buffer_names) + 1, -1, np.int64)  # the last entry is index -1's: 'dram'
    for j, name in enumerate(names):
        lut[buffer_names.index(name)] = j
    return lut[home_idx], names


def home_codes(homes: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(int64 array of ``homes``' shape: -1 for 'dram', else the index of the buffer name in the list;
    the on-chip names, sorted)."""
    names = sorted(set(homes.ravel().tolist()) - {"dram"})
    codes = np.full(homes.shape, -1, np.int64)
    for j, name in enumerate(names):
        codes[homes == name] = j
    return codes, names


_INDEX: dict = {}  # tuple of columns -> (column -> block row, MAC_COLUMNS' block rows, ENERGY_INPUTS' rows)


def column_index(columns: list[str]) -> tuple[dict, np.ndarray, np.ndarray]:
    """The block row of each column, and of the columns the result and energy kernels write and read
    (-1: not in the table), once per list of columns."""
    key = tuple(columns)
    hit = _INDEX.get(key)
    if hit is None:
        index = {c: j for j, c in enumerate(columns)}
        hit = (index, np.array([index.get(c, -1) for c in MAC_COLUMNS], np.int64),
               np.array([index.get(c, -1) for c in ENERGY_INPUTS], np.int64))
        if len(_INDEX) > 256:
            _INDEX.clear()
        _INDEX[key] = hit
    return hit


def op_columns(index: dict, names) -> np.ndarray:
    """int64[len(names), 4]: block rows of each buffer's reads of ifmap, filter, ofmap and writes of
    ofmap (-1: not a column)."""
    return np.array([[index.get(f"{b}_{c}", -1) for c in ("reads_ifmap", "reads_filter", "reads_ofmap",
                                                          "writes_ofmap")] for b in names], np.int64).reshape(-1, 4)


def _stacked_home_codes(preps: list) -> tuple[np.ndarray, list[str]]:
    """``home_codes`` of the points' homes, stacked: from the buffer indices of their ``PreparedGroup``
    when they are all its points (one point prepared alone is a group of one), else from their names."""
    group = whole_group(preps)
    if group is not None:
        return index_home_codes(group[0].home_idx, group[0].buffer_names)
    return home_codes(np.concatenate([p.homes for p in preps]))


_NO_SS = np.zeros((0, 5), np.int64)
SS_COLUMNS = ("stall_cycles", "dram_reads_ifmap", "dram_reads_filter", "dram_reads_ofmap", "dram_writes_ofmap")


def _mac_into(preps: list, out: np.ndarray, values: list[list], ints: np.ndarray, floats: np.ndarray, index: dict,
              mac_cidx: np.ndarray) -> None:
    """Write the MAC layers' columns of design points of one network into the table's blocks
    (``kernels.result_rows.mac_rows``); ``out``: their cost-kernel rows, point after point; ``values``:
    the points' ``hardware_values``."""
    prep = preps[0]
    bits, ofmap_elems, filter_elems = _shape_constants(prep.args)  # the points share one layer table
    if len(preps) == 1:
        if "mac" not in prep.derived:  # constants of the prepared network, computed on its first run
            prep.derived["mac"] = _stacked_home_codes(preps)
        homes, home_names = prep.derived["mac"]
    else:
        homes, home_names = _stacked_home_codes(preps)
    scalesim = prep.timing == "scalesim"
    if scalesim:  # SCALE-Sim's read buffers and write drains (accelsim/scalesim_memory.py)
        if len(preps) > 1:
            raise ValueError("SCALE-Sim timing: one design point at a time")
        if "scalesim_dram" not in prep.derived:
            from accelsim.scalesim_memory import dram_columns

            d = dram_columns(prep, out)
            prep.derived["scalesim_dram"] = np.stack([d[c] for c in SS_COLUMNS], axis=1)
        ss = prep.derived["scalesim_dram"]
    else:
        ss = _NO_SS
    rh = RowHardware(*values)
    hw_int = np.array([rh.pes, rh.macs_per_pe, rh.rf_ifmap, rh.rf_filter, rh.rf_psum], np.int64).T.copy()
    hw_flt = np.array([rh.dram_bw_bits, rh.clock_hz], np.float64).T.copy()
    mac_rows(out, len(prep.names), prep.mac_pos, hw_int, hw_flt, bits, ofmap_elems, filter_elems, homes, scalesim,
             ss, ints, floats, mac_cidx, op_columns(index, home_names))


class Table(NamedTuple):
    """The per-layer table of design points as numpy columns, and the blocks the numeric ones are rows of."""

    cols: dict  # column -> array (rows of ``ints`` or ``floats``, or text)
    ints: np.ndarray  # int64[columns, table rows]: row j is column j of the list asked for
    index: dict  # column -> row of ``ints``
    energy_cidx: np.ndarray  # ``kernels.energy_rows.ENERGY_INPUTS``' rows of ``ints``


def stacked_columns(preps: list, out: np.ndarray | None, columns: list[str], text: bool = False) -> Table:
    """The per-layer tables of design points of one network, stacked: rows ``k * n .. (k + 1) * n`` are
    point k's layers (``out``: the kernel output of their MAC layers, in the same order). ``text``:
    also the layer, kind and mapping columns (one point only)."""
    prep = preps[0]
    n, points = len(prep.names), len(preps)
    index, mac_cidx, energy_cidx = column_index(columns)
    block = np.zeros((len(columns), n * points), np.int64)  # one allocation; each row is a contiguous column
    floats = np.zeros((len(FLOAT_COLUMNS), n * points), np.float64)
    data = dict(zip(columns, block))
    data.update(zip(FLOAT_COLUMNS, floats))
    if text:
        if points > 1:
            raise ValueError("text columns: one design point at a time")
        data.update(_text_columns(prep))
    else:
        for c in ("layer", "kind", "mapping"):
            data.pop(c, None)
    values = hardware_values([p.hw for p in preps])
    if out is not None and len(prep.mac_pos):
        _mac_into(preps, out, values, block, floats, index, mac_cidx)
    if len(prep.movement.pos):
        offsets = np.arange(points, dtype=np.int64)[:, None] * n
        mv = prep.movement if points == 1 else _stack_movement(preps, offsets)
        rh = row_hardware(values, len(prep.movement.pos))
        for c, (where, v) in movement_columns(mv, rh).items():
            if c in data:
                data[c][where] = v
    return Table({c: data[c] for c in columns if c in data}, block, index, energy_cidx)


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
    group = whole_group(preps)
    t = preps[0].movement.table
    k = len(preps)
    table = MovementTable((offsets + t.pos).ravel(), np.tile(t.reads, k), np.tile(t.writes, k), np.tile(t.ops, k),
                          np.tile(t.in_bits, k), np.tile(t.out_bits, k))
    fields = ("cycles", "compute_cycles", "read_home", "write_home", "dram_bits")
    if group is not None:  # the group's rows, as they were costed
        return MovementRows(table, *(getattr(group[1], f) for f in fields))
    return MovementRows(table, *(np.concatenate([getattr(p.movement, f) for p in preps]) for f in fields))


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
        if suffix not in (".csv", ".parquet", ".json"):
            raise AccelsimError(f"{path}: unknown output format {suffix!r}; use .csv, .parquet or .json")
        with writing(path):
            if suffix == ".csv":
                self.layers.to_csv(path, index=False)
            elif suffix == ".parquet":
                self.layers.to_parquet(path, index=False)
            else:
                payload = {"summary": self.summary, "layers": self.layers.to_dict(orient="records")}
                path.write_text(json.dumps(payload, indent=1, default=float))
        return path


def layer_bits(prep) -> np.ndarray:
    """Operand bits per layer: int64[4, layers], rows input, weight, psum, output (memoised)."""
    if "bits" in prep.derived:
        return prep.derived["bits"]
    p = prep.hw.precision
    out = np.repeat(np.array([[p.input_bits], [p.weight_bits], [p.psum_bits], [p.output_bits]], np.int64),
                    len(prep.names), axis=1)
    if len(prep.mac_pos):
        out[:, prep.mac_pos] = prep.args[8].T  # the kernel's bits argument: int64[MAC layers, 4]
    out[0, prep.movement.pos] = prep.movement.table.in_bits
    out[3, prep.movement.pos] = prep.movement.table.out_bits
    prep.derived["bits"] = out
    return out


def mac_widths(prep) -> tuple[list[tuple[int, int]], np.ndarray]:
    """The distinct (MAC width, partial-sum bits) of the layers, the width being the wider of input and
    weight, and each layer's index into that list (memoised)."""
    if "mac_widths" not in prep.derived:
        bits = layer_bits(prep)
        pairs = list(zip(np.maximum(bits[0], bits[1]).tolist(), bits[2].tolist()))
        distinct = sorted(set(pairs))
        which = np.array([distinct.index(q) for q in pairs], np.int64) if len(distinct) > 1 else np.zeros(
            len(pairs), np.int64)
        prep.derived["mac_widths"] = (distinct, which)
    return prep.derived["mac_widths"]
