"""Loop nests on arbitrary hierarchies (accelsim.nest): Timeloop's exercises, the slow twin,
invariants and bad input."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accelsim.errors import AccelsimError, CapacityError, ConfigError
from accelsim.nest import evaluate_nest, load_nest
from accelsim.nest.analysis import analyse
from accelsim.nest.spec import DIMS, TENSORS
from naive_nest import trace_counts

ROOT = Path(__file__).resolve().parents[1]
NESTS = ROOT / "nests" / "timeloop"
REFERENCE = pd.read_csv(ROOT / "tests" / "data" / "timeloop" / "reference_levels.csv")
CASES = sorted(REFERENCE["nest"].unique())
EXERCISES = [c for c in CASES if c.startswith("ex0")]


def _agree_with_twin(spec) -> None:
    fast, slow = analyse(spec), trace_counts(spec)
    assert fast["cycles"] == slow["cycles"]
    assert set(fast["counts"]) == set(slow["counts"])
    for (i, tensor), c in fast["counts"].items():
        per_instance = slow["counts"][(i, tensor)]
        assert len(per_instance) == fast["utilized"][i], (i, tensor)
        assert set(per_instance) == {(c.reads, c.fills, c.updates)}, (spec.architecture.levels[i].name, tensor)


@pytest.mark.parametrize("case", CASES)
def test_timeloop_reference_per_level(case):
    """Every level's energy equals Timeloop's within the rounding of its report (fJ/compute to two
    decimals, so +-0.005 fJ x computes), cycles exactly: exercises 00-04 and the two example designs."""
    ref = REFERENCE[REFERENCE["nest"] == case].set_index("level")
    result = evaluate_nest(NESTS / f"{case}.yaml")
    computes = int(ref["computes"].iloc[0])
    assert result.summary["cycles"] == int(ref["cycles"].iloc[0])
    assert result.summary["macs"] == computes
    bound = 0.005e-3 * computes + 1e-6
    ours = dict(zip(result.levels["level"], result.levels["energy_pj"]))
    assert set(ours) == set(ref.index) - {"Total"}
    for level, energy in ours.items():
        assert abs(energy - ref.loc[level, "energy_pj"]) <= bound, (level, energy, ref.loc[level, "energy_pj"])
    assert abs(result.summary["energy_pj"] - ref.loc["Total", "energy_pj"]) <= bound


@pytest.mark.parametrize("case", EXERCISES)
def test_exercises_agree_with_step_by_step_replay(case):
    _agree_with_twin(load_nest(NESTS / f"{case}.yaml"))


def test_exercise00_by_hand():
    """conv1d P=16, R=3 on one buffer: 48 MACs read 48 weights and 48 inputs, update 48 outputs and
    read back all but the first touch of each of the 16 outputs."""
    t = evaluate_nest(NESTS / "ex00_conv1d_1level.yaml").tensors.set_index("tensor")
    assert (t.loc["Weights", "reads"], t.loc["Inputs", "reads"]) == (48, 48)
    assert (t.loc["Outputs", "updates"], t.loc["Outputs", "reads"]) == (48, 32)
    assert t["fills"].sum() == 0


def test_sliding_window_and_multicast_by_hand():
    """Exercise 01 ws: the buffer holds 16 inputs, the R loop above slides them by one: 16 + 1 + 1
    fills. Exercise 04 kp: 16 PEs of different output channels share every input (multicast): the
    DRAM reads each of the 32 x 18 inputs once."""
    ws = evaluate_nest(NESTS / "ex01_conv1d_2level_ws.yaml").tensors.set_index(["level", "tensor"])
    assert ws.loc[("Buffer", "Inputs"), "fills"] == 18
    kp = evaluate_nest(NESTS / "ex04_conv1d_oc_ic_spatial_kp.yaml").tensors.set_index(["level", "tensor"])
    assert kp.loc[("MainMemory", "Inputs"), "reads"] == 32 * 18
    assert kp.loc[("GlobalBuffer", "Inputs"), "fills"] == 32 * 18


@st.composite
def nests(draw):
    dims = {d: draw(st.sampled_from([1, 1, 2, 3, 4])) for d in DIMS}
    while math.prod(dims.values()) > 144:
        big = max(dims, key=dims.get)
        dims[big] = 1
    n_levels = draw(st.integers(1, 3))
    slots = [(lv, kind) for lv in range(n_levels) for kind in ("temporal", "spatial")]
    loops = {s: [] for s in slots}
    for d, size in dims.items():
        for f in ([2, 2] if size == 4 else [size] if size > 1 else []):
            loops[draw(st.sampled_from(slots))].append(f"{d}{f}")
    mapping, instances, fan = [], [], 1
    for lv in range(n_levels):
        instances.append(fan)
        temporal = draw(st.permutations(loops[(lv, "temporal")]))
        keep = list(TENSORS) if lv == 0 else draw(st.lists(st.sampled_from(TENSORS), unique=True))
        mapping.append({"level": f"L{lv}", "keep": keep, "temporal": temporal, "spatial": loops[(lv, "spatial")]})
        fan *= math.prod(int(x[1:]) for x in loops[(lv, "spatial")])
    levels = [{"name": f"L{lv}", "instances": instances[lv], "block_words": draw(st.sampled_from([1, 2, 4])),
               "read_pj": 1.0 + lv, "write_pj": 2.0 + lv, "leak_pj_per_cycle": 0.01} for lv in range(n_levels)]
    problem = {**dims, "h_stride": draw(st.integers(1, 2)), "w_stride": draw(st.integers(1, 2)),
               "h_dilation": draw(st.integers(1, 2))}
    return load_nest({"problem": problem, "mapping": mapping,
                      "architecture": {"levels": levels, "compute": {"instances": fan, "mac_pj": 0.5}}})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nests())
def test_closed_form_equals_replay_on_random_nests(spec):
    _agree_with_twin(spec)


@settings(max_examples=150, deadline=None)
@given(nests())
def test_invariants(spec):
    a = analyse(spec)
    r = evaluate_nest(spec)
    macs = spec.problem.macs
    # MACs conserved; cycles >= MACs / compute units
    assert a["cycles"] * a["compute_utilized"] == macs
    assert a["cycles"] >= macs / spec.architecture.compute.instances
    # compulsory traffic: the backing store sends every weight and input at least once and
    # receives every output at least once
    sizes = {t: a["tiles"][(0, t)] for t in TENSORS}
    top = {t: a["counts"][(0, t)] for t in TENSORS}
    assert top["Weights"].reads >= sizes["Weights"] and top["Inputs"].reads >= sizes["Inputs"]
    assert top["Outputs"].updates >= sizes["Outputs"]
    assert top["Outputs"].updates - top["Outputs"].reads == sizes["Outputs"]
    # energy is the sum of its parts
    lv = r.levels.set_index("level")
    assert r.summary["energy_pj"] == pytest.approx(lv["energy_pj"].sum(), rel=1e-12)
    assert (lv["energy_pj"] - lv["energy_pj_access"] - lv["energy_pj_leakage"]).abs().max() < 1e-9
    per_level = r.tensors.groupby("level")["energy_pj"].sum()
    for name, e in per_level.items():
        assert e == pytest.approx(lv.loc[name, "energy_pj_access"], rel=1e-12)
    assert lv.loc["MAC", "energy_pj"] == pytest.approx(macs * 0.5)


def _spec(**changes):
    base = {
        "problem": {"M": 4, "P": 8, "R": 3},
        "architecture": {"levels": [{"name": "DRAM", "read_pj": 10, "write_pj": 10},
                                    {"name": "Buf", "size_words": 64, "instances": 2, "read_pj": 1, "write_pj": 1}],
                         "compute": {"instances": 2, "mac_pj": 0.5}},
        "mapping": [{"level": "DRAM", "temporal": ["M2"], "spatial": ["M2"]},
                    {"level": "Buf", "temporal": ["P8", "R3"]}],
    }
    for key, value in changes.items():
        base[key] = value
    return base


def test_valid_spec_runs():
    assert evaluate_nest(_spec()).summary["cycles"] == 2 * 8 * 3


@pytest.mark.parametrize("changes, words", [
    ({"problem": {"M": 4, "P": 9, "R": 3}}, "multiply to 8, but the problem has P = 9"),
    ({"mapping": [{"level": "DRAM", "temporal": ["M1"], "spatial": ["M4"]}, {"level": "Buf", "temporal": ["P8", "R3"]}]},
     "fan out 4 ways"),
    ({"mapping": [{"level": "Dram", "temporal": ["M4"]}]}, "names level 'Dram'"),
    ({"mapping": [{"level": "DRAM", "keep": ["Weights"], "temporal": ["M4", "P8", "R3"]}]}, "must keep every tensor"),
    ({"mapping": [{"level": "DRAM", "keep": ["Psums"], "temporal": ["M4", "P8", "R3"]}]}, "unknown tensor"),
    ({"mapping": [{"level": "DRAM", "temporal": ["K4", "P8", "R3"]}]}, "dimension letter"),
])
def test_bad_specs_name_the_problem(changes, words):
    with pytest.raises(ConfigError, match=words):
        evaluate_nest(_spec(**changes))


def test_bad_architecture_names_field():
    arch = _spec()["architecture"]
    arch["levels"][1]["instances"] = 3
    with pytest.raises(ConfigError, match="not a multiple"):
        evaluate_nest(_spec(architecture=arch))
    arch["levels"][1] = {"name": "Buf", "read_pj": -1, "write_pj": 1}
    with pytest.raises(ConfigError, match=r"architecture\.levels\[1\]\.read_pj"):
        evaluate_nest(_spec(architecture=arch))


def test_tiles_that_do_not_fit_suggest_a_size():
    """Buf's tile: weights M2 x R3 = 6, inputs 8 + 3 - 1 = 10, outputs M2 x P8 = 16."""
    spec = _spec(mapping=[{"level": "DRAM", "spatial": ["M2"]}, {"level": "Buf", "temporal": ["M2", "P8", "R3"]}])
    spec["architecture"]["levels"][1]["size_words"] = 20
    with pytest.raises(CapacityError, match=r"Buf: .* need 32 words \(Weights 6, Inputs 10, Outputs 16\).* size_words: 32"):
        evaluate_nest(spec)


