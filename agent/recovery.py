"""Recovery after a crash: rebuild every parent and child by replaying the journal through the same engine.

The engine is deterministic given its events and their times, so dispatching the journaled events again, with
the clock set to each one's recorded time, rebuilds exactly the state the crashed process had, and draws the
same ids. The commands it emits while replaying are compared with the journaled intents (a difference is
logged as a divergence) and not sent again, except those of the very last event: the crash may have come
between that event and its messages to the OMS, and `unsent_oms_commands` finds which of them never reached
QuickFIX.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeGuard

from agent.clock import Clock
from agent.core.commands import (
    Command,
    MassCancelReport,
    OmsCommand,
    ParentCancelReject,
    ParentExecReport,
)
from agent.core.engine import Engine
from agent.core.events import Event
from agent.journal.codec import EVENT_TYPES, Journaled
from agent.journal.journal import Direction, Journal
from fix_config.vocabulary import ExecType

log = logging.getLogger("footprint.recovery")


class EventClock:
    """The engine's clock: while an event is dispatched it reads that event's journaled time, live and in replay
    alike, so a replay sees exactly the times the live engine saw. Between events it reads the live clock."""

    def __init__(self, live: Clock) -> None:
        self._live = live
        self._held: float | None = None

    def now(self) -> float:
        return self._held if self._held is not None else self._live.now()

    def hold(self, t: float) -> None:
        self._held = t

    def release(self) -> None:
        self._held = None


@dataclass
class ReplayOutlet:
    """Collects what the engine emits while replaying; nothing leaves."""

    emitted: list[Command] = field(default_factory=list)

    def emit(self, command: Command) -> None:
        self.emitted.append(command)


@dataclass
class Recovered:
    events: int = 0
    commands: int = 0  # journaled intents
    diverged: int = 0  # replayed commands that differ from the journaled intents
    last_ts: float | None = None  # time of the last event replayed
    # What the last event made the engine emit beyond what the journal holds: the crash came between the event
    # and its intents. The host journals them before anything else, so the journal matches the engine again.
    unjournaled: list[Command] = field(default_factory=list)


def replay_journal(journal: Journal, engine: Engine, clock: EventClock) -> Recovered:
    """Dispatch every journaled event into `engine` (whose outlet must be a ReplayOutlet)."""
    outlet = engine.ctx.outlet
    assert isinstance(outlet, ReplayOutlet), "replay needs a ReplayOutlet: nothing may be sent while replaying"
    result = Recovered()
    expected: deque[Command] = deque()
    # A New report's pre-trade estimate comes from the impact model and the market view as they were then; replay
    # has neither for sure (a model may have been retrained since, and quotes not yet committed at a crash are not
    # in the journal), so it does not recompute it and compares New reports without it (`_same`).
    estimator, engine.ctx.arrival_estimate = engine.ctx.arrival_estimate, None
    try:
        with _engine_logs_quiet():
            _replay(journal, engine, clock, outlet, result, expected)
    finally:
        engine.ctx.arrival_estimate = estimator
    clock.release()
    result.unjournaled = list(expected)
    return result


@contextlib.contextmanager
def _engine_logs_quiet() -> Iterator[None]:
    """The engine's log lines were written when the events first happened; replay keeps only errors."""
    loggers = [logging.getLogger(name) for name in ("footprint.engine", "footprint.children", "footprint.breakers")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _replay(journal: Journal, engine: Engine, clock: EventClock, outlet: ReplayOutlet, result: Recovered,
            expected: deque[Command]) -> None:
    for record in journal.records():
        if record.direction is Direction.IN:
            item = record.item
            if not _is_event(item):
                log.error("journal record %d is marked inbound but holds a %s; skipped", record.seq,
                          type(item).__name__)
                continue
            outlet.emitted = []
            clock.hold(record.ts)
            engine.dispatch(item)
            result.events += 1
            result.last_ts = record.ts
            if expected:
                result.diverged += len(expected)
                log.error("journal replay: %d commands the engine produced before record %d are not in the journal",
                          len(expected), record.seq)
                expected.clear()
            expected.extend(outlet.emitted)
        else:
            result.commands += 1
            produced = expected.popleft() if expected else None
            if not _same(produced, record.item):
                result.diverged += 1
                if result.diverged <= 5:
                    log.error("journal replay diverged at record %d: journaled %r, replay produced %r",
                              record.seq, record.item, produced)


def _same(produced: Command | None, journaled: Journaled) -> bool:
    """The replayed command is the journaled one; a New report may differ only by the estimate its Text carried
    after "; " (replay computes none)."""
    if produced == journaled:
        return True
    if (isinstance(produced, ParentExecReport) and isinstance(journaled, ParentExecReport)
            and produced.exec_type == ExecType.NEW and produced.text is not None and journaled.text is not None
            and journaled.text.startswith(produced.text + "; ")):
        return dataclasses.replace(produced, text=journaled.text) == journaled
    return False


_EVENT_CLASSES = tuple(EVENT_TYPES.values())


def _is_event(item: Journaled) -> TypeGuard[Event]:
    return isinstance(item, _EVENT_CLASSES)


def unsent_oms_commands(journal: Journal, store_dir: Path) -> list[OmsCommand]:
    """Journaled messages to the OMS that never reached QuickFIX's message store, so never went out.

    Every message QuickFIX sends is in its store (written before it goes on the wire, and a process kill does not
    lose it), from the store's creation (its last sequence reset) on. So a journaled ExecutionReport, cancel
    reject or mass cancel report from after that moment whose ExecID (ClOrdID for the other two) is not in the
    store was stopped by a crash between the journal and QuickFIX; those are the ones to send again.
    """
    stores: dict[str, tuple[float, bytes]] = {}
    if store_dir.is_dir():
        for session_file in store_dir.glob("*.session"):
            stem = session_file.name.removesuffix(".session")
            created = _store_created(session_file)
            body = store_dir / f"{stem}.body"
            stores[stem] = (created, body.read_bytes() if body.is_file() else b"")
    names = tuple(t.__name__ for t in (ParentExecReport, ParentCancelReject, MassCancelReport))
    unsent: list[OmsCommand] = []
    for record in journal.records(types=names):
        command = record.item
        if not isinstance(command, ParentExecReport | ParentCancelReject | MassCancelReport):
            continue
        store = stores.get(_store_stem(command.session))
        if store is None:
            continue  # no store for that session: QuickFIX starts it afresh, the OMS must ask for status
        created, stored = store
        if record.ts < created - 1.0:  # before the store's last reset: it went out then, or was given up
            continue
        if not _in_store(command, stored):
            unsent.append(command)
    return unsent


def _store_stem(session: str) -> str:
    """QuickFIX's file name for a session: "FIX.4.4:FOOTPRINT->OMS" -> "FIX.4.4-FOOTPRINT-OMS"."""
    begin, _, rest = session.partition(":")
    sender, _, target = rest.partition("->")
    return f"{begin}-{sender}-{target}"


def _store_created(session_file: Path) -> float:
    text = session_file.read_text().strip()
    try:
        return dt.datetime.strptime(text[:17], "%Y%m%d-%H:%M:%S").replace(tzinfo=dt.UTC).timestamp()
    except ValueError:
        log.warning("cannot read the creation time in %s (%r): every journaled OMS message is checked", session_file,
                    text)
        return 0.0


def _in_store(command: OmsCommand, stored: bytes) -> bool:
    if isinstance(command, ParentExecReport):
        return f"\x0117={command.exec_id}\x01".encode() in stored
    kind = b"\x0135=9\x01" if isinstance(command, ParentCancelReject) else b"\x0135=r\x01"
    key = f"\x0111={command.cl_ord_id}\x01".encode()
    start = stored.find(key)
    while start >= 0:
        begin = stored.rfind(b"8=FIX", 0, start)
        end = stored.find(b"\x0110=", start)
        if kind in stored[begin:end if end >= 0 else len(stored)]:
            return True
        start = stored.find(key, start + 1)
    return False
