"""Operator commands and limits changes are journaled events: a replay of the journal rebuilds the same trading
states, holds, limits, parents and children."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from journaled_world import journaled_world
from order_core_world import SESSION, SYMBOL, T0
from test_recovery import replay, snapshot

from agent.backtest.sim_venue import SimVenue
from agent.config import load_config
from agent.core.commands import Command, ParentExecReport
from agent.core.engine import Engine, IdSource, engine_from_config
from agent.core.events import Event, NewOrderRequest, Tick, VenueSessionState
from agent.core.operator_requests import LimitsChange, OperatorAction, OperatorCommand, OperatorScope
from agent.journal.journal import Journal
from agent.journaled_dispatch import JournaledDispatch
from agent.recovery import EventClock, ReplayOutlet
from risk.trading_state import TradingState
from simulator.clock import SimClock
from simulator.instruments import DEFAULT_UNIVERSE
from simulator.market import simulated_market

SOURCE = "ops via admin 127.0.0.1"


def command(action: OperatorAction, scope: OperatorScope, target: str | None = None) -> OperatorCommand:
    return OperatorCommand(action, scope, target, f"{action.value} in the replay test", SOURCE)


def live_run(path: Path) -> tuple[Engine, list[Command]]:
    """Four parents against the in-process venue, with halts, resumes, kills and limits changes along the way."""
    world = journaled_world(path, load_config(decision_interval_s=0.5))
    engine, dispatch, venue = world.engine, world.dispatch, world.venue

    def order_id(cl_ord_id: str) -> str:
        return next(p.order_id for p in engine.parents.values() if p.cl_ord_id == cl_ord_id)

    operator_events: dict[int, Callable[[], Event]] = {
        30: lambda: command(OperatorAction.HALT, OperatorScope.SYMBOL, SYMBOL),
        40: lambda: LimitsChange({"max_order_notional": 2_000_000, "symbols": {SYMBOL: {"max_order_qty": 50_000}}},
                                 "tighter", SOURCE),
        50: lambda: command(OperatorAction.RESUME, OperatorScope.SYMBOL, SYMBOL),
        70: lambda: command(OperatorAction.HALT, OperatorScope.PARENT, order_id("N2")),
        90: lambda: command(OperatorAction.KILL, OperatorScope.PARENT, order_id("N1")),
        100: lambda: LimitsChange({"new_order_burst": 0}, "a bad value, refused", SOURCE),
        110: lambda: command(OperatorAction.HALT, OperatorScope.ALL),
        130: lambda: command(OperatorAction.RESUME, OperatorScope.ALL),
        150: lambda: command(OperatorAction.KILL, OperatorScope.SYMBOL, SYMBOL),
    }
    dispatch.feed(VenueSessionState(True))
    for step in range(200):
        t = T0 + step * 0.5
        world.advance(t)
        for event in venue.take_events():
            dispatch.feed(event)
        dispatch.feed(venue.quote(SYMBOL))
        if step in (0, 10, 20, 60):
            n = (0, 10, 20, 60).index(step)
            dispatch.feed(NewOrderRequest(SESSION, f"N{n}", SYMBOL, "1" if n % 2 == 0 else "2", "6000", "1",
                                          None, "6", t, t, t + 90, "1000", None))
        if step in operator_events:
            dispatch.feed(operator_events[step]())
        dispatch.feed(Tick())
    world.journal.close()
    return engine, world.sent


def test_replay_rebuilds_operator_state_exactly(tmp_path: Path) -> None:
    live, sent = live_run(tmp_path / "journal.sqlite")
    texts = [c.text or "" for c in sent if isinstance(c, ParentExecReport)]
    assert any(t.startswith("halted by operator") for t in texts)
    assert any(t.startswith("resumed by operator") for t in texts)
    assert any(t.startswith("killed by operator") for t in texts)
    assert live.risk.state(SYMBOL) is TradingState.HALTED
    assert live.risk.limits.max_order_notional == 2_000_000 and live.risk.limits.new_order_burst == 20
    assert all(p.is_done for p in live.parents.values()) and len(live.parents) == 4

    rebuilt, recovered = replay(tmp_path / "journal.sqlite")
    assert recovered.diverged == 0  # type: ignore[attr-defined]
    assert snapshot(rebuilt) == snapshot(live)
    assert rebuilt.risk.states() == live.risk.states()
    assert rebuilt.risk.limits == live.risk.limits
    assert {k: p.holds for k, p in rebuilt.parents.items()} == {k: p.holds for k, p in live.parents.items()}


def test_replay_rebuilds_a_halt_still_in_force(tmp_path: Path) -> None:
    """A crash while halted: the restarted engine holds the same parents and refuses the same new ones."""
    path = tmp_path / "journal.sqlite"
    journal = Journal.open(path)
    clock = EventClock(SimClock(T0))
    engine = engine_from_config(load_config(), clock, ReplayOutlet(), IdSource(journal.prefix()))
    dispatch = JournaledDispatch(engine, journal, clock, deliver=lambda _: None)
    engine.ctx.outlet = dispatch
    market = simulated_market(5, {SYMBOL: DEFAULT_UNIVERSE[SYMBOL]}, start_time=T0, warmup=30.0)
    venue = SimVenue(market)
    dispatch.feed(VenueSessionState(True))
    dispatch.feed(venue.quote(SYMBOL))
    dispatch.feed(NewOrderRequest(SESSION, "N1", SYMBOL, "1", "6000", "1", None, "6", T0, T0, T0 + 90, "1000",
                                  None))
    dispatch.feed(command(OperatorAction.HALT, OperatorScope.ALL))
    journal.close()

    rebuilt, _ = replay(path)
    (parent,) = rebuilt.parents.values()
    assert parent.holds == engine.parents[parent.order_id].holds != {}
    assert rebuilt.risk.state() is TradingState.HALTED
