"""accelsim.simulate_points (many design points, their columns stacked) against simulate, point by
point: the same summary, float for float, or the same error."""

import copy
import random

import numpy as np
import pytest

import accelsim
from accelsim.api import simulate_points


def _design_points(seed: int, n: int) -> list:
    """Variants of `edge` and `tpu_v1_like` as a sweep makes them: array shape, buffer sizes (some too
    small for a layer), bandwidths (some fractional), DRAM kind (one some tables lack); a few change
    precision, register files or homes (other groups of the stacked path); one PIM config (evaluated
    point by point)."""
    rng = random.Random(seed)
    bases = [accelsim.load_hardware(h).model_dump() for h in ("edge", "tpu_v1_like")]
    points = []
    for i in range(n):
        d = copy.deepcopy(bases[i % 2])
        d["name"] = f"p{i}"
        d["array"]["rows"], d["array"]["cols"] = rng.choice([4, 8, 16, 64]), rng.choice([2, 8, 16, 32])
        for b in d["buffers"]:
            b["size_bytes"] = rng.choice([512, 4096, 65536, 100_000, 1 << 20, 3_000_000, 1 << 23])  # some untabulated
            b["bandwidth_bytes_per_cycle"] = rng.choice([3, 16, 64.5])
        d["backing_memory"]["bandwidth_bytes_per_cycle"] = rng.choice([2.5, 16, 64])
        d["backing_memory"]["kind"] = "ddr4" if i % 11 == 3 else rng.choice(["ddr3", "lpddr4"])  # not all have ddr4
        if i % 5 == 1:
            d["precision"] = {"input_bits": 16, "weight_bits": 16, "psum_bits": 32, "output_bits": 16}
        if i % 7 == 2:
            d["register_files"] = {"ifmap_bytes": 4, "filter_bytes": 4, "psum_bytes": 8}
        if i % 2 == 0 and i % 3 == 0:  # edge: activations homed in the scratchpad when they fit
            d["homes"] = {"ifmap": "spad", "filter": "dram", "ofmap": "spad"}
        points.append(accelsim.load_hardware(d))
    return points + [accelsim.load_hardware("isaac_like")]


METRICS = ["area_mm2", "energy_pj", "cycles", "crossbars_used", "utilization"]  # crossbars: PIM points only


def _check(points, workload, tiling):
    runs = []
    for hw in points:
        try:
            runs.append(accelsim.simulate(hw, workload, tiling=tiling))
        except accelsim.AccelsimError as exc:
            runs.append(exc)
    # every numeric per-layer column any point's table has (home buffers and PIM columns included), and one
    # no point has
    names = sorted({c for r in runs if not isinstance(r, Exception) for c, v in r.columns.items() if v.dtype != object})
    got = simulate_points(points, workload, tiling=tiling)
    some = simulate_points(points, workload, tiling=tiling, metrics=METRICS)
    detail = simulate_points(points, workload, tiling=tiling, metrics=METRICS, layer_columns=names + ["no_such"])
    assert len(got) == len(some) == len(detail) == len(points)
    outcomes = set()
    for hw, run, g, s, d in zip(points, runs, got, some, detail):
        if isinstance(run, accelsim.AccelsimError):
            for x in (g, s, d):
                assert isinstance(x, accelsim.AccelsimError) and str(x) == str(run), hw.name
            outcomes.add("error")
            continue
        want = run.summary
        assert isinstance(g, dict), f"{hw.name}: {g}"
        assert g.keys() == want.keys(), hw.name
        for k in want:
            assert g[k] == want[k], f"{hw.name}: {k} {g[k]!r} != {want[k]!r}"
        assert s == {k: want[k] for k in METRICS if k in want}, hw.name
        layers = d.pop("layers")
        assert d == s, hw.name
        assert set(layers) == {c for c in names if c in run.columns}, hw.name
        for c, v in layers.items():  # each layer of the network, a repeated one as often as it occurs
            assert v.dtype == run.columns[c].dtype and np.array_equal(v, run.columns[c]), f"{hw.name}: {c}"
        outcomes.add("pim" if hw.pim is not None else "ok")
    return outcomes


@pytest.mark.filterwarnings("ignore::accelsim.errors.AccelsimWarning")
@pytest.mark.parametrize("workload", ["resnet18", "mobilenet_v2", "bert_base_layer"])
def test_heuristic_points_equal_simulate(workload):
    outcomes = _check(_design_points(1, 40), workload, "heuristic")
    assert {"ok", "pim"} <= outcomes


@pytest.mark.filterwarnings("ignore::accelsim.errors.AccelsimWarning")
def test_best_tiling_points_equal_simulate():
    assert "ok" in _check(_design_points(2, 6), "resnet18", "best")


@pytest.mark.filterwarnings("ignore::accelsim.errors.AccelsimWarning")
def test_blocks_do_not_change_the_summaries(monkeypatch):
    """Points go through in blocks of POINTS_PER_BLOCK: blocks of 7 (groups and errors split across
    blocks, the PIM point between them) give what one block of all gives (which equals simulate, above)."""
    points = _design_points(3, 40)
    points.insert(20, points.pop())  # the PIM point in the middle
    monkeypatch.setattr(accelsim.api, "POINTS_PER_BLOCK", 1000)
    whole = simulate_points(points, "resnet18", tiling="heuristic", layer_columns=["cycles", "energy_pj"])
    monkeypatch.setattr(accelsim.api, "POINTS_PER_BLOCK", 7)
    blocks = simulate_points(points, "resnet18", tiling="heuristic", layer_columns=["cycles", "energy_pj"])
    kinds = set()
    for hw, w, b in zip(points, whole, blocks):
        if isinstance(w, accelsim.AccelsimError):
            assert isinstance(b, accelsim.AccelsimError) and str(b) == str(w), hw.name
            kinds.add("error")
            continue
        wl, bl = w.pop("layers"), b.pop("layers")
        assert b == w, hw.name
        assert wl.keys() == bl.keys() and all(np.array_equal(wl[c], bl[c]) for c in wl), hw.name
        kinds.add("ok")
    assert kinds == {"ok", "error"}


def test_infeasible_points_are_errors_not_failures():
    tiny = accelsim.load_hardware("edge").model_dump()
    for b in tiny["buffers"]:
        b["size_bytes"] = 16
    got = simulate_points([tiny, "edge"], "resnet18", tiling="heuristic")
    assert isinstance(got[0], accelsim.AccelsimError) and "does not fit" in str(got[0])
    assert got[1] == accelsim.simulate("edge", "resnet18", tiling="heuristic").summary


@pytest.mark.parametrize("hardware, match", [("edge", "must be a list of configs"),
                                             (accelsim.load_hardware("edge"), "must be a list of configs"),
                                             (["edge", "no_such_chip"], "no_such_chip"),
                                             ([{"name": "x"}], "clock_hz")])
def test_bad_hardware_arguments_are_clear_errors(hardware, match):
    with pytest.raises(accelsim.AccelsimError, match=match):
        simulate_points(hardware, "resnet18", tiling="heuristic")


def test_bad_tiling_is_a_clear_error():
    with pytest.raises(accelsim.AccelsimError, match="tiling 'fast'"):
        simulate_points(["edge"], "resnet18", tiling="fast")
