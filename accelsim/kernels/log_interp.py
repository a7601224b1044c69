"""numba: an energy table's SRAM figure at many sizes at once (log-log interpolation)."""

import math

from numba import njit


@njit(cache=True, _nrt=False, error_model="numpy")
def log_interp_into(sizes, values, queries, out):
    """``out[k]`` = the figure at ``queries[k]`` bytes of the curve (``sizes``: int64, sorted, at least two;
    ``values``: float64): the tabulated value at a tabulated size, else log-log interpolation between the
    two tabulated sizes around it (the two nearest beyond either end), linear when either value is not
    positive. The same operations, in the same order and through the same libm, as
    ``EnergyTable.sram_at`` (tests/test_energy.py checks they are equal)."""
    m = sizes.shape[0]
    for k in range(queries.shape[0]):
        q = queries[k]
        lo, hi = 0, m  # bisect_left
        while lo < hi:
            mid = (lo + hi) // 2
            if sizes[mid] < q:
                lo = mid + 1
            else:
                hi = mid
        i = lo
        if i < m and sizes[i] == q:
            out[k] = values[i]
            continue
        i = min(max(i, 1), m - 1)
        s0, v0, s1, v1 = sizes[i - 1], values[i - 1], sizes[i], values[i]
        if v0 <= 0 or v1 <= 0:
            out[k] = v0 + (v1 - v0) * (q - s0) / (s1 - s0)
            continue
        t = math.log(q / s0) / math.log(s1 / s0)
        out[k] = math.exp(math.log(v0) + t * (math.log(v1) - math.log(v0)))
