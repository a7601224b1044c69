"""numba: which input positions a run of outputs reads, and the index classes of the tile loops."""

from numba import njit

from accelsim.kernels.layout import DC, DP, DQ, DR


@njit(cache=True, inline="always", _nrt=False, error_model="numpy")
def ceil_div(a, b):
    return (a + b - 1) // b


@njit(cache=True, inline="always", _nrt=False, error_model="numpy")
def ceil_log2(x):
    d = 0
    v = 1
    while v < x:
        v *= 2
        d += 1
    return d


@njit(cache=True, inline="always", _nrt=False, error_model="numpy")
def span_used(o0, o1, k, stride, pad, dil, size):
    """Distinct input positions in [0, size) read by outputs [o0, o1) of a kernel of extent k.

    O(1) when the windows' union is an interval or a single progression (1-wide kernels;
    unit dilation with kernel >= stride; unit stride with dilation <= the output run); otherwise
    tests each position of the hull."""
    if o1 <= o0:
        return 0
    if k == 1:  # one position per output: count o with 0 <= o*stride - pad <= size - 1
        lo = (pad + stride - 1) // stride
        hi = (size - 1 + pad) // stride
        a = o0 if o0 > lo else lo
        b = o1 - 1 if o1 - 1 < hi else hi
        return b - a + 1 if b >= a else 0
    if (dil == 1 and k >= stride) or (stride == 1 and dil <= o1 - o0):  # the windows tile an interval
        lo = o0 * stride - pad
        hi = (o1 - 1) * stride - pad + (k - 1) * dil
        if lo < 0:
            lo = 0
        if hi > size - 1:
            hi = size - 1
        return hi - lo + 1 if hi >= lo else 0
    lo = o0 * stride - pad  # general case (dilated and strided): test each position of the hull
    hi = (o1 - 1) * stride - pad + (k - 1) * dil
    if lo < 0:
        lo = 0
    if hi > size - 1:
        hi = size - 1
    count = 0
    for h in range(lo, hi + 1):
        for r in range(k):
            num = h + pad - r * dil
            if num < 0:
                break
            if num % stride == 0 and o0 <= num // stride < o1:
                count += 1
                break
    return count


# inlined into conv_cost.cost_into, as are span_used and reuse.py's two functions: called, each passed
# its array arguments as whole descriptors (callgrind, 2,048 rows of the ResNet-50 sweep spec: 25,070 ->
# 24,400 instructions a row; the same outputs)
@njit(cache=True, inline="always", _nrt=False, error_model="numpy")
def index_classes(trips, tiles, dims, geom, order, heads, tails, nseg, cls, maxseg):
    """Index classes of each tile loop: representative index, multiplicity, input span used (P/Q),
    into ``cls[(k * 6 + pos) * maxseg + class]`` for k = 0, 1, 2 (flat: a reshape costs a call).

    Returns the number of classes the busiest loop needs; when that exceeds ``maxseg``
    nothing is filled and the caller retries with larger arrays."""
    rep, mult, used = 0, 6 * maxseg, 12 * maxseg
    need = 3
    for pos in range(6):
        d = order[pos]
        t = trips[d]
        heads[pos] = 0
        tails[pos] = 0
        if d == DP or d == DQ:
            ax = 0 if d == DP else 1
            k, stride, pad, dil, size = dims[DR + ax], geom[2 + ax], geom[4 + ax], geom[6 + ax], geom[ax]
            a = 0
            while a < t and a * tiles[d] * stride - pad < 0:
                a += 1
            b = t
            while b > 0:
                o1 = min(dims[d], b * tiles[d])
                if (o1 - 1) * stride - pad + (k - 1) * dil > size - 1:
                    b -= 1
                else:
                    break
            heads[pos] = a
            tails[pos] = t - b
            if a + t - b + 3 > need:
                need = a + t - b + 3
    if need > maxseg:
        return need
    for pos in range(6):
        d = order[pos]
        t = trips[d]
        lo_run = max(1, heads[pos])
        hi_run = min(t - 1, t - tails[pos])
        # the last index behaves like the interior ones unless its tile is an edge tile, its halo is
        # clipped (P/Q tails), or it is the reduction loop with loops inside it (its last tile makes
        # outputs final, which the steps of those inner loops see when they evict their predecessor;
        # the step after the whole reduction loop derives that from its own indices)
        inner_loops = False
        for q in range(pos + 1, 6):
            if trips[order[q]] > 1:
                inner_loops = True
        if ((d != DC or not inner_loops) and dims[d] % tiles[d] == 0 and tails[pos] == 0
                and hi_run == t - 1):
            hi_run = t
        n = 0
        for i in range(min(lo_run, t)):
            cls[rep + pos * maxseg + n] = i
            cls[mult + pos * maxseg + n] = 1
            n += 1
        if hi_run > lo_run:
            cls[rep + pos * maxseg + n] = lo_run
            cls[mult + pos * maxseg + n] = hi_run - lo_run
            n += 1
        for i in range(max(hi_run, lo_run), t):
            cls[rep + pos * maxseg + n] = i
            cls[mult + pos * maxseg + n] = 1
            n += 1
        nseg[pos] = n
        for sg in range(n):
            cls[used + pos * maxseg + sg] = 0
        if d == DP or d == DQ:
            ax = 0 if d == DP else 1
            for sg in range(n):
                o0 = cls[rep + pos * maxseg + sg] * tiles[d]
                cls[used + pos * maxseg + sg] = span_used(o0, min(dims[d], o0 + tiles[d]), dims[DR + ax],
                                                          geom[2 + ax], geom[4 + ax], geom[6 + ax], geom[ax])
    return need


