"""Energy plots draw exactly the DataFrame's numbers, with units on the axes."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import accelsim  # noqa: E402
from accelsim.energy.model import COMPONENTS  # noqa: E402
from accelsim.report import plot_energy_breakdown, plot_network_energy  # noqa: E402


@pytest.fixture(scope="module")
def layers():
    return accelsim.simulate("edge", "resnet18").layers


def test_stacked_breakdown_matches_the_dataframe(layers):
    ax = plot_energy_breakdown(layers, unit="nJ")
    assert ax.get_ylabel() == "energy (nJ)" and ax.get_xlabel() == "layer"
    assert [t.get_text() for t in ax.get_xticklabels()] == list(layers["layer"])
    containers = ax.containers
    assert [c.get_label() for c in containers] == list(COMPONENTS)
    tops = np.zeros(len(layers))
    for comp, bars in zip(COMPONENTS, containers):
        heights = np.array([b.get_height() for b in bars])
        assert np.allclose(heights, layers[f"energy_pj_{comp}"] / 1e3)
        assert np.allclose([b.get_y() for b in bars], tops)
        tops += heights
    assert np.allclose(tops, layers["energy_pj"] / 1e3)


def test_network_breakdown_matches_the_totals(layers):
    ax = plot_network_energy(layers)
    unit = ax.get_ylabel().split("(")[1].rstrip(")")
    scale = {"pJ": 1, "nJ": 1e3, "uJ": 1e6, "mJ": 1e9}[unit]
    heights = [b.get_height() * scale for b in ax.containers[0]]
    assert np.allclose(heights, [layers[f"energy_pj_{c}"].sum() for c in COMPONENTS])
    assert [t.get_text() for t in ax.get_xticklabels()] == list(COMPONENTS)
    shares = [t.get_text() for t in ax.texts]
    total = layers["energy_pj"].sum()
    assert shares == [f"{layers[f'energy_pj_{c}'].sum() / total:.0%}" for c in COMPONENTS]
