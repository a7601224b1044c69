"""Energy and area from the engine's counts and an energy table (docs/energy.md).

Energy of a layer = sum over actions of count x energy per action (pJ):

* ``mac``: MACs x MAC energy at the layer's operand width (max of input and weight bits);
* ``rf``: register-file reads and writes x operand bits x register energy per bit;
* ``noc``: PE-to-PE hops (``array_*`` columns) x operand bits x hop energy per bit;
* ``buffer``: per global buffer, reads (array reads, write-backs drained to the home level) and
  writes (fills from the home level, partial sums from the array), each turned into accesses of
  the buffer's port width — ceil(elements x bits / port bits), rounded once per layer and stream —
  x the table's SRAM energy at the buffer's size, scaled to the port width; an operand with no
  buffer streams through a FIFO charged at register energy per bit;
* ``dram``: backing-memory bytes x 8 x energy per bit of the memory kind;
* ``leakage``: (leakage of every buffer + PEs x MAC leakage) x the layer's latency.

Area (mm2): PEs x MAC area, register files x register area per bit, each buffer's SRAM area at its
size, and the interconnect as one pipeline register per operand per PE (register area per bit).
"""

from __future__ import annotations

import json
import math
from typing import NamedTuple

import numpy as np

from accelsim.config.hardware import OPERANDS, Hardware
from accelsim.energy.table import EnergyTable, load_table
from accelsim.kernels.energy_rows import ENERGY_ROWS, energy_rows
from accelsim.memo import IdentityMemo

COMPONENTS = ("mac", "rf", "buffer", "noc", "dram", "leakage")
# with a PIM back-end (accelsim/pim/cost.py) layers also spend on these
ALL_COMPONENTS = COMPONENTS + ("crossbar", "dac", "adc", "sample_hold", "shift_add", "write")
ENERGY_COLUMNS = ["energy_pj"] + [f"energy_pj_{c}" for c in COMPONENTS]


_TABLES: dict = {}


def table_for(hw: Hardware) -> EnergyTable:
    """The energy table ``hw`` selects, with its overrides; loaded once per (table, overrides)."""
    key = (hw.energy_table, _overrides_key(hw))
    if key not in _TABLES:
        _TABLES[key] = load_table(hw.energy_table, hw.energy_overrides)
    return _TABLES[key]


def _overrides_key(hw: Hardware) -> str:
    """The energy overrides as a hashable key ('' for none, as in most configs)."""
    return json.dumps(hw.energy_overrides, sort_keys=True, default=str) if hw.energy_overrides else ""


class EnergyFactors(NamedTuple):
    """The per-action energies ``energy_columns`` multiplies counts by, for design points sharing one
    energy table and one buffer structure (homes, which buffer stages each operand, which buffers are
    pure homes), one entry per point (``energy_factors``; the ``kernels.energy_rows`` layout)."""

    table: EnergyTable
    homes: tuple[str, ...]  # the on-chip homes (buffer names)
    point: np.ndarray  # float64[points, 5]: register, FIFO, PE-to-PE hop, backing-memory pJ/bit; leakage uW
    staged: np.ndarray  # int64[3]: per operand 1 when a buffer stages it, 0 for a FIFO
    stage: np.ndarray  # float64[points, 3, 4]: that buffer's port bits, read pJ, write pJ, port / SRAM width
    pure_names: tuple[str, ...]  # the buffers that stage nothing
    pure: np.ndarray  # float64[points, len(pure_names), 4]: their port bits, read pJ, write pJ, scale


def energy_structure(hw: Hardware) -> tuple:
    """What must be equal for design points to share one ``energy_factors``: energy table, homes,
    and the buffers in order with the operands each stages (so the buffer staging each operand and the
    pure home buffers)."""
    return (hw.energy_table, _overrides_key(hw), (hw.homes.ifmap, hw.homes.filter, hw.homes.ofmap),
            tuple((b.name, tuple(b.operands)) for b in hw.buffers))


