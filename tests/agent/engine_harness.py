"""An engine wired to recording ports and a hand-driven clock, plus a tiny venue that answers it.

The venue here is deliberately simple (it fills what the test tells it to); the real venue is
exercised over FIX in tests/e2e.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from agent.backtest.backtest import ReportLog
from agent.config import load_config
from agent.core.commands import (
    Command,
    MassCancelReport,
    ParentCancelReject,
    ParentExecReport,
    VenueCancel,
    VenueMassStatusRequest,
    VenueNewOrder,
    VenueReplace,
)
from agent.core.engine import IdSource, engine_from_config
from agent.core.events import (
    CancelRequest,
    Event,
    MassCancelRequest,
    NewOrderRequest,
    ReplaceRequest,
    StatusRequest,
    Tick,
    VenueCancelReject,
    VenueExecReport,
    VenueSessionState,
)
from strategies.types import Quote

T0 = 1_800_000_000.0
SESSION = "FIX.4.4:FOOTPRINT->OMS"


class ManualClock:
    def __init__(self, t: float = T0) -> None:
        self.t = t

    def now(self) -> float:
        return self.t


class RecordingOms(ReportLog):
    def for_order(self, *cl_ord_ids: str) -> list[ParentExecReport]:
        return [r for r in self.reports if r.cl_ord_id in cl_ord_ids]


@dataclass
class VenueOrder:
    cl_ord_id: str
    qty: int
    price: float | None
    tif: str
    cum: int = 0
    live: bool = True


class FakeVenue:
    """Records what the engine sends; answers only when the test says so."""

    def __init__(self) -> None:
        self.sent: list[object] = []
        self.orders: dict[str, VenueOrder] = {}  # current ClOrdID -> order
        self._exec = itertools.count(1)

    def unanswered(self, kind: type) -> list[object]:
        return [m for m in self.sent if isinstance(m, kind) and not getattr(m, "_answered", False)]

    def report(self, cl_ord_id: str, exec_type: str, status: str, *, orig: str | None = None, last_qty: int = 0,
               last_px: float = 0.0, cum: int = 0, leaves: int = 0) -> VenueExecReport:
        return VenueExecReport(cl_ord_id, orig, "V1", f"X{next(self._exec)}", exec_type, status, "CRYPTOALPHA",
                               "1", last_qty, last_px, cum, leaves, last_px, None)


class HarnessOutlet:
    """The engine's outlet: OMS commands to the recording OMS, venue commands to the fake venue."""

    def __init__(self, oms: ReportLog, venue: FakeVenue) -> None:
        self.oms = oms
        self.venue = venue

    def emit(self, command: Command) -> None:
        if isinstance(command, ParentExecReport | ParentCancelReject | MassCancelReport):
            self.oms.record(command)
        else:
            self.venue.sent.append(command)


