"""Clocks: the simulated one only moves when told, the wall one speeds up on request."""

from __future__ import annotations

import time

import pytest

from simulator.clock import SimClock, WallClock


def test_sim_clock_moves_only_forward_and_only_when_told() -> None:
    clock = SimClock(100.0)
    assert clock.now() == clock.now() == 100.0
    assert clock.advance(2.5) == 102.5
    clock.set(110.0)
    assert clock.now() == 110.0
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.set(109.0)


def test_wall_clock_reads_epoch_seconds_and_runs_faster_when_sped_up() -> None:
    normal, fast = WallClock(), WallClock(speed=50.0)
    assert abs(normal.now() - time.time()) < 1.0
    start_normal, start_fast = normal.now(), fast.now()
    time.sleep(0.05)
    assert fast.now() - start_fast > 10 * (normal.now() - start_normal)
    with pytest.raises(ValueError):
        WallClock(speed=0)
