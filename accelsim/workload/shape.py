"""A layer reduced to the loop variables the engine needs (plain data, no pydantic)."""

from __future__ import annotations

from typing import NamedTuple

from accelsim.config.hardware import Hardware
from accelsim.workload.layers import ConvLayer, EltwiseLayer, PoolLayer


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


def _bits(layer, hw: Hardware, dynamic: bool = False) -> tuple[int, int, int, int]:
    """(input, weight, psum, output) bits of a layer: the hardware's, overridden by the layer's own."""
    p = hw.precision
    bits = (p.input_bits, p.weight_bits, p.psum_bits, p.output_bits)
    lp = layer.precision
    if lp is not None:
        own = (lp.input_bits, lp.weight_bits, lp.psum_bits, lp.output_bits)
        bits = tuple(b if o is None else o for b, o in zip(bits, own))
    if dynamic:  # the second operand is an activation
        bits = (bits[0], bits[0], bits[2], bits[3])
    return bits


def conv_shape(layer, hw: Hardware, batch: int, ceil_rule: bool = False) -> ConvShape:
    """Loop bounds of a conv, FC or GEMM layer at ``batch`` (the layer's own batch wins).

    ``ceil_rule``: output sizes by SCALE-Sim's ``ceil((H_padded - R) / s) + 1`` instead of PyTorch's
    floor rule (one more output where ``H_padded - R`` is not a multiple of the stride)."""
    n = layer.batch or batch
    kind = layer.kind
    if kind == "conv":
        g = layer.groups
        pad = (0, 0) if layer.padding_applied else layer.padding
        if ceil_rule:
            (kh, kw), (dh, dw), (sh, sw) = layer.kernel, layer.dilation, layer.stride
            pq = (-(-(layer.in_h + 2 * pad[0] - dh * (kh - 1) - 1) // sh) + 1,
                  -(-(layer.in_w + 2 * pad[1] - dw * (kw - 1) - 1) // sw) + 1)
        else:
            pq = ((layer.out_h, layer.out_w) if not layer.padding_applied
                  else (_out_applied(layer, 0), _out_applied(layer, 1)))
        return ConvShape(g, n, layer.out_channels // g, layer.in_channels // g, pq[0], pq[1], layer.kernel[0],
                         layer.kernel[1], layer.in_h, layer.in_w, layer.stride, pad, layer.dilation,
                         *_bits(layer, hw))
    if kind == "fc":
        return ConvShape(1, n, layer.out_features, layer.in_features, 1, 1, 1, 1, 1, 1, (1, 1), (0, 0), (1, 1),
                         *_bits(layer, hw))
    if kind == "gemm":
        return ConvShape(1, n, layer.n, layer.k, layer.m, 1, 1, 1, layer.m, 1, (1, 1), (0, 0), (1, 1),
                         *_bits(layer, hw, layer.dynamic), layer.dynamic)
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
