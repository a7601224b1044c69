"""Residual error of --timing scalesim's DRAM columns and stall cycles against every golden
scalesim 3.0.0 case.

Run: ``python tools/scalesim_dram_residuals.py``. Writes ``docs/figures/scalesim_dram_residuals.csv``
(one row per golden layer result: accelsim's and scalesim's DRAM ifmap reads, filter reads, ofmap
writes and stall cycles, and the relative error of each; 0 stalls against 0 is exact) and prints
the worst case per mode (docs/scalesim_parity.md).
"""

import warnings
from pathlib import Path

import pandas as pd

import accelsim

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "scalesim"
OUT = REPO / "docs" / "figures" / "scalesim_dram_residuals.csv"
PAIRS = (("dram_ifmap_reads", "dram_reads_ifmap"), ("dram_filter_reads", "dram_reads_filter"),
         ("dram_ofmap_writes", "dram_writes_ofmap"), ("stall_cycles", "stall_cycles"))


def main() -> None:
    ref = pd.read_csv(DATA / "reference_small.csv")
    rows = []
    for config, group in ref.groupby("config"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layers = accelsim.simulate(DATA / "configs" / f"{config}.cfg", DATA / "topologies" / "small_layers.csv",
                                       timing="scalesim").layers.set_index("layer")
        for r in group.itertuples():
            row = {"config": config, "mode": r.bw_mode, "layer": r.layer_name}
            for theirs, ours in PAIRS:
                want, got = getattr(r, theirs), int(layers.loc[r.layer_name, ours])
                row[f"scalesim_{theirs}"], row[f"accelsim_{theirs}"] = want, got
                row[f"error_{theirs}"] = (got - want) / want if want else float(got != 0)
            rows.append(row)
    df = pd.DataFrame(rows)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(OUT, index=False, float_format="%.6f")
    for mode, sub in df.groupby("mode"):
        for theirs, _ in PAIRS:
            err = sub[f"error_{theirs}"].abs()
            print(f"{mode} {theirs:18s} exact {int((err == 0).sum())}/{len(err)}, worst {err.max():.4%}")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
