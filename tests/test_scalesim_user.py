"""SCALE-Sim USER mode: the streamed replay (accelsim/kernels/scalesim_user.py) against its literal twin
(scalesim_user_reference.py: dense demand matrices, buffers holding Python sets) on random layers; both
against scalesim 3.0.0 in test_scalesim_parity.py (all 60 golden USER cases: stall cycles, total cycles
and DRAM reads exactly)."""

import random
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scalesim_user_reference as ref
from accelsim.kernels.layout import STAT_CODES
from accelsim.kernels.scalesim_user import (B_, TB, WD, _copy_at, _im2col, _input_resident, _layout, _on_input,
                                            _prefetch_order, code_size, user_layer)
from accelsim.scalesim_user import user_memory
from test_scalesim_parity import REF


@st.composite
def layers(draw):
    R, S = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = draw(st.integers(1, 2))
    H, W = draw(st.integers(R, R + 7)), draw(st.integers(S, S + 7))
    return dict(df=draw(st.sampled_from(["os", "ws", "is"])), N=draw(st.sampled_from([1, 1, 2])), H=H, W=W, R=R, S=S,
                C=draw(st.integers(1, 6)),
                K=draw(st.integers(1, 12)), st=stride, ar=draw(st.integers(2, 8)), ac=draw(st.integers(2, 8)),
                words=[draw(st.sampled_from([64, 100, 256, 512, 1000, 4096])) for _ in range(3)],
                bw=[draw(st.integers(1, 16)) for _ in range(3)])


