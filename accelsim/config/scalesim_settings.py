"""What a SCALE-Sim ``.cfg`` says beyond accelsim's native hardware fields.

Kept on ``Hardware.scalesim`` so a config read from SCALE-Sim writes back unchanged and the
SCALE-Sim-parity timing can use its interface-bandwidth mode and ``[layout]`` bank bandwidths
(scalesim 3.0.0; ../shared/reference/scalesim/NOTES.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScaleSimLayout(_Frozen):
    """The ``[layout]`` section: SRAM banking of the ifmap and filter SRAMs."""

    ifmap_custom_layout: bool = False
    ifmap_bank_bandwidth: int = Field(10, ge=1, le=1 << 20, description="IfmapSRAMBankBandwidth (words/cycle).")
    ifmap_bank_num: int = Field(1, ge=1, le=1 << 16, description="IfmapSRAMBankNum (banks).")
    ifmap_bank_port: int = Field(2, ge=1, le=64, description="IfmapSRAMBankPort (ports per bank).")
    filter_custom_layout: bool = False
    filter_bank_bandwidth: int = Field(10, ge=1, le=1 << 20, description="FilterSRAMBankBandwidth (words/cycle).")
    filter_bank_num: int = Field(1, ge=1, le=1 << 16, description="FilterSRAMBankNum (banks).")
    filter_bank_port: int = Field(2, ge=1, le=64, description="FilterSRAMBankPort (ports per bank).")


class ScaleSimSparsity(_Frozen):
    """The ``[sparsity]`` section (accelsim's dense engine records it but does not model it)."""

    support: bool = False
    representation: str = Field("ellpack_block", max_length=64)
    optimized_mapping: bool = False
    block_size: int = Field(8, ge=1, le=1 << 16)
    seed: int = Field(40, ge=0, le=2**31)


class ScaleSimSettings(_Frozen):
    """SCALE-Sim-only settings of a hardware config."""

    run_name: str = Field("accelsim", max_length=256)
    ifmap_offset: int = Field(0, ge=0, le=2**62)
    filter_offset: int = Field(10_000_000, ge=0, le=2**62)
    ofmap_offset: int = Field(20_000_000, ge=0, le=2**62)
    bandwidth_words: int = Field(10, ge=1, le=1 << 30, description="Bandwidth (words/cycle, 1 word = 1 byte).")
    memory_banks: int | None = Field(1, ge=1, le=1 << 16)
    read_request_buffer: int | None = Field(32, ge=1, le=1 << 20)
    write_request_buffer: int | None = Field(32, ge=1, le=1 << 20)
    interface_bandwidth: Literal["CALC", "USER"] = Field(
        "CALC", description="CALC: bandwidth computed so nothing stalls; USER: the [layout] bank bandwidths.")
    use_ramulator_trace: bool = False
    layout: ScaleSimLayout = ScaleSimLayout()
    sparsity: ScaleSimSparsity = ScaleSimSparsity()
