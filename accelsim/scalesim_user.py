"""SCALE-Sim 3.0.0's USER interface-bandwidth mode: stall cycles and DRAM reads per layer.

The replay is ``kernels.scalesim_user.user_layer`` (the rules and how they are streamed are in its
docstring and docs/scalesim_parity.md). DRAM reads are whole prefetch lines of the ``[layout]`` bank
bandwidth: the first prefetch of ceil(active half / bandwidth) lines (at most the whole operand),
then ceil(prefetch half / bandwidth) lines per later prefetch, padding included
(``memory/read_buffer.py``).
"""

from __future__ import annotations

from accelsim.kernels.layout import STAT_CODES
from accelsim.kernels.scalesim_user import user_layer


def user_memory(df: str, N, H, W, R, S, C, K, P, Q, st, ar, ac, words_if, words_fi, words_of, bw_if, bw_fi, bw_of):
    """(stall cycles, ifmap DRAM reads, filter DRAM reads) of one layer (one group) in USER mode.

    H, W: the input as SCALE-Sim sees it (padding included); P, Q: its output size (ceil rule);
    words_*: SRAM sizes in words; bw_if / bw_fi: the [layout] bank bandwidths; bw_of: Bandwidth."""
    stall, r_if, r_fi = user_layer(STAT_CODES[df], N, H, W, R, S, C, K, P, Q, st, ar, ac, words_if, words_fi,
                                   words_of, bw_if, bw_fi, bw_of)
    if stall < 0:
        raise RuntimeError("SCALE-Sim USER replay: a demanded address is never prefetched (internal error)")
    return int(stall), int(r_if), int(r_fi)
