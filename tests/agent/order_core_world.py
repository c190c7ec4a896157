"""The real engine against the in-process venue with its fault mode: the world the order-core property test
drives. One parent set, one fault schedule, OMS requests at chosen times, optional venue session loss."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent.backtest.backtest import ReportLog, SimulatedOutlet, settle
from agent.backtest.sim_venue import SimVenue
from agent.config import load_config
from agent.core.engine import Engine, IdSource, engine_from_config
from agent.core.events import (
    CancelRequest,
    MassCancelRequest,
    NewOrderRequest,
    ReplaceRequest,
    StatusRequest,
    Tick,
    VenueSessionState,
)
from simulator.clock import SimClock
from simulator.instruments import DEFAULT_UNIVERSE
from simulator.market import simulated_market
from simulator.venue_faults import VenueFaults

SESSION = "FIX.4.4:FOOTPRINT->OMS"
SYMBOL = "CRYPTOALPHA"
T0 = 1_800_000_000.0
ACK_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class ParentSpec:
    qty: int
    side: str
    duration_s: float
    start_s: float
    limit_offset_ticks: int | None  # limit price this many ticks through the mid (None: market order)


@dataclass(frozen=True)
class OmsAction:
    at_s: float
    kind: str  # cancel | replace | mass_cancel | status
    parent: int
    qty_fraction: float = 1.0


@dataclass
class World:
    seed: int
    faults: VenueFaults
    parents: list[ParentSpec]
    actions: list[OmsAction]
    venue_outage: tuple[float, float] | None = None  # (from, to) seconds after T0
    config: dict[str, Any] = field(default_factory=dict)  # over the default configuration
    setup: Callable[[Engine], None] | None = None  # called once the engine exists
    every_step: Callable[[Engine, float], None] | None = None  # called each step before the tick
    oms: ReportLog = field(default_factory=ReportLog)
    current: dict[int, str] = field(default_factory=dict)  # parent index -> the OMS's current ClOrdID
    ends: dict[int, float] = field(default_factory=dict)

    def run(self, step_s: float = 0.5, tail_s: float = 12 * ACK_TIMEOUT_S) -> Engine:
        cfg = load_config(**{"decision_interval_s": step_s, "orders": {"ack_timeout_s": ACK_TIMEOUT_S},
                             **self.config})
        market = simulated_market(self.seed, {SYMBOL: DEFAULT_UNIVERSE[SYMBOL]}, start_time=T0, warmup=30.0)
        clock = SimClock(T0)
        venue = SimVenue(market, self.faults)
        self.venue = venue
        outlet = SimulatedOutlet(self.oms, venue)
        engine = engine_from_config(cfg, clock, outlet, IdSource("pt"))
        self.engine = engine
        if self.setup is not None:
            self.setup(engine)
        engine.dispatch(VenueSessionState(True))
        settle(engine, outlet)
        horizon = max(p.start_s + p.duration_s for p in self.parents) + tail_s
        pending = sorted(self.actions, key=lambda a: a.at_s)
        starts = sorted(range(len(self.parents)), key=lambda i: self.parents[i].start_s)
        t, up = 0.0, True
        while t <= horizon:
            clock.set(T0 + t)
            down = self.venue_outage is not None and self.venue_outage[0] <= t < self.venue_outage[1]
            if down and up:
                engine.dispatch(VenueSessionState(False))
                up = False
            venue.advance(T0 + t)
            if not up:
                venue.take_events()  # what the venue said while the session was down is lost
                assert not outlet.outbox, f"the engine sent {outlet.outbox} while the venue session was down"
            if not down and not up:
                engine.dispatch(VenueSessionState(True))
                up = True
            if up:
                settle(engine, outlet)
            engine.dispatch(venue.quote(SYMBOL))
            while starts and self.parents[starts[0]].start_s <= t:
                self._send_new(engine, starts.pop(0), T0 + t)
            while pending and pending[0].at_s <= t:
                self._act(engine, pending.pop(0))
            if self.every_step is not None:
                self.every_step(engine, t)
            engine.dispatch(Tick())
            if up:
                settle(engine, outlet)
            t += step_s
        return engine

    def _send_new(self, engine: Engine, i: int, now: float) -> None:
        spec = self.parents[i]
        cl = f"N{i}"
        price = None
        if spec.limit_offset_ticks is not None:
            quote = engine.quotes[SYMBOL]
            assert quote.mid is not None
            sign = 1 if spec.side == "1" else -1
            price = f"{round(quote.mid / 0.001) * 0.001 + sign * spec.limit_offset_ticks * 0.001:.3f}"
        self.ends[i] = now + spec.duration_s
        engine.dispatch(NewOrderRequest(SESSION, cl, SYMBOL, spec.side, str(spec.qty), "2" if price else "1", price,
                                        "6", now, now, now + spec.duration_s, "1000", None))
        self.current[i] = cl

    def _act(self, engine: Engine, action: OmsAction) -> None:
        if action.parent not in self.current:
            return
        orig = self.current[action.parent]
        cl = f"{action.kind[0].upper()}{action.parent}-{action.at_s:.1f}"
        if action.kind == "cancel":
            engine.dispatch(CancelRequest(SESSION, cl, orig, SYMBOL, None))
        elif action.kind == "replace":
            qty = max(1, int(self.parents[action.parent].qty * action.qty_fraction))
            engine.dispatch(ReplaceRequest(SESSION, cl, orig, SYMBOL, self.parents[action.parent].side, str(qty),
                                           None, None, None))
        elif action.kind == "mass_cancel":
            engine.dispatch(MassCancelRequest(SESSION, cl, "7", None))
            return
        else:
            engine.dispatch(StatusRequest(SESSION, orig, None))
            return
        last = self.oms.reports[-1] if self.oms.reports else None
        if last is not None and last.cl_ord_id == cl and last.exec_type in ("6", "E"):
            self.current[action.parent] = cl  # accepted: later requests name the new ClOrdID
