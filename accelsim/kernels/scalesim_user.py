"""SCALE-Sim 3.0.0's USER-mode memory replay: stall cycles and DRAM prefetches of one layer.

The rules (read from scalesim 3.0.0's ``memory/read_buffer.py``, ``memory/write_buffer.py`` and
``memory/double_buffered_scratchpad_mem.py``; docs/scalesim_parity.md), replayed one demand row
(one cycle of the array) at a time:

* **Read buffers** (ifmap, filter): the operand's prefetch order is cut into sets of
  ceil(words / 100) addresses; a window of ``A`` sets (the active half) is resident. A demanded
  address outside the window triggers a prefetch: the window advances by ``P`` sets (the other
  half) and the prefetch lands ``ceil(prefetch half / bank bandwidth) + 1`` cycles after the
  previous one (the first lands at cycle -1). The row's offset starts at 1 (the hit latency); each
  prefetch sets it to the landing time minus the row's cycle, and adds that amount once more when
  it is late (scalesim counts a late prefetch twice; scale-sim-v2 issue #130).
* **Write buffer** (ofmap): every output written takes a word; when more than the active half is
  used and no drain is running, the words written so far (whole ``Bandwidth`` lines, the last
  one padded) drain at one line per cycle, ``ceil(drain half / Bandwidth)`` lines at a time; a
  write into a full buffer waits for the running drain to end.
* A row stalls by the largest of the three delays; later rows start that much later.

Arrays in, arrays out; ``tests/scalesim_user_reference.py`` is the literal twin.
"""

from __future__ import annotations

import numpy as np
from numba import njit


def hashed_sets(prefetch: np.ndarray, words: int) -> tuple[np.ndarray, np.ndarray, int]:
    """CSR of the sets each address belongs to: (offsets[max address + 2], set ids, number of sets).

    Set k holds the k-th run of ceil(words / 100) valid (non -1) entries of the prefetch order,
    duplicates included in the count; there is always one more set after the last full one."""
    per_set = -(-words // 100)
    valid = prefetch[prefetch >= 0]
    n_sets = valid.shape[0] // per_set + 1
    if valid.shape[0] == 0:
        return np.zeros(2, np.int64), np.zeros(0, np.int64), n_sets
    keys = np.sort(valid * n_sets + np.arange(valid.shape[0], dtype=np.int64) // per_set)  # by address, then set
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]  # (np.unique is ~100x slower in numpy 2.4)
    addr = keys // n_sets
    offsets = np.zeros(int(valid.max()) + 2, np.int64)
    offsets[1:] = np.cumsum(np.bincount(addr, minlength=int(valid.max()) + 1))
    return offsets, keys - addr * n_sets, n_sets


@njit(cache=True)
def _in_window(offsets, sets, addr, ws, we):
    if addr + 1 >= offsets.shape[0]:
        return False
    for k in range(offsets[addr], offsets[addr + 1]):
        s = sets[k]
        if ws < we:
            if ws <= s < we:
                return True
        elif s >= ws or s < we:
            return True
    return False


@njit(cache=True)
def _read_row(row, cycle, offsets, sets, geo, state):
    """Offset of one demand row; ``geo`` = (sets, active sets, prefetch sets, lines per prefetch),
    ``state`` = (window start, window end, last landing cycle, prefetches) updated in place.
    Returns -1 << 62 when an address is never prefetched (scalesim would loop forever)."""
    offset = 1
    for j in range(row.shape[0]):
        addr = row[j]
        if addr < 0:
            continue
        if geo[2] == 0 and not _in_window(offsets, sets, addr, state[0], state[1]):
            return -(1 << 62)
        spins = 0
        while not _in_window(offsets, sets, addr, state[0], state[1]):
            state[0] = (state[0] + geo[2]) % geo[0]
            state[1] = (state[0] + geo[1]) % geo[0]
            state[2] += geo[3] + 1
            state[3] += 1
            late = state[2] - (cycle + offset)
            offset += late
            if late > 0:
                offset += late
            spins += 1
            if spins > geo[0]:
                return -(1 << 62)
    return offset


@njit(cache=True)
def user_replay(idm, fdm, odm, if_off, if_sets, if_geo, fi_off, fi_sets, fi_geo, of_words, of_bw):
    """(stall cycles, ifmap prefetches, filter prefetches) of one layer; -1 stalls when a demanded
    address is never prefetched. ``*_geo`` as :func:`_read_row` takes it."""
    if_state = np.array([0, if_geo[1], -1, 0], np.int64)  # the first prefetch lands at cycle -1
    fi_state = np.array([0, fi_geo[1], -1, 0], np.int64)
    active = -(-of_words // 2)
    drain = of_words - active
    free = of_words
    drain_end = 0
    n_out = 0
    for i in range(odm.shape[0]):
        for j in range(odm.shape[1]):
            if odm[i, j] >= 0:
                n_out += 1
    lines = np.zeros(n_out + 2, np.int64)  # words in each drain line
    n_lines = 0
    cur = 0
    start_line = 0
    stall = 0
    for i in range(idm.shape[0]):
        cycle = i + stall
        a = _read_row(idm[i], cycle, if_off, if_sets, if_geo, if_state)
        b = _read_row(fdm[i], cycle, fi_off, fi_sets, fi_geo, fi_state)
        if a == -(1 << 62) or b == -(1 << 62):
            return -1, 0, 0
        now = cycle
        for j in range(odm.shape[1]):
            if odm[i, j] < 0:
                continue
            cur += 1
            free -= 1
            if cur == of_bw:
                lines[n_lines] = of_bw
                n_lines += 1
                cur = 0
            if now < drain_end:
                if free <= 0:
                    now = drain_end
            elif free < of_words - drain:
                if cur > 0:
                    lines[n_lines] = cur
                    n_lines += 1
                    cur = 0
                end = min(start_line + -(-drain // of_bw), n_lines)
                got = end - start_line
                free += (got - 1) * of_bw + lines[end - 1]
                start_line = end
                drain_end = now + got - 1
        stall += max(a - 1, b - 1, now - cycle)
    return stall, if_state[3], fi_state[3]
