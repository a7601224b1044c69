"""Regenerate the README's figures: ``python tools/readme_figures.py``."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import accelsim  # noqa: E402
from accelsim import report  # noqa: E402
from accelsim.compare import compare  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "figures"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    res = accelsim.simulate("edge", "resnet50")
    fig, ax = plt.subplots(figsize=(12, 4))
    report.plot_energy_breakdown(res.layers, ax=ax)
    ax.set_title("ResNet-50 on edge: energy per layer by component")
    fig.tight_layout()
    fig.savefig(OUT / "resnet50_edge_energy.png", dpi=110)
    cmp = compare("eyeriss_like", "resnet18", ["ir", "or", "wr"], ["ws"], objective="dram")
    fig, ax = plt.subplots(figsize=(12, 4))
    report.plot_dataflow_comparison(cmp.long, "dram_bytes", ax=ax)
    ax.set_title("ResNet-18 on eyeriss_like: DRAM bytes per layer, IR / OR / WR, each with its best tiles")
    fig.tight_layout()
    fig.savefig(OUT / "resnet18_dataflows.png", dpi=110)
    table = report.digital_vs_pim(("vgg8_cifar", "resnet18"))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    report.plot_digital_vs_pim(table, axes=axes)
    fig.tight_layout()
    fig.savefig(OUT / "digital_vs_pim.png", dpi=110)
    table.to_csv(OUT / "digital_vs_pim.csv", index=False, float_format="%.6g")
    print("wrote", *sorted(p.name for p in OUT.glob("*.png")))


if __name__ == "__main__":
    main()