def energy_factors(hws: list[Hardware], table: EnergyTable) -> EnergyFactors:
    """EnergyFactors of design points with one ``energy_structure``: the table's entries looked up once per
    distinct (register files used, memory kind, MAC width) and the SRAM figures once per buffer size (a
    sweep's points share the first and bring new sizes)."""
    hw = hws[0]  # the points share which buffer stages each operand and which are pure homes
    names = [b.name for b in hw.buffers]
    stage_names = [None if b is None else b.name for b in map(hw.staging_buffer, OPERANDS)]
    # per distinct key: (register, FIFO, hop, backing memory pJ/bit; MAC leakage uW). A sweep's points share
    # the register-file, memory and precision sections' objects, so a point's key is found by their ids (the
    # objects are alive for the whole call).
    scalars: dict = {}
    rows: list[tuple] = []
    known: dict = {}
    which = []
    for h in hws:
        rf, mem, p = h.register_files, h.backing_memory, h.precision
        ids = (id(rf), id(mem), id(p))
        j = known.get(ids)
        if j is None:
            key = (bool(rf.ifmap_bytes or rf.filter_bytes or rf.psum_bytes), mem.kind, max(p.input_bits, p.weight_bits),
                   p.psum_bits)
            if key not in scalars:  # entries looked up in the order a missing one is reported
                reg = table.need("register_pj_per_bit") if key[0] else 0.0
                hop, dram = table.need("noc_pj_per_bit_hop"), table.dram(key[1])
                table.need("sram_width_bits")
                fifo = table.need("register_pj_per_bit") if None in stage_names else 0.0
                scalars[key] = len(rows)
                rows.append((reg, fifo, hop, dram, table.mac_pj(key[2], key[3]).leak_uw or 0.0))
            j = known[ids] = scalars[key]
        which.append(j)
    figures = table.sram_figures(sorted({b.size_bytes for h in hws for b in h.buffers}),
                                 ("read_pj", "write_pj", "leak_uw"))
    width = table.sram_width_bits
    point, buffers = [], []
    for h, j in zip(hws, which):
        s = rows[j]
        leak_uw = 0.0
        for b in h.buffers:
            f = figures[b.size_bytes]
            buffers.append((b.port_bits, f[0], f[1], b.port_bits / width))
            leak_uw += f[2]
        point.append((s[0], s[1], s[2], s[3], leak_uw + h.pes * s[4]))  # the buffers' leakage, then the PEs'
    buf = np.array(buffers, np.float64).reshape(len(hws), len(names), 4)  # port bits, read pJ, write pJ, port/width
    stage = np.zeros((len(hws), 3, 4), np.float64)  # an operand no buffer stages streams through a FIFO: zeros
    for op, name in enumerate(stage_names):
        if name is not None:
            stage[:, op] = buf[:, names.index(name)]
    pure = [j for j, b in enumerate(hw.buffers) if not b.operands]
    staged = np.array([name is not None for name in stage_names], np.int64)
    return EnergyFactors(table, hw.on_chip_homes(), np.array(point, np.float64), staged, stage,
                         tuple(names[j] for j in pure), buf[:, pure])


def energy_columns(layers, bits: np.ndarray, widths: tuple, f: EnergyFactors) -> dict:
    """Per-layer energy columns (pJ; ``ENERGY_COLUMNS`` in the order of ``kernels.energy_rows.ENERGY_ROWS``)
    of design points' stacked per-layer table (``layers``: a ``results.Table``), from the operand bits
    of one point's layers (int64[4, layers]: input, weight, psum, output), the layers' MAC widths
    (``results.mac_widths``) and the energies per action ``f``; computed by ``kernels.energy_rows``."""
    from accelsim.results import op_columns

    ints, index = layers.ints, layers.index
    distinct, which = widths
    mac_pj = np.array([f.table.mac_pj(w, p).energy_pj for w, p in distinct], np.float64)
    energy = np.empty((len(ENERGY_ROWS), ints.shape[1]), np.float64)
    energy_rows(ints, layers.cols["latency_s"], layers.energy_cidx, bits.shape[1], bits, which, mac_pj,
                f.point, f.staged, f.stage, op_columns(index, f.homes), op_columns(index, f.pure_names), f.pure,
                energy)
    return dict(zip(ENERGY_ROWS, energy))


