"""Brute-force twin of accelsim/kernels/pim_mapping.py: places every cell of every weight slice in a
crossbar, then walks every window, input cycle, crossbar and row group, counting what each activation
drives, reads and converts. Shares no formula with the kernel; only for small layers."""

from __future__ import annotations

from collections import defaultdict


def naive_pim_counts(G, N, M, C, P, Q, R, S, xr, xc, cell_bits, w_bits, in_bits, dac_bits, active,
                     layout="adjacent", signed="none", flip=False) -> dict:
    slices = 0
    while slices * cell_bits < w_bits:
        slices += 1
    logical_cols = M + (1 if signed == "offset_column" else 0)
    copies = 2 if signed == "differential" else 1
    # place cells: crossbar key -> {local row: set(local cols)}
    xbars: dict = defaultdict(lambda: defaultdict(set))
    for g in range(G):
        for sign in range(copies):
            for r in range(R * S * C):
                for m in range(logical_cols):
                    for s in range(slices):
                        if layout == "adjacent":
                            col = m * slices + s
                            key = (g, sign, r // xr, col // xc)
                            xbars[key][r % xr].add(col % xc)
                        else:  # one crossbar per bit slice
                            key = (g, sign, s, r // xr, m // xc)
                            xbars[key][r % xr].add(m % xc)
    cells_used = sum(len(cs) for rows in xbars.values() for cs in rows.values())
    input_cycles = 0
    while input_cycles * dac_bits < in_bits:
        input_cycles += 1
    act = min(active, xr)
    counts = defaultdict(int)
    serial = 0
    max_sum = 0
    for rows in xbars.values():
        used_cols = set().union(*rows.values())
        groups = defaultdict(list)  # row group -> its rows holding cells
        for lr in rows:
            groups[lr // act].append(lr)
        serial = max(serial, input_cycles * len(groups))
        for members in groups.values():
            col_sum = defaultdict(int)
            for lr in members:
                for c in rows[lr]:
                    col_sum[c] += ((1 << dac_bits) - 1) * ((1 << cell_bits) - 1)  # largest input x largest cell
            max_sum = max(max_sum, max(col_sum.values()))
    for _n in range(N):
        for _p in range(P):
            for _q in range(Q):
                for _cycle in range(input_cycles):
                    for rows in xbars.values():
                        used_cols = set().union(*rows.values())
                        groups = defaultdict(list)
                        for lr in rows:
                            groups[lr // act].append(lr)
                        for members in groups.values():
                            counts["activations"] += 1
                            counts["adc_conversions"] += len(used_cols)
                            counts["dac_drives"] += len(members)
                            counts["cell_reads"] += sum(len(rows[lr]) for lr in members)
    macs = 0
    for _g in range(G):
        for _n in range(N):
            for _p in range(P):
                for _q in range(Q):
                    for _r in range(R * S * C):
                        for _m in range(M):
                            macs += 1
    bits = 0
    while (1 << bits) <= max_sum:
        bits += 1
    return {
        "crossbars": len(xbars), "cells_used": cells_used, "cells_allocated": len(xbars) * xr * xc,
        "input_cycles": input_cycles, "activations": counts["activations"],
        "adc_conversions": counts["adc_conversions"], "dac_drives": counts["dac_drives"],
        "cell_reads": counts["cell_reads"], "macs": macs, "serial_per_window": serial,
        "adc_bits_needed": max(1, bits - (1 if flip else 0)),
    }
