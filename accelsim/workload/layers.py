"""Layers and networks (pydantic v2, frozen).

Conv layers use the seven loop variables of DESIGN.md §1 (N, M, C, G, P, Q, R, S);
output sizes follow PyTorch's floor rule exactly:
``P = floor((H + 2*pad - dilation*(R-1) - 1) / stride) + 1``.
A GEMM ``O[m x n] = A[m x k] . W[k x n]`` is a conv with P*Q = m (P = m, Q = 1),
C = k, M = n, R = S = 1 (SCALE-Sim's convention).
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

_DIM = Field(ge=1, le=1 << 20)
_PAD = Field(0, ge=0, le=1 << 16)


class LayerPrecision(BaseModel):
    """Per-layer precision override (bits); unset fields use the hardware's."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    input_bits: int | None = Field(None, ge=1, le=64)
    weight_bits: int | None = Field(None, ge=1, le=64)
    psum_bits: int | None = Field(None, ge=1, le=128)
    output_bits: int | None = Field(None, ge=1, le=64)


class _LayerBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(min_length=1, max_length=128, description="Layer name, unique in the network.")
    batch: int | None = Field(None, ge=1, le=1 << 16, description="Batch N; defaults to the network's batch.")
    precision: LayerPrecision | None = None


def _out(size: int, k: int, stride: int, pad: int, dil: int) -> int:
    return (size + 2 * pad - dil * (k - 1) - 1) // stride + 1


class ConvLayer(_LayerBase):
    """2-D convolution, possibly grouped (``groups == in_channels`` is depthwise)."""

    kind: Literal["conv"] = "conv"
    in_channels: int = _DIM
    out_channels: int = _DIM
    in_h: int = _DIM
    in_w: int = _DIM
    kernel: tuple[int, int] = Field(description="(R, S) kernel height, width.")
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    groups: int = Field(1, ge=1, le=1 << 20)
    padding_applied: bool = Field(
        False, description="True when in_h/in_w already include padding (SCALE-Sim topologies)."
    )
    sparsity: str | None = Field(
        None, pattern=r"^\d+:\d+$", description="Structured N:M weight sparsity as a SCALE-Sim topology declares "
        "it; recorded (and written back), not modelled: the engine computes dense."
    )

    @model_validator(mode="before")
    @classmethod
    def _pairs(cls, data):
        if isinstance(data, dict):
            data = dict(data)
            for key in ("kernel", "stride", "padding", "dilation"):
                v = data.get(key)
                if isinstance(v, int) and not isinstance(v, bool):
                    data[key] = (v, v)
        return data

    @model_validator(mode="after")
    def _check(self) -> "ConvLayer":
        r, s = self.kernel
        for label, pair, lo in (("kernel", self.kernel, 1), ("stride", self.stride, 1),
                                ("dilation", self.dilation, 1), ("padding", self.padding, 0)):
            for v in pair:
                if v < lo or v > 1 << 16:
                    raise ValueError(f"{label} values must be in [{lo}, 65536], got {pair}")
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(
                f"groups={self.groups} must divide in_channels={self.in_channels} "
                f"and out_channels={self.out_channels}"
            )
        eff_h = self.dilation[0] * (r - 1) + 1
        eff_w = self.dilation[1] * (s - 1) + 1
        ph, pw = self.in_h + 2 * self.padding[0], self.in_w + 2 * self.padding[1]
        if eff_h > ph or eff_w > pw:
            raise ValueError(
                f"kernel {r}x{s} (dilated extent {eff_h}x{eff_w}) is larger than the padded "
                f"input {ph}x{pw}"
            )
        return self

    @property
    def out_h(self) -> int:
        return _out(self.in_h, self.kernel[0], self.stride[0], self.padding[0], self.dilation[0])

    @property
    def out_w(self) -> int:
        return _out(self.in_w, self.kernel[1], self.stride[1], self.padding[1], self.dilation[1])


class FCLayer(_LayerBase):
    """Fully connected layer: P = Q = R = S = 1."""

    kind: Literal["fc"] = "fc"
    in_features: int = _DIM
    out_features: int = _DIM


class GemmLayer(_LayerBase):
    """GEMM ``O[m x n] = A[m x k] . W[k x n]``; ``dynamic`` when W is an activation."""

    kind: Literal["gemm"] = "gemm"
    m: int = _DIM
    k: int = _DIM
    n: int = _DIM
    dynamic: bool = Field(False, description="True when W is another activation (attention), not a parameter.")


class PoolLayer(_LayerBase):
    """Max/average pooling: data movement and comparisons, no MACs."""

    kind: Literal["pool"] = "pool"
    channels: int = _DIM
    in_h: int = _DIM
    in_w: int = _DIM
    kernel: tuple[int, int] | int = 2
    stride: tuple[int, int] | int | None = None
    padding: tuple[int, int] | int = 0
    mode: Literal["max", "avg"] = "max"
    global_pool: bool = Field(False, description="True: the kernel covers the whole input (adaptive 1x1).")

    def _pair(self, v) -> tuple[int, int]:
        return (v, v) if isinstance(v, int) else tuple(v)

    @model_validator(mode="after")
    def _check(self) -> "PoolLayer":
        k = self._pair(self.kernel)
        p = self._pair(self.padding)
        if min(k) < 1 or max(k) > 1 << 16 or min(p) < 0:
            raise ValueError(f"pool kernel must be >= 1 and padding >= 0, got kernel={k} padding={p}")
        if not self.global_pool and (k[0] > self.in_h + 2 * p[0] or k[1] > self.in_w + 2 * p[1]):
            raise ValueError(f"pool kernel {k} is larger than the padded input {self.in_h}x{self.in_w}")
        return self

    @property
    def window(self) -> tuple[int, int]:
        return (self.in_h, self.in_w) if self.global_pool else self._pair(self.kernel)

    @property
    def out_h(self) -> int:
        if self.global_pool:
            return 1
        k, p = self.window, self._pair(self.padding)
        s = self._pair(self.stride if self.stride is not None else self.kernel)
        return _out(self.in_h, k[0], s[0], p[0], 1)

    @property
    def out_w(self) -> int:
        if self.global_pool:
            return 1
        k, p = self.window, self._pair(self.padding)
        s = self._pair(self.stride if self.stride is not None else self.kernel)
        return _out(self.in_w, k[1], s[1], p[1], 1)


class EltwiseLayer(_LayerBase):
    """Element-wise op (residual add, multiply): reads ``inputs`` tensors, writes one."""

    kind: Literal["eltwise"] = "eltwise"
    channels: int = _DIM
    h: int = _DIM
    w: int = _DIM
    inputs: int = Field(2, ge=1, le=64)


Layer = Annotated[Union[ConvLayer, FCLayer, GemmLayer, PoolLayer, EltwiseLayer], Field(discriminator="kind")]
MAC_KINDS = ("conv", "fc", "gemm")


class Network(BaseModel):
    """An ordered list of layers."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9_.\-]{1,64}$")
    description: str = Field("", max_length=4000)
    batch: int = Field(1, ge=1, le=1 << 16, description="Default batch N for every layer.")
    layers: list[Layer] = Field(min_length=1, max_length=100_000)

    @model_validator(mode="after")
    def _unique(self) -> "Network":
        seen: set[str] = set()
        for i, layer in enumerate(self.layers):
            if layer.name in seen:
                raise ValueError(f"layer name {layer.name!r} (layers[{i}]) is used twice")
            seen.add(layer.name)
        return self