def area_mm2(hw: Hardware, table: EnergyTable) -> dict:
    """Area per component (mm2) and the total."""
    return {k: v[0] for k, v in area_columns([hw], table).items()}


def area_columns(hws: list[Hardware], table: EnergyTable) -> dict[str, list]:
    """``area_mm2`` of design points with the same buffer names, as columns (one entry per point): the MAC
    entries looked up once per width, the SRAM areas once per size."""
    reg = None
    macs: dict = {}
    sram = {s: f[0] for s, f in table.sram_figures(sorted({b.size_bytes for h in hws for b in h.buffers}),
                                                   ("area_um2",)).items()} if hws[0].buffers else {}
    known: dict = {}  # ids of a point's precision and register files (a sweep's points share them) -> figures
    rows = []
    for hw in hws:
        p, rf = hw.precision, hw.register_files
        ids = (id(p), id(rf))
        got = known.get(ids)
        if got is None:
            key = (max(p.input_bits, p.weight_bits), p.psum_bits)
            mac = macs.get(key)
            if mac is None:
                mac = macs[key] = table.mac_pj(*key)
                if mac.area_um2 is None:
                    from accelsim.errors import ConfigError

                    raise ConfigError(f"energy table {table.name!r}: entry 'mac.area_um2' missing for "
                                      f"{mac.bits}-bit MACs")
                reg = table.need("register_area_um2_per_bit")
            # MAC area, register-file bits, pipeline-register bits per PE
            got = known[ids] = (mac.area_um2, 8 * (rf.ifmap_bytes + rf.filter_bytes + rf.psum_bytes),
                                p.input_bits + p.weight_bits + p.psum_bits)
        pes = hw.pes
        parts = (pes * got[0] * 1e-6, pes * got[1] * reg * 1e-6, pes * got[2] * reg * 1e-6,
                 *[sram[b.size_bytes] * 1e-6 for b in hw.buffers])
        rows.append((*parts, math.fsum(parts)))
    keys = ["area_mm2_pe", "area_mm2_rf", "area_mm2_interconnect", *[f"area_mm2_{b.name}" for b in hws[0].buffers],
            "area_mm2"]
    return dict(zip(keys, map(list, zip(*rows))))


_AREAS = IdentityMemo(64)  # small: each entry keeps a config's ~24 objects alive for the cyclic GC to walk


def chip_area_mm2(hw: Hardware, table: EnergyTable) -> dict:
    """Area of the whole chip by part (mm2): the digital array's, and with a PIM section its crossbars,
    peripherals and static parts (``area_mm2_pim_*``); ``area_mm2`` is the total. Remembered per
    (frozen) hardware and table object."""
    return dict(_AREAS.get((hw, table), None, lambda: _chip_area(hw, table)))


def chip_area_columns(hws: list[Hardware], table: EnergyTable) -> dict[str, list]:
    """``chip_area_mm2`` of design points with the same buffer names (and all or none with a PIM section,
    the same one), as columns: in one pass when none has a PIM section (a sweep's points rarely repeat a
    config, so this is not memoised)."""
    if len(hws) == 1:
        return {k: [v] for k, v in chip_area_mm2(hws[0], table).items()}
    if all(hw.pim is None for hw in hws):
        return area_columns(hws, table)
    areas = [chip_area_mm2(hw, table) for hw in hws]
    return {k: [a[k] for a in areas] for k in areas[0]}


def _chip_area(hw: Hardware, table: EnergyTable) -> dict:
    area = area_mm2(hw, table)
    if hw.pim is None:
        return area
    from accelsim.pim.chip import area_mm2 as pim_area

    pim = pim_area(hw.pim)
    return {**area, **pim, "area_mm2_digital": area["area_mm2"], "area_mm2": area["area_mm2"] + pim["area_mm2_pim"]}
