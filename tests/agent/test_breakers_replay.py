"""A journaled run in which circuit breakers trip and clear, replayed through a fresh engine: the breaker board,
the holds on parents and everything told to the OMS come back the same, with no divergence.

Breakers judged on durable events (venue rejects, fills, strategy failures) replay exactly, and so do those judged
on market data and time (stale, spread, depth, gap, volatility): the journal keeps every quote and tick, in order.
"""

from __future__ import annotations

from pathlib import Path

from journaled_world import journaled_world
from order_core_world import SESSION, SYMBOL, T0
from test_recovery import replay, snapshot

from agent.config import load_config
from agent.core.commands import Command, ParentExecReport
from agent.core.engine import Engine
from agent.core.events import NewOrderRequest, Tick, VenueSessionState
from simulator.venue_faults import VenueFaults

MARKET_OFF = {name: {"enabled": False} for name in ("stale", "spread", "depth", "gap", "volatility")}


def live_run(path: Path, **overrides: object) -> tuple[Engine, list[Command]]:
    """Two parents; the venue rejects half the new orders, and the quotes stop between 20 s and 35 s."""
    world = journaled_world(path, load_config(decision_interval_s=0.5, **overrides),
                            VenueFaults(seed=2, reject_new=0.5))
    engine, dispatch, venue = world.engine, world.dispatch, world.venue
    dispatch.feed(VenueSessionState(True))
    for step in range(600):
        t = T0 + step * 0.5
        world.advance(t)
        for event in venue.take_events():
            dispatch.feed(event)
        if not 20 <= step * 0.5 < 35:
            dispatch.feed(venue.quote(SYMBOL))
        if step in (0, 1):
            dispatch.feed(NewOrderRequest(SESSION, f"N{step}", SYMBOL, "1", "6000", "1", None, "6", t, t, t + 280,
                                          "1000", None))
        dispatch.feed(Tick())
    world.journal.close()
    return engine, world.sent


def test_replay_rebuilds_event_driven_breakers_and_what_they_did(tmp_path: Path) -> None:
    live, sent = live_run(tmp_path / "journal.sqlite", breakers=MARKET_OFF)
    tripped = [(c.breaker, c.tripped) for c in live.risk.breakers.history]
    assert ("reject_storm", True) in tripped and ("reject_storm", False) in tripped
    told = [c.text or "" for c in sent if isinstance(c, ParentExecReport) and c.exec_type == "D"]
    assert any(t.startswith("circuit breaker reject_storm") for t in told)
    assert any(t.startswith("circuit breaker reject_storm") and "resuming" in t for t in told)
    rebuilt, recovered = replay(tmp_path / "journal.sqlite", breakers=MARKET_OFF)
    assert recovered.diverged == 0 and recovered.unjournaled == []  # type: ignore[attr-defined]
    ours, theirs = rebuilt.risk.breakers.snapshot(recent=1000), live.risk.breakers.snapshot(recent=1000)
    assert (ours["tripped"], ours["recent"]) == (theirs["tripped"], theirs["recent"])  # readings: see module
    assert [p.holds for p in rebuilt.parents.values()] == [p.holds for p in live.parents.values()]
    assert snapshot(rebuilt) == snapshot(live)


def test_replay_rebuilds_market_data_breakers(tmp_path: Path) -> None:
    live, _ = live_run(tmp_path / "journal.sqlite")
    assert ("stale", True) in [(c.breaker, c.tripped) for c in live.risk.breakers.history]
    rebuilt, recovered = replay(tmp_path / "journal.sqlite")
    assert recovered.diverged == 0  # type: ignore[attr-defined]
    assert rebuilt.risk.breakers.snapshot(recent=1000) == live.risk.breakers.snapshot(recent=1000)
    assert [p.holds for p in rebuilt.parents.values()] == [p.holds for p in live.parents.values()]
