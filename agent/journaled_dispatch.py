"""The engine's one way in and one way out in a journaled host (the live agent, the order-core benchmark).

Every event is journaled (durable) before the engine sees it; the commands the engine emits while handling it
are journaled together, in one transaction, before any of them is handed on. A failed send comes back as a
`SendFailed` event, journaled and dispatched like any other.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable

from agent.core.commands import Command, MassCancelReport, ParentCancelReject, ParentExecReport
from agent.core.engine import Engine
from agent.core.events import Event, Quote, SendFailed, Tick, VenueExecReport
from agent.crash_points import CrashPoints
from agent.journal.journal import Journal
from agent.recovery import EventClock
from fix_config.vocabulary import ExecType

log = logging.getLogger("footprint.agent")

OMS_COMMANDS = (ParentExecReport, ParentCancelReject, MassCancelReport)

Deliver = Callable[[Command], str | None]
"""Carries a command to its gateway; None once it is on its way, else why it could not go."""


class JournaledDispatch:
    """Feeds events to the engine and is its outlet. Single-threaded: the host calls `feed` from its loop."""

    def __init__(self, engine: Engine, journal: Journal, clock: EventClock, crash: CrashPoints | None = None,
                 deliver: Deliver | None = None) -> None:
        self.engine = engine
        self._journal = journal
        self._clock = clock
        self._crash = crash or CrashPoints(None)
        self._queue: deque[Event] = deque()
        self._journaled: dict[int, Callable[[], None]] = {}
        self._outgoing: list[Command] = []
        self._busy = False
        self._closed = False
        self.deliver = deliver

    def close(self) -> None:
        """No more events: what arrives from now on (a QuickFIX thread finishing) is logged and dropped."""
        self._closed = True

    def feed(self, event: Event, journaled: Callable[[], None] | None = None) -> None:
        """Journal and dispatch an event (and any the dispatch gives rise to), then send what it decided.
        `journaled` is called once the event is durable (or dropped), before it is applied."""
        if self._closed:
            if journaled is not None:
                journaled()
            log.log(logging.DEBUG if isinstance(event, Quote) else logging.WARNING,
                    "%s after shutdown, not journaled: %r", type(event).__name__, event)
            return
        self._queue.append(event)
        if journaled is not None:
            self._journaled[id(event)] = journaled
        if self._busy:
            return
        self._busy = True
        try:
            while self._queue:
                self._dispatch_one(self._queue.popleft())
        finally:
            self._clock.release()
            self._busy = False

    def emit(self, command: Command) -> None:
        self._outgoing.append(command)

    def _dispatch_one(self, event: Event) -> None:
        self._clock.release()
        now = self._clock.now()
        # A tick is journaled once handled, with what its decisions measured (see `Tick`); an unjournaled tick
        # only ever loses decisions that were never sent.
        timed_tick = isinstance(event, Tick) and event.overruns is None
        try:
            if not timed_tick:
                self._journal.record_event(now, event)
        finally:
            done = self._journaled.pop(id(event), None)
            if done is not None:
                done()
        self._crash.hit(f"event:{type(event).__name__}")
        if isinstance(event, VenueExecReport) and event.exec_type == ExecType.TRADE:
            self._crash.hit("event:fill")
        self._clock.hold(now)
        try:
            self.engine.dispatch(event)
        except Exception:
            log.exception("engine failed on %r", event)
        finally:
            if timed_tick:
                self._journal.record_event(now, Tick(tuple(self.engine.decisions.overruns)))
            self._send(now)

    def _send(self, now: float) -> None:
        commands, self._outgoing = self._outgoing, []
        if not commands:
            return
        self._journal.set_counters(self.engine.ids.counters())
        self._journal.record_commands(now, commands)
        assert self.deliver is not None, "JournaledDispatch.deliver is set by the host"
        for command in commands:
            name = type(command).__name__
            self._crash.hit(f"intent:{name}")
            problem = self.deliver(command)
            if problem is not None and not isinstance(command, OMS_COMMANDS):
                self._queue.append(SendFailed(command, problem))
            self._crash.hit(f"sent:{name}")
