"""The cyclic collector is off while simulate / simulate_points run (accelsim/gc_pause.py) and comes back
as it was, whether the call returns or raises."""

import gc

import pytest

import accelsim
from accelsim.errors import AccelsimError
from accelsim.gc_pause import gc_paused_call


def test_collector_off_inside_and_restored_after_return_or_raise():
    seen = []

    @gc_paused_call
    def probe(fail: bool):
        seen.append(gc.isenabled())
        if fail:
            raise ValueError("boom")
        return 7

    assert gc.isenabled()
    assert probe(False) == 7 and gc.isenabled()
    with pytest.raises(ValueError):
        probe(True)
    assert gc.isenabled()
    gc.disable()
    try:  # a caller that paused it itself keeps it paused
        probe(False)
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert seen == [False, False, False]


def test_simulate_runs_with_the_collector_off_and_restores_it(monkeypatch):
    import accelsim.api as api

    seen = []
    real = api.summarize

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "summarize", spy)
    accelsim.simulate("edge", "alexnet", tiling="heuristic")
    assert seen == [False] and gc.isenabled()
    with pytest.raises(AccelsimError):
        accelsim.simulate("edge", "alexnet", tiling="nope")
    assert gc.isenabled()
    assert accelsim.simulate.__doc__.startswith("Simulate every layer")
