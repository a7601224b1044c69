"""Golden data from real scalesim 3.0.0, on files written by accelsim.

Run: ``python tools/scalesim_golden.py``. It creates ``.scalesim-venv/`` (ignored by git) with
``scalesim==3.0.0`` and ``numpy<2.4`` (3.0.0 breaks on NumPy 2.4), writes hardware configs with
``accelsim export`` (non-square arrays, OS/WS/IS, large and small SRAMs) and a conv and a GEMM
topology written from accelsim workloads (padding, stride 2, a depthwise ``DP`` layer, a grouped conv
written one row per group, FC; attention-sized GEMMs), runs scalesim's own CLI on every pair, and
writes ``tests/data/scalesim/golden_exported.csv``: one row per scalesim layer with its compute
report and SRAM/DRAM access counts, plus the provenance (scalesim version, date, this script).
``tests/test_scalesim_parity.py`` reads that CSV.
"""

from __future__ import annotations

import datetime
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / ".scalesim-venv"
OUT = REPO / "tests" / "data" / "scalesim" / "golden_exported.csv"
WORK = REPO / "build" / "scalesim_golden"

NETWORK = {"name": "exported", "layers": [
    {"name": "stem", "kind": "conv", "in_channels": 3, "out_channels": 16, "in_h": 20, "in_w": 20, "kernel": 3,
     "stride": 2, "padding": 1},
    {"name": "dw", "kind": "conv", "in_channels": 16, "out_channels": 16, "in_h": 10, "in_w": 10, "kernel": 3,
     "padding": 1, "groups": 16},
    {"name": "grouped", "kind": "conv", "in_channels": 16, "out_channels": 32, "in_h": 10, "in_w": 10, "kernel": 3,
     "padding": 1, "groups": 2},
    {"name": "pw", "kind": "conv", "in_channels": 32, "out_channels": 24, "in_h": 10, "in_w": 10, "kernel": 1},
    {"name": "fc", "kind": "fc", "in_features": 96, "out_features": 10},
]}
GEMMS = {"name": "gemms", "layers": [
    {"name": "qk", "kind": "gemm", "m": 32, "k": 16, "n": 32},
    {"name": "proj", "kind": "gemm", "m": 32, "k": 48, "n": 40},
]}
ARRAYS = [(8, 8), (4, 12), (16, 8)]
SRAMS_KB = [64, 4]


def ensure_venv() -> Path:
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", "scalesim==3.0.0", "numpy<2.4"], check=True)
    return py


def configs() -> list[tuple[str, object]]:
    import accelsim

    base = accelsim.load_hardware("scalesim_32x32").model_dump()
    out = []
    for rows, cols in ARRAYS:
        for df in ("os", "ws", "is"):
            for kb in SRAMS_KB:
                name = f"x{rows}x{cols}_{df}_{kb}k"
                hw = dict(base, name=name, stationarity=df, array=dict(base["array"], rows=rows, cols=cols),
                          buffers=[dict(b, size_bytes=kb * 1024) for b in base["buffers"]])
                hw["scalesim"] = dict(hw.get("scalesim") or {}, run_name=name)
                out.append((name, accelsim.load_hardware(hw)))
    return out


def main() -> int:
    import accelsim

    py = ensure_venv()
    version = subprocess.run([str(py), "-m", "pip", "show", "scalesim"], capture_output=True, text=True).stdout
    version = next((ln.split(":", 1)[1].strip() for ln in version.splitlines() if ln.startswith("Version")), "?")
    WORK.mkdir(parents=True, exist_ok=True)
    layout = WORK / "no_layout.csv"
    layout.write_text("Layer name, (layout header only; custom layouts disabled in all configs)\n")
    topologies = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for net, form in ((NETWORK, "conv"), (GEMMS, "gemm")):
            path = WORK / f"{net['name']}.csv"
            accelsim.save_workload(accelsim.load_workload(net), path)
            topologies[net["name"]] = (path, form)
    rows = []
    for name, hw in configs():
        cfg = WORK / f"{name}.cfg"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            accelsim.save_hardware(hw, cfg)
        for topo_name, (topo, form) in topologies.items():
            logdir = WORK / "runs" / f"{name}_{topo_name}"
            logdir.parent.mkdir(parents=True, exist_ok=True)  # scalesim makes only the last directory
            if logdir.exists():
                shutil.rmtree(logdir)
            subprocess.run([str(py), "-m", "scalesim.scale", "-c", str(cfg), "-t", str(topo), "-l", str(layout),
                            "-p", str(logdir), "-i", form, "-s", "N"], check=True, capture_output=True)
            run = logdir / name
            comp = pd.read_csv(run / "COMPUTE_REPORT.csv", skipinitialspace=True)
            acc = pd.read_csv(run / "DETAILED_ACCESS_REPORT.csv", skipinitialspace=True)
            comp.columns = [c.strip() for c in comp.columns]
            acc.columns = [c.strip() for c in acc.columns]
            comp = comp.loc[:, ~comp.columns.str.startswith("Unnamed")]
            acc = acc.loc[:, ~acc.columns.str.startswith("Unnamed")]
            merged = comp.merge(acc, on="LayerID")
            merged.insert(0, "topology", topo_name)
            merged.insert(0, "config", name)
            rows.append(merged)
    df = pd.concat(rows, ignore_index=True)
    df["scalesim_version"] = version
    df["produced"] = datetime.date.today().isoformat()
    df["producer"] = "tools/scalesim_golden.py"
    OUT.write_text(df.to_csv(index=False))
    print(f"wrote {len(df)} scalesim layer results to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
