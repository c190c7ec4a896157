"""The venue server: a QuickFIX acceptor in front of a simulated market that runs on a clock."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import quickfix as fix

from simulator.clock import Clock, WallClock
from simulator.fix_application import VenueApplication
from simulator.fix_order_desk import VenueOrderRecord
from simulator.fix_settings import DEFAULT_SETTINGS, aggressor_targets, feed_tags, write_settings
from simulator.instruments import DEFAULT_UNIVERSE, SymbolSpec
from simulator.market import Market, simulated_market
from simulator.market_data import BookDepth
from simulator.order_state import OrderState
from simulator.venue_faults import VenueFaults

log = logging.getLogger(__name__)


class VenueServer:
    """`footprint sim`: FIX 4.4 order entry and market data on `port`, with stores and logs under `state_dir`.

    Settings come from `settings_path` with `overrides` applied and one extra [SESSION] per `extra_targets`.
    Without a `market`, a Poisson-flow market for `universe` and `seed` is built on `clock` (wall time).
    `faults` maps TargetCompIDs to the faults their sessions get (see `VenueFaults`); none by default.
    The market's feed events go out as News (35=B) with the custom tags the settings name (`FeedTags`).
    """

    def __init__(
        self,
        state_dir: Path,
        *,
        settings_path: Path = DEFAULT_SETTINGS,
        port: int | None = None,
        overrides: Mapping[str, str] | None = None,
        extra_targets: Sequence[str] = (),
        seed: int = 0,
        universe: Mapping[str, SymbolSpec] = DEFAULT_UNIVERSE,
        tick_interval: float = 0.05,
        clock: Clock | None = None,
        market: Market | None = None,
        cancel_on_disconnect: bool = True,
        faults: Mapping[str, VenueFaults] | None = None,
    ) -> None:
        if not tick_interval > 0:
            raise ValueError(f"tick_interval must be > 0, got {tick_interval}")
        self._clock: Clock = clock or WallClock()
        self._market = market if market is not None else simulated_market(seed, universe, start_time=self._clock.now())
        self._tick_interval = tick_interval
        values = dict(overrides or {})
        if port is not None:
            values["SocketAcceptPort"] = str(port)
        self._settings_file = write_settings(state_dir, settings_path, values, extra_targets)
        sessions = fix.SessionSettings(str(self._settings_file)).getSessions()
        targets = sorted({sid.getTargetCompID().getValue() for sid in sessions})
        unknown = sorted(set(faults or {}) - set(targets))
        if unknown:
            raise ValueError(f"faults for {', '.join(unknown)}: no such session (sessions: {', '.join(targets)})")
        # OrderIDs and ExecIDs carry the start time in ms, so ids from a restarted venue never repeat.
        run_tag = f"{int(self._clock.now() * 1000):x}"
        self._app = VenueApplication(self._market, self._clock, run_tag, cancel_on_disconnect, faults,
                                     feed_tags(self._settings_file), aggressor_targets(self._settings_file))
        self._acceptor: Any = None
        self._quickfix_parts: tuple[Any, ...] = ()
        self._stopping = threading.Event()
        self._ticker = threading.Thread(target=self._tick_loop, name="venue-ticker", daemon=True)

    @property
    def settings_file(self) -> Path:
        """The rendered QuickFIX settings the acceptor runs with."""
        return self._settings_file

    @property
    def port(self) -> int:
        """The port the acceptor listens on."""
        settings = fix.SessionSettings(str(self._settings_file))
        return int(settings.get().getString("SocketAcceptPort"))

    def start(self) -> None:
        """Listen for FIX sessions and start the market clock ticking."""
        if self._acceptor is not None:
            raise RuntimeError("venue already started")
        if self._stopping.is_set():
            raise RuntimeError("a stopped venue cannot start again; make a new VenueServer")
        settings = fix.SessionSettings(str(self._settings_file))
        # QuickFIX keeps one registry of sessions per process: a second live session with the same ids would
        # silently receive this venue's messages, so refuse to start instead.
        taken = [sid.toString() for sid in settings.getSessions() if fix.Session.lookupSession(sid) is not None]
        if taken:
            raise RuntimeError(f"FIX sessions {', '.join(taken)} already exist in this process; stop them first")
        # The threaded acceptor: QuickFIX 1.16's SocketAcceptor closes its server from two threads on stop and
        # crashes now and then. The acceptor keeps C++ references to these parts: they live on self.
        self._quickfix_parts = (settings, fix.FileStoreFactory(settings), fix.FileLogFactory(settings))
        self._acceptor = fix.ThreadedSocketAcceptor(
            self._app, self._quickfix_parts[1], settings, self._quickfix_parts[2]
        )
        self._app.start()
        self._acceptor.start()
        self._ticker.start()
        log.info("venue listening on port %d (settings %s)", self.port, self._settings_file)

    def stop(self) -> None:
        """Stop ticking, log every session out (their orders are cancelled), flush and end the sender."""
        self._stopping.set()
        if self._ticker.is_alive():
            self._ticker.join()
        if self._acceptor is not None:
            self._acceptor.stop()
            # Dropping the acceptor unregisters its sessions, so a later venue in this process can use the
            # same SessionIDs; its factories go after it.
            self._acceptor = None
            self._quickfix_parts = ()
        self._app.stop()

    def run_forever(self) -> None:
        """Start, then block until SIGINT or SIGTERM, then stop cleanly. Call from the main thread."""
        done = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            log.info("signal %d: stopping the venue", signum)
            done.set()

        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.start()
            # Waits in short slices so a signal is noticed promptly; ends only on a signal.
            while not done.wait(0.5):
                pass
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def logged_on(self) -> list[str]:
        """Keys of the FIX sessions logged on now."""
        return self._app.logged_on()

    def cancel_orders(self, session: str) -> int:
        """Cancel one session's working orders, with reports to it (an operator's per-session kill)."""
        return self._app.cancel_orders(session)

    def depth(self, symbol: str, levels: int) -> BookDepth:
        """The venue's book for a symbol right now."""
        return self._app.depth(symbol, levels)

    def open_orders(self, session: str) -> list[OrderState]:
        """A session's working orders (session key as in logged_on())."""
        return self._app.open_orders(session)

    def ledger(self, session: str | None = None) -> list[VenueOrderRecord]:
        """The venue's truth about every FIX order it took (of one session key, or all): ClOrdIDs, fills, state."""
        return self._app.ledger(session)

    def __enter__(self) -> VenueServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def _tick_loop(self) -> None:
        # One pass per tick until stop(): advance the market, report flow fills, publish market data.
        while not self._stopping.wait(self._tick_interval):
            try:
                self._app.tick()
            except Exception:
                log.exception("venue tick failed")
