"""Print docs/nest.md's comparison tables: accelsim's nest model vs Timeloop, level by level.

    python tools/timeloop_comparison.py

Reads nests/timeloop/*.yaml and tests/data/timeloop/reference_levels.csv (written from the shared
Timeloop reference outputs by tools/timeloop_reference.py).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from accelsim.nest import evaluate_nest

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ref = pd.read_csv(ROOT / "tests/data/timeloop/reference_levels.csv")
    print("| nest | cycles (both) | level | accelsim pJ | Timeloop pJ | difference | rounding bound |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for case in sorted(ref["nest"].unique()):
        r = ref[ref["nest"] == case].set_index("level")
        res = evaluate_nest(ROOT / "nests/timeloop" / f"{case}.yaml")
        assert res.summary["cycles"] == r["cycles"].iloc[0]
        bound = 0.005e-3 * r["computes"].iloc[0]
        ours = dict(zip(res.levels["level"], res.levels["energy_pj"]))
        ours["Total"] = res.summary["energy_pj"]
        for k, (level, energy) in enumerate(ours.items()):
            t = r.loc[level, "energy_pj"]
            print(f"| {case if k == 0 else ''} | {res.summary['cycles'] if k == 0 else ''} | {level} | "
                  f"{energy:,.2f} | {t:,.2f} | {energy - t:+,.2f} | {bound:,.2f} |")


if __name__ == "__main__":
    main()
