"""Recovery: the journal replayed through a fresh engine rebuilds exactly the state the live one had, and the
messages to the OMS that a crash stopped are found in QuickFIX's store."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from journaled_world import journaled_world
from order_core_world import SESSION, SYMBOL, T0

from agent.config import load_config
from agent.core.commands import Command, MassCancelReport, ParentCancelReject, ParentExecReport
from agent.core.engine import Engine, IdSource, engine_from_config
from agent.core.events import CancelRequest, NewOrderRequest, Tick, VenueSessionState
from agent.journal.journal import Journal
from agent.recovery import EventClock, ReplayOutlet, replay_journal, unsent_oms_commands
from simulator.clock import SimClock
from simulator.venue_faults import VenueFaults
from strategies.strategy import Strategy

FAULTS = VenueFaults(seed=3, delay_acks=0.3, fills_before_acks=0.3, duplicate_reports=0.2, reorder_reports=0.2,
                     drop_cancels=0.2, cancel_overtakes_new=0.2, unsolicited_cancels=0.1, done_for_day=0.1,
                     restatements=0.1)


def live_run(path: Path, seconds: int = 90, slot: Callable[[Strategy], Strategy] | None = None,
             **overrides: object) -> tuple[Engine, list[Command]]:
    """A journaled engine against the faulty in-process venue: three parents, a cancel, a venue outage.
    `slot` wraps the TWAP strategy (to make it fail)."""
    world = journaled_world(path, load_config(decision_interval_s=0.5, **overrides), FAULTS)
    engine, dispatch, venue = world.engine, world.dispatch, world.venue
    if slot is not None:
        engine.decisions.strategies["TWAP"] = slot(engine.decisions.strategies["TWAP"])
    dispatch.feed(VenueSessionState(True))
    for step in range(seconds * 2):
        t = T0 + step * 0.5
        world.advance(t)
        down = 40 <= step * 0.5 < 44
        if down and engine.venue_up:
            dispatch.feed(VenueSessionState(False))
        events = venue.take_events()
        if not down:
            if not engine.venue_up:
                dispatch.feed(VenueSessionState(True))
            for event in events:
                dispatch.feed(event)
        dispatch.feed(venue.quote(SYMBOL))
        if step in (0, 10, 20):
            dispatch.feed(NewOrderRequest(SESSION, f"N{step}", SYMBOL, "1" if step != 10 else "2", "6000", "1",
                                          None, "6", t, t, t + 60, "1000", None))
        if step == 50:
            dispatch.feed(CancelRequest(SESSION, "X1", "N10", SYMBOL, None))
        dispatch.feed(Tick())
    world.journal.close()
    return engine, world.sent


def snapshot(engine: Engine) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for p in engine.parents.values():
        out.append((p.order_id, p.cl_ord_id, p.status, p.order_qty, p.cum_qty, round(p.notional, 6)))
        for c in p.children.values():
            out.append((c.child_id, c.cl_ord_id, c.status, c.qty, c.cum_qty, c.venue_cum_qty, tuple(c.cl_ord_ids)))
    return out


def replay(path: Path, **overrides: object) -> tuple[Engine, object]:
    cfg = load_config(decision_interval_s=0.5, **overrides)
    journal = Journal.open(path)
    clock = EventClock(SimClock(0.0))
    engine = engine_from_config(cfg, clock, ReplayOutlet(), IdSource(journal.prefix()))
    recovered = replay_journal(journal, engine, clock)
    journal.close()
    return engine, recovered


def test_replay_rebuilds_every_parent_and_child_exactly(tmp_path: Path) -> None:
    live, _ = live_run(tmp_path / "journal.sqlite")
    assert len(live.parents) == 3 and any(p.cum_qty for p in live.parents.values())
    rebuilt, recovered = replay(tmp_path / "journal.sqlite")
    assert recovered.diverged == 0 and recovered.unjournaled == []  # type: ignore[attr-defined]
    assert recovered.events > 100 and recovered.commands > 50  # type: ignore[attr-defined]
    assert snapshot(rebuilt) == snapshot(live)
    assert rebuilt.ids.counters() == live.ids.counters()


def test_a_crash_between_an_event_and_its_intents_leaves_them_to_journal_at_start(tmp_path: Path) -> None:
    live_run(tmp_path / "journal.sqlite")
    crashed = tmp_path / "crashed.sqlite"
    shutil.copy(tmp_path / "journal.sqlite", crashed)
    with sqlite3.connect(crashed) as conn:
        # The last event that gave rise to commands, and those commands cut off: the crash came in between.
        (last_out,) = conn.execute("SELECT MAX(seq) FROM records WHERE direction = 'out'").fetchone()
        (event,) = conn.execute("SELECT MAX(seq) FROM records WHERE direction = 'in' AND seq < ?",
                                (last_out,)).fetchone()
        lost = conn.execute("SELECT COUNT(*) FROM records WHERE seq > ? AND direction = 'out'", (event,)).fetchone()[0]
        conn.execute("DELETE FROM records WHERE seq > ?", (event,))
    _, recovered = replay(crashed)
    assert recovered.diverged == 0  # type: ignore[attr-defined]
    assert len(recovered.unjournaled) == lost > 0  # type: ignore[attr-defined]


def write_store(store: Path, created: str, sent: list[bytes]) -> None:
    store.mkdir(parents=True, exist_ok=True)
    (store / "FIX.4.4-FOOTPRINT-OMS.session").write_text(created)
    (store / "FIX.4.4-FOOTPRINT-OMS.body").write_bytes(b"".join(sent))


def report(exec_id: str, ts: float) -> ParentExecReport:
    return ParentExecReport(SESSION, "P1", "N1", exec_id, "F", "1", SYMBOL, "1", 100, 10, 90, 20.0, ts, 3,
                            last_qty=10, last_px=20.0)


def test_unsent_reports_are_those_missing_from_the_store_since_its_last_reset(tmp_path: Path) -> None:
    created = 1_800_000_000.0  # 2027-01-15T08:00:00Z
    journal = Journal.open(tmp_path / "journal.sqlite")
    before_reset = report("E1", created - 60)
    went_out = report("E2", created + 1)
    stopped = report("E3", created + 2)
    reject = ParentCancelReject(SESSION, "C9", "N1", "P1", "1", "1", "0", "too late")
    mass = MassCancelReport(SESSION, "M1", "7", "7", ("N1",))
    for ts, command in ((before_reset.transact_time, before_reset), (went_out.transact_time, went_out),
                        (stopped.transact_time, stopped), (created + 3, reject), (created + 4, mass)):
        journal.record_command(ts, command)
    store = tmp_path / "oms-store"
    write_store(store, "20270115-08:00:00", [
        b"8=FIX.4.4\x019=99\x0135=8\x0134=2\x0117=E2\x0111=N1\x0110=000\x01",
        b"8=FIX.4.4\x019=99\x0135=r\x0134=3\x0111=M1\x0110=000\x01",
        b"8=FIX.4.4\x019=99\x0135=8\x0134=4\x0117=E4\x0111=C9\x0110=000\x01",  # C9 in an ER is not the reject
    ])
    assert unsent_oms_commands(journal, store) == [stopped, reject]
    assert unsent_oms_commands(journal, tmp_path / "no-store") == []  # a store starting afresh: nothing to resend
    journal.close()


def test_a_retrained_model_does_not_make_replay_diverge(tmp_path: Path) -> None:
    # The live run's New reports carry the shipped model's estimate; the restarted agent's model says otherwise.
    _, sent = live_run(tmp_path / "journal.sqlite", seconds=15)
    news = [c for c in sent if isinstance(c, ParentExecReport) and c.exec_type == "0"]
    assert news and all(c.text is not None and "; pre-trade " in c.text for c in news)
    cfg = load_config(decision_interval_s=0.5)
    journal = Journal.open(tmp_path / "journal.sqlite")
    clock = EventClock(SimClock(0.0))
    engine = engine_from_config(cfg, clock, ReplayOutlet(), IdSource(journal.prefix()))

    def retrained(*args: object) -> str:
        return "pre-trade TWAP: total 99.0 bps"

    engine.ctx.arrival_estimate = retrained
    recovered = replay_journal(journal, engine, clock)
    journal.close()
    assert recovered.diverged == 0 and recovered.commands > 0
    assert engine.ctx.arrival_estimate is retrained  # live decisions after the replay estimate again
