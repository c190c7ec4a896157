"""Order entry over FIX: ClOrdIDs per session, requests turned into market calls, updates into reports."""

from __future__ import annotations

from dataclasses import dataclass

from simulator.fix_codes import (
    CXL_REJ_DUPLICATE,
    CXL_REJ_OTHER,
    CXL_REJ_REASON,
    CXL_REJ_UNKNOWN_ORDER,
    EXEC_TYPE,
    EXEC_TYPE_ORDER_STATUS,
    ORD_REJ_DUPLICATE,
    ORD_REJ_OTHER,
    ORD_REJ_QUANTITY,
    ORD_REJ_REASON,
    ORD_REJ_UNKNOWN_SYMBOL,
    ORD_STATUS,
    ORD_TYPE_FROM_FIX,
    ORD_TYPE_TO_FIX,
    RESPONSE_TO_CANCEL,
    RESPONSE_TO_REPLACE,
    SIDE_FROM_FIX,
    SIDE_TO_FIX,
    TIF_FROM_FIX,
    TIF_TO_FIX,
    parse_price,
    parse_quantity,
    utc_timestamp,
)
from simulator.fix_messages import CancelReject, ExecReport, Outgoing
from simulator.fix_requests import CancelRequest, NewOrderRequest, ReplaceRequest, StatusRequest
from simulator.market import Market
from simulator.order_state import OrderRefused, OrderState, OrderStatus, OrderUpdate, UpdateKind
from simulator.orders import OrderType

Routed = tuple[str, Outgoing]
"""A message and the session key it goes to."""

_REJECTED = ORD_STATUS[OrderStatus.REJECTED]
_NO_ORDER_ID = "NONE"


@dataclass(slots=True)
class _Ticket:
    """A FIX order: whose it is and the ClOrdID it currently answers to."""

    session: str
    cl_ord_id: str


class OrderDesk:
    """NewOrderSingle, cancel, cancel/replace and status requests for FIX sessions; owners are session keys."""

    def __init__(self, market: Market, run_tag: str) -> None:
        self._market = market
        self._run_tag = run_tag
        self._tickets: dict[int, _Ticket] = {}
        self._orders_by_cl_ord_id: dict[tuple[str, str], int] = {}
        self._used_cl_ord_ids: set[tuple[str, str]] = set()
        self._exec_count = 0

    # -- requests ----------------------------------------------------------------------------------

    def new_order(self, session: str, request: NewOrderRequest) -> list[Routed]:
        """Validate the wire values, enter the order, report what happened."""
        key = (session, request.cl_ord_id)
        if key in self._used_cl_ord_ids:
            return [self._reject_new(session, request, ORD_REJ_DUPLICATE, f"duplicate ClOrdID {request.cl_ord_id}")]
        self._used_cl_ord_ids.add(key)

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
        self._tickets[order_id] = _Ticket(session, request.cl_ord_id)
        self._orders_by_cl_ord_id[key] = order_id
        return self.report(updates)

    def cancel(self, session: str, request: CancelRequest) -> list[Routed]:
        """Cancel the order OrigClOrdID names; OrderCancelReject when it cannot be."""
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
        return self.report(updates, orig_cl_ord_id=request.orig_cl_ord_id)

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
        return self.report(updates, orig_cl_ord_id=request.orig_cl_ord_id)

    def status(self, session: str, request: StatusRequest) -> list[Routed]:
        """An ExecutionReport with ExecType I for the order ClOrdID names (OrdStatus 8 when unknown)."""
        order_id = self._orders_by_cl_ord_id.get((session, request.cl_ord_id))
        if order_id is None:
            report = ExecReport(
                order_id=_NO_ORDER_ID,
                exec_id=self._next_exec_id(),
                exec_type=EXEC_TYPE_ORDER_STATUS,
                ord_status=_REJECTED,
                cl_ord_id=request.cl_ord_id,
                symbol=request.symbol or "",
                side=request.side,
                leaves_qty=0,
                cum_qty=0,
                avg_px="0",
                transact_time=utc_timestamp(self._market.now),
                text=f"unknown ClOrdID {request.cl_ord_id}",
            )
            return [(session, report)]
        state = self._market.status(session, order_id)
        report = self._exec_report(state, EXEC_TYPE_ORDER_STATUS, request.cl_ord_id, self._market.now)
        return [(session, report)]

    # -- reports -----------------------------------------------------------------------------------

    def report(self, updates: list[OrderUpdate], orig_cl_ord_id: str | None = None) -> list[Routed]:
        """ExecutionReports for updates to FIX orders; `orig_cl_ord_id` goes on a cancel or replace report."""
        routed: list[Routed] = []
        for update in updates:
            ticket = self._tickets.get(update.order.order_id)
            if ticket is None:
                continue  # an order entered other than over FIX
            answers_change = update.kind in (UpdateKind.CANCELED, UpdateKind.REPLACED)
            report = self._exec_report(
                update.order,
                EXEC_TYPE[update.kind],
                ticket.cl_ord_id,
                update.time,
                orig_cl_ord_id=orig_cl_ord_id if answers_change else None,
                last=(update.last_qty, update.last_price) if update.kind is UpdateKind.TRADE else None,
                ord_rej_reason=(
                    ORD_REJ_REASON.get(update.reject_reason, ORD_REJ_OTHER) if update.reject_reason else None
                ),
                text=update.text or None,
            )
            routed.append((ticket.session, report))
        return routed

    def cancel_session(self, session: str) -> int:
        """Cancel every working order of a session that has gone (no reports: nobody to send them to)."""
        return len(self._market.cancel_all(session))

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

    def _rename(self, order_id: int, session: str, cl_ord_id: str) -> None:
        self._tickets[order_id].cl_ord_id = cl_ord_id
        self._orders_by_cl_ord_id[(session, cl_ord_id)] = order_id

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
            ord_status=ORD_STATUS[order.status],
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

    def _reject_new(self, session: str, request: NewOrderRequest, reason: int, text: str) -> Routed:
        qty = parse_quantity(request.qty) if request.qty is not None else None
        report = ExecReport(
            order_id=_NO_ORDER_ID,
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
            status = ORD_STATUS[self._market.status(ticket.session, order_id).status]
        return CancelReject(
            order_id=self._order_id(order_id) if order_id is not None else _NO_ORDER_ID,
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
