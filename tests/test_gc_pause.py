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
