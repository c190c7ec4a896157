"""The live agent: QuickFIX sessions bridged into one asyncio (uvloop) loop that runs the engine.

Every inbound event is journaled, then dispatched; every command is journaled as an intent, then handed to its
gateway. On start the journal is replayed through the engine (see `agent.recovery`) and the venue reconciled
before the OMS side opens.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fix_config
from agent.admin.server import AdminServer
from agent.admin.token import load_token
from agent.clock import Clock, SystemClock
from agent.config import AgentConfig
from agent.core.commands import Command, ParentExecReport
from agent.core.engine import Engine, IdSource, engine_from_config
from agent.core.events import (
    Event,
    OmsSessionState,
    Quote,
    ShutdownRequested,
    Tick,
    VenueSessionState,
)
from agent.crash_points import CrashPoints
from agent.fix.access.logon_gate import LogonGate, open_credentials, sessions_from_settings
from agent.fix.access.loopback_listener import confine_to_loopback, free_port
from agent.fix.dictionary import build_oms_dictionary
from agent.fix.oms_gateway import OmsApplication
from agent.fix.quickfix_endpoint import QuickFixEndpoint
from agent.fix.venue_gateway import VenueApplication, VenueEvent
from agent.journal.journal import Journal, journal_path
from agent.journaled_dispatch import OMS_COMMANDS, JournaledDispatch
from agent.market_data_book import MarketDataBook, MdUpdate
from agent.recovery import EventClock, ReplayOutlet, replay_journal, unsent_oms_commands
from risk.risk_engine import GLOBAL
from risk.trading_state import TradingState

log = logging.getLogger("footprint.agent")

def _threadsafe(loop: asyncio.AbstractEventLoop, handler: Callable[[Any], None]) -> Callable[[Any], None]:
    """A submit function for QuickFIX threads: the handler runs later on the loop, exceptions logged."""

    def guarded(item: Any) -> None:
        try:
            handler(item)
        except Exception:
            log.exception("handling %r failed", item)

    def submit(item: Any) -> None:
        loop.call_soon_threadsafe(guarded, item)

    return submit


class DurableSubmit:
    """Hands what a QuickFIX thread received to the loop and, for orders and reports, waits until the journal
    has it: QuickFIX counts an inbound message as received when its callback returns, so returning earlier
    would let a crash lose a message the counterparty will never send again."""

    def __init__(self, loop: asyncio.AbstractEventLoop, dispatch: JournaledDispatch, timeout_s: float = 5.0) -> None:
        self._loop = loop
        self._dispatch = dispatch
        self._timeout_s = timeout_s
        self.closed = threading.Event()

    def __call__(self, event: Event, durable: bool) -> None:
        if not durable or self.closed.is_set():
            self._loop.call_soon_threadsafe(self._feed, event, None)
            return
        done = threading.Event()
        self._loop.call_soon_threadsafe(self._feed, event, done.set)
        if not done.wait(self._timeout_s) and not self.closed.is_set():
            log.error("%s not journaled within %.0f s; QuickFIX counts it received", type(event).__name__,
                      self._timeout_s)

    def _feed(self, event: Event, journaled: Callable[[], None] | None) -> None:
        try:
            self._dispatch.feed(event, journaled)
        except Exception:
            log.exception("handling %r failed", event)
            if journaled is not None:
                journaled()


class AgentRuntime:
    """Wires config, journal, FIX sessions, engine and timers; `run` until the stop event is set."""

    def __init__(self, cfg: AgentConfig, clock: Clock | None = None) -> None:
        self.cfg = cfg
        self.clock = clock or SystemClock()
        self.book = MarketDataBook()
        self._last_quote: dict[str, Quote] = {}
        self.engine: Engine | None = None
        self.ready = asyncio.Event()

    def _settings(self, state: Path, internal_port: int) -> tuple[Path, Path]:
        cfg = self.cfg
        dictionary = build_oms_dictionary(state / "FIX44-oms.xml")
        # QuickFIX's acceptor is reached only through the logon gate, over loopback; the gate enforces the
        # sessions' own AllowedRemoteAddresses on the real peer.
        oms = fix_config.write_settings(cfg.oms_settings, state / "oms.cfg", {
            "SocketAcceptPort": str(internal_port),
            "AllowedRemoteAddresses": "127.0.0.1",
            "FileStorePath": str(state / "oms-store"),
            "FileLogPath": str(state / "oms-log"),
            "DataDictionary": str(dictionary),
        })
        venue = fix_config.write_settings(cfg.venue_settings, state / "venue.cfg", {
            "SocketConnectHost": cfg.venue_host,
            "SocketConnectPort": str(cfg.venue_port),
            "FileStorePath": str(state / "venue-store"),
            "FileLogPath": str(state / "venue-log"),
            "DataDictionary": str(fix_config.venue_dictionary()),
        })
        return oms, venue

    def _on_venue_event(self, dispatch: JournaledDispatch, event: VenueEvent) -> None:
        """On the loop: market data into the book and quotes into the engine."""
        if isinstance(event, MdUpdate):
            for symbol in self.book.apply(event):
                quote = self.book.quote(symbol, event.timestamp)
                last = self._last_quote.get(symbol)
                # A change deeper in the book leaves the quote as it was: not news to the engine or the journal.
                if last is None or dataclasses.replace(last, timestamp=quote.timestamp) != quote:
                    self._last_quote[symbol] = quote
                    dispatch.feed(quote)

    async def run(self, stop: asyncio.Event) -> None:
        cfg = self.cfg
        state = cfg.state_dir.resolve()
        state.mkdir(parents=True, exist_ok=True)
        loop = asyncio.get_running_loop()
        internal_port = cfg.oms_access.internal_port or free_port()
        oms_settings, venue_settings = self._settings(state, internal_port)
        gate_sessions = sessions_from_settings(str(fix_config.settings_source(cfg.oms_settings)))
        credentials = open_credentials(cfg.oms_access, gate_sessions)
        instruments = cfg.instrument_map()
        crash = CrashPoints.from_env()
        admin_token = load_token(cfg.admin.token_file)

        journal = Journal.open(journal_path(state))
        try:
            clock = EventClock(self.clock)
            ids = IdSource(journal.prefix())  # replay draws every id again from the start
            engine = engine_from_config(cfg, clock, ReplayOutlet(), ids)
            recovered = replay_journal(journal, engine, clock)
            ids.advance_to(journal.counters())
            self.engine = engine
            working = [p for p in engine.parents.values() if not p.is_done]
            log.info("journal %s: replayed %d events and %d commands (%d diverged); %d parents working, "
                     "%d children live", journal_path(state), recovered.events, recovered.commands,
                     recovered.diverged, len(working), sum(1 for p in working for c in p.children.values()
                                                            if c.is_live))
            for scope, trading in engine.risk.states().items():
                if trading is not TradingState.ACTIVE:  # an operator's halt outlives a restart
                    log.warning("trading %s is %s, as before the restart", "everywhere" if scope == GLOBAL else
                                f"in {scope}", trading.name)
            if recovered.unjournaled:
                # The crash came between the last event and its intents: journal them now, so that the journal
                # says what the engine believes (a New among them never left: the follow-up finds that out).
                assert recovered.last_ts is not None
                journal.record_commands(recovered.last_ts, recovered.unjournaled)
            unsent = unsent_oms_commands(journal, state / "oms-store")

            dispatch = JournaledDispatch(engine, journal, clock, crash)
            engine.ctx.outlet = dispatch
            submit = DurableSubmit(loop, dispatch)
            oms_app = OmsApplication(lambda e: submit(e, not isinstance(e, OmsSessionState)), cfg.strategy_tags.tags())
            market_data = _threadsafe(loop, lambda e: self._on_venue_event(dispatch, e))

            def from_venue(event: VenueEvent) -> None:
                if isinstance(event, MdUpdate):
                    market_data(event)
                else:
                    submit(event, not isinstance(event, VenueSessionState))

            venue_app = VenueApplication(from_venue, list(instruments), cfg.market_data_depth, self.clock,
                                         cfg.venue_news.tags)

            def deliver(command: Command) -> str | None:
                if isinstance(command, OMS_COMMANDS):
                    oms_app.send(command)
                    return None
                return venue_app.send(command)

            dispatch.deliver = deliver
            for command in unsent:  # first in line to the OMS, ahead of anything this run decides
                log.warning("sending %s %s again: the crash came before it went out", type(command).__name__,
                            command.exec_id if isinstance(command, ParentExecReport) else command.cl_ord_id)
                oms_app.send(command, poss_resend=True)
            # This process holds no session yet, whatever the journal last said.
            if engine.venue_up:
                dispatch.feed(VenueSessionState(False))
            for session in sorted({p.session for p in working}):
                dispatch.feed(OmsSessionState(session, False))
            crash.hit("replayed")

            initiator = QuickFixEndpoint("initiator", venue_app, venue_settings)
            acceptor = QuickFixEndpoint("acceptor", oms_app, oms_settings)
            gate = LogonGate(cfg.oms_access, cfg.oms_port, internal_port, gate_sessions, credentials)
            initiator.start()
            log.info("connecting to venue %s:%d", cfg.venue_host, cfg.venue_port)
            # On this loop, so that its actions go through `dispatch` like any FIX message.
            admin = AdminServer(cfg.admin, engine, dispatch.feed, self.ready.is_set, admin_token)
            try:
                await admin.start(state)
                await self._wait_for_market(engine, set(instruments), stop)
                if stop.is_set():
                    return
                acceptor.start()
                if not confine_to_loopback(internal_port):
                    log.warning("QuickFIX's OMS acceptor listens on port %d of every interface: keep that port "
                                "closed to other hosts (only oms_port should be reachable)", internal_port)
                oms_app.release_held()
                port = await gate.start()
                log.info("footprint agent ready: OMS logon gate on %s:%d (QuickFIX acceptor on loopback port %d), "
                         "venue %s:%d", cfg.oms_access.bind_address, port, internal_port, cfg.venue_host,
                         cfg.venue_port)
                self.ready.set()
                while not stop.is_set():
                    dispatch.feed(Tick())
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), cfg.decision_interval_s)
                await self._drain(engine, dispatch)
            finally:
                await admin.stop()
                submit.closed.set()
                # Off the loop: QuickFIX waits for each OMS's Logout answer, which comes through the gate's pipe.
                await asyncio.to_thread(acceptor.stop)
                await gate.stop()
                initiator.stop()
                dispatch.close()
        finally:
            journal.close()
            log.info("footprint agent stopped")

    async def _wait_for_market(self, engine: Engine, symbols: set[str], stop: asyncio.Event) -> None:
        """Hold the OMS side closed until the venue is logged on and reconciled and every book has a quote."""
        deadline = self.clock.now() + self.cfg.venue_logon_timeout_s
        warned = False
        while not stop.is_set():
            have = {s for s, q in engine.quotes.items() if q.mid is not None and q.timestamp >= 0}
            if engine.venue_up and not engine.reconciling and symbols <= have:
                return
            if not warned and self.clock.now() > deadline:
                log.warning("still waiting for the venue at %s:%d (logged on: %s, reconciling: %s, books: %s)",
                            self.cfg.venue_host, self.cfg.venue_port, engine.venue_up, engine.reconciling,
                            sorted(have))
                warned = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.1)

    async def _drain(self, engine: Engine, dispatch: JournaledDispatch, timeout_s: float = 10.0) -> None:
        """Cancel every child and finish every parent, waiting for the venue's answers."""
        dispatch.feed(ShutdownRequested())
        for _ in range(int(timeout_s / 0.05)):
            if engine.idle and all(p.is_done for p in engine.parents.values()):
                break
            await asyncio.sleep(0.05)
            dispatch.feed(Tick())
        else:
            log.error("shutdown: children still live after %.0fs", timeout_s)
        await asyncio.sleep(0.2)  # let QuickFIX flush the last ExecutionReports


def run_agent(cfg: AgentConfig) -> None:
    """Run until SIGINT or SIGTERM, on uvloop."""
    import signal

    import uvloop

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await AgentRuntime(cfg).run(stop)

    uvloop.run(main())
