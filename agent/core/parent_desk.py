"""The parent side of the engine: OMS requests in, ExecutionReports and cancel rejects out, parent completion.

A parent is reported done only once no child of it can still fill (every child settled at the venue).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Protocol

from agent.core.commands import (
    MassCancelReport,
    ParentCancelReject,
    ParentExecReport,
)
from agent.core.oms_requests import (
    CancelRequest,
    MassCancelRequest,
    NewOrderRequest,
    ReplaceRequest,
    StatusRequest,
)
from agent.core.order_state import OrderEvent, OrdStatus
from agent.core.orders import EngineContext
from agent.core.parent_order import ParentOrder, PendingParentChange
from agent.core.parent_validation import Rejection, parse_limit, parse_qty, validate_new_order, whole_units
from fix_config.vocabulary import (
    MASS_CANCEL_REJECTED,
    CxlRejReason,
    CxlRejResponseTo,
    ExecType,
    MassCancelRejectReason,
    MassCancelRequestType,
    OrdRejReason,
    OrdType,
    TimeInForce,
)
from strategies.types import Side

log = logging.getLogger("footprint.engine")

_FINISH_EXEC_TYPE = {
    OrderEvent.CANCELED: ExecType.CANCELED,
    OrderEvent.EXPIRE: ExecType.EXPIRED,
    OrderEvent.DONE_FOR_DAY: ExecType.DONE_FOR_DAY,
}


class ChildSide(Protocol):
    """What the parent side asks of the child-order manager."""

    def cancel_children(self, parent: ParentOrder, why: str) -> None: ...


class ParentDesk:
    """Validates and books parents, answers the OMS, and completes cancels, replaces and finishes."""

    def __init__(self, ctx: EngineContext, children: ChildSide) -> None:
        self._ctx = ctx
        self._children = children

    # ------------------------------------------------------------------ OMS requests

    def on_new_order(self, req: NewOrderRequest) -> None:
        ctx, book = self._ctx, self._ctx.book
        now = ctx.clock.now()
        key = (req.session, req.cl_ord_id)
        if key in book.seen_cl_ord_ids:
            self._reject_new(req, Rejection(OrdRejReason.DUPLICATE_ORDER, f"duplicate ClOrdID {req.cl_ord_id}"),
                             now)
            return
        book.seen_cl_ord_ids.add(key)
        verdict = validate_new_order(req, ctx.settings.validation, ctx.quotes.get(req.symbol or ""), now,
                                     ctx.venue_up and not ctx.stopping)
        if isinstance(verdict, Rejection):
            book.stray_keys.append((now, key))
            self._reject_new(req, verdict, now)
            return
        reference_px = verdict.limit_px if verdict.limit_px is not None else verdict.arrival_mid
        live = sum(1 for p in book.parents.values() if p.session == req.session and not p.is_done)
        risk = ctx.risk.check_parent(req.session, verdict.instrument.symbol, verdict.qty, reference_px, live, now)
        if not risk.ok:
            book.stray_keys.append((now, key))
            self._reject_new(req, Rejection(OrdRejReason.ORDER_EXCEEDS_LIMIT, f"risk: {risk.reason}"), now)
            return
        ctx.risk.on_parent_accepted(req.session, verdict.instrument.symbol, verdict.qty, reference_px, now)
        parent = ParentOrder(
            order_id=ctx.ids.order_id(),
            session=req.session,
            cl_ord_id=req.cl_ord_id,
            instrument=verdict.instrument,
            side=verdict.side,
            order_qty=verdict.qty,
            ord_type=verdict.ord_type,
            limit_px=verdict.limit_px,
            time_in_force=verdict.time_in_force,
            start=verdict.start,
            end=verdict.end,
            strategy=verdict.strategy,
            participation_cap=verdict.participation_cap,
            arrival_mid=verdict.arrival_mid,
            created=now,
            plan_start=verdict.start,
            urgency=verdict.urgency,
            participation=verdict.participation,
        )
        book.parents[parent.order_id] = parent
        book.index_parent(parent, key)
        self.report(parent, ExecType.PENDING_NEW)
        parent.apply(OrderEvent.ACCEPT)
        estimate = (ctx.arrival_estimate(parent, ctx.views.get(parent.instrument.symbol), now)
                    if ctx.arrival_estimate is not None else None)
        given = "".join(f" {name} {value:g}" for name, value in (("urgency", parent.urgency),
                                                                    ("participation", parent.participation))
                        if value is not None)
        text = (f"accepted: {parent.strategy}{given} until {_iso(parent.end)}, arrival mid "
                f"{verdict.arrival_mid:.{parent.instrument.price_decimals + 1}f}")
        self.report(parent, ExecType.NEW, text=text if estimate is None else f"{text}; {estimate}")
        log.info("parent %s accepted: %s %s %d %s%s", parent.order_id, parent.side.name, parent.instrument.symbol,
                 parent.order_qty, parent.strategy, "" if estimate is None else f"; {estimate}")

    def on_cancel_request(self, req: CancelRequest) -> None:
        parent = self._check_change_request(req.session, req.cl_ord_id, req.orig_cl_ord_id,
                                            CxlRejResponseTo.CANCEL, req.symbol, req.side)
        if parent is None:
            return
        assert req.orig_cl_ord_id is not None
        self._begin_cancel(parent, PendingParentChange("cancel", req.cl_ord_id, req.orig_cl_ord_id), text=None)

    def on_replace_request(self, req: ReplaceRequest) -> None:
        parent = self._check_change_request(req.session, req.cl_ord_id, req.orig_cl_ord_id,
                                            CxlRejResponseTo.REPLACE, req.symbol, req.side)
        if parent is None:
            return
        assert req.orig_cl_ord_id is not None
        problem = self._replace_problem(parent, req)
        if isinstance(problem, Rejection):
            self._cancel_reject(parent, req.session, req.cl_ord_id, req.orig_cl_ord_id, CxlRejResponseTo.REPLACE,
                                problem.reason, problem.text)
            return
        new_qty, new_limit, new_end = problem
        parent.pending = PendingParentChange("replace", req.cl_ord_id, req.orig_cl_ord_id, new_qty, new_limit,
                                             new_end)
        parent.apply(OrderEvent.REPLACE_REQUEST)
        self.report(parent, ExecType.PENDING_REPLACE, cl_ord_id=req.cl_ord_id, orig_cl_ord_id=req.orig_cl_ord_id)
        # Re-plan from a clean slate: take every child off, then apply the change.
        self._children.cancel_children(parent, "parent replace")
        self.try_finish(parent)

    def on_mass_cancel(self, req: MassCancelRequest) -> None:
        ctx = self._ctx
        kind = req.request_type
        if kind not in (MassCancelRequestType.BY_SECURITY, MassCancelRequestType.ALL_ORDERS):
            ctx.outlet.emit(MassCancelReport(
                req.session, req.cl_ord_id, kind or "", MASS_CANCEL_REJECTED, (),
                reject_reason=MassCancelRejectReason.NOT_SUPPORTED,
                text=f"MassCancelRequestType(530) {kind!r} not supported: use 1 (by security) or 7 (all orders)"))
            return
        if kind == MassCancelRequestType.BY_SECURITY and (
                req.symbol is None or req.symbol not in ctx.settings.validation.instruments):
            ctx.outlet.emit(MassCancelReport(
                req.session, req.cl_ord_id, kind, MASS_CANCEL_REJECTED, (),
                reject_reason=MassCancelRejectReason.UNKNOWN_SECURITY,
                text=f"unknown or missing Symbol(55) {req.symbol!r} for a mass cancel by security"))
            return
        targets = [
            p for p in ctx.book.parents.values()
            if p.session == req.session and not p.is_done
            and (kind == MassCancelRequestType.ALL_ORDERS or p.instrument.symbol == req.symbol)
        ]
        affected = tuple(p.cl_ord_id for p in targets)
        ctx.outlet.emit(MassCancelReport(req.session, req.cl_ord_id, kind, kind, affected))
        for parent in targets:
            if parent.finishing is not None or (parent.pending is not None and parent.pending.kind == "cancel"):
                continue  # already on its way out
            self._begin_cancel(
                parent,
                PendingParentChange("cancel", parent.cl_ord_id, parent.cl_ord_id, mass_cancel=True),
                text=f"mass cancel {req.cl_ord_id}",
            )

    def on_status_request(self, req: StatusRequest) -> None:
        book = self._ctx.book
        parent = None
        if req.cl_ord_id is not None:
            order_id = book.by_cl_ord_id.get((req.session, req.cl_ord_id))
            parent = book.parents.get(order_id) if order_id else None
        if parent is None and req.order_id is not None:
            found = book.parents.get(req.order_id)
            parent = found if found is not None and found.session == req.session else None
        if parent is None:
            self._ctx.outlet.emit(ParentExecReport(
                session=req.session, order_id=req.order_id or "NONE", cl_ord_id=req.cl_ord_id or "NONE",
                exec_id=self._ctx.ids.exec_id(), exec_type=ExecType.ORDER_STATUS,
                ord_status=OrdStatus.REJECTED.value, symbol="NA", side=Side.BUY, order_qty=0, cum_qty=0, leaves_qty=0,
                avg_px=0.0, transact_time=self._ctx.clock.now(), price_decimals=0,
                ord_rej_reason=OrdRejReason.UNKNOWN_ORDER, text="unknown order"))
            return
        self.report(parent, ExecType.ORDER_STATUS)

    # ------------------------------------------------------------------ what children tell the parent

    def on_child_fill(self, parent: ParentOrder, qty: int, px: float) -> None:
        """A fill of one of the parent's children: booked on the parent and reported to the OMS, always."""
        if parent.cum_qty + qty > parent.order_qty:
            log.critical("OVERFILL parent %s: cum %d + fill %d > order %d", parent.order_id, parent.cum_qty, qty,
                         parent.order_qty)
        parent.add_fill(qty, px)
        parent.consecutive_child_rejects = 0
        if parent.is_done:
            # Only a child the venue failed to report on can do this: the OMS still hears of the fill.
            log.critical("parent %s filled %d after it was %s", parent.order_id, qty, parent.status.name)
            self.report(parent, ExecType.TRADE, last_qty=qty, last_px=px, text="fill after the order was final")
            return
        filled = parent.cum_qty >= parent.order_qty
        parent.apply(OrderEvent.FILL if filled else OrderEvent.PARTIAL_FILL)
        self.report(parent, ExecType.TRADE, last_qty=qty, last_px=px)
        if filled:
            self._on_done(parent)
            self._children.cancel_children(parent, "parent filled")
            pending = parent.pending
            if pending is not None:
                parent.pending = None
                self._cancel_reject(parent, parent.session, pending.cl_ord_id, pending.orig_cl_ord_id,
                                    _response_to(pending), CxlRejReason.TOO_LATE, "order is already filled")

    def begin_finish(self, parent: ParentOrder, event: OrderEvent, text: str) -> None:
        """Finish a parent on our own initiative (end time, shutdown, repeated rejects, OMS gone)."""
        if parent.is_done or parent.finishing is not None:
            return
        if parent.pending is not None:
            if parent.pending.kind == "cancel":
                return  # already on its way to Canceled
            self._abandon_pending(parent, text)
        parent.finishing = event
        parent.finish_text = text
        self._children.cancel_children(parent, text)
        self.try_finish(parent)

    def try_finish(self, parent: ParentOrder) -> None:
        """Complete a pending cancel/replace or a finish once no child can fill any more."""
        if parent.is_done or parent.exposure_qty > 0:
            return
        pending = parent.pending
        if pending is not None:
            parent.pending = None
            if pending.kind == "cancel":
                parent.apply(OrderEvent.CANCELED)
                if not pending.mass_cancel:
                    parent.orig_cl_ord_id, parent.cl_ord_id = parent.cl_ord_id, pending.cl_ord_id
                    self._ctx.book.index_parent(parent, (parent.session, pending.cl_ord_id))
                self.report(parent, ExecType.CANCELED, cl_ord_id=pending.cl_ord_id,
                            orig_cl_ord_id=None if pending.mass_cancel else pending.orig_cl_ord_id)
                self._on_done(parent)
            elif pending.new_qty is not None and pending.new_qty < parent.cum_qty:
                # Fills that arrived while the children came off took the order past the new quantity.
                parent.apply(OrderEvent.REPLACE_REJECT)
                self._cancel_reject(parent, parent.session, pending.cl_ord_id, pending.orig_cl_ord_id,
                                    CxlRejResponseTo.REPLACE, CxlRejReason.TOO_LATE,
                                    f"{parent.cum_qty} already filled, above the requested OrderQty(38) "
                                    f"{pending.new_qty}")
            else:
                assert pending.new_qty is not None
                parent.order_qty = pending.new_qty
                parent.limit_px = pending.new_limit_px
                if pending.new_end is not None:
                    parent.end = pending.new_end
                parent.replan(self._ctx.clock.now())
                parent.consecutive_child_rejects = 0
                parent.orig_cl_ord_id, parent.cl_ord_id = parent.cl_ord_id, pending.cl_ord_id
                self._ctx.book.index_parent(parent, (parent.session, pending.cl_ord_id))
                parent.apply(OrderEvent.REPLACED)
                self.report(parent, ExecType.REPLACED, orig_cl_ord_id=pending.orig_cl_ord_id)
                if parent.is_done:
                    self._on_done(parent)
            return
        if parent.finishing is not None:
            event = parent.finishing
            parent.apply(event)
            self.report(parent, _FINISH_EXEC_TYPE[event], text=parent.finish_text)
            self._on_done(parent)

    def shutdown(self, reason: str) -> None:
        """Take every child off the venue and finish every working parent as cancelled."""
        for parent in list(self._ctx.book.parents.values()):
            self.begin_finish(parent, OrderEvent.CANCELED, reason)

    # ------------------------------------------------------------------ reports to the OMS

    def report(self, parent: ParentOrder, exec_type: str, *, cl_ord_id: str | None = None,
               orig_cl_ord_id: str | None = None, last_qty: int = 0, last_px: float = 0.0,
               text: str | None = None) -> None:
        self._ctx.outlet.emit(ParentExecReport(
            session=parent.session,
            order_id=parent.order_id,
            cl_ord_id=cl_ord_id or parent.cl_ord_id,
            orig_cl_ord_id=orig_cl_ord_id,
            exec_id=self._ctx.ids.exec_id(),
            exec_type=exec_type,
            ord_status=parent.status.value,
            symbol=parent.instrument.symbol,
            side=parent.side.value,
            order_qty=parent.order_qty,
            cum_qty=parent.cum_qty,
            leaves_qty=parent.leaves_qty,
            avg_px=parent.avg_px,
            transact_time=self._ctx.clock.now(),
            price_decimals=parent.instrument.price_decimals,
            ord_type=parent.ord_type,
            limit_px=parent.limit_px,
            last_qty=last_qty,
            last_px=last_px,
            text=text,
            time_in_force=parent.time_in_force,
            expire_time=parent.end,
        ))

    # ------------------------------------------------------------------ internals

    def _on_done(self, parent: ParentOrder) -> None:
        now = self._ctx.clock.now()
        parent.done_at = now
        self._ctx.book.finished.append((now, parent.order_id))
        shortfall = parent.shortfall_bps()
        log.info("parent %s %s: filled %d of %d, AvgPx %.6f, IS %s bps", parent.order_id,
                 parent.status.name.lower(), parent.cum_qty, parent.order_qty, parent.avg_px,
                 f"{shortfall:+.2f}" if shortfall is not None else "n/a")

    def _reject_new(self, req: NewOrderRequest, rejection: Rejection, now: float) -> None:
        log.info("parent %s from %s rejected: %s", req.cl_ord_id, req.session, rejection.text)
        qty = whole_units(req.order_qty or "") or 0  # echoed exactly, never through a float
        self._ctx.outlet.emit(ParentExecReport(
            session=req.session, order_id="NONE", cl_ord_id=req.cl_ord_id, exec_id=self._ctx.ids.exec_id(),
            exec_type=ExecType.REJECTED, ord_status=OrdStatus.REJECTED.value, symbol=req.symbol or "NA",
            side=req.side if req.side in (Side.BUY, Side.SELL) else Side.BUY, order_qty=qty, cum_qty=0, leaves_qty=0,
            avg_px=0.0, transact_time=now, price_decimals=8, ord_rej_reason=rejection.reason,
            text=rejection.text, ord_type=req.ord_type if req.ord_type in (OrdType.MARKET, OrdType.LIMIT) else None))

    def _cancel_reject(self, parent: ParentOrder | None, session: str, cl_ord_id: str, orig: str,
                       response_to: str, reason: str, text: str) -> None:
        log.info("%s %s refused: %s", "cancel" if response_to == CxlRejResponseTo.CANCEL else "replace", cl_ord_id,
                 text)
        self._ctx.outlet.emit(ParentCancelReject(
            session=session, cl_ord_id=cl_ord_id, orig_cl_ord_id=orig,
            order_id=parent.order_id if parent else "NONE",
            ord_status=parent.status.value if parent else OrdStatus.REJECTED.value,
            response_to=response_to, reason=reason, text=text))

    def _check_change_request(self, session: str, cl_ord_id: str, orig: str | None, response_to: str,
                              symbol: str | None, side: str | None) -> ParentOrder | None:
        """The parent a cancel/replace is about, or None after rejecting the request."""
        book = self._ctx.book
        key = (session, cl_ord_id)
        if key in book.seen_cl_ord_ids:
            self._cancel_reject(None, session, cl_ord_id, orig or "NONE", response_to,
                                CxlRejReason.DUPLICATE_CL_ORD_ID, f"duplicate ClOrdID {cl_ord_id}")
            return None
        book.seen_cl_ord_ids.add(key)
        order_id = book.by_cl_ord_id.get((session, orig)) if orig is not None else None
        parent = book.parents.get(order_id) if order_id else None
        if parent is None:
            book.stray_keys.append((self._ctx.clock.now(), key))
        else:
            parent.oms_keys.append(key)
        if orig is None:
            self._cancel_reject(None, session, cl_ord_id, "NONE", response_to, CxlRejReason.OTHER,
                                "missing required tag OrigClOrdID(41)")
            return None
        if parent is None:
            self._cancel_reject(None, session, cl_ord_id, orig, response_to, CxlRejReason.UNKNOWN_ORDER,
                                f"unknown order {orig}")
            return None
        if orig != parent.cl_ord_id and parent.pending is None:
            self._cancel_reject(parent, session, cl_ord_id, orig, response_to, CxlRejReason.OTHER,
                                f"OrigClOrdID {orig} is not the order's current ClOrdID {parent.cl_ord_id}")
            return None
        if symbol is not None and symbol != parent.instrument.symbol:
            self._cancel_reject(parent, session, cl_ord_id, orig, response_to, CxlRejReason.OTHER,
                                f"Symbol(55) {symbol} does not match the order's {parent.instrument.symbol}")
            return None
        if side is not None and side != parent.side.value:
            self._cancel_reject(parent, session, cl_ord_id, orig, response_to, CxlRejReason.OTHER,
                                f"Side(54) {side} does not match the order's {parent.side.value}")
            return None
        if parent.is_done or parent.finishing is not None:
            self._cancel_reject(parent, session, cl_ord_id, orig, response_to, CxlRejReason.TOO_LATE,
                                f"order is already {parent.status.name.lower()}" if parent.is_done
                                else "order is already finishing")
            return None
        if parent.pending is not None and not (
                response_to == CxlRejResponseTo.CANCEL and parent.pending.kind == "replace"):
            self._cancel_reject(parent, session, cl_ord_id, orig, response_to, CxlRejReason.ALREADY_PENDING,
                                f"a {parent.pending.kind} is already pending")
            return None
        return parent

    def _replace_problem(self, parent: ParentOrder, req: ReplaceRequest
                         ) -> Rejection | tuple[int, float | None, float]:
        """The new quantity, limit and end of a replace, or why it cannot be done."""
        if req.bad_fields:
            return Rejection(CxlRejReason.OTHER, f"unreadable value in {', '.join(req.bad_fields)}")
        if req.ord_type is not None and req.ord_type != parent.ord_type:
            return Rejection(CxlRejReason.OTHER, "changing OrdType(40) is not supported; cancel and resend")
        new_qty = parent.order_qty
        if req.order_qty is not None:
            qty = parse_qty(req.order_qty, "OrderQty(38)", parent.instrument.lot_size)
            if isinstance(qty, Rejection):
                return Rejection(CxlRejReason.OTHER, qty.text)
            if qty < parent.cum_qty:
                return Rejection(CxlRejReason.OTHER,
                                 f"OrderQty(38) {qty} is below the quantity already filled ({parent.cum_qty})")
            new_qty = qty
        new_limit = parent.limit_px
        if parent.ord_type == OrdType.LIMIT and req.price is not None:
            limit = parse_limit(req.price, OrdType.LIMIT, parent.instrument, parent.side,
                                self._ctx.quotes.get(parent.instrument.symbol),
                                self._ctx.settings.validation.max_limit_deviation_pct)
            if isinstance(limit, Rejection):
                return Rejection(CxlRejReason.OTHER, limit.text)
            new_limit = limit
        elif parent.ord_type == OrdType.MARKET and req.price is not None:
            return Rejection(CxlRejReason.OTHER, "Price(44) given on a market order (OrdType 1)")
        new_end = parent.end
        if req.expire_time is not None:
            if req.expire_time <= self._ctx.clock.now():
                return Rejection(CxlRejReason.OTHER, "ExpireTime(126) is in the past")
            new_end = req.expire_time
        return new_qty, new_limit, new_end

    def _begin_cancel(self, parent: ParentOrder, change: PendingParentChange, text: str | None) -> None:
        if parent.pending is not None:  # a cancel overrides a pending replace
            self._abandon_pending(parent, "superseded by a cancel")
        parent.pending = change
        parent.apply(OrderEvent.CANCEL_REQUEST)
        self.report(parent, ExecType.PENDING_CANCEL, cl_ord_id=change.cl_ord_id,
                    orig_cl_ord_id=None if change.mass_cancel else change.orig_cl_ord_id, text=text)
        self._children.cancel_children(parent, "parent cancel")
        self.try_finish(parent)

    def _abandon_pending(self, parent: ParentOrder, why: str) -> None:
        pending = parent.pending
        assert pending is not None
        parent.pending = None
        parent.apply(OrderEvent.CANCEL_REJECT if pending.kind == "cancel" else OrderEvent.REPLACE_REJECT)
        self._cancel_reject(parent, parent.session, pending.cl_ord_id, pending.orig_cl_ord_id,
                            _response_to(pending), CxlRejReason.OTHER, why)


def _response_to(pending: PendingParentChange) -> str:
    return CxlRejResponseTo.CANCEL if pending.kind == "cancel" else CxlRejResponseTo.REPLACE


def end_event(parent: ParentOrder) -> OrderEvent:
    """How a parent ends at its end time: Expired for GTD, DoneForDay otherwise."""
    return OrderEvent.EXPIRE if parent.time_in_force == TimeInForce.GTD else OrderEvent.DONE_FOR_DAY


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
