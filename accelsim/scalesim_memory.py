"""SCALE-Sim 3.0.0's DRAM traffic under ``--timing scalesim`` (docs/scalesim_parity.md).

* Reads: its CALC-mode read buffers, by ``kernels.scalesim_dram`` (accurate to the last few
  words; tests/test_scalesim_dram.py). In USER mode, ``scalesim_user`` replays its prefetching
  buffers cycle by cycle and gives the stall cycles too (exact on every golden USER case;
  tests/test_scalesim_user.py).
* Writes: every output written to the ofmap SRAM is drained to DRAM (WS and IS spill partial sums
  every row fold, as SCALE-Sim's SRAM count has them; OS without the extra ``rows + cols`` per fold
  its counter adds). ``memory/write_buffer.py`` drains in lines of ``arr_col`` words (CALC) or
  ``Bandwidth`` words (USER): when the layer overflows the active half of the ofmap SRAM, the line
  it cuts is written padded, so DRAM writes gain that line's empty words once, unless it ends its
  drain batch (a batch's last line is counted without its empty words).
"""

from __future__ import annotations

import math

import numpy as np

from accelsim.config.scalesim_cfg import sram_kb
from accelsim.errors import warn_caller
from accelsim.kernels import layout as L
from accelsim.kernels.layout import STAT_CODES
from accelsim.kernels.scalesim_dram import calc_dram_reads_batch
from accelsim.scalesim_user import user_memory


def ofmap_dram_writes(demand_writes, hw):
    """DRAM words SCALE-Sim drains for ``demand_writes`` ofmap SRAM writes of one layer (an int, or an
    int64 array of layers)."""
    words = sram_kb(hw, "ofmap") * 1024
    active = math.ceil(words * 0.5)
    settings = hw.scalesim
    line = (settings.bandwidth_words if settings is not None and settings.interface_bandwidth == "USER"
            else hw.array.cols)
    cut = (active + 1) % line  # words in the line cut when the active half first overflows
    cut_line = (active + 1) // line
    drain_lines = math.ceil((words - active) / line)  # lines per drain; the last one's empty words not counted
    if cut and cut_line + 1 > drain_lines:
        return np.where(demand_writes > active + 1, demand_writes + line - cut, demand_writes)
    return demand_writes


def _user_caveats(hw) -> None:
    ss = hw.scalesim
    if ss.layout.ifmap_custom_layout or ss.layout.filter_custom_layout:
        warn_caller(f"{hw.name}: SCALE-Sim's custom SRAM layouts (bank conflicts) are not modelled; stalls and DRAM "
                   "reads are those of its default layout")
    if ss.use_ramulator_trace:
        warn_caller(f"{hw.name}: SCALE-Sim's Ramulator traces are not modelled; DRAM answers after one cycle as "
                   "without them")


def dram_columns(prep, out: np.ndarray) -> dict:
    """``dram_reads_ifmap``, ``dram_reads_filter``, ``dram_reads_ofmap`` (0: SCALE-Sim never reads
    partial sums back), ``dram_writes_ofmap`` and ``stall_cycles`` (0 in CALC mode) of the MAC layers
    (arrays), SCALE-Sim's way."""
    hw = prep.hw
    user = hw.scalesim is not None and hw.scalesim.interface_bandwidth == "USER"
    if user:
        _user_caveats(hw)
    n = len(prep.shapes)
    cols = {c: np.zeros(n, np.int64) for c in ("dram_reads_ifmap", "dram_reads_filter", "dram_reads_ofmap",
                                                "dram_writes_ofmap", "stall_cycles")}
    kb_if, kb_fi = sram_kb(hw, "ifmap"), sram_kb(hw, "filter")
    groups = prep.args[0][:, L.DG]
    # SCALE-Sim sees the padded input and runs each group as its own layer, with fresh buffers
    if user:
        ss = hw.scalesim
        replayed: dict = {}  # a layer the network repeats (ResNet's blocks) is replayed once: the same arguments
        for i, (sh, stat) in enumerate(zip(prep.shapes, prep.stationarities)):
            args = (stat, sh.N, sh.H + 2 * sh.pad[0], sh.W + 2 * sh.pad[1], sh.R, sh.S, sh.C, sh.M, sh.P, sh.Q,
                    sh.stride[0], hw.array.rows, hw.array.cols, kb_if * 1024, kb_fi * 1024,
                    sram_kb(hw, "ofmap") * 1024, ss.layout.ifmap_bank_bandwidth, ss.layout.filter_bank_bandwidth,
                    ss.bandwidth_words)
            if args not in replayed:
                replayed[args] = user_memory(*args)
            stall, r_if, r_fi = replayed[args]
            cols["stall_cycles"][i] = sh.G * stall
            cols["dram_reads_ifmap"][i], cols["dram_reads_filter"][i] = sh.G * r_if, sh.G * r_fi
    else:
        reads = calc_dram_reads_batch(np.array([STAT_CODES[s] for s in prep.stationarities], np.int64), prep.args[0],
                                      prep.args[1], hw.array.rows, hw.array.cols, kb_if, kb_fi)
        cols["dram_reads_ifmap"], cols["dram_reads_filter"] = groups * reads[:, 0], groups * reads[:, 1]
    writes = out[:, L.O_BUF_WR_OF].copy()
    if "os_ofmap_extra" in prep.scalesim_quirks:  # the counter's extra rows + cols per fold is no data
        is_os = np.array([s == "os" for s in prep.stationarities])
        writes -= np.where(is_os, out[:, L.O_FOLDS] * (hw.array.rows + hw.array.cols), 0)
    cols["dram_writes_ofmap"] = groups * ofmap_dram_writes(writes // groups, hw)
    return cols
