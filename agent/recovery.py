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
    last_commands: list[Command] = field(default_factory=list)  # what the last event made the engine emit


def replay_journal(journal: Journal, engine: Engine, clock: EventClock) -> Recovered:
    """Dispatch every journaled event into `engine` (whose outlet must be a ReplayOutlet)."""
    outlet = engine.ctx.outlet
    assert isinstance(outlet, ReplayOutlet), "replay needs a ReplayOutlet: nothing may be sent while replaying"
    result = Recovered()
    expected: deque[Command] = deque()
    with _engine_logs_quiet():
        _replay(journal, engine, clock, outlet, result, expected)
    clock.release()
    return result


@contextlib.contextmanager
def _engine_logs_quiet() -> Iterator[None]:
    """The engine's log lines were written when the events first happened; replay keeps only errors."""
    loggers = [logging.getLogger(name) for name in ("footprint.engine", "footprint.children")]
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
            result.last_commands = outlet.emitted
            expected.extend(outlet.emitted)
        else:
            result.commands += 1
            produced = expected.popleft() if expected else None
            if produced != record.item:
                result.diverged += 1
                if result.diverged <= 5:
                    log.error("journal replay diverged at record %d: journaled %r, replay produced %r",
                              record.seq, record.item, produced)


def _is_event(item: Journaled) -> TypeGuard[Event]:
    return isinstance(item, tuple(EVENT_TYPES.values()))


def unsent_oms_commands(commands: list[Command], store_dir: Path) -> list[OmsCommand]:
    """Of these OMS commands, those that never reached QuickFIX's message store (so never went out)."""
    stored = b"".join(p.read_bytes() for p in sorted(store_dir.glob("*.body"))) if store_dir.is_dir() else b""
    messages = stored.split(b"\x018=FIX")
    unsent: list[OmsCommand] = []
    for command in commands:
        if isinstance(command, ParentExecReport):
            key = f"\x0117={command.exec_id}\x01".encode()
            found = key in stored
        elif isinstance(command, ParentCancelReject | MassCancelReport):
            kind = b"\x0135=9\x01" if isinstance(command, ParentCancelReject) else b"\x0135=r\x01"
            key = f"\x0111={command.cl_ord_id}\x01".encode()
            found = any(kind in m and key in m for m in messages)
        else:
            continue
        if not found:
            unsent.append(command)
    return unsent
