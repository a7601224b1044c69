"""A loop-nest description: problem, storage hierarchy and mapping (pydantic v2, frozen).

This is Timeloop's way of describing an accelerator (Parashar et al., ISPASS'19): a chain of
storage levels from the backing store inwards to the compute units, each level holding some
tensors (the others bypass it) and running its own temporal loops, with spatial loops fanning
out to the instances of the level below. accelsim's PE-array engine fixes that hierarchy; a nest
describes any hierarchy, so Timeloop designs can be written down and checked level by level.

Dimensions follow accelsim's loop variables (DESIGN.md §1): N batch, M output channels (Timeloop's
conv1d exercises call it K), C input channels, P/Q output rows/columns, R/S kernel rows/columns.
Input rows are indexed ``p * h_stride + r * h_dilation`` (Timeloop's CNN-layer projection): a padded
layer's halo is part of the input data space, as in Timeloop.
"""

from __future__ import annotations

import math
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DIMS = ("N", "M", "C", "P", "Q", "R", "S")
TENSORS = ("Weights", "Inputs", "Outputs")
_LOOP = re.compile(r"^([NMCPQRS])(\d+)$")
_DIM = Field(1, ge=1, le=1 << 24)


class NestProblem(BaseModel):
    """One convolution (or GEMM: P = rows, C = reduction, M = columns, the rest 1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = "layer"
    N: int = _DIM
    M: int = _DIM
    C: int = _DIM
    P: int = _DIM
    Q: int = _DIM
    R: int = _DIM
    S: int = _DIM
    h_stride: int = Field(1, ge=1, le=1 << 10)
    w_stride: int = Field(1, ge=1, le=1 << 10)
    h_dilation: int = Field(1, ge=1, le=1 << 10)
    w_dilation: int = Field(1, ge=1, le=1 << 10)

    @property
    def macs(self) -> int:
        return math.prod(getattr(self, d) for d in DIMS)

    def size(self, dim: str) -> int:
        return getattr(self, dim)


class StorageLevel(BaseModel):
    """A buffer, register file or memory; energies are per vector access (``block_words`` words)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    size_words: int | None = Field(None, ge=1, description="Capacity in words per instance; None = unbounded.")
    word_bits: int = Field(8, ge=1, le=256)
    block_words: int = Field(1, ge=1, le=1 << 12, description="Words per vector access (port width / word bits).")
    instances: int = Field(1, ge=1, le=1 << 20)
    read_pj: float = Field(ge=0, description="pJ per vector read.")
    write_pj: float = Field(ge=0, description="pJ per vector write (a fill from the level above).")
    update_pj: float | None = Field(None, ge=0, description="pJ per vector update (a partial sum from below); "
                                    "default write_pj.")
    leak_pj_per_cycle: float = Field(0.0, ge=0, description="Leakage per instance in use per cycle, pJ.")

    @property
    def update_energy(self) -> float:
        return self.write_pj if self.update_pj is None else self.update_pj


class ComputeUnit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = "MAC"
    instances: int = Field(1, ge=1, le=1 << 20)
    mac_pj: float = Field(ge=0, description="pJ per MAC.")


class NestArchitecture(BaseModel):
    """Storage levels from the outermost (backing store) inwards, then the compute units."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = "nest"
    levels: list[StorageLevel] = Field(min_length=1, max_length=16)
    compute: ComputeUnit

    @model_validator(mode="after")
    def _check(self) -> "NestArchitecture":
        names = [lv.name for lv in self.levels]
        if len(set(names)) != len(names):
            raise ValueError(f"level names must be unique, got {names}")
        counts = [lv.instances for lv in self.levels] + [self.compute.instances]
        labels = names + [self.compute.name]
        for i in range(1, len(counts)):
            if counts[i] % counts[i - 1]:
                raise ValueError(f"{labels[i]} has {counts[i]} instances, not a multiple of the "
                                 f"{counts[i - 1]} of {labels[i - 1]} above it")
        return self


def parse_loops(items: list[str], where: str) -> list[tuple[str, int]]:
    out = []
    for item in items:
        m = _LOOP.match(str(item).strip())
        if not m or int(m.group(2)) < 1:
            raise ValueError(f"{where}: loop {item!r} is not a dimension letter ({', '.join(DIMS)}) "
                             "followed by a factor >= 1, e.g. P16")
        out.append((m.group(1), int(m.group(2))))
    return out


class LevelMapping(BaseModel):
    """What one level keeps and the loops it runs: ``temporal`` outermost first, ``spatial`` across
    the instances of the level below, written like ``[M2, P16]``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    level: str
    keep: list[str] = Field(default_factory=lambda: list(TENSORS))
    temporal: list[str] = Field(default_factory=list)
    spatial: list[str] = Field(default_factory=list)

    @field_validator("keep")
    @classmethod
    def _tensors(cls, v: list[str]) -> list[str]:
        bad = [t for t in v if t not in TENSORS]
        if bad:
            raise ValueError(f"unknown tensor(s) {bad}; allowed: {list(TENSORS)}")
        return v

    @field_validator("temporal", "spatial")
    @classmethod
    def _loops(cls, v: list[str]) -> list[str]:
        parse_loops(v, "loop")
        return v


class NestSpec(BaseModel):
    """A problem, an architecture and a mapping of one onto the other."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    problem: NestProblem
    architecture: NestArchitecture
    mapping: list[LevelMapping] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> "NestSpec":
        names = [lv.name for lv in self.architecture.levels]
        seen = set()
        for m in self.mapping:
            if m.level not in names:
                raise ValueError(f"mapping names level {m.level!r}; the architecture has {names}")
            if m.level in seen:
                raise ValueError(f"mapping lists level {m.level!r} twice")
            seen.add(m.level)
        top = self.level_mapping(0)
        if set(top.keep) != set(TENSORS):
            raise ValueError(f"the outermost level {names[0]!r} must keep every tensor, keeps {top.keep}")
        totals = {d: 1 for d in DIMS}
        inst = [lv.instances for lv in self.architecture.levels] + [self.architecture.compute.instances]
        for i in range(len(names)):
            lm = self.level_mapping(i)
            for d, f in parse_loops(lm.temporal, names[i]) + parse_loops(lm.spatial, names[i]):
                totals[d] *= f
            fan = math.prod(f for _, f in parse_loops(lm.spatial, names[i]))
            room = inst[i + 1] // inst[i]
            if fan > room:
                below = names[i + 1] if i + 1 < len(names) else self.architecture.compute.name
                raise ValueError(f"{names[i]}: spatial loops {lm.spatial} fan out {fan} ways, but "
                                 f"{below} has only {room} instance(s) per {names[i]} instance")
        for d in DIMS:
            if totals[d] != self.problem.size(d):
                raise ValueError(f"the loop factors of {d} multiply to {totals[d]}, but the problem has "
                                 f"{d} = {self.problem.size(d)}")
        return self

    def level_mapping(self, i: int) -> LevelMapping:
        name = self.architecture.levels[i].name
        for m in self.mapping:
            if m.level == name:
                return m
        return LevelMapping(level=name)
