"""Hardware description of a digital accelerator (pydantic v2, frozen).

Units are part of every field name or description: bytes, bits, cycles, Hz.
Operands are named ``ifmap`` (input activations), ``filter`` (weights, or the
dynamic second operand of a GEMM) and ``ofmap`` (outputs and partial sums).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from accelsim.config.pim import PimConfig
from accelsim.config.scalesim_settings import ScaleSimSettings

OPERANDS = ("ifmap", "filter", "ofmap")
Operand = Literal["ifmap", "filter", "ofmap"]
Dataflow = Literal["ir", "or", "wr"]
Stationarity = Literal["os", "ws", "is"]

_BIG = 2**48  # bytes; larger than any real on-chip or off-chip memory of interest


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PEArray(_Frozen):
    """The PE array."""

    rows: int = Field(ge=1, le=4096, description="PE rows (count).")
    cols: int = Field(ge=1, le=4096, description="PE columns (count).")
    macs_per_pe: int = Field(1, ge=1, le=1024, description="MACs each PE completes per cycle.")
    interconnect: Literal["systolic", "broadcast"] = Field(
        "systolic",
        description=(
            "systolic: operands hop PE to PE, each fold pays fill and drain "
            "(2*rows + cols - 2 cycles, SCALE-Sim ISPASS'20); broadcast: operands are "
            "multicast and partial sums reduced by an adder tree (ceil(log2(rows)) cycles per fold)."
        ),
    )


    rows_unroll: list[Literal["G", "N", "M", "C", "P", "Q", "R", "S"]] | None = Field(
        None, description="Dims the hardware always unrolls on rows (e.g. NVDLA's atomic C); None = per stationarity."
    )
    cols_unroll: list[Literal["G", "N", "M", "C", "P", "Q", "R", "S"]] | None = Field(
        None, description="Dims the hardware always unrolls on cols (e.g. NVDLA's atomic K); None = per stationarity."
    )


class Precision(_Frozen):
    """Operand precisions in bits."""

    input_bits: int = Field(8, ge=1, le=64, description="Input activation width (bits).")
    weight_bits: int = Field(8, ge=1, le=64, description="Weight width (bits).")
    psum_bits: int = Field(32, ge=1, le=128, description="Partial-sum width (bits).")
    output_bits: int = Field(8, ge=1, le=64, description="Final output activation width (bits).")


class RegisterFiles(_Frozen):
    """Optional per-PE register files, one per operand (0 = none)."""

    ifmap_bytes: int = Field(0, ge=0, le=1 << 20, description="Input RF per PE (bytes).")
    filter_bytes: int = Field(0, ge=0, le=1 << 20, description="Weight RF per PE (bytes).")
    psum_bytes: int = Field(0, ge=0, le=1 << 20, description="Partial-sum RF per PE (bytes).")


class Buffer(_Frozen):
    """An on-chip global buffer holding one or more operands."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$", description="Identifier, used in column names.")
    operands: list[Operand] = Field(
        min_length=0, description="Operands whose tiles this buffer stages (may be empty for a pure home buffer)."
    )
    size_bytes: int = Field(ge=1, le=_BIG, description="Capacity (bytes).")
    port_bits: int = Field(64, ge=1, le=65536, description="Width of one access (bits).")
    bandwidth_bytes_per_cycle: float = Field(
        gt=0, le=1e9, allow_inf_nan=False, description="Bytes per cycle the buffer moves to/from the array and from the backing side."
    )
    double_buffered: bool = Field(
        True, description="True: the next tile loads while the current one computes; False: loads serialise."
    )


class BackingMemory(_Frozen):
    """Off-chip (or far) memory shared by all operands."""

    kind: str = Field("dram", pattern=r"^[a-z][a-z0-9_]{0,31}$", description="Memory kind, e.g. lpddr4, ddr3, hbm2.")
    bandwidth_bytes_per_cycle: float = Field(gt=0, le=1e9, allow_inf_nan=False, description="Bandwidth shared by all operands (bytes/cycle).")
    latency_cycles: int = Field(0, ge=0, le=10**7, description="Latency of a transfer not hidden by compute (cycles).")


