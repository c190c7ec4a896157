"""Order entry over FIX: ClOrdIDs per session, requests turned into market calls, updates into reports.

With faults set for a session (`VenueFaults`), the desk also misbehaves for it on purpose, never against the
book: what a report says is what the book did; only when it arrives, how often, or whether a cancel is heard
at all, changes. Held messages, late News and the venue's own actions come out of `release_due()`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from fix_config.vocabulary import Boolean
from simulator.fix_codes import (
    CXL_REJ_DUPLICATE,
    CXL_REJ_OTHER,
    CXL_REJ_REASON,
    CXL_REJ_UNKNOWN_ORDER,
    EXEC_TYPE,
    EXEC_TYPE_DONE_FOR_DAY,
    EXEC_TYPE_ORDER_STATUS,
    EXEC_TYPE_RESTATED,
    NO_ORDER_ID,
    ORD_REJ_DUPLICATE,
    ORD_REJ_OTHER,
    ORD_REJ_QUANTITY,
    ORD_REJ_REASON,
    ORD_REJ_UNKNOWN_SYMBOL,
    ORD_STATUS,
    ORD_STATUS_DONE_FOR_DAY,
    ORD_TYPE_FROM_FIX,
    ORD_TYPE_TO_FIX,
    RESPONSE_TO_CANCEL,
    RESPONSE_TO_REPLACE,
    RESTATED_PARTIAL_DECLINE,
    SIDE_FROM_FIX,
    SIDE_TO_FIX,
    SIDE_UNDISCLOSED,
    TIF_FROM_FIX,
    TIF_TO_FIX,
    parse_price,
    parse_quantity,
    utc_timestamp,
)
from simulator.fix_faults import SessionFaults, is_ack, is_fill, may_duplicate, shuffle
from simulator.fix_messages import CancelReject, ExecReport, Routed
from simulator.fix_requests import (
    CancelRequest,
    MassStatusRequest,
    NewOrderRequest,
    OrderRequest,
    ReplaceRequest,
    StatusRequest,
)
from simulator.market import Market
from simulator.order_state import OrderRefused, OrderState, OrderStatus, OrderUpdate, UpdateKind
from simulator.orders import OrderType
from simulator.timed_queue import TimedQueue
from simulator.venue_faults import VenueFaults

__all__ = ["LedgerFill", "OrderDesk", "Routed", "VenueOrderRecord"]

_REJECTED = ORD_STATUS[OrderStatus.REJECTED]
_NO_WORKING_ORDERS = "no working orders"


@dataclass(frozen=True, slots=True)
class LedgerFill:
    """One fill as the venue reported it: its ExecID, quantity and the price on the wire."""

    exec_id: str
    qty: int
    price: float


@dataclass(frozen=True, slots=True)
class VenueOrderRecord:
    """The venue's truth about one FIX order: every ClOrdID it answered to, its fills and where it stands."""

    session: str
    order_id: str
    cl_ord_ids: tuple[str, ...]
    symbol: str
    side: str
    qty: int
    cum_qty: int
    fills: tuple[LedgerFill, ...]
    working: bool
    ord_status: str


@dataclass(slots=True)
class _Ticket:
    """A FIX order: whose it is, the ClOrdID it answers to now and every one before, its fills."""

    session: str
    cl_ord_id: str
    known_as: list[str]
    fills: list[LedgerFill]


@dataclass(frozen=True, slots=True)
class _LateNew:
    """A NewOrderSingle held back before it reaches the book."""

    session: str
    request: NewOrderRequest


class _Action(Enum):
    CANCEL = "cancel"
    DONE_FOR_DAY = "done for day"
    RESTATE = "restate"


@dataclass(frozen=True, slots=True)
class _VenueAction:
    """Something the venue does to a working order on its own."""

    action: _Action
    order_id: int


_Held = tuple[str, ExecReport | CancelReject] | _LateNew | _VenueAction


