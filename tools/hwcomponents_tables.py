"""Regenerate accelsim's energy tables from a live hwcomponents install.

Run: ``python tools/hwcomponents_tables.py`` (any Python). It needs a Python >= 3.12 for
hwcomponents: a ``python3.12``/``python3.13`` on PATH or in pyenv; it says so and stops when there
is none. It creates ``.hwc-venv/`` beside the repo (ignored by git), installs hwcomponents 1.0.x with
its CACTI, library, NeuroSim and ADC plug-ins, rebuilds CACTI from the sources the package ships
when its prebuilt binary cannot run on this machine (older glibc), queries every component the
tables use at 65, 45 and 22 nm, writes ``build/energy_per_action.csv`` in the format of
``shared/reference/energy/energy_per_action.csv``, and runs ``tools/gen_energy_tables.py`` on it.
accelsim itself never needs hwcomponents at run time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / ".hwc-venv"
OUT = REPO / "build" / "energy_per_action.csv"
PACKAGES = ["hwcomponents>=1.0,<1.1", "hwcomponents-cacti>=1.0,<1.1", "hwcomponents-library>=1.0,<1.1",
            "hwcomponents-neurosim>=1.0,<1.1", "hwcomponents-adc>=1.0,<1.1"]

QUERY = r'''
import csv, sys
import hwcomponents as h
rows = []
def add(component, attrs, action, note):
    cost = h.get_action_cost(component, attrs, action, {})
    area = h.get_area(component, attrs)
    leak = h.get_leak_power(component, attrs)
    width = attrs.get("width")
    e = cost.energy * 1e12
    rows.append({"component": component, "attributes": repr(attrs), "action": action, "note": note,
                 "model_class": "", "energy_pJ": e, "bits_per_action": width if component in ("sram", "register") or
                 "ddr" in component or "hbm" in component else "", "energy_pJ_per_bit": e / width if width else "",
                 "latency_ns": "", "throughput_per_s": "", "area_um2": area * 1e12, "leak_power_uW": leak * 1e6,
                 "error": ""})
for node in (65e-9, 45e-9, 22e-9):
    for mw, aw in ((8, 16), (8, 24), (16, 32)):
        add("intmac", {"tech_node": node, "multiplier_width": mw, "adder_width": aw}, "read", f"{mw}b MAC")
    for w in (8, 16, 64):
        for action in ("read", "write"):
            add("register", {"tech_node": node, "width": w}, action, f"{w}-bit register")
    for size in (8192, 65536, 524288, 4194304, 16777216):
        for action in ("read", "write"):
            add("sram", {"tech_node": node, "width": 64, "size": size}, action, "sram")
for kind, width in (("lpddr4", 64), ("lpddr", 64), ("ddr3", 64), ("hbm2", 2048)):
    add(kind, {"width": width}, "read", kind)
with open(sys.argv[1], "w", newline="") as fh:
    w = csv.DictWriter(fh, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
print(f"wrote {len(rows)} rows to {sys.argv[1]}")
'''


def find_python312() -> str | None:
    for name in ("python3.13", "python3.12"):
        found = shutil.which(name)
        if found:
            return found
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for version in sorted(root.glob("3.1[2-9]*"), reverse=True):
        exe = version / "bin" / "python3"
        if exe.exists():
            return str(exe)
    return None


def run(cmd, **kw):
    print("+", " ".join(map(str, cmd)))
    subprocess.run(cmd, check=True, **kw)


def main() -> int:
    py = find_python312()
    if py is None:
        print("hwcomponents needs Python >= 3.12 and none was found (no python3.12/3.13 on PATH, none in pyenv).\n"
              "Install one (e.g. 'pyenv install 3.12') and run this again. The shipped tables stay as they are.",
              file=sys.stderr)
        return 1
    vpy = VENV / "bin" / "python"
    if not vpy.exists():
        run([py, "-m", "venv", str(VENV)])
        run([str(vpy), "-m", "pip", "install", "--quiet", *PACKAGES])
    cacti_dir = Path(subprocess.run([str(vpy), "-c", "import hwcomponents_cacti, pathlib; print(pathlib.Path("
                                     "hwcomponents_cacti.__file__).parent / 'cacti')"], check=True,
                                    capture_output=True, text=True).stdout.strip())
    probe = subprocess.run([str(cacti_dir / "cacti")], capture_output=True, text=True)
    if "how to use CACTI" not in probe.stdout + probe.stderr:
        print("the packaged CACTI binary does not run here; rebuilding it from the shipped sources")
        for obj in list(cacti_dir.glob("obj_*/*.o")):
            obj.unlink()
        run(["make", "-j2"], cwd=cacti_dir, stdout=subprocess.DEVNULL)
    OUT.parent.mkdir(exist_ok=True)
    run([str(vpy), "-c", QUERY, str(OUT)])
    run([sys.executable, str(REPO / "tools" / "gen_energy_tables.py"), "--csv", str(OUT)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
