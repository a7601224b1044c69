"""numba: the array-level counts of one tile step -- its folds, buffer reads and PE-to-PE forwards per
operand, and its compute time (DESIGN.md §1, docs/engine.md "Array level").

A tile runs as folds: each array axis unrolls the flattened product of its dims (im2col, as
SCALE-Sim); the rest is the temporal loop, ordered by the stationarity. Per fold an operand is read
from its buffer once per PE row/column it is relevant to and once per change of its temporal index,
and forwarded to the other PEs. These counts depend only on the tile's extents and on whether outputs
start in it, so conv_cost computes them once per such key and tallies the steps per key.
"""

import numpy as np
from numba import njit

from accelsim.kernels.layout import (
    ARR_Q_NO_PSUM_READS,
    ARR_Q_OS_FOLD,
    ARR_Q_OS_OFMAP_EXTRA,
    BROADCAST,
    FILTER,
    IFMAP,
    O_ARR_FI,
    O_ARR_IF,
    O_ARR_OF,
    O_BUF_RD_FI,
    O_BUF_RD_IF,
    O_BUF_RD_OF,
    O_BUF_WR_OF,
    O_COMPUTE,
    O_DELIV_FI,
    O_DELIV_IF,
    O_DELIV_OF,
    O_FOLD_CYCLES,
    O_FOLDS,
    O_USED_PE_CYCLES,
    O_USED_PES,
    OFMAP,
    REL,
)
from accelsim.kernels.spans import ceil_div

# counts the class walk accumulates (a compact subset of the output vector)
WALK_COUNTS = np.array([O_FOLD_CYCLES, O_USED_PE_CYCLES, O_BUF_RD_IF, O_BUF_RD_FI, O_BUF_RD_OF, O_BUF_WR_OF, O_ARR_IF,
                        O_ARR_FI, O_ARR_OF, O_DELIV_IF, O_DELIV_FI, O_DELIV_OF, O_COMPUTE, O_FOLDS, O_USED_PES],
                       np.int64)
(W_FOLD, W_USED, W_BRI, W_BRF, W_BRO, W_BWO, W_AI, W_AF, W_AO, W_DI, W_DF, W_DO, W_COMP, W_NFOLDS,
 W_USEDPES) = range(15)
NW = 15


@njit(cache=True, inline="always", _nrt=False, error_model="numpy")
def fold_counts(e, c_idx, cur_outs, rows_mask, cols_mask, tmp_order, arr, bits, op_buf, buf_bw_bits, tree, rel_rc,
                 te, buf_bits, m):
    """Array-level counts of one tile of extents ``e`` into ``m`` (NW values, ``W_*`` order): its folds,
    buffer reads and forwards per operand, and ``m[W_COMP]``, its compute time (cycles) -- the
    folds, or longer when a buffer port cannot keep up."""
    nb = buf_bw_bits.shape[0]
    n_rows, n_cols, kmac, inter = arr[0], arr[1], arr[2], arr[3]
    for j in range(NW):
        m[j] = 0
    er = 1
    ec = 1
    t_all = 1
    for d in range(8):
        if rows_mask[d]:
            er *= e[d]
            te[d] = 1
        elif cols_mask[d]:
            ec *= e[d]
            te[d] = 1
        else:
            t_all *= e[d]
            te[d] = e[d]
    fr = ceil_div(er, n_rows)
    fc = ceil_div(ec, n_cols)
    tcyc = ceil_div(t_all, kmac)
    per = tcyc + tree if inter == BROADCAST else tcyc + 2 * n_rows + n_cols - 2
    if arr[ARR_Q_OS_FOLD]:  # SCALE-Sim 3.0.0's OS fold: no output drain (scale-sim-v3 issue #4)
        per -= n_rows
    fold_cycles = fr * fc * per
    m[W_FOLD] = fold_cycles
    m[W_USED] = er * ec * per
    m[W_NFOLDS] = fr * fc
    m[W_USEDPES] = er * ec
    buf_bits[:nb] = 0.0
    for op in range(3):
        a_r = er if rel_rc[op] else fr
        a_c = ec if rel_rc[3 + op] else fc
        jj = -1
        for k in range(8):
            if REL[op, tmp_order[k]] == 1 and te[tmp_order[k]] > 1:
                jj = k
        treuse = 1
        for k in range(jj + 1):
            treuse *= te[tmp_order[k]]
        reads = a_r * a_c * treuse
        deliv = er * ec * treuse
        if op == IFMAP:
            m[W_BRI] = reads
            m[W_AI] = deliv - reads
            m[W_DI] = deliv
            buf_bits[op_buf[IFMAP]] += reads * bits[0]
        elif op == FILTER:
            m[W_BRF] = reads
            m[W_AF] = deliv - reads
            m[W_DF] = deliv
            buf_bits[op_buf[FILTER]] += reads * bits[1]
        else:
            first = cur_outs if c_idx == 0 else 0
            if arr[ARR_Q_NO_PSUM_READS]:  # SCALE-Sim: partial sums written every fold, never read
                first = reads
            extra = fr * fc * (n_rows + n_cols) if arr[ARR_Q_OS_OFMAP_EXTRA] else 0
            m[W_BWO] = reads + extra
            m[W_BRO] = reads - first
            m[W_AO] = deliv - reads
            m[W_DO] = deliv
            buf_bits[op_buf[OFMAP]] += (2 * reads - first) * bits[2]
    c_tile = fold_cycles
    for b in range(nb):
        if buf_bits[b] > 0:
            x = int(np.ceil(buf_bits[b] / buf_bw_bits[b]))
            if x > c_tile:
                c_tile = x
    m[W_COMP] = c_tile
