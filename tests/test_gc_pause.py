"""The cyclic collector is off while simulate / simulate_points run (accelsim/gc_pause.py) and comes back
as it was, whether the call returns or raises. (That their warnings still name the caller's line:
test_pim.py and test_scalesim_dram.py.)"""

import gc

import pytest

import accelsim
from accelsim.errors import AccelsimError
from accelsim.gc_pause import gc_paused


def test_collector_off_inside_and_restored_after_return_or_raise():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError):
        with gc_paused():
            raise ValueError("boom")
    assert gc.isenabled()
    gc.disable()
    try:  # a caller that paused it itself keeps it paused
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_simulate_runs_with_the_collector_off_and_restores_it(monkeypatch):
    import accelsim.api as api

    seen = []
    real = api._columns  # both simulate and simulate_points cost their layers through it

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "_columns", spy)
    accelsim.simulate("edge", "alexnet", tiling="heuristic")
    accelsim.simulate_points(["edge", "edge"], "alexnet", tiling="heuristic")
    assert seen == [False, False] and gc.isenabled()
    with pytest.raises(AccelsimError):
        accelsim.simulate("edge", "alexnet", tiling="nope")
    with pytest.raises(AccelsimError):
        accelsim.simulate_points(["edge"], "alexnet", tiling="nope")
    assert gc.isenabled()


def test_long_lived_frozen_scopes_the_freeze_and_respects_a_callers_own():
    from accelsim.gc_pause import long_lived_frozen

    assert gc.get_freeze_count() == 0
    before = [[]]
    with long_lived_frozen():
        assert gc.get_freeze_count() > 1000  # the interpreter's modules, functions, types...
        made = [[]]  # what the block creates stays in the collector's sight (get_objects skips frozen ones)
        seen = {id(o) for o in gc.get_objects()}
        assert id(made) in seen and id(before) not in seen
    assert gc.get_freeze_count() == 0 and id(before) in {id(o) for o in gc.get_objects()}
    with pytest.raises(ValueError):
        with long_lived_frozen():
            raise ValueError("boom")
    assert gc.get_freeze_count() == 0
    gc.freeze()  # a caller that froze objects itself: nothing more frozen, and not unfrozen after
    try:
        with long_lived_frozen():
            made = [[]]
            assert id(made) in {id(o) for o in gc.get_objects()}
        assert gc.get_freeze_count() > 1000 and id(before) not in {id(o) for o in gc.get_objects()}
    finally:
        gc.unfreeze()


_SPY: dict = {}  # the real evaluate_chunk and the log file of the test below


def _logging_chunk(*args):
    """evaluate_chunk, logging (process id, freeze count) first; module level, as a pool pickles it by name."""
    import os

    with open(_SPY["log"], "a") as f:  # forked workers run this too, with the parent's _SPY
        f.write(f"{os.getpid()} {gc.get_freeze_count()}\n")
    return _SPY["real"](*args)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_sweep_runs_with_the_objects_alive_at_its_start_frozen(tmp_path, monkeypatch, workers):
    """In the driving process and in forked pool workers (which inherit the frozen set), a chunk sees a
    frozen generation; after the sweep nothing is left frozen."""
    import os

    import accelsim.sweep.runner as runner

    monkeypatch.setitem(_SPY, "log", tmp_path / "freeze.log")
    monkeypatch.setitem(_SPY, "real", runner.evaluate_chunk)
    monkeypatch.setattr(runner, "evaluate_chunk", _logging_chunk)
    spec = {"name": "frozen", "base": "edge", "workloads": ["alexnet"], "tiling": "heuristic",
            "axes": {"array.rows": [8, 16, 32, 64]}, "sampling": {"method": "grid"}}
    df = runner.run_sweep(spec, tmp_path / "out", workers=workers, chunk_size=1, quiet=True)
    assert len(df) == 4 and (df["status"] == "ok").all()
    seen = [line.split() for line in (tmp_path / "freeze.log").read_text().splitlines()]
    assert len(seen) == 4 and all(int(count) > 1000 for _, count in seen)
    here = {str(os.getpid())}
    assert ({pid for pid, _ in seen} == here) == (workers == 1)
    assert gc.get_freeze_count() == 0
