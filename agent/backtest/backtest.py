"""Backtests: the real engine, strategy and risk gate against the in-process simulator in simulated time.

No sockets and no wall clock: a 3-hour parent runs as fast as the market can be simulated, and the same
seed gives the same fills.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from agent.backtest.sim_venue import SimVenue
from agent.config import AgentConfig, InstrumentConfig
from agent.core.commands import (
    Command,
    MassCancelReport,
    OmsCommand,
    ParentCancelReject,
    ParentExecReport,
    VenueCommand,
)
from agent.core.engine import Engine, IdSource, engine_from_config
from agent.core.events import NewOrderRequest, Quote, Tick, VenueSessionState
from risk.breakers import BreakerChange
from simulator.clock import SimClock
from simulator.market import Market
from simulator.scenario import CompiledScenario

SESSION = "BACKTEST"
_TERMINAL = {"2", "3", "4", "8", "C"}


@dataclass
class ReportLog:
    """Keeps everything the engine tells the OMS."""

    reports: list[ParentExecReport] = field(default_factory=list)
    cancel_rejects: list[ParentCancelReject] = field(default_factory=list)
    mass_reports: list[MassCancelReport] = field(default_factory=list)

    def record(self, command: OmsCommand) -> None:
        if isinstance(command, ParentExecReport):
            self.reports.append(command)
        elif isinstance(command, ParentCancelReject):
            self.cancel_rejects.append(command)
        else:
            self.mass_reports.append(command)


_OMS_COMMANDS = (ParentExecReport, ParentCancelReject, MassCancelReport)


@dataclass
class SimulatedOutlet:
    """The engine's outlet in simulated time: OMS commands to a ReportLog, venue commands to the in-process
    venue. Venue commands wait until the engine's current dispatch returns, as they would on a wire."""

    oms: ReportLog
    venue: SimVenue
    outbox: list[VenueCommand] = field(default_factory=list)

    def emit(self, command: Command) -> None:
        if isinstance(command, _OMS_COMMANDS):
            self.oms.record(command)
        else:
            self.outbox.append(command)

    def flush(self) -> int:
        """Hand the queued venue commands to the venue; how many there were."""
        sent, self.outbox = self.outbox, []
        for command in sent:
            self.venue.send(command)
        return len(sent)


def settle(engine: Engine, outlet: SimulatedOutlet, rounds: int = 1_000) -> None:
    """Commands cause reports that cause commands: carry them until the engine and the venue are quiet."""
    for _ in range(rounds):
        sent = outlet.flush()
        events = outlet.venue.take_events()
        if not sent and not events:
            return
        for event in events:
            engine.dispatch(event)
    raise RuntimeError(f"venue and engine did not settle after {rounds:,} rounds")


@dataclass(frozen=True)
class BacktestOrder:
    """The parent to work: what an OMS would send, with times relative to the market's start."""

    symbol: str
    side: str  # FIX Side: 1 buy, 2 sell
    qty: int
    duration_s: float
    start_offset_s: float = 0.0
    strategy_code: str | None = None  # TargetStrategy(847); the configured default when None
    limit_px: str | None = None
    participation_rate: float | None = None  # ParticipationRate(849)


@dataclass(frozen=True)
class BacktestResult:
    status: str  # final OrdStatus
    order_qty: int
    cum_qty: int
    avg_px: float
    arrival_mid: float | None
    shortfall_bps: float | None
    fills: tuple[tuple[float, int, float], ...]  # (time, qty, price)
    children_sent: int
    started: float
    finished: float | None
    sim_seconds: float
    wall_seconds: float
    reports: tuple[ParentExecReport, ...]
    breakers: tuple[BreakerChange, ...] = ()  # every circuit-breaker trip and clear, in order


class ComputeTime:
    """The thread's CPU time less the garbage collector's pauses in it: what a strategy itself computed.

    A full collection in a process holding simulated sessions took a TWAP decision's time to 434 ms (its own
    work is about 2 ms), so the pauses are timed through `gc.callbacks` and left out. One instance serves every
    backtest in the process (`compute_time()`); backtests run one per thread of work, in their own thread.
    """

    def __init__(self) -> None:
        self._paused = 0.0
        self._pause_start: float | None = None
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._pause_start = time.thread_time()
        elif self._pause_start is not None:
            self._paused += time.thread_time() - self._pause_start
            self._pause_start = None

    def __call__(self) -> float:
        return time.thread_time() - self._paused


_compute_time: ComputeTime | None = None


def compute_time() -> ComputeTime:
    """The process's one `ComputeTime` (its gc callback is registered once, on first use)."""
    global _compute_time
    if _compute_time is None:
        _compute_time = ComputeTime()
    return _compute_time


def engine_for(cfg: AgentConfig, clock: SimClock, outlet: SimulatedOutlet) -> Engine:
    """An engine built from configuration exactly as the live agent builds it, but for one thing: a decision is
    timed against the strategy budget in what the strategy computed (`ComputeTime`), not on the wall clock. In
    simulated time what counts is what the strategy computes; wall time would make a backtest's fallbacks depend on
    how busy the machine is (a loaded CI box ran a 2-ms TWAP decision past its 250-ms budget), and a garbage
    collection's pause on what the process holds besides."""
    engine = engine_from_config(cfg, clock, outlet, IdSource("bt"))
    engine.ctx.stopwatch = compute_time()
    return engine