def _sizes(L):
    P = -(-(L["H"] - L["R"]) // L["st"]) + 1
    Q = -(-(L["W"] - L["S"]) // L["st"]) + 1
    return P, Q


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layers())
def test_fast_replay_equals_literal_twin(L):
    P, Q = _sizes(L)
    args = (L["H"], L["W"], L["R"], L["S"], L["C"], L["K"], L["st"])
    fast = user_memory(L["df"], L["N"], *args[:6], P, Q, L["st"], L["ar"], L["ac"], *L["words"], *L["bw"])
    slow = ref.user_memory(L["df"], *args, L["ar"], L["ac"], *L["words"], *L["bw"], N=L["N"])
    assert fast == slow[:3]
    assert fast[0] >= 0
    # the int64 codes huge operands get (user_memory gives these small ones int32)
    stat = STAT_CODES[L["df"]]
    codes = np.empty(code_size(stat, L["N"] * P * Q, L["R"] * L["S"] * L["C"], L["K"], L["ar"], L["ac"]), np.int64)
    assert user_layer(stat, L["N"], *args[:6], P, Q, L["st"], L["ar"], L["ac"], *L["words"], *L["bw"], codes) == fast


def test_twin_reproduces_scalesim_on_the_stalling_cases():
    """The six golden USER layers that stall (the other 54 stall 0): the twin alone, independently of
    the fast path that test_scalesim_parity.py checks."""
    user = REF[(REF["bw_mode"] == "USER") & (REF["stall_cycles"] > 0)]
    assert len(user) == 6
    for r in user.itertuples():
        got = ref.user_memory(r.dataflow, r.ifmap_h, r.ifmap_w, r.filter_h, r.filter_w, r.channels, r.num_filters,
                              r.stride, r.array_rows, r.array_cols, r.ifmap_sram_kb * 1024, r.filter_sram_kb * 1024,
                              r.ofmap_sram_kb * 1024, r.user_dram_bw_ifmap_filter, r.user_dram_bw_ifmap_filter,
                              r.user_dram_bw_ofmap)
        assert got == (r.stall_cycles, r.dram_ifmap_reads, r.dram_filter_reads, r.compute_cycles + 1)


def test_nothing_stalls_when_everything_fits():
    """SRAMs far larger than the operands: one prefetch each, of the whole prefetch order in whole
    64-word lines (padding included), and no stall."""
    P, Q = 6, 6
    for df in ("os", "ws", "is"):
        ipf, fpf, *_ = ref.matrices(df, *ref.operands(8, 8, 3, 3, 4, 8, 1), 4, 4)
        stall, r_if, r_fi = user_memory(df, 1, 8, 8, 3, 3, 4, 8, P, Q, 1, 4, 4, 1 << 20, 1 << 20, 1 << 20, 64, 64, 64)
        assert stall == 0
        assert (r_if, r_fi) == (-(-len(ipf) // 64) * 64, -(-len(fpf) // 64) * 64)


def _orders(L):
    """The layer's numbers, its block layout, im2col tables, and each operand's prefetch order (the
    replay's ``code`` array, one per operand) with the number of addresses the walk counted."""
    P, Q = _sizes(L)
    N, R, S, C, K = L["N"], L["R"], L["S"], L["C"], L["K"]
    df = STAT_CODES[L["df"]]
    NPQ, RSC = N * P * Q, R * S * C
    _, _, _, lay = _layout(df, NPQ, RSC, K, L["ar"], L["ac"])
    tables = _im2col(N, L["H"], L["W"], R, S, C, P, Q, L["st"])
    inside = (P - 1) * L["st"] + R <= L["H"] and (Q - 1) * L["st"] + S <= L["W"]
    codes, counts = [], []
    for op in range(2):
        codes.append(np.empty(lay[op, B_] * lay[op, TB] * lay[op, WD], np.int64))
        counts.append(_prefetch_order(op, df, lay, 0, NPQ, RSC, K, L["H"], L["W"], *tables, codes[op], inside))
    return dict(L, P=P, Q=Q, df=df, NPQ=NPQ, RSC=RSC, lay=lay, tables=tables, codes=codes, counts=counts,
                inside=inside)


@settings(max_examples=150, deadline=None)
@given(layers())
def test_windows_inside_the_input_give_the_walked_order(L):
    """When every window lies on the padded input, the prefetch order is built from per-row counts
    (``inside``); walking it element by element, testing each element's window, gives the same codes."""
    o = _orders(L)
    if not o["inside"]:
        return
    for op in range(2):
        walked = np.empty_like(o["codes"][op])
        count = _prefetch_order(op, o["df"], o["lay"], 0, o["NPQ"], o["RSC"], o["K"], o["H"], o["W"], *o["tables"],
                                walked, False)
        assert count == o["counts"][op]
        assert np.array_equal(walked, o["codes"][op])


@settings(max_examples=150, deadline=None)
@given(layers())
def test_address_counts_equal_the_prefetch_walk(L):
    """The replay sizes each operand's buffer window from its number of addresses without walking its
    prefetch order (ifmap: N x C x (output rows, kernel rows) on the input x the same for columns;
    filter: R x S x C x K); the walk counts them one element at a time."""
    o = _orders(L)
    on_input = _on_input(o["P"], o["R"], o["st"], o["H"]) * _on_input(o["Q"], o["S"], o["st"], o["W"])
    assert o["counts"] == [o["N"] * o["C"] * on_input, o["RSC"] * o["K"]]


@settings(max_examples=120, deadline=None)
@given(layers(), st.integers(0, 10**6), st.booleans())
def test_resident_copies_equal_a_search_of_every_block_element(L, seed, wrapped):
    """``_input_resident`` finds an input address's other im2col copies from its own; here every block
    element of the ifmap operand is given its address from scratch and the copies are searched for."""
    o = _orders(L)
    P, Q, H, W, R, S, C, stride, df = (o[k] for k in ("P", "Q", "H", "W", "R", "S", "C", "st", "df"))
    py, px, tr, ts = o["tables"]
    code, total = o["codes"][0], o["counts"][0]
    w, tb = int(o["lay"][0, WD]), int(o["lay"][0, TB])
    copies: dict = {}  # address -> the block elements holding it
    for e in range(len(code)):
        row, c = e // w, e % w
        x = (row // tb) * w + c
        p, k = (row % tb, x) if df == 1 else (x, row % tb)
        if p >= o["NPQ"] or k >= o["RSC"]:
            continue
        iy = (p % (P * Q)) // Q * stride + k // (S * C)
        ix = p % Q * stride + (k // C) % S
        if iy < H and ix < W:
            copies.setdefault(((p // (P * Q) * H + iy) * W + ix) * C + k % C, []).append(e)
    rng = random.Random(seed)
    for trial in range(60):
        held = copies[rng.choice(list(copies))]
        if trial % 3 == 0:
            lo, hi = sorted(rng.sample(range(total + 2), 2))
        else:  # a narrow window at one copy's place, or at any element's: one copy (or none) decides
            lo = int(code[rng.choice(held) if trial % 3 == 1 else rng.randrange(len(code))] >> 1)
            hi = lo + rng.randint(1, 2)
        if wrapped:
            lo, hi = hi, lo
        want = any((k >= lo or k < hi) if wrapped else (lo <= k < hi) for k in (code[e] >> 1 for e in held))
        p0, k0 = _copy_at(rng.choice(held), df, w, tb)
        assert _input_resident(p0 // (P * Q) * P * Q, py[p0] + tr[k0], px[p0] + ts[k0], k0 % C, code, lo, hi,
                               wrapped, df, w, tb, R, S, C, P, Q, stride) == want


def test_a_repeated_layer_is_replayed_once(tmp_path, monkeypatch):
    """A network that repeats a layer (ResNet's blocks) replays it once per simulate call, and each
    repeat gets scalesim 3.0.0's stall cycles and DRAM reads for that layer (the golden USER case)."""
    import accelsim
    import accelsim.scalesim_memory as memory

    rows = (Path(__file__).parent / "data" / "scalesim" / "topologies" / "small_layers.csv").read_text().splitlines()
    a = next(r for r in rows if r.startswith("conv3x3_s1_c8_k16_16,"))
    b = next(r for r in rows if r.startswith("pw1x1_c64_k16_8,"))
    topo = tmp_path / "repeats.csv"
    topo.write_text("\n".join([rows[0], a, b, a.replace("conv3x3_s1_c8_k16_16", "again", 1)]) + "\n")
    calls = []
    monkeypatch.setattr(memory, "user_memory", lambda *args: calls.append(args) or user_memory(*args))
    config = "a16x16_os_8k_user"
    got = accelsim.simulate(Path(__file__).parent / "data" / "scalesim" / "configs" / f"{config}.cfg", topo,
                            timing="scalesim").layers
    assert len(calls) == 2
    golden = REF[(REF["config"] == config) & (REF["layer_name"] == "conv3x3_s1_c8_k16_16")].iloc[0]
    for i in (0, 2):
        row = got.iloc[i]
        assert (row["stall_cycles"], row["dram_reads_ifmap"], row["dram_reads_filter"]) == (
            golden.stall_cycles, golden.dram_ifmap_reads, golden.dram_filter_reads)