def test_files_name_themselves(tmp_path):
    nest = tmp_path / "n.yaml"
    nest.write_text("architecture: missing.yaml\nproblem: {P: 2}\n")
    with pytest.raises(AccelsimError, match="missing.yaml: file not found"):
        evaluate_nest(nest)
    nest.write_text("problem: {P: 0}\narchitecture: {levels: [{name: A, read_pj: 1, write_pj: 1}]}\n")
    with pytest.raises(ConfigError, match=r"(?s)n\.yaml.*problem\.P: Input should be greater than or equal to 1"):
        evaluate_nest(nest)


def test_cli_prints_and_writes(tmp_path):
    from typer.testing import CliRunner

    from accelsim.cli import app

    out = tmp_path / "counts.csv"
    res = CliRunner().invoke(app, ["nest", str(NESTS / "ex03_conv1d_oc_3level_bypass.yaml"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "cycles 1,536" in res.output and "60,471.87" in res.output
    written = pd.read_csv(out)
    expected = evaluate_nest(NESTS / "ex03_conv1d_oc_3level_bypass.yaml").tensors
    pd.testing.assert_frame_equal(written, expected, check_dtype=False)
    bad = CliRunner().invoke(app, ["nest", str(tmp_path / "none.yaml")])
    assert bad.exit_code == 2 and "file not found" in bad.output


def test_validate_knows_nests(tmp_path):
    from typer.testing import CliRunner

    from accelsim.cli import app

    files = sorted(str(p) for p in NESTS.glob("*.yaml") if not p.name.startswith("arch_"))
    res = CliRunner().invoke(app, ["validate", *files])
    assert res.exit_code == 0 and res.output.count("ok  ") == len(files) == 11
    bad = tmp_path / "bad.yaml"
    bad.write_text("architecture: arch.yaml\nproblem: {P: 2}\n")
    (tmp_path / "arch.yaml").write_text("levels: []\ncompute: {mac_pj: 1}\n")
    res = CliRunner().invoke(app, ["validate", str(bad)])
    assert res.exit_code == 2 and "architecture.levels" in res.output
