"""The slow twins of ``kernels.result_rows.mac_rows`` and ``kernels.energy_rows.energy_rows``: the
result and energy columns as numpy expressions over whole columns, one formula per column, as
accelsim computed them before the kernels (the kernels must agree bit for bit:
tests/test_result_rows.py)."""

import numpy as np

from accelsim.config.hardware import OPERANDS
from accelsim.energy.model import COMPONENTS
from accelsim.kernels import layout as L
from accelsim.results import hardware_values, movement_columns, per_row, row_hardware


def mac_columns(preps: list, out: np.ndarray) -> dict:
    """Result columns of the MAC layers (one entry per MAC layer of each design point, points one after
    another) from the cost kernel's output."""
    prep = preps[0]
    rh = row_hardware(hardware_values([p.hw for p in preps]), len(prep.mac_pos))
    pes = rh.pes * rh.macs_per_pe
    bits = {k: np.array([getattr(sh, f"{k}_bits") for sh in prep.shapes] * len(preps), np.int64)
            for k in ("input", "weight", "psum", "output")}
    ofmap_elems = np.array([sh.ofmap_elems() for sh in prep.shapes] * len(preps), np.int64)
    filter_elems = np.array([sh.filter_elems() for sh in prep.shapes] * len(preps), np.int64)
    homes = np.concatenate([p.homes for p in preps])
    on_dram, home_names = homes == "dram", sorted(set(homes.ravel()) - {"dram"})
    macs, cycles, compute, fold = out[:, L.O_MACS], out[:, L.O_CYCLES], out[:, L.O_COMPUTE], out[:, L.O_FOLD_CYCLES]
    if prep.timing == "scalesim":
        from accelsim.scalesim_memory import dram_columns

        ss = dram_columns(prep, out)
        cycles = compute + ss["stall_cycles"]
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
    if prep.timing == "scalesim":
        cols.update({k: v for k, v in ss.items() if k != "stall_cycles"})
        final = cols["dram_writes_ofmap"]
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
        for k, op in enumerate(OPERANDS):
            cols[f"{name}_reads_{op}"] = np.where(homes[:, k] == name, home_rd[op], 0)
        cols[f"{name}_writes_ofmap"] = np.where(homes[:, 2] == name, home_wr, 0)
    return cols


def table_columns(preps: list, out, columns: list[str]) -> dict:
    """The numeric per-layer table of design points, stacked (MAC and streaming layers)."""
    prep = preps[0]
    n, points = len(prep.names), len(preps)
    data = {c: np.zeros(n * points, np.float64 if c in ("mapping_efficiency", "utilization", "latency_s")
                        else np.int64) for c in columns if c not in ("layer", "kind", "mapping")}
    offsets = np.arange(points, dtype=np.int64)[:, None] * n
    if out is not None and len(prep.mac_pos):
        rows = (offsets + prep.mac_pos).ravel()
        for c, v in mac_columns(preps, out).items():
            if c in data:
                data[c][rows] = v
    for k, p in enumerate(preps):
        if len(p.movement.pos):
            rh = row_hardware(hardware_values([p.hw]), len(p.movement.pos))
            for c, (where, v) in movement_columns(p.movement, rh).items():
                if c in data:
                    data[c][k * n + where] = v
    return data


def _accesses(bits, port_bits):
    return np.ceil(bits / port_bits)


def energy_columns(cols: dict, bits: dict, f, counts: int) -> dict:
    """Per-layer energy columns (pJ) from the result columns, per-layer operand bits (``input``,
    ``weight``, ``psum``, ``output``: arrays over all rows) and ``energy_factors`` of the points
    (``counts`` rows each)."""
    table = f.table
    reg, fifo, hop, dram, leak_uw = (per_row(list(f.point[:, j]), counts) for j in range(5))
    staging = [None if not f.staged[o] else tuple(per_row(list(f.stage[:, o, j]), counts) for j in range(4))
               for o in range(3)]
    pure = [(name,) + tuple(per_row(list(f.pure[:, h, j]), counts) for j in range(4))
            for h, name in enumerate(f.pure_names)]
    n = len(cols["macs"])
    macs = cols["macs"].astype(np.float64)
    width = np.maximum(bits["input"], bits["weight"])
    keys, which = np.unique(width.astype(np.int64) << 16 | bits["psum"], return_inverse=True)
    per_key = np.array([table.mac_pj(int(k >> 16), int(k & 0xFFFF)).energy_pj for k in keys])
    mac_e = np.where(macs > 0, per_key[which], 0.0)
    op_bits = {"ifmap": bits["input"], "filter": bits["weight"], "ofmap": bits["psum"]}
    out = {"energy_pj_mac": macs * mac_e}
    rf_bits = sum(cols[f"rf_{d}_{op}"] * op_bits[op] for op in OPERANDS for d in ("reads", "writes"))
    out["energy_pj_rf"] = rf_bits * reg
    out["energy_pj_noc"] = (cols["array_reads_ifmap"] * bits["input"] + cols["array_reads_filter"] * bits["weight"]
                            + cols["array_writes_ofmap"] * bits["psum"]) * hop
    out["energy_pj_dram"] = cols["dram_bytes"] * 8.0 * dram
    buffer_e = np.zeros(n)
    fills = {"ifmap": cols["dram_reads_ifmap"] * bits["input"], "filter": cols["dram_reads_filter"] * bits["weight"],
             "ofmap": cols["dram_reads_ofmap"] * bits["psum"]}
    drains = cols["dram_bytes"] * 8.0 - fills["ifmap"] - fills["filter"] - fills["ofmap"]
    for name in f.homes:
        for op in OPERANDS:
            if f"{name}_reads_{op}" in cols:
                fills[op] = fills[op] + cols[f"{name}_reads_{op}"] * op_bits[op]
        if f"{name}_writes_ofmap" in cols:
            drains = drains + cols[f"{name}_writes_ofmap"] * bits["psum"]
    array_reads = {"ifmap": cols["buffer_reads_ifmap"] * bits["input"],
                   "filter": cols["buffer_reads_filter"] * bits["weight"],
                   "ofmap": cols["buffer_reads_ofmap"] * bits["psum"]}
    for op, stage in zip(OPERANDS, staging):
        reads = array_reads[op] + (drains if op == "ofmap" else 0.0)
        writes = fills[op] + (cols["buffer_writes_ofmap"] * bits["psum"] if op == "ofmap" else 0.0)
        if stage is None:
            buffer_e += (reads + writes) * fifo
            continue
        port, read_pj, write_pj, scale = stage
        buffer_e += _accesses(reads, port) * read_pj * scale + _accesses(writes, port) * write_pj * scale
    for name, port, read_pj, write_pj, scale in pure:
        r = sum(cols.get(f"{name}_reads_{op}", 0) * op_bits[op] for op in OPERANDS)
        w = cols.get(f"{name}_writes_ofmap", 0) * bits["psum"]
        buffer_e += (_accesses(np.asarray(r, float), port) * read_pj * scale
                     + _accesses(np.asarray(w, float), port) * write_pj * scale)
    out["energy_pj_buffer"] = buffer_e
    out["energy_pj_leakage"] = leak_uw * 1e-6 * cols["latency_s"] * 1e12
    out["energy_pj"] = sum(out[f"energy_pj_{c}"] for c in COMPONENTS)
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}
