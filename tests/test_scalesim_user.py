"""SCALE-Sim USER mode: the streamed replay (accelsim/kernels/scalesim_user.py) against its literal twin
(scalesim_user_reference.py: dense demand matrices, buffers holding Python sets) on random layers; both
against scalesim 3.0.0 in test_scalesim_parity.py (all 60 golden USER cases: stall cycles, total cycles
and DRAM reads exactly)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scalesim_user_reference as ref
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


@settings(max_examples=150, deadline=None)
@given(layers())
def test_address_counts_equal_the_prefetch_walk(L):
    """The replay sizes each operand's buffer window from its number of addresses without walking its
    prefetch order (ifmap: N x C x (output rows, kernel rows) on the input x the same for columns;
    filter: R x S x C x K); the walk counts them one element at a time."""
    import numpy as np

    from accelsim.kernels.layout import STAT_CODES
    from accelsim.kernels.scalesim_user import B_, TB, WD, _im2col, _layout, _on_input, _prefetch_order

    P, Q = _sizes(L)
    N, H, W, R, S, C, K, stride = L["N"], L["H"], L["W"], L["R"], L["S"], L["C"], L["K"], L["st"]
    df = STAT_CODES[L["df"]]
    NPQ, RSC = N * P * Q, R * S * C
    _, _, _, lay = _layout(df, NPQ, RSC, K, L["ar"], L["ac"])
    py, px, tr, ts = _im2col(N, H, W, R, S, C, P, Q, stride)
    counted = []
    for op in range(2):
        code = np.empty(lay[op, B_] * lay[op, TB] * lay[op, WD], np.int64)
        counted.append(_prefetch_order(op, df, lay, 0, NPQ, RSC, K, H, W, py, px, tr, ts, code))
    assert counted == [N * C * _on_input(P, R, stride, H) * _on_input(Q, S, stride, W), RSC * K]


@settings(max_examples=120, deadline=None)
@given(layers(), st.integers(0, 10**6), st.booleans())
def test_resident_copies_equal_a_search_of_every_block_element(L, seed, wrapped):
    """``_input_resident`` finds an input address's other im2col copies from its own; here every block
    element of the ifmap operand is given its address from scratch and the copies are searched for."""
    import random

    import numpy as np

    from accelsim.kernels.layout import STAT_CODES
    from accelsim.kernels.scalesim_user import B_, TB, WD, _copy_at, _im2col, _input_resident, _layout, _prefetch_order

    P, Q = _sizes(L)
    N, H, W, R, S, C, K, stride = L["N"], L["H"], L["W"], L["R"], L["S"], L["C"], L["K"], L["st"]
    df = STAT_CODES[L["df"]]
    NPQ, RSC = N * P * Q, R * S * C
    _, _, _, lay = _layout(df, NPQ, RSC, K, L["ar"], L["ac"])
    py, px, tr, ts = _im2col(N, H, W, R, S, C, P, Q, stride)
    w, tb = int(lay[0, WD]), int(lay[0, TB])
    code = np.empty(int(lay[0, B_]) * tb * w, np.int64)
    total = _prefetch_order(0, df, lay, 0, NPQ, RSC, K, H, W, py, px, tr, ts, code)
    copies: dict = {}  # address -> the block elements holding it
    for e in range(len(code)):
        row, c = e // w, e % w
        x = (row // tb) * w + c
        p, k = (row % tb, x) if df == 1 else (x, row % tb)
        if p >= NPQ or k >= RSC:
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
