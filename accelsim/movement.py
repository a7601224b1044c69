"""Pooling and element-wise layers, which move data but do no MACs, costed as arrays.

A streaming layer reads its inputs and writes its outputs once, from and to the activations' homes
(``hw.homes.ifmap`` / ``hw.homes.ofmap``), falling back to DRAM when they do not fit there (both
together when one buffer holds both); its ops run on ``hw.array.cols`` lanes, pipelined with the
transfers (``kernels.movement_cost``). The counts per layer depend only on the network, batch and
precision, so they are packed once (:func:`movement_table`); the homes and cycles depend on the
hardware and take a few numpy calls per design point (:func:`movement_rows`). tests/naive.py holds
the per-layer twin that tests/test_movement.py checks these against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.config.hardware import Hardware
from accelsim.kernels.movement_cost import movement_layer_costs
from accelsim.memo import IdentityMemo
from accelsim.workload.layers import MAC_KINDS, Network
from accelsim.workload.shape import movement_counts


@dataclass(frozen=True)
class MovementTable:
    """The streaming layers of a network at one batch and precision."""

    pos: np.ndarray  # int64[n]: positions in the network
    reads: np.ndarray  # int64[n]: elements read, at input precision
    writes: np.ndarray  # int64[n]: elements written, at output precision
    ops: np.ndarray  # int64[n]: simple operations (comparisons, adds)
    in_bits: np.ndarray  # int64[n]
    out_bits: np.ndarray  # int64[n]


@dataclass(frozen=True)
class MovementRows:
    """A MovementTable costed on one hardware config."""

    table: MovementTable
    cycles: np.ndarray  # int64[n]
    compute_cycles: np.ndarray  # int64[n]
    read_home: np.ndarray  # object[n]: 'dram' or the on-chip buffer the inputs are read from
    write_home: np.ndarray  # object[n]: where the outputs go
    dram_bits: np.ndarray  # int64[n]: moved over the backing memory

    @property
    def pos(self) -> np.ndarray:
        return self.table.pos


_TABLES = IdentityMemo(64)


def movement_table(net: Network, hw: Hardware, batch: int) -> MovementTable:
    """The streaming layers of ``net`` (memoised per network object, batch and precision)."""
    return _TABLES.get((net,), (batch, hw.precision), lambda: _build_table(net, hw, batch))


def _build_table(net: Network, hw: Hardware, batch: int) -> MovementTable:
    pos = [i for i, layer in enumerate(net.layers) if layer.kind not in MAC_KINDS]
    if not pos:  # a single conv, a SCALE-Sim topology
        none = np.zeros(0, np.int64)
        return MovementTable(none, none, none, none, none, none)
    counts = np.array([movement_counts(net.layers[i], batch) for i in pos], np.int64).reshape(-1, 3)
    p = hw.precision
    bits = np.array([[(lp.input_bits if lp and lp.input_bits else p.input_bits),
                      (lp.output_bits if lp and lp.output_bits else p.output_bits)]
                     for lp in (net.layers[i].precision for i in pos)], np.int64).reshape(-1, 2)
    return MovementTable(np.array(pos, np.int64), counts[:, 0], counts[:, 1], counts[:, 2], bits[:, 0], bits[:, 1])


def movement_rows(hw: Hardware, table: MovementTable) -> MovementRows:
    """Homes, DRAM traffic and cycles of ``table``'s layers on ``hw``."""
    return movement_rows_stacked([hw], table)


def point_rows(rows: MovementRows, k: int) -> MovementRows:
    """Design point k's rows of ``movement_rows_stacked``'s."""
    n = len(rows.table.pos)
    return MovementRows(rows.table, *(a[k * n:(k + 1) * n] for a in (rows.cycles, rows.compute_cycles,
                                                                      rows.read_home, rows.write_home, rows.dram_bits)))


def movement_rows_stacked(hws: list[Hardware], table: MovementTable) -> MovementRows:
    """``movement_rows`` of design points whose activations have the same homes (``hw.homes.ifmap`` and
    ``.ofmap``), in one pass over all their rows, point after point (point k's layers are rows
    ``k*n .. (k+1)*n``, ``point_rows`` slices them; ``table`` stays the one of a point)."""
    n, points = len(table.pos), len(hws)
    if not n:  # no streaming layers (a single conv, a SCALE-Sim topology)
        empty = np.zeros(0, np.int64)
        return MovementRows(table, empty, empty, np.zeros(0, object), np.zeros(0, object), empty)
    reads_bits = np.tile(table.reads * table.in_bits, points)
    writes_bits = np.tile(table.writes * table.out_bits, points)
    in_bytes, out_bytes = -(-reads_bits // 8), -(-writes_bits // 8)
    src, dst = hws[0].homes.ifmap, hws[0].homes.ofmap

    def per_row(values, dtype) -> np.ndarray:  # one value per point -> one per row
        return np.repeat(np.array(values, dtype), n)

    if src != "dram" and src == dst:  # one buffer holds both: both stay only when both fit
        on_src = on_dst = in_bytes + out_bytes <= per_row([hw.buffer(src).size_bytes for hw in hws], np.int64)
    else:
        no = np.zeros(n * points, bool)
        on_src = in_bytes <= per_row([hw.buffer(src).size_bytes for hw in hws], np.int64) if src != "dram" else no
        on_dst = out_bytes <= per_row([hw.buffer(dst).size_bytes for hw in hws], np.int64) if dst != "dram" else no
    dram_bits = np.where(on_src, 0, reads_bits) + np.where(on_dst, 0, writes_bits)
    onchip_bits = np.where(on_src, reads_bits, 0) + np.where(on_dst, writes_bits, 0)
    # the on-chip buffer involved: the inputs' home when they stay, else the outputs'
    onchip_bw = np.where(on_src, per_row([_bandwidth_bits(hw, src) for hw in hws], np.float64),
                         np.where(on_dst, per_row([_bandwidth_bits(hw, dst) for hw in hws], np.float64), 1.0))
    cycles, compute = movement_layer_costs(
        np.tile(table.ops, points), per_row([hw.array.cols for hw in hws], np.int64), dram_bits,
        per_row([hw.backing_memory.bandwidth_bytes_per_cycle * 8.0 for hw in hws], np.float64), onchip_bits,
        onchip_bw, per_row([hw.backing_memory.latency_cycles for hw in hws], np.int64))
    # object arrays by indexing a two-entry one: 0.42 against 0.56 us a design point for np.where(...).astype(object)
    read_home = np.array(["dram", src], object)[on_src.view(np.int8)]
    write_home = np.array(["dram", dst], object)[on_dst.view(np.int8)]
    return MovementRows(table, cycles, compute, read_home, write_home, dram_bits)


def _bandwidth_bits(hw: Hardware, name: str) -> float:
    return hw.buffer(name).bandwidth_bytes_per_cycle * 8.0 if name != "dram" else 1.0
