"""The live agent: QuickFIX sessions bridged into one asyncio (uvloop) loop that runs the engine."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fix_config
from agent.clock import Clock, SystemClock
from agent.config import AgentConfig
from agent.engine import Engine, EngineSettings, IdSource
from agent.fix_dictionary import build_oms_dictionary
from agent.fix_oms_gateway import OmsApplication
from agent.fix_venue_gateway import VenueApplication, VenueEvent
from agent.market_data_book import MarketDataBook, MdUpdate
from agent.quickfix_endpoint import QuickFixEndpoint
from agent.strategy_registry import build_strategies
from agent.venue_reports import VenueCancelReject, VenueExecReport, VenueSessionState

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


class AgentRuntime:
    """Wires config, FIX sessions, engine and timers; `run` until the stop event is set."""

    def __init__(self, cfg: AgentConfig, clock: Clock | None = None) -> None:
        self.cfg = cfg
        self.clock = clock or SystemClock()
        self.book = MarketDataBook()
        self.engine: Engine | None = None
        self.ready = asyncio.Event()

    def _settings(self, state: Path) -> tuple[Path, Path]:
        cfg = self.cfg
        dictionary = build_oms_dictionary(state / "FIX44-oms.xml")
        oms = fix_config.write_settings(cfg.oms_settings, state / "oms.cfg", {
            "SocketAcceptPort": str(cfg.oms_port),
            "FileStorePath": str(state / "oms-store"),
            "FileLogPath": str(state / "oms-log"),
            "DataDictionary": str(dictionary),
        })
        venue = fix_config.write_settings(cfg.venue_settings, state / "venue.cfg", {
            "SocketConnectHost": cfg.venue_host,
            "SocketConnectPort": str(cfg.venue_port),
            "FileStorePath": str(state / "venue-store"),
            "FileLogPath": str(state / "venue-log"),
            "DataDictionary": str(fix_config.quickfix_spec("FIX44")),
        })
        return oms, venue

    def _on_venue_event(self, engine: Engine, event: VenueEvent) -> None:
        if isinstance(event, VenueExecReport):
            engine.on_venue_report(event)
        elif isinstance(event, VenueCancelReject):
            engine.on_venue_cancel_reject(event)
        elif isinstance(event, VenueSessionState):
            engine.on_venue_session(event.logged_on)
        elif isinstance(event, MdUpdate):
            for symbol in self.book.apply(event):
                engine.on_quote(self.book.quote(symbol, event.timestamp))

    async def run(self, stop: asyncio.Event) -> None:
        cfg = self.cfg
        state = cfg.state_dir.resolve()
        state.mkdir(parents=True, exist_ok=True)
        loop = asyncio.get_running_loop()
        oms_settings, venue_settings = self._settings(state)
        instruments = cfg.instrument_map()

        # The callbacks find `engine` when they first run, after it is built below.
        oms_app = OmsApplication(_threadsafe(loop, lambda r: engine.handle(r)))
        venue_app = VenueApplication(_threadsafe(loop, lambda e: self._on_venue_event(engine, e)),
                                     list(instruments), cfg.market_data_depth, self.clock)
        engine = Engine(
            EngineSettings.from_config(cfg),
            self.clock,
            oms_app,
            venue_app,
            build_strategies(cfg),
            IdSource(f"{int(self.clock.now() * 1000):x}"),
        )
        self.engine = engine

        initiator = QuickFixEndpoint("initiator", venue_app, venue_settings)
        acceptor = QuickFixEndpoint("acceptor", oms_app, oms_settings)
        initiator.start()
        log.info("connecting to venue %s:%d", cfg.venue_host, cfg.venue_port)
        try:
            await self._wait_for_market(engine, set(instruments), stop)
            if stop.is_set():
                return
            acceptor.start()
            log.info("footprint agent ready: OMS acceptor on 127.0.0.1:%d, venue %s:%d", cfg.oms_port,
                     cfg.venue_host, cfg.venue_port)
            self.ready.set()
            while not stop.is_set():
                try:
                    engine.on_tick()
                except Exception:
                    log.exception("decision tick failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), cfg.decision_interval_s)
            await self._drain(engine)
        finally:
            acceptor.stop()
            initiator.stop()
            log.info("footprint agent stopped")

    async def _wait_for_market(self, engine: Engine, symbols: set[str], stop: asyncio.Event) -> None:
        """Hold the OMS side closed until the venue is logged on and every book has a quote."""
        deadline = self.clock.now() + self.cfg.venue_logon_timeout_s
        warned = False
        while not stop.is_set():
            have = {s for s, q in engine.quotes.items() if q.mid is not None}
            if engine.venue_up and symbols <= have:
                return
            if not warned and self.clock.now() > deadline:
                log.warning("still waiting for the venue at %s:%d (logged on: %s, books: %s)",
                            self.cfg.venue_host, self.cfg.venue_port, engine.venue_up, sorted(have))
                warned = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.1)

    async def _drain(self, engine: Engine, timeout_s: float = 10.0) -> None:
        """Cancel every child and finish every parent, waiting for the venue's answers."""
        engine.shutdown()
        for _ in range(int(timeout_s / 0.05)):
            if engine.idle and all(p.is_done for p in engine.parents.values()):
                break
            await asyncio.sleep(0.05)
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
