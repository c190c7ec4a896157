"""The in-process simulator as a venue: the engine's VenuePort over `simulator.market.Market`, no sockets.

Requests go to the market at once; what the market answers is queued and handed to the engine after
its current call returns, as a FIX venue's reports would arrive after the request left.
"""

from __future__ import annotations

import itertools
import logging

from agent.ports import VenueCancel, VenueNewOrder, VenueReplace, VenueStatusRequest
from agent.venue_reports import VenueCancelReject, VenueExecReport
from simulator.market import Market
from simulator.order_state import OrderRefused, OrderState, OrderStatus, OrderUpdate, UpdateKind
from simulator.orders import OrderType, Side, TimeInForce
from strategies.types import ChildTif, Quote

log = logging.getLogger("footprint.sim_venue")

_SIDES = {"1": Side.BUY, "2": Side.SELL}
_FIX_SIDE = {Side.BUY: "1", Side.SELL: "2"}
_TIF = {ChildTif.DAY: TimeInForce.DAY, ChildTif.IOC: TimeInForce.IOC}
_EXEC_TYPE = {UpdateKind.NEW: "0", UpdateKind.TRADE: "F", UpdateKind.CANCELED: "4", UpdateKind.REPLACED: "5",
              UpdateKind.REJECTED: "8"}
_TOO_LATE = "0"
_UNKNOWN = "1"


def _ord_status(order: OrderState) -> str:
    if order.status is OrderStatus.NEW:
        return "1" if order.cum_qty else "0"
    return {OrderStatus.PARTIALLY_FILLED: "1", OrderStatus.FILLED: "2", OrderStatus.CANCELED: "4",
            OrderStatus.REJECTED: "8"}[order.status]


class SimVenue:
    """VenuePort for a Market the caller advances; `take_reports()` drains what the venue said."""

    def __init__(self, market: Market, owner: str = "FOOTPRINT") -> None:
        self.market = market
        self.owner = owner
        self._order_of: dict[str, int] = {}  # every ClOrdID we used -> venue order id
        self._current: dict[int, str] = {}  # venue order id -> the ClOrdID it is known by now
        self._answering: dict[int, tuple[str, str]] = {}  # order id -> (new, orig) ClOrdID of a cancel/replace
        self._inbox: list[VenueExecReport | VenueCancelReject] = []
        self._exec_ids = itertools.count(1)
        self.sent = 0

    # VenuePort
    def send_new(self, order: VenueNewOrder) -> bool:
        self.sent += 1
        price = float(order.price) if order.price is not None else None
        updates = self.market.submit(self.owner, order.symbol, _SIDES[order.side], order.qty,
                                     OrderType.LIMIT if price is not None else OrderType.MARKET, price,
                                     _TIF[order.tif])
        if updates:
            order_id = updates[0].order.order_id
            self._order_of[order.cl_ord_id] = order_id
            self._current[order_id] = order.cl_ord_id
        self.deliver(updates)
        return True

    def send_cancel(self, cancel: VenueCancel) -> bool:
        order_id = self._order_of.get(cancel.orig_cl_ord_id)
        if order_id is None:
            self._refuse(cancel.cl_ord_id, cancel.orig_cl_ord_id, "1", _UNKNOWN, "unknown order")
            return True
        self._order_of[cancel.cl_ord_id] = order_id
        self._answering[order_id] = (cancel.cl_ord_id, cancel.orig_cl_ord_id)
        try:
            self.deliver(self.market.cancel(self.owner, order_id))
        except OrderRefused as exc:
            self._refuse(cancel.cl_ord_id, cancel.orig_cl_ord_id, "1", _TOO_LATE, exc.text, exc.order)
        finally:
            self._answering.pop(order_id, None)
        return True

    def send_replace(self, replace: VenueReplace) -> bool:
        order_id = self._order_of.get(replace.orig_cl_ord_id)
        if order_id is None:
            self._refuse(replace.cl_ord_id, replace.orig_cl_ord_id, "2", _UNKNOWN, "unknown order")
            return True
        self._order_of[replace.cl_ord_id] = order_id
        self._answering[order_id] = (replace.cl_ord_id, replace.orig_cl_ord_id)
        try:
            self.deliver(self.market.replace(self.owner, order_id, replace.qty, float(replace.price)))
        except OrderRefused as exc:
            self._refuse(replace.cl_ord_id, replace.orig_cl_ord_id, "2", _TOO_LATE, exc.text, exc.order)
        finally:
            self._answering.pop(order_id, None)
        return True

    def send_status_request(self, request: VenueStatusRequest) -> bool:
        order_id = self._order_of.get(request.cl_ord_id)
        if order_id is None:
            return True
        state = self.market.status(self.owner, order_id)
        self._inbox.append(self._report("I", state, request.cl_ord_id, None, 0, 0.0, ""))
        return True

    # the market's answers
    def deliver(self, updates: list[OrderUpdate]) -> None:
        """Queue the reports for updates of our orders (others' updates are ignored)."""
        for u in updates:
            if u.order.owner != self.owner:
                continue
            order_id = u.order.order_id
            cl_ord_id, orig = self._current.get(order_id, ""), None
            answering = self._answering.get(order_id)
            if answering is not None and u.kind in (UpdateKind.CANCELED, UpdateKind.REPLACED):
                cl_ord_id, orig = answering
                self._current[order_id] = cl_ord_id
            self._inbox.append(self._report(_EXEC_TYPE[u.kind], u.order, cl_ord_id, orig, u.last_qty,
                                            u.last_price, u.text))

    def take_reports(self) -> list[VenueExecReport | VenueCancelReject]:
        reports, self._inbox = self._inbox, []
        return reports

    def quote(self, symbol: str) -> Quote:
        depth = self.market.depth(symbol, 1)
        bid = depth.bids[0] if depth.bids else None
        ask = depth.asks[0] if depth.asks else None
        return Quote(symbol, bid.price if bid else None, bid.size if bid else 0, ask.price if ask else None,
                     ask.size if ask else 0, self.market.now)

    def _report(self, exec_type: str, order: OrderState, cl_ord_id: str, orig: str | None, last_qty: int,
                last_px: float, text: str) -> VenueExecReport:
        return VenueExecReport(
            cl_ord_id=cl_ord_id, orig_cl_ord_id=orig, order_id=str(order.order_id),
            exec_id=f"S{next(self._exec_ids)}", exec_type=exec_type, ord_status=_ord_status(order),
            symbol=order.symbol, side=_FIX_SIDE[order.side], last_qty=last_qty, last_px=last_px,
            cum_qty=order.cum_qty, leaves_qty=order.leaves_qty, avg_px=order.avg_price, text=text or None)

    def _refuse(self, cl_ord_id: str, orig: str, response_to: str, reason: str, text: str,
                order: OrderState | None = None) -> None:
        status = _ord_status(order) if order is not None else None
        self._inbox.append(VenueCancelReject(cl_ord_id, orig, status, response_to, reason, text))