class Homes(_Frozen):
    """Where each operand lives between layers: 'dram' or the name of an on-chip buffer."""

    ifmap: str = Field("dram", description="Home of input activations.")
    filter: str = Field("dram", description="Home of weights.")
    ofmap: str = Field("dram", description="Home of output activations.")


class Hardware(_Frozen):
    """A digital accelerator: PE array, buffers, backing memory, defaults."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.\-]{1,64}$", description="Short name.")
    description: str = Field("", max_length=2000, description="Free text, with the source of the numbers.")
    clock_hz: float = Field(gt=0, le=1e11, allow_inf_nan=False, description="Clock frequency (Hz).")
    array: PEArray
    precision: Precision = Precision()
    register_files: RegisterFiles = RegisterFiles()
    buffers: list[Buffer] = Field(min_length=0, max_length=16)
    fifo_bytes: int = Field(
        4096, ge=1, le=_BIG, description="Size of the streaming FIFO an operand without a buffer passes through (bytes)."
    )
    backing_memory: BackingMemory
    homes: Homes = Homes()
    energy_table: str = Field("hwc45", max_length=256,
                              description="Energy/area table: a shipped name (hwc65, hwc45, hwc22, horowitz45, "
                                          "eyeriss_norm) or a YAML path.")
    energy_overrides: dict[str, Any] | None = Field(
        None, description="Entries replacing the table's (e.g. {register_pj_per_bit: 0.02}); validated as a table.")
    dataflow: Dataflow = Field("or", description="Default tile-loop order preset: ir, or, wr.")
    stationarity: Stationarity = Field("ws", description="Default array stationarity: os, ws, is.")
    scalesim: ScaleSimSettings | None = Field(
        None, description="SCALE-Sim-only settings, kept when the config came from (or goes to) a SCALE-Sim .cfg.")
    pim: PimConfig | None = Field(
        None, description="A ReRAM PIM back-end beside the array; its placement says which layers it runs.")

    @model_validator(mode="after")
    def _check_buffers(self) -> "Hardware":
        # every design point of a sweep runs this: the common case (no repeats) is checked with sets first
        names = [b.name for b in self.buffers]
        if len(set(names)) < len(names):
            dup = {n for n in names if names.count(n) > 1}
            raise ValueError(f"buffer names must be unique, repeated: {sorted(dup)}")
        if "dram" in names:
            raise ValueError("'dram' is reserved for the backing memory; rename the buffer")
        staged = [op for b in self.buffers for op in b.operands]
        if len(set(staged)) < len(staged):  # some operand listed twice: by two buffers is an error
            for op in OPERANDS:
                holders = [b.name for b in self.buffers if op in b.operands]
                if len(holders) > 1:
                    raise ValueError(f"operand {op!r} is staged by more than one buffer: {holders}")
        homes = self.homes
        for op, home in (("ifmap", homes.ifmap), ("filter", homes.filter), ("ofmap", homes.ofmap)):
            if home != "dram" and home not in names:
                raise ValueError(f"homes.{op} = {home!r} is neither 'dram' nor a buffer name {names}")
        return self

    @property
    def pes(self) -> int:
        """Number of PEs."""
        return self.array.rows * self.array.cols

    def on_chip_homes(self) -> tuple[str, ...]:
        """The buffers that are some operand's home, sorted by name."""
        return tuple(sorted({h for h in (self.homes.ifmap, self.homes.filter, self.homes.ofmap) if h != "dram"}))

    def staging_buffer(self, operand: str) -> Buffer | None:
        """The buffer that stages ``operand``'s tiles, or None (streams through a FIFO)."""
        for b in self.buffers:
            if operand in b.operands:
                return b
        return None

    def buffer(self, name: str) -> Buffer:
        for b in self.buffers:
            if b.name == name:
                return b
        raise KeyError(name)