def with_market_instruments(cfg: AgentConfig, market: Market) -> AgentConfig:
    """The config with the market's symbols as its instruments (a scenario may list its own): their grids, ADV and
    daily volatility from the market, their trading session and volume profile (what VWAP weighs by) from the config
    where it has the symbol."""
    configured = {i.symbol: i for i in cfg.instruments}

    def instrument(symbol: str) -> InstrumentConfig:
        spec = market.spec(symbol)
        # The market's own history (ADV, daily volatility) is what a desk's would be: the pre-trade estimate's input.
        grid = InstrumentConfig(symbol=symbol, tick_size=spec.tick_size, lot_size=spec.lot_size, adv=spec.adv,
                                daily_vol=spec.daily_vol)
        known = configured.get(symbol)
        if known is None:
            return grid
        return grid.model_copy(update={"session_open_utc": known.session_open_utc,
                                       "session_hours": known.session_hours, "volume_profile": known.volume_profile})

    return cfg.model_copy(update={"instruments": tuple(instrument(s) for s in market.symbols)})


@contextlib.contextmanager
def quiet_engine() -> Iterator[None]:
    """Breaker trips and fills are the engine's everyday log; across many backtests they drown a study's output."""
    logger = logging.getLogger("footprint")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def run_backtest(cfg: AgentConfig, market: Market, order: BacktestOrder, *, step_s: float | None = None,
                 grace_s: float = 60.0, venue: SimVenue | None = None,
                 on_quote: Callable[[Quote], None] | None = None) -> BacktestResult:
    """Work one parent from `market.now + start_offset_s` until it is done (or `grace_s` after its end), on
    `venue` (one over `market`, e.g. with faults) or a well-behaved venue over `market`; `on_quote` sees every quote
    the engine is given."""
    wall0 = time.perf_counter()
    step = step_s if step_s is not None else cfg.decision_interval_s
    if not step > 0:
        raise ValueError(f"step_s must be > 0, got {step}")
    t0 = market.now
    clock = SimClock(t0)
    venue = venue if venue is not None else SimVenue(market)
    oms = ReportLog()
    outlet = SimulatedOutlet(oms, venue)
    engine = engine_for(cfg, clock, outlet)
    engine.dispatch(VenueSessionState(True))
    settle(engine, outlet)

    def step_to(t: float) -> None:
        clock.set(t)
        venue.advance(t)
        settle(engine, outlet)
        if venue.market.feed_up(order.symbol):  # no quote during a scenario's market data outage
            quote: Quote = venue.quote(order.symbol)
            engine.dispatch(quote)
            if on_quote is not None:
                on_quote(quote)
        for news in venue.take_news(*cfg.venue_news.tags):  # news goes out in
            engine.dispatch(news)  # an outage too, as from the FIX venue

    start = t0 + order.start_offset_s
    step_to(start)
    cl_ord_id = "BT-1"
    engine.dispatch(NewOrderRequest(
        session=SESSION, cl_ord_id=cl_ord_id, symbol=order.symbol, side=order.side, order_qty=str(order.qty),
        ord_type="2" if order.limit_px is not None else "1", price=order.limit_px, time_in_force="6",
        transact_time=start, effective_time=start, expire_time=start + order.duration_s,
        target_strategy=order.strategy_code,
        participation_rate=None if order.participation_rate is None else repr(order.participation_rate)))
    deadline = start + order.duration_s + grace_s
    t = start
    while not _done(oms) and t < deadline:
        t = min(t + step, deadline)
        step_to(t)
        engine.dispatch(Tick())
        settle(engine, outlet)
    return _result(oms, venue, start, t, time.perf_counter() - wall0, engine)


def _done(oms: ReportLog) -> bool:
    return bool(oms.reports) and oms.reports[-1].ord_status in _TERMINAL


def _result(oms: ReportLog, venue: SimVenue, start: float, end: float, wall: float, engine: Engine
            ) -> BacktestResult:
    fills = tuple((r.transact_time, r.last_qty, r.last_px) for r in oms.reports if r.exec_type == "F")
    last = oms.reports[-1]
    parent = next(iter(engine.parents.values()), None)
    return BacktestResult(
        status=last.ord_status,
        order_qty=last.order_qty,
        cum_qty=last.cum_qty,
        avg_px=last.avg_px,
        arrival_mid=parent.arrival_mid if parent else None,
        shortfall_bps=parent.shortfall_bps() if parent else None,
        fills=fills,
        children_sent=venue.sent,
        started=start,
        finished=last.transact_time if last.ord_status in _TERMINAL else None,
        sim_seconds=end - start,
        wall_seconds=wall,
        reports=tuple(oms.reports),
        breakers=tuple(engine.risk.breakers.history),
    )


def scenario_order(compiled: CompiledScenario) -> BacktestOrder:
    """The scenario's own test parent; ValueError when the scenario has none."""
    order = compiled.order
    if order is None:
        raise ValueError(f"scenario {compiled.name} has no order block: give --side, --qty and --duration")
    limit = None if order.limit_price is None else compiled.symbol.format_price(order.limit_price)
    return BacktestOrder(compiled.symbol.symbol, "1" if order.side.value == "buy" else "2", order.qty,
                         order.end_s - order.start_s, order.start_s, limit_px=limit)
