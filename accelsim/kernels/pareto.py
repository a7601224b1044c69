"""numba: the rows of a lexicographically sorted table that no row before them is <= in its last two
columns (the 3-D Pareto front of accelsim.sweep.pareto)."""

import numpy as np
from numba import njit


@njit(cache=True)
def unmatched_3d(rank, z):
    """Rows (sorted lexicographically; ``rank``: of their second objective among its distinct values,
    ``z``: their third) that no row before them is <= in both: those rows are <= them in the first too.
    A Fenwick tree over the ranks holds the least third objective seen at or below each rank, so a row
    costs O(log n) (Kung, Luccio and Preparata, J. ACM 1975, for the 3-D maxima problem)."""
    n = rank.shape[0]
    tree = np.full(n + 1, np.inf)
    out = np.zeros(n, np.bool_)
    for i in range(n):
        best = np.inf
        j = rank[i] + 1
        while j > 0:  # least z over ranks <= rank[i]
            if tree[j] < best:
                best = tree[j]
            j -= j & -j
        if best > z[i]:
            out[i] = True
        j = rank[i] + 1
        while j <= n:
            if z[i] < tree[j]:
                tree[j] = z[i]
            j += j & -j
    return out
