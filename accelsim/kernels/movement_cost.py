"""numba kernel: a pooling or element-wise layer, which moves data but does no MACs."""

import numpy as np
from numba import njit


@njit(cache=True)
def movement_layer_cost(ops, lanes, dram_bits, dram_bw_bits, onchip_bits, onchip_bw_bits, dram_lat):
    """(cycles, compute cycles) of a streaming layer.

    ``ops`` simple operations (comparisons, adds) run on ``lanes`` PEs; ``dram_bits`` move
    over the backing memory and ``onchip_bits`` over an on-chip home buffer, concurrently
    with the compute (a pipelined vector unit): cycles = max(compute, memory) + DRAM latency.
    """
    compute = (ops + lanes - 1) // lanes
    mem = 0
    if dram_bits > 0:
        mem = int(np.ceil(dram_bits / dram_bw_bits))
    if onchip_bits > 0:
        x = int(np.ceil(onchip_bits / onchip_bw_bits))
        if x > mem:
            mem = x
    cycles = compute if compute > mem else mem
    if dram_bits > 0:
        cycles += dram_lat
    return cycles, compute


@njit(cache=True)
def movement_layer_costs(ops, lanes, dram_bits, dram_bw_bits, onchip_bits, onchip_bw_bits, dram_lat):
    """``movement_layer_cost`` of every row (a layer on one design point): every argument is an array
    with one entry per row; returns (cycles, compute cycles), int64 arrays."""
    n = ops.shape[0]
    cycles = np.empty(n, np.int64)
    compute = np.empty(n, np.int64)
    for i in range(n):
        cycles[i], compute[i] = movement_layer_cost(ops[i], lanes[i], dram_bits[i], dram_bw_bits[i], onchip_bits[i],
                                                    onchip_bw_bits[i], dram_lat[i])
    return cycles, compute
