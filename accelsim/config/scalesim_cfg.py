"""SCALE-Sim ``.cfg`` hardware files (scalesim 3.0.0), read and write.

Reading maps the array, the three SRAMs and the interface bandwidth onto accelsim's schema
(1-byte words: every precision 8 bits, partial sums included, as SCALE-Sim counts them; a nominal
1 GHz clock) and keeps everything else on ``Hardware.scalesim``. Writing produces a file scalesim
3.0.0 accepts: every section it requires, its key spellings, ``key : value`` lines.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from pydantic import ValidationError

from accelsim.config.hardware import Hardware
from accelsim.config.scalesim_settings import ScaleSimSettings
from accelsim.errors import ConfigError, format_validation_error, warn_caller

SECTION_RE = re.compile(r"^\s*\[\s*architecture_presets\s*\]", re.IGNORECASE | re.MULTILINE)


def looks_like_cfg(text: str) -> bool:
    """True when ``text`` is a SCALE-Sim config (it has an ``[architecture_presets]`` section)."""
    return bool(SECTION_RE.search(text))


class _Reader:
    def __init__(self, text: str, source: str):
        self.source = source
        cp = configparser.ConfigParser(interpolation=None, strict=False)  # as scalesim reads its .cfg
        try:
            cp.read_string(text, source=source)
        except configparser.Error as exc:
            raise ConfigError(f"{source}: not a valid SCALE-Sim .cfg: {exc.message.splitlines()[0]}") from None
        # each section as a plain dict (keys lower-cased by configparser): ~30 lookups a file, each a
        # dict lookup instead of ConfigParser.get's chain of mappings
        self.sections = {name: dict(cp.items(name)) for name in cp.sections()}

    def raw(self, section: str, key: str, default=None, required: bool = True) -> str | None:
        values = self.sections.get(section)
        if values is None:
            if required and default is None:
                raise ConfigError(f"{self.source}: [{section}] section missing (needed for {key})")
            return default
        value = values.get(key.lower())
        if value is None:
            if required and default is None:
                raise ConfigError(f"{self.source}: [{section}] {key} missing")
            return default
        return value.strip()

    def integer(self, section: str, key: str, lo: int, hi: int, default: int | None = None) -> int:
        value = self.raw(section, key, None if default is None else str(default))
        try:
            number = float(value)
            if number != int(number):
                raise ValueError
            number = int(number)
        except (TypeError, ValueError, OverflowError):  # OverflowError: 'inf', '1e400'
            raise ConfigError(f"{self.source}: [{section}] {key} = {value!r}: expected a whole number") from None
        if not lo <= number <= hi:
            raise ConfigError(f"{self.source}: [{section}] {key} = {number}: allowed range is {lo}..{hi}")
        return number

    def boolean(self, section: str, key: str, default: bool) -> bool:
        value = self.raw(section, key, str(default))
        if value.lower() in ("true", "1", "yes"):
            return True
        if value.lower() in ("false", "0", "no"):
            return False
        raise ConfigError(f"{self.source}: [{section}] {key} = {value!r}: expected True or False")

    def choice(self, section: str, key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        value = self.raw(section, key, default)
        if value.lower() not in allowed:
            raise ConfigError(f"{self.source}: [{section}] {key} = {value!r}: expected one of {', '.join(allowed)}")
        return value.lower()


def parse_cfg(text: str, source: str = "<cfg>") -> Hardware:
    """A Hardware from the text of a SCALE-Sim ``.cfg``."""
    r = _Reader(text, source)
    ap = "architecture_presets"
    rows = r.integer(ap, "ArrayHeight", 1, 4096)
    cols = r.integer(ap, "ArrayWidth", 1, 4096)
    sizes = {op: r.integer(ap, f"{op}SramSzkB", 1, 1 << 30) for op in ("Ifmap", "Filter", "Ofmap")}
    bandwidth = r.integer(ap, "Bandwidth", 1, 1 << 30)
    dataflow = r.choice(ap, "Dataflow", ("os", "ws", "is"))
    lay = "layout"
    layout = dict(
        ifmap_custom_layout=r.boolean(lay, "IfmapCustomLayout", False),
        ifmap_bank_bandwidth=r.integer(lay, "IfmapSRAMBankBandwidth", 1, 1 << 20, 10),
        ifmap_bank_num=r.integer(lay, "IfmapSRAMBankNum", 1, 1 << 16, 1),
        ifmap_bank_port=r.integer(lay, "IfmapSRAMBankPort", 1, 64, 2),
        filter_custom_layout=r.boolean(lay, "FilterCustomLayout", False),
        filter_bank_bandwidth=r.integer(lay, "FilterSRAMBankBandwidth", 1, 1 << 20, 10),
        filter_bank_num=r.integer(lay, "FilterSRAMBankNum", 1, 1 << 16, 1),
        filter_bank_port=r.integer(lay, "FilterSRAMBankPort", 1, 64, 2),
    )
    sp = "sparsity"
    sparsity = dict(
        support=r.boolean(sp, "SparsitySupport", False),
        representation=r.raw(sp, "SparseRep", "ellpack_block"),
        optimized_mapping=r.boolean(sp, "OptimizedMapping", False),
        block_size=r.integer(sp, "BlockSize", 1, 1 << 16, 8),
        seed=r.integer(sp, "RandomNumberGeneratorSeed", 0, 2**31, 40),
    )
    optional = {}
    for key, field in (("MemoryBanks", "memory_banks"), ("ReadRequestBuffer", "read_request_buffer"),
                       ("WriteRequestBuffer", "write_request_buffer")):
        present = r.raw(ap, key, required=False)
        optional[field] = r.integer(ap, key, 1, 1 << 20) if present is not None else None
    run_name = r.raw("general", "run_name", "scalesim")
    settings = dict(  # validated with the rest, in Hardware.model_validate below
        run_name=run_name,
        ifmap_offset=r.integer(ap, "IfmapOffset", 0, 2**62, 0),
        filter_offset=r.integer(ap, "FilterOffset", 0, 2**62, 10_000_000),
        ofmap_offset=r.integer(ap, "OfmapOffset", 0, 2**62, 20_000_000),
        bandwidth_words=bandwidth,
        interface_bandwidth=r.choice("run_presets", "InterfaceBandwidth", ("calc", "user"), "CALC").upper(),
        use_ramulator_trace=r.boolean("run_presets", "UseRamulatorTrace", False),
        layout=layout, sparsity=sparsity, **optional,
    )
    name = re.sub(r"[^A-Za-z0-9_.\-]", "_", run_name)[:64] or "scalesim"
    sram_bw = float(max(rows, cols))  # SCALE-Sim's SRAMs feed a whole array edge per cycle: never a limit
    data = {
        "name": name,
        "description": f"SCALE-Sim config {source} (1-byte words; nominal 1 GHz clock)",
        "clock_hz": 1e9,
        "array": {"rows": rows, "cols": cols, "interconnect": "systolic"},
        "precision": {"input_bits": 8, "weight_bits": 8, "psum_bits": 8, "output_bits": 8},
        "buffers": [
            {"name": f"{op.lower()}_sram", "operands": [op.lower()], "size_bytes": sizes[op] * 1024, "port_bits": 8,
             "bandwidth_bytes_per_cycle": sram_bw, "double_buffered": True}
            for op in ("Ifmap", "Filter", "Ofmap")
        ],
        "backing_memory": {"kind": "dram", "bandwidth_bytes_per_cycle": float(bandwidth), "latency_cycles": 0},
        "stationarity": dataflow,
        "scalesim": settings,
    }
    try:
        return Hardware.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(exc, source) from None


def read_cfg(path) -> Hardware:
    from accelsim.config.yamlio import read_text

    path = Path(path)
    return parse_cfg(read_text(path), str(path))


def sram_kb(hw: Hardware, operand: str) -> int:
    """The SRAM size SCALE-Sim sees for ``operand`` (kB): its staging buffer's, or the FIFO's."""
    buf = hw.staging_buffer(operand)
    size = buf.size_bytes if buf is not None else hw.fifo_bytes
    return max(1, round(size / 1024))


def format_cfg(hw: Hardware) -> str:
    """The text of a SCALE-Sim 3.0.0 ``.cfg`` for ``hw`` (its ``scalesim`` settings, or defaults)."""
    s = hw.scalesim or ScaleSimSettings(run_name=hw.name,
                                        bandwidth_words=max(1, round(hw.backing_memory.bandwidth_bytes_per_cycle)))
    p = hw.precision
    if {p.input_bits, p.weight_bits, p.psum_bits, p.output_bits} != {8}:
        warn_caller(f"{hw.name}: SCALE-Sim counts 1-byte words; the precisions ({p.input_bits}/{p.weight_bits}/"
                    f"{p.psum_bits}/{p.output_bits} bits) are not written")
    shared = [b.name for b in hw.buffers if len(b.operands) > 1]
    if shared:
        warn_caller(f"{hw.name}: buffers {shared} hold several operands; SCALE-Sim has one SRAM per operand, "
                    "each written with the whole buffer's size")
    lay, sp = s.layout, s.sparsity
    lines = [
        "[general]", f"run_name = {s.run_name}", "",
        "[architecture_presets]",
        f"ArrayHeight:    {hw.array.rows}",
        f"ArrayWidth:     {hw.array.cols}",
        f"IfmapSramSzkB:   {sram_kb(hw, 'ifmap')}",
        f"FilterSramSzkB:  {sram_kb(hw, 'filter')}",
        f"OfmapSramSzkB:   {sram_kb(hw, 'ofmap')}",
        f"IfmapOffset:    {s.ifmap_offset}",
        f"FilterOffset:   {s.filter_offset}",
        f"OfmapOffset:    {s.ofmap_offset}",
        f"Bandwidth : {s.bandwidth_words}",
        f"Dataflow : {hw.stationarity}",
    ]
    if s.memory_banks is not None:
        lines.append(f"MemoryBanks:   {s.memory_banks}")
    if s.read_request_buffer is not None:
        lines.append(f"ReadRequestBuffer: {s.read_request_buffer}")
    if s.write_request_buffer is not None:
        lines.append(f"WriteRequestBuffer: {s.write_request_buffer}")
    lines += [
        "", "[layout]",
        f"IfmapCustomLayout: {lay.ifmap_custom_layout}",
        f"IfmapSRAMBankBandwidth: {lay.ifmap_bank_bandwidth}",
        f"IfmapSRAMBankNum: {lay.ifmap_bank_num}",
        f"IfmapSRAMBankPort: {lay.ifmap_bank_port}",
        f"FilterCustomLayout: {lay.filter_custom_layout}",
        f"FilterSRAMBankBandwidth: {lay.filter_bank_bandwidth}",
        f"FilterSRAMBankNum: {lay.filter_bank_num}",
        f"FilterSRAMBankPort: {lay.filter_bank_port}",
        "", "[sparsity]",
        f"SparsitySupport : {str(sp.support).lower()}",
        f"SparseRep : {sp.representation}",
        f"OptimizedMapping : {str(sp.optimized_mapping).lower()}",
        f"BlockSize : {sp.block_size}",
        f"RandomNumberGeneratorSeed : {sp.seed}",
        "", "[run_presets]",
        f"InterfaceBandwidth: {s.interface_bandwidth}",
        f"UseRamulatorTrace: {s.use_ramulator_trace}",
        "",
    ]
    return "\n".join(lines)


def write_cfg(hw: Hardware, path) -> Path:
    path = Path(path)
    path.write_text(format_cfg(hw))
    return path
