"""Brute-force twin of ``accelsim.kernels.conv_cost.conv_layer_cost``.

It shares no formula with the kernel: it iterates the tiled loop nest tile by
tile with explicit buffer residency (what tile of each operand is resident,
how many reduction tiles each output tile has absorbed), and inside each tile
it walks every fold, every temporal step and every PE, i.e. every MAC, keeping
what each PE holds. Counts are literal tallies; timing applies the rules of
docs/engine.md step by step from the tallied bits. Use it on tiny layers only.
"""

from __future__ import annotations

import itertools
import math

from accelsim.kernels import layout as L

DIMS = "GNMCPQRS"
REL = {  # dims that index each operand (ifmap in im2col form)
    "ifmap": set("GNCPQRS"),
    "filter": set("GMCRS"),
    "ofmap": set("GNMPQ"),
}
TILE_REL = {"ifmap": set("GNCPQ"), "filter": set("GMC"), "ofmap": set("GNMPQ")}
TEMPORAL = {"os": "GNMPQCRS", "ws": "GMCRSNPQ", "is": "GNCPQRSM"}


def _input_positions(lo, hi, k, stride, pad, dil, size):
    return {o * stride - pad + r * dil for o in range(lo, hi) for r in range(k)} & set(range(size))


def _chunks(seq, size):
    return [seq[i:i + size] for i in range(0, len(seq), size)]


