"""Integer indices shared by the kernels and the Python code that packs/unpacks them.

Loop dimensions (DESIGN.md §1): G groups, N batch, M output channels per group,
C input channels per group, P, Q output rows/cols, R, S kernel rows/cols.
Tile loops exist for the first six (G, N, M, C, P, Q); R and S are never tiled.
"""

import numpy as np

DG, DN, DM, DC, DP, DQ, DR, DS = range(8)
DIM_NAMES = "GNMCPQRS"
TILE_DIMS = 6  # G N M C P Q

IFMAP, FILTER, OFMAP = 0, 1, 2
OPERAND_NAMES = ("ifmap", "filter", "ofmap")

# Which loop dimensions index each operand (array level: the ifmap is seen in
# im2col form, indexed by R and S too). REL[op, dim] = 1 when relevant.
REL = np.array(
    [
        # G  N  M  C  P  Q  R  S
        [1, 1, 0, 1, 1, 1, 1, 1],  # ifmap
        [1, 0, 1, 1, 0, 0, 1, 1],  # filter
        [1, 1, 1, 0, 1, 1, 0, 0],  # ofmap
    ],
    dtype=np.int64,
)

# Temporal order inside a fold (outer -> inner) per stationarity: the stationary
# operand's dimensions outermost, so it stays in the PE while the rest stream.
STAT_OS, STAT_WS, STAT_IS = 0, 1, 2
STAT_CODES = {"os": STAT_OS, "ws": STAT_WS, "is": STAT_IS}  # stationarity name -> kernel code
TEMPORAL_ORDER = np.array(
    [
        [DG, DN, DM, DP, DQ, DC, DR, DS],  # OS: outputs stay, reduction innermost
        [DG, DM, DC, DR, DS, DN, DP, DQ],  # WS: weights stay, pixels innermost
        [DG, DN, DC, DP, DQ, DR, DS, DM],  # IS: inputs stay, kernels innermost
    ],
    dtype=np.int64,
)

# Home kinds of an operand for one layer.
HOME_DRAM, HOME_ONCHIP, HOME_IS_STAGING = 0, 1, 2

# Interconnect kinds.
SYSTOLIC, BROADCAST = 0, 1

# Indices of the kernel's output vector (int64 counts / cycles).
(
    O_MACS,
    O_CYCLES,
    O_COMPUTE,
    O_FOLD_CYCLES,
    O_USED_PE_CYCLES,
    O_BUF_RD_IF,
    O_BUF_RD_FI,
    O_BUF_RD_OF,
    O_BUF_WR_OF,
    O_HOME_RD_IF,
    O_HOME_RD_FI,
    O_HOME_RD_OF,
    O_HOME_WR_OF,
    O_HOME_WR_OF_FINAL,
    O_ARR_IF,
    O_ARR_FI,
    O_ARR_OF,
    O_DELIV_IF,
    O_DELIV_FI,
    O_DELIV_OF,
    O_COMPULSORY_IF,
    O_STEPS,
    O_FOLDS,
    O_USED_PES,
) = range(24)
N_OUT = 24

# SCALE-Sim 3.0.0 quirks (docs/scalesim_parity.md), flags at these indices of the kernel's ``arr``
# argument (0 = native behaviour): the OS fold is T + rows + cols - 2 (no output drain); the total
# is one cycle short per layer; OS ofmap writes gain rows + cols per fold; partial sums are
# written every fold but never read back.
ARR_Q_OS_FOLD, ARR_Q_OFF_BY_ONE, ARR_Q_OS_OFMAP_EXTRA, ARR_Q_NO_PSUM_READS = 4, 5, 6, 7
ARR_LEN = 8
