"""PIM figures and speed: VGG-8 (CIFAR-10) on the PIM presets and NeuroSim's published variants, and the
time of one warm ``simulate`` call.

Run: ``python benchmarks/bench_pim.py``. Prints per configuration: energy per image and its breakdown,
TOPS/W (a MAC = 2 ops), area, latency and pipelined rate; then ms per simulate call, JIT warm.
"""

from __future__ import annotations

import time
import warnings

import accelsim
from accelsim.sweep.design_point import build_hardware

PUBLISHED = {"neurosim_pr32_adc4": 11.25, "neurosim_pr64_adc4": 19.88}  # TOPS/W, NeuroSim V1.4 manual Table VII


def variant(base: str, **changes) -> accelsim.Hardware:
    """A shipped config with pim fields replaced (``crossbar__rows_active`` = ``pim.crossbar.rows_active``)."""
    return build_hardware(accelsim.load_hardware(base).model_dump(),
                          {"pim." + k.replace("__", "."): v for k, v in changes.items()})


def configs() -> dict:
    return {
        "isaac_like": accelsim.load_hardware("isaac_like"),
        "neurosim_like": accelsim.load_hardware("neurosim_like"),
        "neurosim_pr32_adc4": variant("neurosim_like", crossbar__rows_active=32, adc__bits=4),
        "neurosim_pr64_adc4": variant("neurosim_like", crossbar__rows_active=64, adc__bits=4),
    }


def main() -> None:
    warnings.simplefilter("ignore")
    comps = ("crossbar", "dac", "adc", "sample_hold", "shift_add", "buffer", "noc", "dram", "write", "leakage")
    for name, hw in configs().items():
        for net in ("vgg8_cifar", "resnet18"):
            res = accelsim.simulate(hw, net)
            s = res.summary
            e = s["energy_pj"]
            parts = " ".join(f"{c} {s.get('energy_pj_' + c, 0.0) / e:.0%}" for c in comps if s.get("energy_pj_" + c))
            pub = f" (published {PUBLISHED[name]})" if name in PUBLISHED and net == "vgg8_cifar" else ""
            print(f"{name:20s} {net:11s} {e * 1e-6:9.2f} uJ/image  {s['tops_per_w']:6.2f} TOPS/W{pub}  "
                  f"area {s['area_mm2']:7.2f} mm2 (pim {s['area_mm2_pim']:.2f})  latency {s['latency_s'] * 1e6:8.1f} us  "
                  f"pipelined {s['pipelined_inferences_per_s']:9.0f} img/s  xbars {s['crossbars_used']}/{s['chip_crossbars']}")
            print(f"{'':20s} {'':11s} {parts}")
        from accelsim.pim.cost import peak

        pk = peak(hw.pim)
        print(f"{name:20s} peak {pk['peak_tops']:.2f} TOPS, {pk['peak_power_w']:.2f} W, {pk['area_mm2']:.2f} mm2: "
              f"{pk['gops_per_mm2']:.1f} GOPS/s/mm2, {pk['gops_per_w']:.1f} GOPS/W")
    for name, hw in configs().items():
        for net in ("vgg8_cifar", "resnet18"):
            accelsim.simulate(hw, net)
            t0 = time.perf_counter()
            n = 50
            for _ in range(n):
                accelsim.simulate(hw, net)
            print(f"simulate {name} {net}: {(time.perf_counter() - t0) / n * 1e3:.2f} ms per call (warm)")


if __name__ == "__main__":
    main()
