"""Slow twin of accelsim/scalesim_user.py + kernels/scalesim_user.py: SCALE-Sim 3.0.0's USER mode,
written out literally.

Each operand's prefetch order and demand matrix are built fold by fold the way
``compute/systolic_compute_{os,ws,is}.py`` concatenate them (padding, flips, inter-fold gaps,
``skew_matrix``), and the buffers are Python objects holding sets: an ifmap / filter read buffer
that slides a window of hashed address sets and charges late prefetches twice, and an ofmap write
buffer that drains lines of ``Bandwidth`` words. test_scalesim_user.py checks it against scalesim's
own numbers and the fast path against it.
"""
import math

import numpy as np

from scalesim_calc_reference import filter_matrix, ifmap_matrix


def ceil_div(a, b):
    return -(-a // b)


def operands(H, W, R, S, C, K, st, N=1):
    """im2col input addresses (N*E*F, R*S*C; -1 off the input), filters (R*S*C, K), outputs (N*E*F, K):
    a batch of N images is one operand of N*E*F pixels, image n's inputs after image n-1's."""
    one = ifmap_matrix(H, W, R, S, C, st)
    im = np.concatenate([np.where(one >= 0, one + n * H * W * C, -1) for n in range(N)])
    of = np.arange(im.shape[0])[:, None] * K + np.arange(K)[None, :]
    return im, filter_matrix(R, S, C, K), of


def pad(m, rows=None, cols=None):
    r = m.shape[0] if rows is None else rows
    c = m.shape[1] if cols is None else cols
    out = np.full((r, c), -1, dtype=np.int64)
    out[:m.shape[0], :m.shape[1]] = m
    return out


def skew(m):
    rows, cols = m.shape
    out = np.full((rows + cols - 1, cols), -1, dtype=np.int64)
    for c in range(cols):
        out[c:c + rows, c] = m[:, c]
    return out


def gap(n, cols):
    return np.full((n, cols), -1, dtype=np.int64)


def antidiag(m):
    M, N = m.shape
    out = []
    for d in range(M + N):
        hi = min(d, M - 1)
        lo = max(0, d - N + 1)
        for row in range(hi, lo - 1, -1):
            out.append(m[row, d - row])
    return np.array(out, dtype=np.int64)


def matrices(df, im, fi, of, ar, ac):
    """(ifmap prefetch vector, filter prefetch vector, ifmap/filter/ofmap demand matrices)."""
    if df == "os":
        A, B, O = im.T, fi, of          # A: T x Sr, B: T x Sc, O: Sr x Sc
        T, Sr = A.shape
        Sc = B.shape[1]
        rf, cf = ceil_div(Sr, ar), ceil_div(Sc, ac)
        ipf = antidiag(np.concatenate([pad(A[:, i * ar:(i + 1) * ar], cols=ar) for i in range(rf)]))
        fpf = antidiag(np.concatenate([pad(B[:, j * ac:(j + 1) * ac], cols=ac) for j in range(cf)]))
        idm, fdm, odm = [], [], []
        for j in range(cf):
            for i in range(rf):
                idm.append(skew(np.concatenate([pad(A[:, i * ar:(i + 1) * ar], cols=ar), gap(ac - 1, ar)])))
                fdm.append(skew(np.concatenate([pad(B[:, j * ac:(j + 1) * ac], cols=ac), gap(ar - 1, ac)])))
                o = pad(O[i * ar:(i + 1) * ar, j * ac:(j + 1) * ac], rows=ar, cols=ac)[::-1]
                odm.append(skew(np.concatenate([gap(T - 1, ac), o])))
    elif df == "ws":
        A, B, O = im, fi, of            # A: T x Sr, B: Sr x Sc, O: T x Sc
        T, Sr = A.shape
        Sc = B.shape[1]
        rf, cf = ceil_div(Sr, ar), ceil_div(Sc, ac)
        ipf = antidiag(np.concatenate([pad(A[:, i * ar:(i + 1) * ar], cols=ar) for i in range(rf)]))
        fpf = np.concatenate([pad(B[:, j * ac:(j + 1) * ac], cols=ac) for j in range(cf)]).ravel()
        idm, fdm, odm = [], [], []
        for j in range(cf):
            for i in range(rf):
                idm.append(skew(np.concatenate([gap(ar, ar), pad(A[:, i * ar:(i + 1) * ar], cols=ar),
                                                gap(ac - 1, ar)])))
                f = pad(B[i * ar:(i + 1) * ar, j * ac:(j + 1) * ac], rows=ar, cols=ac)[::-1]
                fdm.append(np.concatenate([f, gap(ar + ac + T - 2, ac)]))
                odm.append(skew(np.concatenate([gap(2 * ar - 1, ac), pad(O[:, j * ac:(j + 1) * ac], cols=ac)])))
    else:
        A, B, O = im.T, fi, of          # A: Sr x Sc (RSC x EF), B: Sr x K, O: Sc x K
        Sr, Sc = A.shape
        T = B.shape[1]
        rf, cf = ceil_div(Sr, ar), ceil_div(Sc, ac)
        ipf = np.concatenate([pad(A[:, j * ac:(j + 1) * ac], cols=ac) for j in range(cf)]).ravel()
        fpf = antidiag(np.concatenate([pad(B[i * ar:(i + 1) * ar, :].T, cols=ar) for i in range(rf)]))
        idm, fdm, odm = [], [], []
        for j in range(cf):
            for i in range(rf):
                a = pad(A[i * ar:(i + 1) * ar, j * ac:(j + 1) * ac], rows=ar, cols=ac)[::-1]
                idm.append(np.concatenate([a, gap(ar + ac + T - 2, ac)]))
                fdm.append(skew(np.concatenate([gap(ar, ar), pad(B[i * ar:(i + 1) * ar, :].T, cols=ar),
                                                gap(ac - 1, ar)])))
                odm.append(skew(np.concatenate([gap(2 * ar - 1, ac), pad(O[j * ac:(j + 1) * ac, :].T, cols=ac)])))
    return ipf, fpf, np.concatenate(idm), np.concatenate(fdm), np.concatenate(odm)


class ReadBuf:
    """memory/read_buffer.py's USER-mode buffer: hashed sets of the prefetch order, a sliding window."""

    def __init__(self, prefetch, words, bw):
        self.total = words
        self.active = math.ceil(words * 0.5)
        self.pf_size = words - self.active
        eps = math.ceil(words / 100)
        sets, cur, n = [], set(), 0
        for a in prefetch.tolist():
            if a != -1:
                cur.add(a)
                n += 1
            if n >= eps:
                sets.append(cur)
                cur, n = set(), 0
        sets.append(cur)
        self.sets = sets
        NL = len(sets)
        self.NL = NL
        self.A = min(math.ceil(self.active / eps), NL)
        self.P = min(math.ceil(self.pf_size / eps), NL - self.A)
        self.n_pf = math.ceil(self.pf_size / bw)
        self.ws, self.we = 0, self.A
        self.last = None
        self.prefetches = 0

    def hit(self, a):
        ws, we = self.ws, self.we
        rng = range(ws, we) if ws < we else list(range(ws, self.NL)) + list(range(we))
        return any(a in self.sets[s] for s in rng)

    def serve(self, row, cycle):
        if self.last is None:
            self.last = cycle - 1
        offset = 1
        for a in row:
            if a == -1:
                continue
            while not self.hit(a):
                self.prefetches += 1
                self.ws = (self.ws + self.P) % self.NL
                self.we = (self.ws + self.A) % self.NL
                self.last += self.n_pf + 1
                pot = self.last - (cycle + offset)
                offset += pot
                if pot > 0:
                    offset += pot
        return offset - 1


class WriteBuf:
    """memory/write_buffer.py: writes fill lines of ``bw`` words, drained one line per cycle."""

    def __init__(self, words, bw):
        self.total = words
        self.active = math.ceil(words * 0.5)
        self.drain = words - self.active
        self.bw = bw
        self.free = words
        self.drain_end = 0
        self.lines = []        # completed lines: number of real elements in each (bw or fewer)
        self.cur = 0           # elements in the open line
        self.start_line = 0

    def serve(self, row, cycle):
        offset = 0
        cur_cycle = cycle
        for e in row:
            if e == -1:
                continue
            self.cur += 1
            self.free -= 1
            if self.cur == self.bw:
                self.lines.append(self.bw)
                self.cur = 0
            if cur_cycle < self.drain_end:
                if not self.free > 0:
                    offset += max(self.drain_end - cur_cycle, 0)
                    cur_cycle = self.drain_end
            elif self.free < self.total - self.drain:
                if self.cur:
                    self.lines.append(self.cur)
                    self.cur = 0
                self.drain_end = self.empty(cur_cycle)
        return cur_cycle - cycle

    def empty(self, start):
        n = math.ceil(self.drain / self.bw)
        end = min(self.start_line + n, len(self.lines))
        got = end - self.start_line
        data = (got - 1) * self.bw + self.lines[end - 1]
        self.free += data
        self.start_line = end
        return start + got - 1


def user_memory(df, H, W, R, S, C, K, st, ar, ac, words_if, words_fi, words_of, bw_if, bw_fi, bw_of, N=1):
    """(stall cycles, ifmap DRAM reads, filter DRAM reads, demand rows) of one layer (N images)."""
    im, fi, of = operands(H, W, R, S, C, K, st, N)
    ipf, fpf, idm, fdm, odm = matrices(df, im, fi, of, ar, ac)
    ib, fb, ob = ReadBuf(ipf, words_if, bw_if), ReadBuf(fpf, words_fi, bw_fi), WriteBuf(words_of, bw_of)
    stall = 0
    for i in range(idm.shape[0]):
        cyc = i + stall
        a = ib.serve(idm[i], cyc)
        b = fb.serve(fdm[i], cyc)
        c = ob.serve(odm[i], cyc)
        stall += int(max(a, b, c))
    reads = []
    for buf, prefetch, bw in ((ib, ipf, bw_if), (fb, fpf, bw_fi)):
        first = min(math.ceil(buf.active / bw), math.ceil(len(prefetch) / bw)) * bw
        reads.append(first + buf.prefetches * buf.n_pf * bw)
    return stall, reads[0], reads[1], idm.shape[0]
