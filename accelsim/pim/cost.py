"""Per-layer cost of the layers placed on the crossbars: counts (numba kernel), duplication,
reprogramming, time and energy, as result-contract columns.

Time of a layer (ns) = ceil(windows / copies) x activations one crossbar does per window x the
activation time (``chip.activation_ns``); crossbars of a layer work in parallel (ISAAC Sec. VI).
Energy (pJ) = counts x energy per action (``PimEnergy``) + the static parts' power x time, for the
tiles the layer occupies and the chip-wide ones.
If the weights of all PIM layers do not fit the chip's crossbars they are programmed again for every
batch: cells written, write time and write energy are counted, and the lifetime the cell endurance
implies is reported (a warning).
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from accelsim.config.hardware import Hardware
from accelsim.config.pim import PimConfig
from accelsim.errors import ConfigError, warn_caller
from accelsim.kernels import pim_mapping as K
from accelsim.memo import IdentityMemo
from accelsim.pim.chip import activation_ns, area_mm2, crossbar_area_um2, static_mw, static_mw_while
from accelsim.workload.shape import conv_shape

PIM_COMPONENTS = ("crossbar", "dac", "adc", "sample_hold", "shift_add", "write")
PIM_COLUMNS = ["unit", "crossbars", "duplication", "array_activations", "adc_conversions", "dac_drives",
               "cell_reads", "shift_add_ops", "cells_used", "cells_allocated", "adc_bits", "adc_bits_needed",
               "cells_written", "writes_per_cell_per_inference", "area_mm2", "transfer_bytes"]
_LAYOUT = {"adjacent": K.LAYOUT_ADJACENT, "separate": K.LAYOUT_SEPARATE}
_SIGNED = {"none": K.SIGNED_NONE, "offset_column": K.SIGNED_OFFSET, "differential": K.SIGNED_DIFFERENTIAL}
_STATIC_TO = {"buffer": "buffer", "noc": "noc", "shift_add": "shift_add", "digital": "leakage", "other": "leakage"}


def layer_bits(layer, pim: PimConfig) -> tuple[int, int, int]:
    """(weight, input, output) bits of a layer on the crossbars: the layer's own precision, else the PIM's."""
    p, lp = pim.precision, layer.precision
    pick = (lambda name: getattr(lp, name) if lp is not None and getattr(lp, name) is not None
            else getattr(p, name))
    return pick("weight_bits"), pick("input_bits"), pick("output_bits")


def layer_args(layer, hw: Hardware, batch: int, sh=None) -> np.ndarray:
    """The kernel's argument row (int64[ARG_LEN]) of one conv / FC / static-GEMM layer (``sh``: its
    ConvShape, when already known)."""
    sh = sh or conv_shape(layer, hw, batch)
    w_bits, in_bits, _ = layer_bits(layer, hw.pim)
    return args_row((sh.G, sh.N, sh.M, sh.C, sh.P, sh.Q, sh.R, sh.S), hw.pim, w_bits, in_bits)


def args_row(dims: tuple, pim: PimConfig, w_bits: int, in_bits: int) -> np.ndarray:
    """The kernel's argument row for loop bounds ``dims`` = (G, N, M, C, P, Q, R, S) on ``pim``."""
    x = pim.crossbar
    row = np.zeros(K.ARG_LEN, np.int64)
    row[:8] = dims
    row[K.A_XROWS], row[K.A_XCOLS], row[K.A_CELL_BITS] = x.rows, x.cols, x.cell_bits
    row[K.A_W_BITS], row[K.A_IN_BITS], row[K.A_DAC_BITS] = w_bits, in_bits, pim.precision.dac_bits
    row[K.A_ACTIVE], row[K.A_LAYOUT] = x.active, _LAYOUT[x.bit_slice_layout]
    row[K.A_SIGNED], row[K.A_FLIP] = _SIGNED[pim.signed_weights], int(pim.adc.weight_flip_encoding)
    return row