class Harness:
    def __init__(self, **overrides: object) -> None:
        # No market data feed here (quotes only when a test sends one): the circuit breakers are off unless a
        # test turns them on.
        self.cfg = load_config(**{"breakers": {"enabled": False}, **overrides})
        self.clock = ManualClock()
        self.oms = RecordingOms()
        self.venue = FakeVenue()
        self.engine = engine_from_config(self.cfg, self.clock, HarnessOutlet(self.oms, self.venue), IdSource("t"))
        self.venue_session(True)
        self.quote(19.995, 20.005)
        self._ids = itertools.count(1)

    def send(self, event: Event) -> None:
        self.engine.dispatch(event)

    def venue_session(self, up: bool) -> None:
        """The venue session goes up or down; on logon the venue answers the mass status (nothing unknown)."""
        self.send(VenueSessionState(up))
        if up:
            for m in list(self.venue.sent):
                if isinstance(m, VenueMassStatusRequest):
                    self.venue.sent.remove(m)
                    self.send(VenueExecReport("NONE", None, "NONE", f"X{next(self.venue._exec)}", "I", "8", "", "",
                                              0, 0.0, 0, 0, 0.0, "no working orders",
                                              mass_status_req_id=m.mass_status_req_id, last_report=True))

    def quote(self, bid: float, ask: float, symbol: str = "CRYPTOALPHA", size: int = 5_000) -> None:
        self.send(Quote(symbol, bid, size, ask, size, self.clock.now()))

    def new(self, qty: int | str = 1000, *, symbol: str | None = "CRYPTOALPHA", side: str | None = "1",
            ord_type: str | None = "1", price: str | None = None, duration: float | None = 60.0,
            tif: str | None = "6", strategy: str | None = "1000", cl_ord_id: str | None = None,
            effective: float | None = None, transact: float | None = T0,
            parameters: tuple[tuple[str, str], ...] = ()) -> str:
        cl = cl_ord_id or f"O{next(self._ids)}"
        expire = self.clock.now() + duration if duration is not None else None
        self.send(NewOrderRequest(SESSION, cl, symbol, side, str(qty), ord_type, price, tif, transact,
                                  effective, expire, strategy, None, parameters=parameters))
        return cl

    def cancel(self, orig: str) -> str:
        cl = f"C{next(self._ids)}"
        self.send(CancelRequest(SESSION, cl, orig, None, None))
        return cl

    def replace(self, orig: str, qty: int, price: str | None = None) -> str:
        cl = f"R{next(self._ids)}"
        self.send(ReplaceRequest(SESSION, cl, orig, "CRYPTOALPHA", "1", str(qty), None, price, None))
        return cl

    def mass_cancel(self, kind: str = "7", symbol: str | None = None) -> str:
        cl = f"M{next(self._ids)}"
        self.send(MassCancelRequest(SESSION, cl, kind, symbol))
        return cl

    def status(self, cl_ord_id: str) -> None:
        self.send(StatusRequest(SESSION, cl_ord_id, None))

    def tick(self, seconds: float = 0.0) -> None:
        self.clock.t += seconds
        self.send(Tick())

    # venue answers
    def ack_all(self) -> None:
        """The venue accepts every new order, cancel and replace it has been sent."""
        for m in list(self.venue.sent):
            if getattr(m, "_answered", False):
                continue
            object.__setattr__(m, "_answered", True)
            if isinstance(m, VenueNewOrder):
                px = float(m.price) if m.price is not None else None
                self.venue.orders[m.cl_ord_id] = VenueOrder(m.cl_ord_id, m.qty, px, m.tif.value)
                self.send(self.venue.report(m.cl_ord_id, "0", "0", leaves=m.qty))
            elif isinstance(m, VenueCancel):
                order = self.venue.orders.pop(m.orig_cl_ord_id, None)
                if order is None or not order.live:
                    self.send(VenueCancelReject(m.cl_ord_id, m.orig_cl_ord_id, "2", "1",
                                                                         "0", "too late"))
                    continue
                order.live = False
                self.send(self.venue.report(m.cl_ord_id, "4", "4", orig=m.orig_cl_ord_id,
                                                              cum=order.cum))
            elif isinstance(m, VenueReplace):
                order = self.venue.orders.pop(m.orig_cl_ord_id)
                order.cl_ord_id, order.qty, order.price = m.cl_ord_id, m.qty, float(m.price)
                self.venue.orders[m.cl_ord_id] = order
                self.send(self.venue.report(m.cl_ord_id, "5", "0", orig=m.orig_cl_ord_id,
                                                              cum=order.cum, leaves=order.qty - order.cum))

    def fill(self, cl_ord_id: str, qty: int, px: float) -> None:
        order = self.venue.orders[cl_ord_id]
        order.cum += qty
        status = "2" if order.cum >= order.qty else "1"
        if status == "2":
            order.live = False
        self.send(self.venue.report(cl_ord_id, "F", status, last_qty=qty, last_px=px,
                                                      cum=order.cum, leaves=order.qty - order.cum))

    def live_venue_orders(self) -> list[VenueOrder]:
        return [o for o in self.venue.orders.values() if o.live]

    def expire_ioc(self) -> None:
        """The venue cancels the unfilled rest of every IOC."""
        for o in self.live_venue_orders():
            if o.tif == "3":
                o.live = False
                self.send(self.venue.report(o.cl_ord_id, "4", "4", cum=o.cum))


TERMINAL = {"2", "3", "4", "8", "C"}


def assert_parent_invariants(reports: Sequence[ParentExecReport]) -> None:
    """FIX 4.4 parent semantics over every report: no overfill, CumQty + LeavesQty = OrderQty while working,
    LeavesQty 0 once done, AvgPx the fill-weighted average, ExecIDs unique."""
    fills: dict[str, list[tuple[int, float]]] = {}
    for r in reports:
        if r.exec_type == "8" and r.order_id == "NONE":
            continue
        assert r.cum_qty <= r.order_qty, f"overfill in {r}"
        if r.ord_status in TERMINAL:
            assert r.leaves_qty == 0
        else:
            assert r.cum_qty + r.leaves_qty == r.order_qty
        if r.exec_type == "F":
            fills.setdefault(r.order_id, []).append((r.last_qty, r.last_px))
            done = fills[r.order_id]
            qty = sum(q for q, _ in done)
            assert qty == r.cum_qty
            assert r.avg_px == pytest.approx(sum(q * p for q, p in done) / qty, rel=1e-12)
    ids = [r.exec_id for r in reports]
    assert len(ids) == len(set(ids))
