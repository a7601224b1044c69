"""Write tests/data/timeloop/reference_levels.csv from the shared Timeloop reference outputs.

Source: ``../shared/reference/timeloop/timeloop_ref_outputs_summary.csv`` (Timeloop + Accelergy
reference outputs of the public timeloop-accelergy-exercises). Timeloop reports each level's energy
as fJ per compute; this script multiplies by the compute count to get the level's total in pJ, and
names each case by the accelsim nest file (nests/timeloop/) that describes it.

    python tools/timeloop_reference.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = {  # (exercise folder suffix, variant) -> nest file
    ("00-model-conv1d-1level", ""): "ex00_conv1d_1level",
    ("01-model-conv1d-2level", "os"): "ex01_conv1d_2level_os",
    ("01-model-conv1d-2level", "ws"): "ex01_conv1d_2level_ws",
    ("02-model-conv1d+oc-2level", "no-tiling"): "ex02_conv1d_oc_2level_untiled",
    ("02-model-conv1d+oc-2level", "tiling"): "ex02_conv1d_oc_2level_tiled",
    ("03-model-conv1d+oc-3level", "bypass"): "ex03_conv1d_oc_3level_bypass",
    ("03-model-conv1d+oc-3level", "no-bypass"): "ex03_conv1d_oc_3level_no_bypass",
    ("04-model-conv1d+oc-3levelspatial", "cp"): "ex04_conv1d_oc_ic_spatial_cp",
    ("04-model-conv1d+oc-3levelspatial", "kp"): "ex04_conv1d_oc_ic_spatial_kp",
    ("simple_output_stationary", "default_problem"): "simple_output_stationary",
    ("simple_weight_stationary", "default_problem"): "simple_weight_stationary",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args()
    src = args.shared / "reference/timeloop/timeloop_ref_outputs_summary.csv"
    out = ROOT / "tests/data/timeloop/reference_levels.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for r in csv.DictReader(src.open()):
        key = (r["exercise"].rsplit("/", 1)[-1], r["variant"])
        if key not in CASES:
            continue
        computes = float(r["computes"])
        for part in r["per_compute_breakdown"].split(";"):
            level, fj = part.split("=")
            rows.append({"nest": CASES[key], "level": level, "cycles": int(float(r["cycles"])),
                         "computes": int(computes), "fj_per_compute": fj,
                         "energy_pj": f"{float(fj) * computes / 1000:.4f}"})
    with out.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} rows to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
