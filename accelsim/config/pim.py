"""A ReRAM processing-in-memory (PIM) back-end beside the digital array (pydantic v2, frozen).

Units are in every field's name or description: ns, pJ (per action), um2 / mm2, mW, bits.
The mapping conventions (im2col rows = R*S*C, bit slices in adjacent columns, bit-serial
inputs through DACs, ADCs shared by columns) are those of ISAAC (Shafiee et al., ISCA'16),
NeuroSim (Peng et al., IEDM'19) and PUMA (Ankit et al., ASPLOS'19); docs/pim.md has the model.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Unit = Literal["pim", "digital"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Crossbar(_Frozen):
    """One ReRAM crossbar array."""

    rows: int = Field(ge=1, le=8192, description="Word lines (count).")
    cols: int = Field(ge=1, le=8192, description="Bit lines (count).")
    cell_bits: int = Field(ge=1, le=8, description="Bits stored per cell.")
    rows_active: int | None = Field(
        None, ge=1, le=8192, description="Rows read at once (partial parallel read, NeuroSim's parallelRead); "
                                         "None = all rows.")
    read_time_ns: float = Field(gt=0, le=1e6, allow_inf_nan=False,
                                description="Time of one activation: drive the rows, settle, sample (ns).")
    bit_slice_layout: Literal["adjacent", "separate"] = Field(
        "adjacent", description="adjacent: a weight's bit slices in neighbouring columns of one crossbar (ISAAC, "
                                "NeuroSim); separate: one crossbar per bit slice (MNSIM).")

    @model_validator(mode="after")
    def _check(self) -> "Crossbar":
        if self.rows_active is not None and self.rows_active > self.rows:
            raise ValueError(f"rows_active = {self.rows_active} exceeds rows = {self.rows}; allowed 1..{self.rows}")
        return self

    @property
    def active(self) -> int:
        return self.rows if self.rows_active is None else self.rows_active


class PimPrecision(_Frozen):
    """Operand precisions on the crossbars (bits)."""

    weight_bits: int = Field(8, ge=1, le=32, description="Weight width (bits), sliced over cells.")
    input_bits: int = Field(8, ge=1, le=32, description="Input activation width (bits), streamed through DACs.")
    dac_bits: int = Field(1, ge=1, le=16, description="DAC resolution (bits per input cycle).")
    output_bits: int = Field(8, ge=1, le=32, description="Output activation width written back (bits).")

    @model_validator(mode="after")
    def _check(self) -> "PimPrecision":
        if self.dac_bits > self.input_bits:
            raise ValueError(f"dac_bits = {self.dac_bits} exceeds input_bits = {self.input_bits}")
        return self


def _by_bits(table: dict[int, float], bits: int) -> float:
    """Value at ``bits`` from a {bits: value} table: exact, else log-linear through the two nearest
    entries (ADC energy and area grow geometrically with resolution; Murmann's ADC survey)."""
    if bits in table:
        return table[bits]
    keys = sorted(table)
    if len(keys) == 1:
        return table[keys[0]]
    lo = max([k for k in keys if k < bits], default=keys[0])
    hi = min([k for k in keys if k > bits], default=keys[-1])
    if lo == hi:  # outside the table: the two nearest on that side
        lo, hi = (keys[0], keys[1]) if bits < keys[0] else (keys[-2], keys[-1])
    t = (bits - lo) / (hi - lo)
    return math.exp(math.log(table[lo]) + t * (math.log(table[hi]) - math.log(table[lo])))


class Adc(_Frozen):
    """The column ADCs."""

    bits: int = Field(ge=1, le=16, description="Resolution (bits).")
    columns_per_adc: int = Field(ge=1, le=8192, description="Columns sharing one ADC (multiplexed).")
    samples_per_s: float = Field(gt=0, le=1e12, allow_inf_nan=False, description="Conversion rate (samples/s).")
    sample_and_hold: bool = Field(
        True, description="True: every column is sampled once per read and the ADC converts them in turn while "
                          "the next read settles (ISAAC); False: one read per multiplexed column (NeuroSim).")
    lossless: bool = Field(
        False, description="True: warn when a layer needs more ADC bits than configured; False: fewer bits are "
                           "deliberate partial-sum quantization (NeuroSim) and only reported.")
    weight_flip_encoding: bool = Field(False, description="ISAAC's encoding (Sec. V, eq. 2): one ADC bit fewer.")
    energy_pj: dict[int, float] = Field(min_length=1, description="Energy per conversion (pJ) by resolution "
                                                                  "(bits); log-linear between entries.")
    area_um2: dict[int, float] = Field(min_length=1, description="Area per ADC (um2) by resolution (bits).")

    @model_validator(mode="after")
    def _check(self) -> "Adc":
        for label, table in (("energy_pj", self.energy_pj), ("area_um2", self.area_um2)):
            for k, v in table.items():
                if not 1 <= k <= 16 or not (v > 0 and math.isfinite(v)):
                    raise ValueError(f"{label}: entries must be bits 1..16 -> a finite value > 0, got {k}: {v}")
        return self

    @property
    def conversion_pj(self) -> float:
        return _by_bits(self.energy_pj, self.bits)

    @property
    def each_um2(self) -> float:
        return _by_bits(self.area_um2, self.bits)


class PimEnergy(_Frozen):
    """Energy per action (pJ)."""

    cell_read_pj: float = Field(ge=0, le=1e6, allow_inf_nan=False,
                                description="One cell read in one activation (an active row x a used column).")
    dac_pj: float = Field(ge=0, le=1e6, allow_inf_nan=False, description="One row driven for one input cycle.")
    sample_hold_pj: float = Field(0.0, ge=0, le=1e6, allow_inf_nan=False, description="One column sampled.")
    shift_add_pj: float = Field(ge=0, le=1e6, allow_inf_nan=False,
                                description="One converted partial sum shifted and added into its output.")
    buffer_pj_per_bit: float = Field(0.0, ge=0, le=1e6, allow_inf_nan=False,
                                     description="Tile buffer read or write, per bit.")
    interconnect_pj_per_bit: float = Field(0.0, ge=0, le=1e6, allow_inf_nan=False,
                                           description="Moving one bit of output to the next layer's tile.")
    cell_write_pj: float = Field(ge=0, le=1e9, allow_inf_nan=False, description="Programming one cell.")


class PimArea(_Frozen):
    """Area per unit (um2); the ADC's is in ``adc.area_um2``."""

    crossbar_um2: float = Field(ge=0, le=1e9, allow_inf_nan=False, description="One crossbar array.")
    dac_um2: float = Field(ge=0, le=1e9, allow_inf_nan=False, description="One DAC (one per row per crossbar).")
    sample_hold_um2: float = Field(0.0, ge=0, le=1e9, allow_inf_nan=False, description="One S&H (per column).")
    shift_add_um2_per_crossbar: float = Field(0.0, ge=0, le=1e9, allow_inf_nan=False,
                                              description="Shift-and-add logic per crossbar.")


class Programming(_Frozen):
    """Writing weights into cells."""

    row_write_time_ns: float = Field(gt=0, le=1e9, allow_inf_nan=False,
                                     description="Programming one crossbar row (cells of a row in parallel; ns).")
    endurance_writes: float = Field(gt=0, le=1e18, allow_inf_nan=False, description="Writes a cell survives.")


class StaticPart(_Frozen):
    """A component published only as power at full activity and area (ISAAC Table I style): its energy is
    power x time, charged to ``component``."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    component: Literal["buffer", "noc", "shift_add", "digital", "other"] = "other"
    scope: Literal["tile", "chip"] = "tile"
    count: int = Field(1, ge=1, le=1 << 20, description="Units per tile (or per chip).")
    power_mw: float = Field(ge=0, le=1e9, allow_inf_nan=False, description="Power of one unit (mW).")
    area_mm2: float = Field(ge=0, le=1e6, allow_inf_nan=False, description="Area of one unit (mm2).")


class PlacementRule(_Frozen):
    """Layers matching every set criterion go to ``unit``; first matching rule wins."""

    kinds: list[Literal["conv", "fc", "gemm"]] | None = Field(None, description="Layer kinds; None = any.")
    kernel: tuple[int, int] | None = Field(None, description="(R, S) kernel size; None = any.")
    unit: Unit = "pim"


class Placement(_Frozen):
    """Which layers run on the crossbars. Dynamic GEMMs (both operands activations), pooling and
    element-wise layers always run on the digital array."""

    default: Unit = Field("pim", description="Unit of a MAC layer no rule or name matches.")
    rules: list[PlacementRule] = Field(default_factory=list, max_length=64)
    layers: dict[str, Unit] = Field(default_factory=dict, description="Per layer name; wins over rules.")


class PimConfig(_Frozen):
    """A ReRAM PIM chip: tiles of crossbars with DACs, ADCs, shift-and-add, buffers."""

    crossbar: Crossbar
    precision: PimPrecision = PimPrecision()
    adc: Adc
    signed_weights: Literal["none", "offset_column", "differential"] = Field(
        "none", description="none: unsigned weights; offset_column: weights stored with an offset and one extra "
                            "reference column per group (ISAAC-style bias); differential: a +/- crossbar pair.")
    crossbars_per_tile: int = Field(ge=1, le=1 << 16)
    tiles: int = Field(ge=1, le=1 << 20)
    duplication: Literal["none", "auto"] = Field(
        "none", description="auto: copy the weights of the slowest layers into spare crossbars until the layer "
                            "pipeline is balanced (ISAAC Sec. VI).")
    duplicate: dict[str, int] = Field(default_factory=dict, description="Fixed copies per layer name (>= 1).")
    energy: PimEnergy
    area: PimArea
    programming: Programming
    static: list[StaticPart] = Field(default_factory=list, max_length=64)
    placement: Placement = Placement()

    @model_validator(mode="after")
    def _check(self) -> "PimConfig":
        if self.adc.columns_per_adc > self.crossbar.cols:
            raise ValueError(f"adc.columns_per_adc = {self.adc.columns_per_adc} exceeds crossbar.cols = "
                             f"{self.crossbar.cols}; allowed 1..{self.crossbar.cols}")
        bad = {k: v for k, v in self.duplicate.items() if not 1 <= v <= 1 << 20}
        if bad:
            raise ValueError(f"duplicate: copies must be in 1..1048576, got {bad}")
        return self

    @property
    def chip_crossbars(self) -> int:
        return self.crossbars_per_tile * self.tiles
