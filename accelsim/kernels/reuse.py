"""numba: the tile-level reuse rule and the home-level traffic it implies."""

from numba import njit

from accelsim.kernels.layout import FILTER, IFMAP, OFMAP, REL


@njit(cache=True, inline="always", _nrt=False, error_model="numpy")
def tile_fetches(trips, order, inner, fetches):
    """The reuse rule. ``inner[op]``: position of the innermost loop with more than one trip that
    indexes the operand; ``fetches[op]``: product of the trips of the loops outside it that do not
    index it = how often each distinct tile of the operand is brought in."""
    for op in range(3):
        inner[op] = -1
        fetches[op] = 1
        for pos in range(6):
            if REL[op, order[pos]] == 1 and trips[order[pos]] > 1:
                inner[op] = pos
        for pos in range(inner[op] + 1):
            if REL[op, order[pos]] == 0:
                fetches[op] *= trips[order[pos]]


@njit(cache=True, inline="always", _nrt=False, error_model="numpy")
def tile_traffic(dims, fetches, sum_rows, sum_cols):
    """Home-level element counts (ifmap reads, filter reads, partial-sum reads, ofmap writes) given the
    fetch counts and the input rows/cols read over all P/Q tiles."""
    G, N, M, C, P, Q, R, S = dims[0], dims[1], dims[2], dims[3], dims[4], dims[5], dims[6], dims[7]
    outs = G * N * M * P * Q
    return (fetches[IFMAP] * G * N * C * sum_rows * sum_cols, fetches[FILTER] * G * M * C * R * S,
            (fetches[OFMAP] - 1) * outs, fetches[OFMAP] * outs)


# Workspace: one int64 and one float64 buffer carved into views, so a batch allocates once.
