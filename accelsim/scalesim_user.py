"""SCALE-Sim 3.0.0's USER interface-bandwidth mode: stall cycles and DRAM reads per layer.

The replay is ``kernels.scalesim_user.user_layer`` (the rules and how they are streamed are in its
docstring and docs/scalesim_parity.md). DRAM reads are whole prefetch lines of the ``[layout]`` bank
bandwidth: the first prefetch of ceil(active half / bandwidth) lines (at most the whole operand),
then ceil(prefetch half / bandwidth) lines per later prefetch, padding included
(``memory/read_buffer.py``).
"""

from __future__ import annotations

import numpy as np

from accelsim.kernels.layout import STAT_CODES
from accelsim.kernels.scalesim_user import code_size, user_layer

# the replay's element codes reach 2 x size - 1 (kernels/scalesim_user.py): int32 up to this many elements
INT32_CODES_UP_TO = 1 << 30


def user_memory(df: str, N, H, W, R, S, C, K, P, Q, st, ar, ac, words_if, words_fi, words_of, bw_if, bw_fi, bw_of):
    """(stall cycles, ifmap DRAM reads, filter DRAM reads) of one layer (one group) in USER mode.

    H, W: the input as SCALE-Sim sees it (padding included); P, Q: its output size (ceil rule);
    words_*: SRAM sizes in words; bw_if / bw_fi: the [layout] bank bandwidths; bw_of: Bandwidth."""
    stat = STAT_CODES[df]
    size = code_size(stat, N * P * Q, R * S * C, K, ar, ac)
    codes = np.empty(size, np.int32 if size <= INT32_CODES_UP_TO else np.int64)
    stall, r_if, r_fi = user_layer(stat, N, H, W, R, S, C, K, P, Q, st, ar, ac, words_if, words_fi, words_of, bw_if,
                                   bw_fi, bw_of, codes)
    if stall < 0:
        raise RuntimeError("SCALE-Sim USER replay: a demanded address is never prefetched (internal error)")
    return int(stall), int(r_if), int(r_fi)