class OrderDesk:
    """New, cancel, cancel/replace, status and mass status requests for FIX sessions; owners are session keys.

    `faults` maps session keys to fault settings (none by default). Every method returns the messages to send
    now, in order; `release_due()` returns those that fall due later.
    """

    def __init__(self, market: Market, run_tag: str, faults: Mapping[str, VenueFaults] | None = None) -> None:
        self._market = market
        self._run_tag = run_tag
        self._tickets: dict[int, _Ticket] = {}
        self._orders_by_cl_ord_id: dict[tuple[str, str], int] = {}
        self._used_cl_ord_ids: set[tuple[str, str]] = set()
        self._done_for_day: set[int] = set()
        self._exec_count = 0
        self._faults: dict[str, SessionFaults] = {}
        self._held: TimedQueue[_Held] = TimedQueue()
        for session, settings in (faults or {}).items():
            self.set_faults(session, settings)

    def set_faults(self, session: str, faults: VenueFaults | None) -> None:
        """Misbehave for a session as `faults` says from now on (None or all-off: behave)."""
        if faults is None or not faults.active:
            self._faults.pop(session, None)
        else:
            self._faults[session] = SessionFaults(faults)

    # -- requests ----------------------------------------------------------------------------------

    def handle(self, session: str, request: OrderRequest) -> list[Routed]:
        """Any order-entry request."""
        if isinstance(request, NewOrderRequest):
            return self.new_order(session, request)
        if isinstance(request, CancelRequest):
            return self.cancel(session, request)
        if isinstance(request, ReplaceRequest):
            return self.replace(session, request)
        if isinstance(request, StatusRequest):
            return self.status(session, request)
        return self.mass_status(session, request)

    def new_order(self, session: str, request: NewOrderRequest) -> list[Routed]:
        """Validate the wire values, enter the order, report what happened."""
        key = (session, request.cl_ord_id)
        if key in self._used_cl_ord_ids:
            return [self._reject_new(session, request, ORD_REJ_DUPLICATE, f"duplicate ClOrdID {request.cl_ord_id}")]
        self._used_cl_ord_ids.add(key)
        faults = self._faults.get(session)
        if faults is not None and faults.happens(faults.settings.reject_new):
            return self._out([self._reject_new(session, request, ORD_REJ_OTHER, "rejected by the venue")])
        if faults is not None and faults.happens(faults.settings.cancel_overtakes_new):
            self._held.put(self._market.now + faults.delay(), _LateNew(session, request))
            return []
        return self._out(self._enter(session, request))

    def _enter(self, session: str, request: NewOrderRequest) -> list[Routed]:
        side = SIDE_FROM_FIX.get(request.side)
        order_type = ORD_TYPE_FROM_FIX.get(request.ord_type)
        tif = TIF_FROM_FIX.get(request.tif or "0")
        qty = parse_quantity(request.qty) if request.qty is not None else None
        price = parse_price(request.price) if request.price is not None else None
        problem: tuple[int, str] | None = None
        if side is None:
            problem = ORD_REJ_OTHER, f"unsupported Side(54) {request.side}; use 1 buy or 2 sell"
        elif order_type is None:
            problem = ORD_REJ_OTHER, f"unsupported OrdType(40) {request.ord_type}; use 1 market or 2 limit"
        elif tif is None:
            problem = ORD_REJ_OTHER, f"unsupported TimeInForce(59) {request.tif}; use 0 day, 1 GTC or 3 IOC"
        elif not request.symbol:
            problem = ORD_REJ_UNKNOWN_SYMBOL, "Symbol(55) missing"
        elif qty is None:
            problem = ORD_REJ_QUANTITY, f"OrderQty(38) must be a whole number of units, got {request.qty}"
        elif order_type is OrderType.LIMIT and request.price is None:
            problem = ORD_REJ_OTHER, "a limit order needs Price(44)"
        elif order_type is OrderType.LIMIT and price is None:
            problem = ORD_REJ_OTHER, f"Price(44) {request.price} is not a number"
        if problem is not None:
            return [self._reject_new(session, request, *problem)]
        assert side is not None and order_type is not None and tif is not None
        assert request.symbol is not None and qty is not None

        updates = self._market.submit(session, request.symbol, side, qty, order_type, price, tif)
        order_id = updates[0].order.order_id
        self._tickets[order_id] = _Ticket(session, request.cl_ord_id, [request.cl_ord_id], [])
        self._orders_by_cl_ord_id[(session, request.cl_ord_id)] = order_id
        routed = self._reports(updates)
        self._plan_venue_actions(session, order_id)
        return routed

    def cancel(self, session: str, request: CancelRequest) -> list[Routed]:
        """Cancel the order OrigClOrdID names; OrderCancelReject when it cannot be."""
        faults = self._faults.get(session)
        if faults is not None and faults.happens(faults.settings.drop_cancels):
            return []  # lost on the way: not seen, not carried out, not answered
        order_id, refusal = self._lookup_for_change(session, request.cl_ord_id, request.orig_cl_ord_id)
        if refusal is not None:
            return [(session, self._cancel_reject(request, RESPONSE_TO_CANCEL, *refusal, order_id=order_id))]
        assert order_id is not None
        try:
            updates = self._market.cancel(session, order_id)
        except OrderRefused as refused:
            reason = CXL_REJ_REASON.get(refused.reason, CXL_REJ_OTHER)
            return [(session, self._cancel_reject(request, RESPONSE_TO_CANCEL, reason, refused.text, order_id))]
        self._rename(order_id, session, request.cl_ord_id)
        return self._out(self._reports(updates, orig_cl_ord_id=request.orig_cl_ord_id))

    def replace(self, session: str, request: ReplaceRequest) -> list[Routed]:
        """Give the order OrigClOrdID names a new total quantity and price; later reports use the new ClOrdID."""
        order_id, refusal = self._lookup_for_change(session, request.cl_ord_id, request.orig_cl_ord_id)
        if refusal is None:
            assert order_id is not None
            refusal = self._replace_problem(session, order_id, request)
        if refusal is not None:
            return [(session, self._cancel_reject(request, RESPONSE_TO_REPLACE, *refusal, order_id=order_id))]
        assert order_id is not None and request.qty is not None
        qty = parse_quantity(request.qty)
        price = parse_price(request.price) if request.price is not None else None
        assert qty is not None
        try:
            updates = self._market.replace(session, order_id, qty, price)
        except OrderRefused as refused:
            reason = CXL_REJ_REASON.get(refused.reason, CXL_REJ_OTHER)
            return [(session, self._cancel_reject(request, RESPONSE_TO_REPLACE, reason, refused.text, order_id))]
        self._rename(order_id, session, request.cl_ord_id)
        return self._out(self._reports(updates, orig_cl_ord_id=request.orig_cl_ord_id))

    def status(self, session: str, request: StatusRequest) -> list[Routed]:
        """An ExecutionReport with ExecType I for the order ClOrdID names (OrdStatus 8 when unknown)."""
        order_id = self._orders_by_cl_ord_id.get((session, request.cl_ord_id))
        if order_id is None:
            text = f"unknown ClOrdID {request.cl_ord_id}"
            return [(session, self._no_order(request.cl_ord_id, request.symbol, request.side, text))]
        state = self._market.status(session, order_id)
        report = self._exec_report(state, EXEC_TYPE_ORDER_STATUS, request.cl_ord_id, self._market.now)
        return [(session, report)]

    def mass_status(self, session: str, request: MassStatusRequest) -> list[Routed]:
        """One ExecutionReport (ExecType I) per working order of the session, the last with LastRptRequested Y;
        a single report with ClOrdID NONE when there is none."""
        orders = [
            state for state in self._market.open_orders(session)
            if state.order_id in self._tickets and request.symbol in (None, state.symbol)
        ]  # fmt: skip
        now = self._market.now
        if not orders:
            empty = self._no_order(NO_ORDER_ID, request.symbol, SIDE_UNDISCLOSED, _NO_WORKING_ORDERS)
            return [(session, dataclasses.replace(
                empty, mass_status_req_id=request.mass_status_req_id, tot_num_reports=0,
                last_rpt_requested=Boolean.YES.value,
            ))]  # fmt: skip
        routed: list[Routed] = []
        for index, state in enumerate(orders, start=1):
            report = self._exec_report(state, EXEC_TYPE_ORDER_STATUS, self._tickets[state.order_id].cl_ord_id, now)
            routed.append((session, dataclasses.replace(
                report,
                mass_status_req_id=request.mass_status_req_id,
                tot_num_reports=len(orders),
                last_rpt_requested=Boolean.YES.value if index == len(orders) else Boolean.NO.value,
            )))  # fmt: skip
        return routed

    # -- reports and time --------------------------------------------------------------------------

    def report(self, updates: list[OrderUpdate]) -> list[Routed]:
        """ExecutionReports for updates to FIX orders that the venue did not ask for (flow fills, kills)."""
        return self._out(self._reports(updates))

    def release_due(self) -> list[Routed]:
        """What falls due by the market's now, in time order: held messages, late News reaching the book (and
        what they cause), the venue's own actions on orders (and their reports)."""
        now = self._market.now
        routed: list[Routed] = []
        while (item := self._held.pop_due(now)) is not None:
            if isinstance(item, _LateNew):
                # It is as late as it may be: what answers it is not held back any further.
                routed.extend(self._out(self._enter(item.session, item.request), not_after=now))
            elif isinstance(item, _VenueAction):
                routed.extend(self._out(self._act(item)))
            else:
                routed.append(item)
        return routed

    def next_due(self) -> float | None:
        """When `release_due()` next has something; None when nothing is held."""
        return self._held.next_due()

    def cancel_session(self, session: str) -> list[Routed]:
        """Cancel every working order of a session that has gone, and drop its News still on their way."""
        self._held.discard(lambda item: isinstance(item, _LateNew) and item.session == session)
        return self.report(self._market.cancel_all(session))

    def ledger(self, session: str | None = None) -> list[VenueOrderRecord]:
        """Every FIX order that reached the book (of one session, or all), oldest first, as the book has it."""
        records: list[VenueOrderRecord] = []
        for order_id, ticket in sorted(self._tickets.items()):
            if session is not None and ticket.session != session:
                continue
            state = self._market.status(ticket.session, order_id)
            records.append(VenueOrderRecord(
                session=ticket.session,
                order_id=self._order_id(order_id),
                cl_ord_ids=tuple(ticket.known_as),
                symbol=state.symbol,
                side=SIDE_TO_FIX[state.side],
                qty=state.qty,
                cum_qty=state.cum_qty,
                fills=tuple(ticket.fills),
                working=not state.status.is_done,
                ord_status=self._ord_status(state),
            ))  # fmt: skip
        return records

    # -- internals ---------------------------------------------------------------------------------

    def _lookup_for_change(
        self, session: str, cl_ord_id: str, orig_cl_ord_id: str
    ) -> tuple[int | None, tuple[int, str] | None]:
        order_id = self._orders_by_cl_ord_id.get((session, orig_cl_ord_id))
        if (session, cl_ord_id) in self._used_cl_ord_ids:
            return order_id, (CXL_REJ_DUPLICATE, f"duplicate ClOrdID {cl_ord_id}")
        self._used_cl_ord_ids.add((session, cl_ord_id))
        if order_id is None:
            return None, (CXL_REJ_UNKNOWN_ORDER, f"unknown OrigClOrdID {orig_cl_ord_id}")
        return order_id, None

    def _replace_problem(self, session: str, order_id: int, request: ReplaceRequest) -> tuple[int, str] | None:
        state = self._market.status(session, order_id)
        if request.side != SIDE_TO_FIX[state.side]:
            return CXL_REJ_OTHER, f"Side(54) {request.side} does not match the order's {SIDE_TO_FIX[state.side]}"
        if request.symbol is not None and request.symbol != state.symbol:
            return CXL_REJ_OTHER, f"Symbol(55) {request.symbol} does not match the order's {state.symbol}"
        if ORD_TYPE_FROM_FIX.get(request.ord_type) is not OrderType.LIMIT:
            return CXL_REJ_OTHER, f"only limit orders can be replaced, got OrdType(40) {request.ord_type}"
        if request.qty is None or parse_quantity(request.qty) is None:
            return CXL_REJ_OTHER, f"OrderQty(38) must be a whole number of units, got {request.qty}"
        if request.price is not None and parse_price(request.price) is None:
            return CXL_REJ_OTHER, f"Price(44) {request.price} is not a number"
        return None

    def _reports(
        self,
        updates: list[OrderUpdate],
        *,
        orig_cl_ord_id: str | None = None,
        exec_type: str | None = None,
        text: str | None = None,
        restatement_reason: str | None = None,
    ) -> list[Routed]:
        """ExecutionReports for updates to FIX orders; `orig_cl_ord_id` goes on a cancel or replace report, and
        `exec_type` / `text` replace those of a cancel or replace the venue did on its own."""
        routed: list[Routed] = []
        for update in updates:
            ticket = self._tickets.get(update.order.order_id)
            if ticket is None:
                continue  # an order entered other than over FIX
            changes = update.kind in (UpdateKind.CANCELED, UpdateKind.REPLACED)
            report = self._exec_report(
                update.order,
                (exec_type if changes else None) or EXEC_TYPE[update.kind],
                ticket.cl_ord_id,
                update.time,
                orig_cl_ord_id=orig_cl_ord_id if changes else None,
                last=(update.last_qty, update.last_price) if update.kind is UpdateKind.TRADE else None,
                ord_rej_reason=(
                    ORD_REJ_REASON.get(update.reject_reason, ORD_REJ_OTHER) if update.reject_reason else None
                ),
                text=(text if changes else None) or update.text or None,
            )
            if changes and restatement_reason is not None:
                report = dataclasses.replace(report, exec_restatement_reason=restatement_reason)
            if report.last_qty is not None and report.last_px is not None:
                ticket.fills.append(LedgerFill(report.exec_id, report.last_qty, float(report.last_px)))
            routed.append((ticket.session, report))
        return routed

    def _out(self, routed: list[Routed], not_after: float | None = None) -> list[Routed]:
        """What goes out now once each session's faults have had their say; the rest is held, up to
        `max_delay_s` and never past `not_after`."""
        if not self._faults:
            return routed
        now = self._market.now

        def until(delay: float) -> float:
            return now + delay if not_after is None else min(now + delay, not_after)

        out: list[Routed] = []
        for session, record in shuffle(routed, self._faults):
            faults = self._faults.get(session)
            if faults is None or not isinstance(record, ExecReport | CancelReject):
                out.append((session, record))
                continue
            if is_ack(record) and faults.happens(faults.settings.delay_acks):
                self._held.put(until(faults.delay()), (session, record))
            elif is_fill(record) and faults.happens(faults.settings.reorder_reports):
                # A late fill report: what the venue says next about the order (a cancel, its end) overtakes it.
                self._held.put(until(faults.delay()), (session, record))
            else:
                out.append((session, record))
            if may_duplicate(record) and faults.happens(faults.settings.duplicate_reports):
                self._held.put(until(faults.delay()), (session, record))
        return out

    def _plan_venue_actions(self, session: str, order_id: int) -> None:
        """Draw, once at entry, whether and when the venue will cancel, end or cut this order on its own."""
        faults = self._faults.get(session)
        if faults is None or self._market.status(session, order_id).status.is_done:
            return
        for action, probability in (
            (_Action.CANCEL, faults.settings.unsolicited_cancels),
            (_Action.DONE_FOR_DAY, faults.settings.done_for_day),
            (_Action.RESTATE, faults.settings.restatements),
        ):
            if faults.happens(probability):
                self._held.put(self._market.now + faults.event_delay(), _VenueAction(action, order_id))

    def _act(self, item: _VenueAction) -> list[Routed]:
        """The venue cancels, ends (DoneForDay) or cuts (restatement) a working order; nothing once it is done."""
        ticket = self._tickets[item.order_id]
        state = self._market.status(ticket.session, item.order_id)
        if state.status.is_done:
            return []
        if item.action is _Action.CANCEL:
            updates = self._market.cancel(ticket.session, item.order_id)
            return self._reports(updates, text="cancelled by the venue")
        if item.action is _Action.DONE_FOR_DAY:
            updates = self._market.cancel(ticket.session, item.order_id)
            self._done_for_day.add(item.order_id)
            return self._reports(updates, exec_type=EXEC_TYPE_DONE_FOR_DAY, text="done for day")
        # A restatement cuts whole lots and leaves at least one unit working, so the order stays as it was.
        lot = self._market.spec(state.symbol).lot_size
        lots = (state.leaves_qty - 1) // lot
        faults = self._faults.get(ticket.session)
        if lots < 1 or faults is None:
            return []
        qty = state.qty - lot * faults.pick(lots)
        try:
            updates = self._market.replace(ticket.session, item.order_id, qty)
        except OrderRefused:
            return []
        return self._reports(
            updates,
            exec_type=EXEC_TYPE_RESTATED,
            text=f"restated by the venue: OrderQty {state.qty} -> {qty}",
            restatement_reason=RESTATED_PARTIAL_DECLINE,
        )

    def _rename(self, order_id: int, session: str, cl_ord_id: str) -> None:
        ticket = self._tickets[order_id]
        ticket.cl_ord_id = cl_ord_id
        ticket.known_as.append(cl_ord_id)
        self._orders_by_cl_ord_id[(session, cl_ord_id)] = order_id

    def _ord_status(self, order: OrderState) -> str:
        if order.order_id in self._done_for_day:
            return ORD_STATUS_DONE_FOR_DAY
        return ORD_STATUS[order.status]

    def _exec_report(
        self,
        order: OrderState,
        exec_type: str,
        cl_ord_id: str,
        when: float,
        *,
        orig_cl_ord_id: str | None = None,
        last: tuple[int, float] | None = None,
        ord_rej_reason: int | None = None,
        text: str | None = None,
    ) -> ExecReport:
        return ExecReport(
            order_id=self._order_id(order.order_id),
            exec_id=self._next_exec_id(),
            exec_type=exec_type,
            ord_status=self._ord_status(order),
            cl_ord_id=cl_ord_id,
            orig_cl_ord_id=orig_cl_ord_id,
            symbol=order.symbol,
            side=SIDE_TO_FIX[order.side],
            ord_type=ORD_TYPE_TO_FIX[order.order_type],
            tif=TIF_TO_FIX[order.tif],
            order_qty=order.qty,
            price=self._price_text(order.symbol, order.price) if order.price is not None else None,
            last_qty=last[0] if last else None,
            last_px=self._price_text(order.symbol, last[1]) if last else None,
            leaves_qty=order.leaves_qty,
            cum_qty=order.cum_qty,
            avg_px=self._avg_text(order.symbol, order.avg_price),
            transact_time=utc_timestamp(when),
            ord_rej_reason=ord_rej_reason,
            text=text,
        )

    def _no_order(self, cl_ord_id: str, symbol: str | None, side: str, text: str) -> ExecReport:
        """A status answer (ExecType I, OrdStatus 8, OrderID NONE) about an order the venue does not have."""
        return ExecReport(
            order_id=NO_ORDER_ID,
            exec_id=self._next_exec_id(),
            exec_type=EXEC_TYPE_ORDER_STATUS,
            ord_status=_REJECTED,
            cl_ord_id=cl_ord_id,
            symbol=symbol or "",
            side=side,
            leaves_qty=0,
            cum_qty=0,
            avg_px="0",
            transact_time=utc_timestamp(self._market.now),
            text=text,
        )

    def _reject_new(self, session: str, request: NewOrderRequest, reason: int, text: str) -> Routed:
        qty = parse_quantity(request.qty) if request.qty is not None else None
        report = ExecReport(
            order_id=NO_ORDER_ID,
            exec_id=self._next_exec_id(),
            exec_type=EXEC_TYPE[UpdateKind.REJECTED],
            ord_status=_REJECTED,
            cl_ord_id=request.cl_ord_id,
            symbol=request.symbol or "",
            side=request.side,
            ord_type=request.ord_type,
            tif=request.tif,
            order_qty=qty,
            price=request.price,
            leaves_qty=0,
            cum_qty=0,
            avg_px="0",
            transact_time=utc_timestamp(self._market.now),
            ord_rej_reason=reason,
            text=text,
        )
        return session, report

    def _cancel_reject(
        self,
        request: CancelRequest | ReplaceRequest,
        response_to: str,
        reason: int,
        text: str,
        order_id: int | None,
    ) -> CancelReject:
        status = _REJECTED
        if order_id is not None:
            ticket = self._tickets[order_id]
            status = self._ord_status(self._market.status(ticket.session, order_id))
        return CancelReject(
            order_id=self._order_id(order_id) if order_id is not None else NO_ORDER_ID,
            cl_ord_id=request.cl_ord_id,
            orig_cl_ord_id=request.orig_cl_ord_id,
            ord_status=status,
            response_to=response_to,
            reason=reason,
            text=text,
            transact_time=utc_timestamp(self._market.now),
        )

    def _order_id(self, order_id: int) -> str:
        return f"{self._run_tag}-{order_id}"

    def _next_exec_id(self) -> str:
        self._exec_count += 1
        return f"{self._run_tag}-E{self._exec_count}"

    def _price_text(self, symbol: str, price: float) -> str:
        if symbol in self._market.symbols:
            spec = self._market.spec(symbol)
            if spec.price_to_ticks(price) is not None:
                return spec.format_price(price)
        return _plain_number(price)

    def _avg_text(self, symbol: str, price: float) -> str:
        if price == 0 or symbol not in self._market.symbols:
            return "0"
        # An average is rarely on the tick grid: four more decimals than the tick keeps it honest.
        return f"{price:.{self._market.spec(symbol).price_decimals + 4}f}"


def _plain_number(value: float) -> str:
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text or "0"
