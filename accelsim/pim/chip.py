"""Chip-level figures of a PIM config: activation time, area, and the static parts (ISAAC Table I
style: published only as power at full activity)."""

from __future__ import annotations

import math

import numpy as np

from accelsim.config.pim import PimConfig


def activation_ns(pim: PimConfig) -> float:
    """Time of one crossbar activation (ns): with sample-and-hold, the ADC converts its columns while the
    next read settles, so max(read, columns_per_adc / rate); without, every multiplexed column needs its
    own read and conversion, columns_per_adc x (read + 1 / rate)."""
    k = pim.adc.columns_per_adc
    conv_ns = 1e9 / pim.adc.samples_per_s
    if pim.adc.sample_and_hold:
        return max(pim.crossbar.read_time_ns, k * conv_ns)
    return k * (pim.crossbar.read_time_ns + conv_ns)


def adcs_per_crossbar(pim: PimConfig) -> int:
    return -(-pim.crossbar.cols // pim.adc.columns_per_adc)


def crossbar_area_um2(pim: PimConfig) -> float:
    """One crossbar with its peripherals (um2): array, a DAC per row, its ADCs, an S&H per column,
    shift-and-add."""
    x, a = pim.crossbar, pim.area
    return (a.crossbar_um2 + x.rows * a.dac_um2 + adcs_per_crossbar(pim) * pim.adc.each_um2
            + x.cols * a.sample_hold_um2 + a.shift_add_um2_per_crossbar)


def static_mw(pim: PimConfig, scope: str) -> dict[str, float]:
    """Power (mW) of the static parts of one tile (``scope='tile'``) or of the chip, by component."""
    out: dict[str, float] = {}
    for part in pim.static:
        if part.scope == scope:
            out[part.component] = out.get(part.component, 0.0) + part.count * part.power_mw
    return out


def tiles_holding(pim: PimConfig, crossbars):
    """Tiles a layer holding ``crossbars`` crossbars occupies (numpy-friendly); their static parts are on
    while it runs."""
    return np.minimum(np.ceil(np.asarray(crossbars) / pim.crossbars_per_tile), pim.tiles)


def static_mw_while(pim: PimConfig, crossbars) -> dict[str, np.ndarray]:
    """Static power (mW) by component while a layer holding ``crossbars`` crossbars runs: the static parts
    of the tiles it occupies and the chip-wide ones."""
    tiles = tiles_holding(pim, crossbars)
    out: dict[str, np.ndarray] = {}
    for scope, mult in (("tile", tiles), ("chip", 1.0)):
        for comp, mw in static_mw(pim, scope).items():
            out[comp] = out.get(comp, 0.0) + mw * mult
    return out


def area_mm2(pim: PimConfig) -> dict[str, float]:
    """Area of the PIM chip by part (``area_mm2_pim_<part>``, mm2) and its total ``area_mm2_pim``."""
    n = pim.chip_crossbars
    x, a = pim.crossbar, pim.area
    out = {
        "area_mm2_pim_crossbar": n * a.crossbar_um2 * 1e-6,
        "area_mm2_pim_dac": n * x.rows * a.dac_um2 * 1e-6,
        "area_mm2_pim_adc": n * adcs_per_crossbar(pim) * pim.adc.each_um2 * 1e-6,
        "area_mm2_pim_sample_hold": n * x.cols * a.sample_hold_um2 * 1e-6,
        "area_mm2_pim_shift_add": n * a.shift_add_um2_per_crossbar * 1e-6,
    }
    for part in pim.static:
        mult = pim.tiles if part.scope == "tile" else 1
        key = f"area_mm2_pim_{part.name}"
        out[key] = out.get(key, 0.0) + mult * part.count * part.area_mm2
    out["area_mm2_pim"] = math.fsum(out.values())
    return out
