"""A layer reduced to the loop variables the engine needs (plain data, no pydantic)."""

from __future__ import annotations

from typing import NamedTuple

from accelsim.config.hardware import Hardware
from accelsim.workload.layers import ConvLayer, EltwiseLayer, FCLayer, GemmLayer, PoolLayer


class ConvShape(NamedTuple):
    """Loop bounds and geometry of a conv-like layer (FC and GEMM included).

    ``G, N, M, C, P, Q, R, S`` as DESIGN.md §1 (M and C per group); ``H, W`` the
    unpadded input size; precisions in bits for this layer. Immutable and hashable (it keys the
    per-layer memos); a named tuple because a frozen dataclass takes 4-5 us to build, a tenth of
    a small layer's whole first simulation.
    """

    G: int
    N: int
    M: int
    C: int
    P: int
    Q: int
    R: int
    S: int
    H: int
    W: int
    stride: tuple[int, int] = (1, 1)
    pad: tuple[int, int] = (0, 0)
    dil: tuple[int, int] = (1, 1)
    input_bits: int = 8
    weight_bits: int = 8
    psum_bits: int = 32
    output_bits: int = 8
    dynamic_filter: bool = False

    @property
    def macs(self) -> int:
        return self.G * self.N * self.M * self.C * self.P * self.Q * self.R * self.S

    def dim(self, letter: str) -> int:
        return getattr(self, letter)

    def ifmap_elems(self) -> int:
        return self.G * self.N * self.C * self.H * self.W

    def filter_elems(self) -> int:
        return self.G * self.M * self.C * self.R * self.S

    def ofmap_elems(self) -> int:
        return self.G * self.N * self.M * self.P * self.Q

    def in_rows(self, tp: int) -> int:
        """Input rows one tile of ``tp`` output rows can touch (halo included, at most H)."""
        return min(self.H, (tp - 1) * self.stride[0] + (self.R - 1) * self.dil[0] + 1)

    def in_cols(self, tq: int) -> int:
        return min(self.W, (tq - 1) * self.stride[1] + (self.S - 1) * self.dil[1] + 1)


def _bits(layer, hw: Hardware, dynamic: bool = False) -> dict:
    p = hw.precision
    lp = layer.precision
    out = {
        "input_bits": p.input_bits,
        "weight_bits": p.weight_bits,
        "psum_bits": p.psum_bits,
        "output_bits": p.output_bits,
    }
    if lp is not None:
        for key in out:
            v = getattr(lp, key)
            if v is not None:
                out[key] = v
    if dynamic:  # the second operand is an activation
        out["weight_bits"] = out["input_bits"]
    return out


def conv_shape(layer, hw: Hardware, batch: int, ceil_rule: bool = False) -> ConvShape:
    """Loop bounds of a conv, FC or GEMM layer at ``batch`` (the layer's own batch wins).

    ``ceil_rule``: output sizes by SCALE-Sim's ``ceil((H_padded - R) / s) + 1`` instead of PyTorch's
    floor rule (one more output where ``H_padded - R`` is not a multiple of the stride)."""
    n = layer.batch or batch
    if isinstance(layer, ConvLayer):
        g = layer.groups
        pad = (0, 0) if layer.padding_applied else layer.padding
        if ceil_rule:
            sizes = []
            for ax, size in ((0, layer.in_h), (1, layer.in_w)):
                span = size + 2 * pad[ax] - layer.dilation[ax] * (layer.kernel[ax] - 1) - 1
                sizes.append(-(-span // layer.stride[ax]) + 1)
            pq = tuple(sizes)
        else:
            pq = ((layer.out_h, layer.out_w) if not layer.padding_applied
                  else (_out_applied(layer, 0), _out_applied(layer, 1)))
        return ConvShape(
            G=g, N=n, M=layer.out_channels // g, C=layer.in_channels // g,
            P=pq[0], Q=pq[1],
            R=layer.kernel[0], S=layer.kernel[1], H=layer.in_h, W=layer.in_w,
            stride=layer.stride, pad=pad, dil=layer.dilation, **_bits(layer, hw),
        )
    if isinstance(layer, FCLayer):
        return ConvShape(G=1, N=n, M=layer.out_features, C=layer.in_features, P=1, Q=1, R=1, S=1, H=1, W=1,
                         **_bits(layer, hw))
    if isinstance(layer, GemmLayer):
        return ConvShape(G=1, N=n, M=layer.n, C=layer.k, P=layer.m, Q=1, R=1, S=1, H=layer.m, W=1,
                         dynamic_filter=layer.dynamic, **_bits(layer, hw, layer.dynamic))
    raise TypeError(f"{layer.kind} layers have no conv shape")


def _out_applied(layer: ConvLayer, axis: int) -> int:
    size = layer.in_h if axis == 0 else layer.in_w
    return (size - layer.dilation[axis] * (layer.kernel[axis] - 1) - 1) // layer.stride[axis] + 1


def movement_counts(layer, batch: int) -> tuple[int, int, int]:
    """(elements read, elements written, simple ops) of a pooling or element-wise layer."""
    n = layer.batch or batch
    if isinstance(layer, PoolLayer):
        kh, kw = layer.window
        outs = n * layer.channels * layer.out_h * layer.out_w
        return n * layer.channels * layer.in_h * layer.in_w, outs, outs * kh * kw
    if isinstance(layer, EltwiseLayer):
        elems = n * layer.channels * layer.h * layer.w
        return elems * layer.inputs, elems, elems * max(1, layer.inputs - 1)
    raise TypeError(f"{layer.kind} is not a data-movement layer")