def action_energy(c: np.ndarray, pim: PimConfig) -> dict[str, np.ndarray]:
    """Energy (pJ) of the crossbar actions in kernel output rows ``c``: cell reads, DAC drives, ADC conversions,
    their samples, shift-and-adds."""
    e = pim.energy
    return {"crossbar": c[:, K.P_CELL_READS] * e.cell_read_pj, "dac": c[:, K.P_DAC_DRIVES] * e.dac_pj,
            "adc": c[:, K.P_ADC_CONV] * pim.adc.conversion_pj, "sample_hold": c[:, K.P_ADC_CONV] * e.sample_hold_pj,
            "shift_add": c[:, K.P_SHIFT_ADD] * e.shift_add_pj}


def peak(pim: PimConfig) -> dict[str, float]:
    """Peak throughput (TOPS, a MAC = 2 ops), power at peak (W), and the computational (GOPS/s/mm2) and power
    (GOPS/W) efficiencies of the PIM chip — ISAAC's own aggregation (ISCA'16 Table I / IV): every crossbar
    busy on one window of a matrix that fills it (rows x as many whole weights as its columns hold), costed
    by the kernel like any layer, plus the static parts of every tile and of the chip."""
    x, p = pim.crossbar, pim.precision
    probe = args_row((1, 1, 1, x.rows, 1, 1, 1, 1), pim, p.weight_bits, p.input_bits)
    probe[K.A_M] = max(1, x.cols // K.pim_counts_batch(probe[None, :])[0, K.P_SLICES])
    c = K.pim_counts_batch(probe[None, :])
    t = activation_ns(pim)
    busy_ns = c[0, K.P_XBARS] * c[0, K.P_SERIAL_PER_WINDOW] * t  # crossbar-ns one window occupies
    macs_per_ns = float(pim.chip_crossbars * c[0, K.P_MACS] / busy_ns)
    dynamic_w = pim.chip_crossbars * sum(float(v[0]) for v in action_energy(c, pim).values()) / float(busy_ns) * 1e-3
    static_w = (sum(static_mw(pim, "tile").values()) * pim.tiles + sum(static_mw(pim, "chip").values())) * 1e-3
    tops = 2 * macs_per_ns * 1e9 / 1e12
    area = area_mm2(pim)["area_mm2_pim"]
    power = dynamic_w + static_w
    return {"peak_tops": tops, "peak_power_w": power, "peak_dynamic_w": dynamic_w, "static_w": static_w,
            "area_mm2": area, "gops_per_mm2": tops * 1e3 / area if area else 0.0,
            "gops_per_w": tops * 1e3 / power if power else 0.0, "activation_ns": t,
            "peak_macs_per_ns": macs_per_ns}


def _layer_ns(windows, copies, serial, t_ns):
    return -(-windows // copies) * serial * t_ns


def duplication(names: list[str], counts: np.ndarray, pim: PimConfig) -> np.ndarray:
    """Copies of each layer's weights. Fixed copies from ``pim.duplicate``; with ``duplication: auto`` the
    slowest layer gets copies while spare crossbars last, each step to the fewest copies that shorten it,
    until the slowest layer cannot be shortened (the pipeline's throughput is its slowest stage)."""
    copies = np.array([pim.duplicate.get(n, 1) for n in names], np.int64)
    xb = counts[:, K.P_XBARS]
    spare = pim.chip_crossbars - int((xb * copies).sum())
    if pim.duplication != "auto" or not len(names):
        return copies
    win, serial = counts[:, K.P_WINDOWS], counts[:, K.P_SERIAL_PER_WINDOW]
    heap = [(-int(-(-win[i] // copies[i]) * serial[i]), i) for i in range(len(names))]
    heapq.heapify(heap)
    while heap:
        _, i = heapq.heappop(heap)
        steps = -(-win[i] // copies[i])
        if steps <= 1:
            break
        target = -(-win[i] // (steps - 1))  # fewest copies that save one step per crossbar
        cost = int(xb[i] * (target - copies[i]))
        if cost > spare:
            break
        spare -= cost
        copies[i] = target
        heapq.heappush(heap, (-int(-(-win[i] // target) * serial[i]), i))
    return copies


def pim_columns(hw: Hardware, layers: list, batch: int, from_digital: np.ndarray, to_digital: np.ndarray,
                table) -> dict:
    """Result columns (arrays over ``layers``) of layers run on the crossbars.

    ``from_digital`` / ``to_digital``: whether a layer's input comes from (output goes to) the digital
    side — its neighbour runs on the digital array, or it is the network's first (last) layer;
    ``table``: the digital energy table, for the backing memory's and home buffer's energies."""
    pim = hw.pim
    prep = _prepared(hw, layers, batch)
    names, args = prep["names"], prep["args"]
    c = K.pim_counts_batch(args)
    xb = c[:, K.P_XBARS]
    need = int(xb.sum())
    avail = pim.chip_crossbars
    reprogram = need > avail
    if reprogram:
        copies = np.ones(len(layers), np.int64)
    else:
        if "copies" not in prep:  # the duplication is a mapping decision: made once per prepared network
            prep["copies"] = duplication(names, c, pim)
        copies = prep["copies"]
        if int((xb * copies).sum()) > avail:
            raise ConfigError(f"pim.duplicate asks for {int((xb * copies).sum())} crossbars; the chip has {avail} "
                              f"({pim.tiles} tiles x {pim.crossbars_per_tile}); the weights alone need {need}")
    t_ns = activation_ns(pim)
    compute_ns = _layer_ns(c[:, K.P_WINDOWS], copies, c[:, K.P_SERIAL_PER_WINDOW], t_ns).astype(np.float64)
    x = pim.crossbar
    cells_written = np.where(reprogram, c[:, K.P_CELLS_USED], 0)
    write_ns = np.where(reprogram, np.ceil(xb / avail) * x.rows * pim.programming.row_write_time_ns, 0.0)

    w_bits, in_bits, out_bits = prep["w_bits"], prep["in_bits"], prep["out_bits"]
    ifmap, ofmap, filt, g = prep["ifmap"], prep["ofmap"], prep["filter"], prep["g"]
    in_home, out_home = prep["in_home"], prep["out_home"]
    moved_in = np.where(from_digital, ifmap, 0)
    moved_out = np.where(to_digital, ofmap, 0)
    dram_rd_if = np.where(in_home == "dram", moved_in, 0)
    dram_wr_of = np.where(out_home == "dram", moved_out, 0)
    dram_rd_fi = np.where(reprogram, filt, 0)  # weights fetched to be programmed
    dram_bits = dram_rd_if * in_bits + dram_wr_of * out_bits + dram_rd_fi * w_bits
    dram_bytes = -(-dram_bits // 8)
    bandwidth_bound = np.ceil(dram_bytes / hw.backing_memory.bandwidth_bytes_per_cycle).astype(np.int64)
    transfer_cycles = bandwidth_bound.astype(np.float64)
    onchip, onchip_pj = {}, np.zeros(len(layers))
    for name in sorted({h for h in (*in_home, *out_home) if h != "dram"}):
        buf = hw.buffer(name)
        rd_bits = np.where(in_home == name, moved_in, 0) * in_bits
        wr_bits = np.where(out_home == name, moved_out, 0) * out_bits
        onchip[f"{name}_reads_ifmap"] = np.where(in_home == name, moved_in, 0)
        onchip[f"{name}_writes_ofmap"] = np.where(out_home == name, moved_out, 0)
        transfer_cycles = transfer_cycles + np.ceil((rd_bits + wr_bits) / 8 / buf.bandwidth_bytes_per_cycle)
        scale = buf.port_bits / table.need("sram_width_bits")
        onchip_pj += (np.ceil(rd_bits / buf.port_bits) * table.sram_at(buf.size_bytes, "read_pj")
                      + np.ceil(wr_bits / buf.port_bits) * table.sram_at(buf.size_bytes, "write_pj")) * scale
    clock = hw.clock_hz
    to_cycles = (lambda ns: np.ceil(np.round(ns * clock * 1e-9, 6)))  # round first: 7744 ns is 7744 cycles
    compute_cycles = to_cycles(compute_ns).astype(np.int64)
    cycles = (compute_cycles + to_cycles(write_ns) + transfer_cycles).astype(np.int64)
    latency = cycles / clock

    pk = peak(pim)
    peak_per_cycle = pk["peak_macs_per_ns"] * 1e9 / clock
    macs = c[:, K.P_MACS]
    buf_rd = g * c[:, K.P_WINDOWS] * c[:, K.P_ROWS]  # im2col inputs read from the tile buffer
    cols = {
        "layer": np.array(names, dtype=object), "kind": np.array([x_.kind for x_ in layers], dtype=object),
        "macs": macs, "cycles": cycles, "compute_cycles": compute_cycles, "stall_cycles": cycles - compute_cycles,
        "compute_bound_cycles": np.ceil(macs / peak_per_cycle).astype(np.int64),
        "bandwidth_bound_cycles": bandwidth_bound,
        "mapping_efficiency": c[:, K.P_CELLS_USED] / c[:, K.P_CELLS_ALLOC],
        "utilization": np.where(cycles > 0, macs / np.maximum(peak_per_cycle * cycles, 1e-300), 0.0),
        "buffer_reads_ifmap": buf_rd, "buffer_writes_ofmap": ofmap,
        "dram_reads_ifmap": dram_rd_if, "dram_reads_filter": dram_rd_fi, "dram_writes_ofmap": dram_wr_of,
        "dram_bytes": dram_bytes, "latency_s": latency,
        "unit": np.array(["pim"] * len(layers), dtype=object), "crossbars": xb * copies, "duplication": copies,
        "array_activations": c[:, K.P_ACTIVATIONS], "adc_conversions": c[:, K.P_ADC_CONV],
        "dac_drives": c[:, K.P_DAC_DRIVES], "cell_reads": c[:, K.P_CELL_READS],
        "shift_add_ops": c[:, K.P_SHIFT_ADD], "cells_used": c[:, K.P_CELLS_USED],
        "cells_allocated": c[:, K.P_CELLS_ALLOC], "adc_bits": np.full(len(layers), pim.adc.bits, np.int64),
        "adc_bits_needed": c[:, K.P_ADC_BITS], "cells_written": cells_written,
        "writes_per_cell_per_inference": cells_written / (avail * x.rows * x.cols) / batch,
        "area_mm2": xb * copies * crossbar_area_um2(pim) * 1e-6,
        "transfer_bytes": -(-(moved_in * in_bits + moved_out * out_bits) // 8), **onchip,
    }
    if ("text", reprogram) not in prep:  # the counts and copies are the same on every run: format once
        prep["text", reprogram] = np.array(
            [f"PIM {int(n_)} xbars ({int(rb)}x{int(cb)}{' x2 +/-' if pim.signed_weights == 'differential' else ''})"
             f" x{int(d)} copies, {int(ic)} input cycles x {int(s // ic)} row groups"
             for n_, rb, cb, d, ic, s in zip(xb, c[:, K.P_ROW_BLOCKS], c[:, K.P_COL_BLOCKS], copies,
                                              c[:, K.P_IN_CYCLES], c[:, K.P_SERIAL_PER_WINDOW])], dtype=object)
    cols["mapping"] = prep["text", reprogram].copy()

    e = pim.energy
    energy = {
        **action_energy(c, pim),
        "buffer": (buf_rd * in_bits + ofmap * out_bits) * e.buffer_pj_per_bit + onchip_pj,
        "noc": ofmap * out_bits * e.interconnect_pj_per_bit,
        "dram": dram_bytes * 8.0 * table.dram(hw.backing_memory.kind),
        "write": cells_written * e.cell_write_pj, "leakage": np.zeros(len(layers)),
    }
    busy_ns = latency * 1e9
    for comp, mw in static_mw_while(pim, xb * copies).items():
        energy[_STATIC_TO[comp]] = energy[_STATIC_TO[comp]] + mw * busy_ns  # mW x ns = pJ
    for k, v in energy.items():
        cols[f"energy_pj_{k}"] = np.asarray(v, np.float64)
    cols["energy_pj"] = sum(cols[f"energy_pj_{k}"] for k in energy)
    _check_adc(names, cols["adc_bits_needed"], pim)
    if reprogram:
        _warn_reprogram(hw, need, avail, cols, batch)
    return cols


_PREPARED = IdentityMemo(64)


def _prepared(hw: Hardware, layers: list, batch: int) -> dict:
    """What ``pim_columns`` needs of these layers that does not change between runs: names, kernel
    argument rows, operand bits and sizes, where activations crossing to the digital side live;
    memoised per (hardware, layer objects, batch), with the duplication added on first use."""
    return _PREPARED.get((hw, *layers), batch, lambda: _prepare(hw, layers, batch))


def _prepare(hw: Hardware, layers: list, batch: int) -> dict:
    pim = hw.pim
    shapes = [conv_shape(x_, hw, batch) for x_ in layers]
    w_bits, in_bits, out_bits = (np.array(v, np.int64) for v in zip(*(layer_bits(x_, pim) for x_ in layers)))
    ifmap = np.array([s.ifmap_elems() for s in shapes], np.int64)
    ofmap = np.array([s.ofmap_elems() for s in shapes], np.int64)
    prep = {
        "names": [x.name for x in layers],
        "args": np.stack([layer_args(x, hw, batch, sh) for x, sh in zip(layers, shapes)]),
        "w_bits": w_bits, "in_bits": in_bits, "out_bits": out_bits, "ifmap": ifmap, "ofmap": ofmap,
        "filter": np.array([s.filter_elems() for s in shapes], np.int64),
        "g": np.array([s.G for s in shapes], np.int64),
        # activations crossing to / from the digital array go where it keeps them: its on-chip home when
        # the tensor fits (the fallback rule of accelsim.mapping.tiling), else the backing memory
        "in_home": np.array([_home(hw, hw.homes.ifmap, e * b) for e, b in zip(ifmap, in_bits)], dtype=object),
        "out_home": np.array([_home(hw, hw.homes.ofmap, e * b) for e, b in zip(ofmap, out_bits)], dtype=object),
    }
    return prep


def _home(hw: Hardware, home: str, bits: int) -> str:
    return home if home != "dram" and bits <= hw.buffer(home).size_bytes * 8 else "dram"


def _check_adc(names, needed, pim: PimConfig) -> None:
    short = [(n, int(b)) for n, b in zip(names, needed) if b > pim.adc.bits]
    if short and pim.adc.lossless:
        n, b = max(short, key=lambda t: t[1])
        warn_caller(f"pim.adc.bits = {pim.adc.bits} is lossy for {len(short)} layer(s) (largest need: {n} "
                    f"needs {b} bits); partial sums are quantized")


def _warn_reprogram(hw: Hardware, need: int, avail: int, cols: dict, batch: int) -> None:
    pim = hw.pim
    per_cell = float(cols["writes_per_cell_per_inference"].sum())
    seconds = float(cols["latency_s"].sum()) / batch
    rate = per_cell / seconds if seconds else math.inf  # writes per cell per second, back to back
    life_s = pim.programming.endurance_writes / rate if rate else math.inf
    warn_caller(
        f"{hw.name}: the weights need {need} crossbars, the chip has {avail}: every batch reprograms the cells "
        f"({per_cell:.3g} writes per cell per inference, {float(cols['energy_pj_write'].sum()) / batch * 1e-6:.3g} uJ "
        f"of writes per inference); at {pim.programming.endurance_writes:.3g} writes endurance, running back to "
        f"back the cells wear out in {life_s:.3g} s ({life_s / 86400:.3g} days)")