def naive_conv_cost(shape, hw, rm, plan) -> dict:
    """Every count and cycle figure of the kernel, by literal simulation."""
    full = {d: shape.dim(d) for d in DIMS}
    tile = {d.upper(): rm.tiles[d] for d in "gnmcpq"}
    tile["R"], tile["S"] = shape.R, shape.S
    loops = "G" + rm.order.upper()
    ntiles = {d: -(-full[d] // tile[d]) for d in "GNMCPQ"}
    bits = {"ifmap": shape.input_bits, "filter": shape.weight_bits, "psum": shape.psum_bits,
            "out": shape.output_bits}
    ops = ("ifmap", "filter", "ofmap")
    Ar, Ac, kmac = hw.array.rows, hw.array.cols, hw.array.macs_per_pe
    systolic = hw.array.interconnect == "systolic"
    bw_buf = [b * 8.0 for b in plan.bandwidth]
    dram_bw = hw.backing_memory.bandwidth_bytes_per_cycle * 8.0
    lat = hw.backing_memory.latency_cycles
    home_bw = {op: (hw.buffer(h).bandwidth_bytes_per_cycle * 8.0 if h != "dram" else None)
               for op, h in zip(ops, plan.homes)}
    kind = dict(zip(ops, plan.home_kind))
    buf_of = dict(zip(ops, plan.op_buf))
    dbl = {op: plan.double[buf_of[op]] for op in ops}

    c = {k: 0 for k in ("macs", "buf_rd_if", "buf_rd_fi", "buf_rd_of", "buf_wr_of", "home_rd_if", "home_rd_fi",
                        "home_rd_of", "home_wr_of", "home_wr_of_final", "arr_if", "arr_fi", "arr_of",
                        "deliv_if", "deliv_fi", "deliv_of", "fold_cycles", "used_pe_cycles", "compute", "steps",
                        "folds", "used_pes")}
    resident = {"ifmap": None, "filter": None, "ofmap": None}
    absorbed = {}  # output tile key -> reduction (C) tiles accumulated so far
    visited_outputs = set()  # output element ids that have received a contribution
    transfers = []  # per step: list of (phase, operand, bits); phase 'over' or 'ser'; evictions flagged
    computes = []

    def out_tile_elems(key_ranges):
        return math.prod(hi - lo for lo, hi in key_ranges)

    resident_out_ranges = None
    for tidx in itertools.product(*(range(ntiles[d]) for d in loops)):
        c["steps"] += 1
        pos = dict(zip(loops, tidx))
        rng = {d: (pos[d] * tile[d], min(full[d], (pos[d] + 1) * tile[d])) for d in "GNMCPQ"}
        rng["R"], rng["S"] = (0, shape.R), (0, shape.S)
        step = []
        # ---- ifmap tile
        key = tuple(pos[d] for d in "GNCPQ")
        if resident["ifmap"] != key:
            resident["ifmap"] = key
            rows = _input_positions(*rng["P"], shape.R, shape.stride[0], shape.pad[0], shape.dil[0], shape.H)
            cols = _input_positions(*rng["Q"], shape.S, shape.stride[1], shape.pad[1], shape.dil[1], shape.W)
            n = len(rows) * len(cols) * (rng["C"][1] - rng["C"][0]) * (rng["N"][1] - rng["N"][0]) \
                * (rng["G"][1] - rng["G"][0])
            if kind["ifmap"] != L.HOME_IS_STAGING:
                c["home_rd_if"] += n
                step.append(("over" if dbl["ifmap"] else "ser", "ifmap", n * bits["ifmap"]))
        # ---- filter tile
        key = tuple(pos[d] for d in "GMC")
        if resident["filter"] != key:
            resident["filter"] = key
            n = (rng["G"][1] - rng["G"][0]) * (rng["M"][1] - rng["M"][0]) * (rng["C"][1] - rng["C"][0]) \
                * shape.R * shape.S
            if kind["filter"] != L.HOME_IS_STAGING:
                c["home_rd_fi"] += n
                step.append(("over" if dbl["filter"] else "ser", "filter", n * bits["filter"]))
        # ---- ofmap tile: evict the old one, bring the new one
        key = tuple(pos[d] for d in "GNMPQ")
        if resident["ofmap"] != key:
            if resident["ofmap"] is not None:
                old = resident["ofmap"]
                n = out_tile_elems(resident_out_ranges)
                final = absorbed[old] == ntiles["C"]
                if kind["ofmap"] != L.HOME_IS_STAGING:
                    c["home_wr_of"] += n
                    c["home_wr_of_final"] += n if final else 0
                    step.append(("evict" if dbl["ofmap"] else "ser", "ofmap",
                                 n * (bits["out"] if final else bits["psum"])))
            resident["ofmap"] = key
            resident_out_ranges = [rng[d] for d in "GNMPQ"]
            n = out_tile_elems(resident_out_ranges)
            if absorbed.get(key, 0) > 0 and kind["ofmap"] != L.HOME_IS_STAGING:
                c["home_rd_of"] += n
                step.append(("over" if dbl["ofmap"] else "ser", "ofmap", n * bits["psum"]))
        absorbed[key] = absorbed.get(key, 0) + 1
        transfers.append(step)

        # ---- the array: every fold, every temporal step, every PE
        axis_pos = {}
        for name, axis in (("rows", rm.rows), ("cols", rm.cols)):
            axis_pos[name] = list(itertools.product(*(range(*rng[d]) for d in axis))) if axis else [()]
        temporal = [d for d in TEMPORAL[rm.stationarity] if d not in rm.rows and d not in rm.cols]
        tsteps = list(itertools.product(*(range(*rng[d]) for d in temporal)))
        tile_bits = [0] * len(plan.names)
        tile_fold_cycles = 0
        for rchunk in _chunks(axis_pos["rows"], Ar):
            for cchunk in _chunks(axis_pos["cols"], Ac):
                per = -(-len(tsteps) // kmac)
                if systolic:
                    per += 2 * Ar + Ac - 2
                else:
                    tree = 0
                    if set(rm.rows) & set("CRS"):
                        tree += math.ceil(math.log2(Ar)) if Ar > 1 else 0
                    if set(rm.cols) & set("CRS"):
                        tree += math.ceil(math.log2(Ac)) if Ac > 1 else 0
                    per += tree
                tile_fold_cycles += per
                c["used_pe_cycles"] += len(rchunk) * len(cchunk) * per
                c["folds"] += 1
                c["used_pes"] += len(rchunk) * len(cchunk)
                held = {op: {} for op in ops}
                for tval in tsteps:
                    need = {op: {} for op in ops}
                    for rv in rchunk:
                        for cv in cchunk:
                            idx = dict(zip(rm.rows, rv))
                            idx.update(zip(rm.cols, cv))
                            idx.update(zip(temporal, tval))
                            c["macs"] += 1
                            for op in ops:
                                need[op][(rv, cv)] = tuple(idx[d] for d in DIMS if d in REL[op])
                    for op in ops:
                        changed = [pe for pe, ident in need[op].items() if held[op].get(pe) != ident]
                        if not changed:
                            continue
                        new_ids = {need[op][pe] for pe in changed}
                        if op == "ofmap":
                            old_ids = {held[op][pe] for pe in changed if pe in held[op]}
                            c["buf_wr_of"] += len(old_ids)
                            tile_bits[buf_of[op]] += len(old_ids) * bits["psum"]
                            for ident in new_ids:
                                if ident in visited_outputs:
                                    c["buf_rd_of"] += 1
                                    tile_bits[buf_of[op]] += bits["psum"]
                                visited_outputs.add(ident)
                            c["deliv_of"] += len(changed)
                            c["arr_of"] += len(changed) - len(new_ids)
                        else:
                            short = "if" if op == "ifmap" else "fi"
                            c[f"buf_rd_{short}"] += len(new_ids)
                            c[f"deliv_{short}"] += len(changed)
                            c[f"arr_{short}"] += len(changed) - len(new_ids)
                            tile_bits[buf_of[op]] += len(new_ids) * bits[op]
                        for pe in changed:
                            held[op][pe] = need[op][pe]
                # fold ends: every held output goes back to the buffer
                last = set(held["ofmap"].values())
                c["buf_wr_of"] += len(last)
                tile_bits[buf_of["ofmap"]] += len(last) * bits["psum"]
        c["fold_cycles"] += tile_fold_cycles
        tc = tile_fold_cycles
        for b, nbits in enumerate(tile_bits):
            if nbits:
                tc = max(tc, math.ceil(nbits / bw_buf[b]))
        computes.append(tc)
        c["compute"] += tc

    # final eviction
    final_step = []
    n = out_tile_elems(resident_out_ranges)
    if kind["ofmap"] != L.HOME_IS_STAGING:
        c["home_wr_of"] += n
        c["home_wr_of_final"] += n
        final_step.append(("ser", "ofmap", n * bits["out"]))

    # ---- timing, step by step
    def group_time(items):
        dram = 0
        home = {op: 0 for op in ops}
        port = [0] * len(plan.names)
        for _, op, nbits in items:
            if kind[op] == L.HOME_DRAM:
                dram += nbits
            else:
                home[op] += nbits
            port[buf_of[op]] += nbits
        t = math.ceil(dram / dram_bw) if dram else 0
        for op in ops:
            if home[op]:
                t = max(t, math.ceil(home[op] / home_bw[op]))
        for b, nbits in enumerate(port):
            if nbits:
                t = max(t, math.ceil(nbits / bw_buf[b]))
        return t + (lat if dram else 0)

    t_start = 0
    t_end = 0
    carried = []  # write-backs of a double-buffered output, overlapping the next compute
    for step, comp in zip(transfers, computes):
        over = carried + [x for x in step if x[0] == "over"]
        ser = [x for x in step if x[0] == "ser"]
        carried = [x for x in step if x[0] == "evict"]
        start = max(t_end, t_start + group_time(over)) + group_time(ser)
        t_start, t_end = start, start + comp
    total = max(t_end, t_start + group_time(carried)) + group_time(final_step)
    c["cycles"] = total

    rows_all = _input_positions(0, shape.P, shape.R, shape.stride[0], shape.pad[0], shape.dil[0], shape.H)
    cols_all = _input_positions(0, shape.Q, shape.S, shape.stride[1], shape.pad[1], shape.dil[1], shape.W)
    c["compulsory_if"] = len(rows_all) * len(cols_all) * shape.C * shape.N * shape.G
    return c


KERNEL_INDEX = {
    "macs": L.O_MACS, "cycles": L.O_CYCLES, "compute": L.O_COMPUTE, "fold_cycles": L.O_FOLD_CYCLES,
    "used_pe_cycles": L.O_USED_PE_CYCLES, "buf_rd_if": L.O_BUF_RD_IF, "buf_rd_fi": L.O_BUF_RD_FI,
    "buf_rd_of": L.O_BUF_RD_OF, "buf_wr_of": L.O_BUF_WR_OF, "home_rd_if": L.O_HOME_RD_IF,
    "home_rd_fi": L.O_HOME_RD_FI, "home_rd_of": L.O_HOME_RD_OF, "home_wr_of": L.O_HOME_WR_OF,
    "home_wr_of_final": L.O_HOME_WR_OF_FINAL, "arr_if": L.O_ARR_IF, "arr_fi": L.O_ARR_FI, "arr_of": L.O_ARR_OF,
    "deliv_if": L.O_DELIV_IF, "deliv_fi": L.O_DELIV_FI, "deliv_of": L.O_DELIV_OF,
    "compulsory_if": L.O_COMPULSORY_IF, "steps": L.O_STEPS, "folds": L.O_FOLDS, "used_pes": L.O_USED_PES,
}


def kernel_as_dict(vec) -> dict:
    return {k: int(vec[i]) for k, i in KERNEL_INDEX.items()}


def naive_movement_cost(layer, hw, batch: int) -> dict:
    """A pooling / element-wise layer costed on its own, in plain Python (twin of accelsim/movement.py):
    elements read and written, their homes (an activation home keeps them when they fit; a buffer that
    is both homes keeps both only when both fit), DRAM bits, and cycles = max(ceil(ops / lanes), the
    slower of the DRAM and on-chip transfers) + the DRAM latency when DRAM is involved."""
    from accelsim.workload.shape import movement_counts

    reads, writes, ops = movement_counts(layer, batch)
    lp = layer.precision
    in_bits = lp.input_bits if lp and lp.input_bits else hw.precision.input_bits
    out_bits = lp.output_bits if lp and lp.output_bits else hw.precision.output_bits
    in_bytes, out_bytes = -(-reads * in_bits // 8), -(-writes * out_bits // 8)
    read_home, write_home = hw.homes.ifmap, hw.homes.ofmap
    if read_home != "dram" and read_home == write_home:
        if in_bytes + out_bytes > hw.buffer(read_home).size_bytes:
            read_home = write_home = "dram"
    else:
        if read_home != "dram" and in_bytes > hw.buffer(read_home).size_bytes:
            read_home = "dram"
        if write_home != "dram" and out_bytes > hw.buffer(write_home).size_bytes:
            write_home = "dram"
    dram_bits = (reads * in_bits if read_home == "dram" else 0) + (writes * out_bits if write_home == "dram" else 0)
    onchip_bits = (reads * in_bits if read_home != "dram" else 0) + (writes * out_bits if write_home != "dram" else 0)
    onchip = read_home if read_home != "dram" else write_home
    compute = math.ceil(ops / hw.array.cols)
    mem = 0
    if dram_bits:
        mem = math.ceil(dram_bits / (hw.backing_memory.bandwidth_bytes_per_cycle * 8.0))
    if onchip_bits:
        mem = max(mem, math.ceil(onchip_bits / (hw.buffer(onchip).bandwidth_bytes_per_cycle * 8.0)))
    cycles = max(compute, mem) + (hw.backing_memory.latency_cycles if dram_bits else 0)
    return {"cycles": cycles, "compute_cycles": compute, "reads": reads, "writes": writes, "in_bits": in_bits,
            "out_bits": out_bits, "read_home": read_home, "write_home": write_home, "dram_bits": dram_bits}
