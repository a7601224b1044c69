"""A mapping is data: spatial unrolling, stationarity, tiles and tile-loop order.

* **Loop order** of the five tile loops N, M, C, P, Q (outer -> inner), written as
  a string such as ``"npqmc"``; the G (group) loop is always outermost. IR, OR
  and WR are named presets of that order (DESIGN.md §1):

  - ``ir`` = ``npqcm``: the output-channel loop innermost, so an input tile is
    used for every output channel before the next one is loaded;
  - ``or`` = ``npqmc``: the input-channel loop innermost, so an output tile
    stays until complete and is written once;
  - ``wr`` = ``mcnpq``: batch and spatial loops innermost, so a weight block is
    loaded once and used over the whole feature map.

* **Spatial unrolling**: each array axis unrolls the flattened product of some
  dims of one class — kernel (M), channel (C, R, S), tile (N, P, Q) or group (G).
* **Stationarity** (OS/WS/IS): what stays in a PE while the array works; it sets
  the temporal order inside a fold and the default spatial unrolling
  (SCALE-Sim's: OS rows<-NPQ cols<-M; WS rows<-CRS cols<-M; IS rows<-CRS cols<-NPQ).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from accelsim.config.yamlio import load_yaml_mapping
from accelsim.errors import ConfigError, format_validation_error

LOOP_PRESETS = {"ir": "npqcm", "or": "npqmc", "wr": "mcnpq"}
DIM_CLASSES = {"N": "tile", "P": "tile", "Q": "tile", "M": "kernel", "C": "channel", "R": "channel",
               "S": "channel", "G": "group"}
DEFAULT_SPATIAL = {
    "os": (("N", "P", "Q"), ("M",)),
    "ws": (("C", "R", "S"), ("M",)),
    "is": (("C", "R", "S"), ("N", "P", "Q")),
}
Dim = Literal["G", "N", "M", "C", "P", "Q", "R", "S"]


def loop_order(dataflow: str) -> str:
    """The 5-letter tile-loop order (outer -> inner) of a preset name or an explicit order."""
    order = LOOP_PRESETS.get(dataflow.lower(), dataflow.lower())
    if sorted(order) != sorted("nmcpq"):
        raise ConfigError(
            f"dataflow {dataflow!r}: expected ir, or, wr, or a permutation of the letters n m c p q "
            "(tile loops outer to inner)"
        )
    return order


def check_axes(rows: tuple[str, ...], cols: tuple[str, ...]) -> None:
    """Each axis holds dims of one class; no dim on both axes."""
    for label, axis in (("rows", rows), ("cols", cols)):
        classes = {DIM_CLASSES[d] for d in axis}
        if len(classes) > 1:
            raise ConfigError(
                f"spatial {label} = {list(axis)} mixes dimension classes {sorted(classes)}; one axis may "
                "unroll kernel (M), channel (C, R, S), tile (N, P, Q) or group (G) dims, not a mix"
            )
        if len(set(axis)) != len(axis):
            raise ConfigError(f"spatial {label} = {list(axis)} repeats a dimension")
    both = set(rows) & set(cols)
    if both:
        raise ConfigError(f"dimension(s) {sorted(both)} unrolled on both rows and cols")


class Tiles(BaseModel):
    """Tile sizes held in the global buffers (elements along each dim)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    g: int | None = Field(None, ge=1, le=1 << 20)
    n: int | None = Field(None, ge=1, le=1 << 20)
    m: int | None = Field(None, ge=1, le=1 << 20)
    c: int | None = Field(None, ge=1, le=1 << 20)
    p: int | None = Field(None, ge=1, le=1 << 20)
    q: int | None = Field(None, ge=1, le=1 << 20)


class Mapping(BaseModel):
    """A (possibly partial) mapping; unset parts come from the hardware defaults and the tiler."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    dataflow: str | None = Field(None, description="ir, or, wr, or a tile-loop order such as 'npqmc'.")
    stationarity: Literal["os", "ws", "is"] | None = None
    rows: list[Dim] | None = Field(None, max_length=8, description="Dims unrolled on array rows.")
    cols: list[Dim] | None = Field(None, max_length=8, description="Dims unrolled on array cols.")
    tiles: Tiles | None = None

    @field_validator("dataflow")
    @classmethod
    def _order(cls, v):
        if v is not None:
            try:
                loop_order(v)
            except ConfigError as exc:
                raise ValueError(str(exc)) from None
        return v

    @model_validator(mode="after")
    def _axes(self) -> "Mapping":
        if self.rows is not None or self.cols is not None:
            try:
                check_axes(tuple(self.rows or ()), tuple(self.cols or ()))
            except ConfigError as exc:
                raise ValueError(str(exc)) from None
        return self

    def merged(self, other: "Mapping | None") -> "Mapping":
        """This mapping with the fields ``other`` sets taken from ``other``."""
        if other is None:
            return self
        data = self.model_dump(exclude_none=True)
        data.update(other.model_dump(exclude_none=True))
        return Mapping.model_validate(data)


class MappingFile(BaseModel):
    """A mapping file: a default for every layer and per-layer overrides (names or glob patterns)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    default: Mapping = Mapping()
    layers: dict[str, Mapping] = Field(default_factory=dict)

    def for_layer(self, name: str) -> Mapping:
        m = self.default
        for pattern, override in self.layers.items():
            if pattern == name or fnmatch.fnmatchcase(name, pattern):
                m = m.merged(override)
        return m


def load_mapping(source) -> MappingFile:
    """A MappingFile from a path, a dict, a Mapping (applies to all layers) or a MappingFile."""
    if source is None:
        return MappingFile()
    if isinstance(source, MappingFile):
        return source
    if isinstance(source, Mapping):
        return MappingFile(default=source)
    if isinstance(source, dict):
        try:
            return MappingFile.model_validate(source)
        except ValidationError as exc:
            raise format_validation_error(exc, "<mapping>") from None
    if not isinstance(source, (str, Path)):
        raise ConfigError(f"mapping: expected a path, a dict, a Mapping or a MappingFile, got {type(source).__name__}")
    path = Path(source)
    data = load_yaml_mapping(path)
    try:
        return MappingFile.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(exc, str(path)) from None


@dataclass(frozen=True)
class ResolvedMapping:
    """A complete mapping for one layer, ready for the kernel."""

    order: str  # 5 letters, outer -> inner
    stationarity: str
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    tiles: dict  # keys g n m c p q

    def describe(self) -> str:
        t = " ".join(f"{k}{self.tiles[k]}" for k in "gnmcpq")
        preset = {v: k for k, v in LOOP_PRESETS.items()}.get(self.order)
        order = f"{preset.upper()}({self.order})" if preset else self.order
        return (f"{order} {self.stationarity.upper()} rows={''.join(self.rows) or '-'} "
                f"cols={''.join(self.cols) or '-'} tiles[{t}]")
