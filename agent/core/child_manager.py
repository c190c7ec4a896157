"""The child-order manager: sends, acks, fills, cancels, replaces, in-flight follow-ups and reconciliation.

It accepts every sequence of reports a FIX 4.4 venue may legally send: fills before the New ack, fills racing
a cancel or a replace, DoneForDay, Restated, Expired, pending acks, unsolicited cancels, duplicate and reordered
reports, and "unknown order" answers. Every fill the venue reports reaches the parent once:
- a report is counted once per ExecID;
- a status answer whose CumQty is ahead of the fills received adopts the difference as one fill, and later
  trade reports at or below that CumQty are known to be in it;
- a child the venue has finished still holds its parent open until every fill its CumQty announced has
  arrived or been adopted.
A request the venue does not answer within `ack_timeout_s` is followed up with an OrderStatusRequest, and the
answer resolves it: acknowledged, lost (sent again), or never received.
"""

from __future__ import annotations

import logging
from typing import Protocol

from agent.core.child_order import ChildOrder, PendingReplace
from agent.core.commands import (
    VenueCancel,
    VenueCommand,
    VenueMassStatusRequest,
    VenueNewOrder,
    VenueReplace,
    VenueStatusRequest,
)
from agent.core.ids import parent_of
from agent.core.order_state import OrderEvent, OrdStatus
from agent.core.orders import EngineContext
from agent.core.parent_order import ParentOrder
from agent.core.venue_reports import VenueCancelReject, VenueExecReport
from fix_config.vocabulary import CxlRejReason, CxlRejResponseTo, ExecType
from strategies.types import CancelChild, ChildTif, PlaceChild, ReplaceChild

log = logging.getLogger("footprint.children")

# The venue's final word on an order, as the event that ends our copy of it.
_TERMINAL_EVENT = {
    OrdStatus.CANCELED: OrderEvent.CANCELED,
    OrdStatus.EXPIRED: OrderEvent.EXPIRE,
    OrdStatus.DONE_FOR_DAY: OrderEvent.DONE_FOR_DAY,
    OrdStatus.REJECTED: OrderEvent.REJECT,
}
_NO_ORDER = ("", "NONE")


class ParentSide(Protocol):
    """What the child-order manager tells the parent side."""

    def on_child_fill(self, parent: ParentOrder, qty: int, px: float) -> None: ...
    def begin_finish(self, parent: ParentOrder, event: OrderEvent, text: str) -> None: ...
    def try_finish(self, parent: ParentOrder) -> None: ...


class ChildWatch(Protocol):
    """Who else hears of venue rejects and trade reports (the circuit breakers)."""

    def on_child_reject(self, parent: ParentOrder, text: str | None) -> None: ...
    def on_child_fill(self, parent: ParentOrder, child: ChildOrder, qty: int, px: float) -> None: ...


class ChildManager:
    def __init__(self, ctx: EngineContext) -> None:
        self._ctx = ctx
        self.parents: ParentSide | None = None  # wired by the engine
        self.watch: ChildWatch | None = None  # wired by the engine
        self._stray_cancels: dict[str, float] = {}  # venue ClOrdIDs of strays we asked to cancel -> when

    @property
    def _parent_side(self) -> ParentSide:
        assert self.parents is not None, "ChildManager.parents is wired by the engine"
        return self.parents

    # ------------------------------------------------------------------ sending

    def place(self, parent: ParentOrder, action: PlaceChild) -> None:
        ctx = self._ctx
        cl_ord_id = ctx.ids.child_cl_ord_id(parent.order_id)
        if not self._unique(cl_ord_id):
            return
        child = ChildOrder(child_id=cl_ord_id, parent_id=parent.order_id, cl_ord_id=cl_ord_id,
                           price=action.price, qty=action.qty, tif=action.tif,
                           request_sent_at=ctx.clock.now())
        parent.add_child(child)
        ctx.book.index_child(child, cl_ord_id)
        log.debug("child %s: %s %d @ %s (%s)", cl_ord_id, parent.side.name, action.qty, action.price, action.reason)
        ctx.outlet.emit(VenueNewOrder(
            cl_ord_id=cl_ord_id, symbol=parent.instrument.symbol, side=parent.side.value, qty=action.qty,
            price=parent.instrument.format_price(action.price) if action.price is not None else None,
            tif=action.tif))

    def _unique(self, cl_ord_id: str) -> bool:
        """The risk engine's last word on a new order or a replace: its ClOrdID must name nothing else."""
        verdict = self._ctx.risk.check_cl_ord_id(cl_ord_id, self._ctx.book.children)
        if not verdict.ok:
            log.critical("risk refused a child: %s (the id source is behind the journal?)", verdict.reason)
        return verdict.ok

    def cancel(self, parent: ParentOrder, child: ChildOrder) -> None:
        """Ask the venue to cancel a child; deferred while another request about it is in flight."""
        if not child.is_live or child.pending_cancel_cl_ord_id is not None:
            return
        if child.status is OrdStatus.PENDING_REPLACE or not self._ctx.venue_up:
            child.cancel_wanted = True  # once the replace resolves, or the venue is back
            return
        ctx = self._ctx
        cl_ord_id = ctx.ids.child_cl_ord_id(parent.order_id)
        while cl_ord_id in ctx.book.children:  # a cancel is never refused: it takes the next free id
            log.critical("ClOrdID %s is already in use: the cancel takes the next one", cl_ord_id)
            cl_ord_id = ctx.ids.child_cl_ord_id(parent.order_id)
        ctx.book.index_child(child, cl_ord_id)
        child.pending_cancel_cl_ord_id = cl_ord_id
        child.cancel_wanted = False
        child.request_sent_at = ctx.clock.now()
        child.apply(OrderEvent.CANCEL_REQUEST)
        ctx.outlet.emit(VenueCancel(cl_ord_id, child.cl_ord_id, parent.instrument.symbol, parent.side.value,
                                    child.qty))

    def replace(self, parent: ParentOrder, child: ChildOrder, action: ReplaceChild) -> None:
        if not child.is_live or child.status.is_pending or child.tif is ChildTif.IOC or not self._ctx.venue_up:
            return
        ctx = self._ctx
        new_total = child.cum_qty + action.qty
        cl_ord_id = ctx.ids.child_cl_ord_id(parent.order_id)
        if not self._unique(cl_ord_id):
            return
        ctx.book.index_child(child, cl_ord_id)
        child.pending_replace = PendingReplace(cl_ord_id, new_total, action.price)
        child.request_sent_at = ctx.clock.now()
        child.apply(OrderEvent.REPLACE_REQUEST)
        ctx.outlet.emit(VenueReplace(cl_ord_id, child.cl_ord_id, parent.instrument.symbol, parent.side.value,
                                     new_total, parent.instrument.format_price(action.price), child.tif))

    def execute(self, parent: ParentOrder, action: PlaceChild | CancelChild | ReplaceChild) -> None:
        if isinstance(action, PlaceChild):
            self.place(parent, action)
            return
        child = parent.children.get(action.child_id)
        if child is None:
            return
        if isinstance(action, CancelChild):
            self.cancel(parent, child)
        else:
            self.replace(parent, child, action)

    def cancel_children(self, parent: ParentOrder, why: str) -> None:
        live = parent.live_children
        for child in live:
            self.cancel(parent, child)
        if live:
            log.info("parent %s: cancelling %d children (%s)", parent.order_id, len(live), why)

    # ------------------------------------------------------------------ the venue's answers

    def on_report(self, rep: VenueExecReport) -> None:
        ctx = self._ctx
        if rep.mass_status_req_id is not None:
            self._on_mass_status_report(rep)
            return
        child = ctx.book.children.get(rep.cl_ord_id) or (
            ctx.book.children.get(rep.orig_cl_ord_id) if rep.orig_cl_ord_id else None)
        if child is None:
            self._on_stray_report(rep)
            return
        if rep.exec_type != ExecType.ORDER_STATUS:
            if rep.exec_id and rep.exec_id in child.exec_ids:
                log.info("duplicate ExecID %s for child %s ignored", rep.exec_id, child.child_id)
                return
            if rep.exec_id:
                child.exec_ids.add(rep.exec_id)
        parent = ctx.book.parents[child.parent_id]
        if rep.order_id not in _NO_ORDER:
            child.venue_order_id = rep.order_id
        self._apply_report(parent, child, rep)
        parent.track(child)
        self.after_child_change(parent)

    def on_cancel_reject(self, rej: VenueCancelReject) -> None:
        child = self._ctx.book.children.get(rej.cl_ord_id)
        if child is None:
            log.warning("cancel reject for unknown ClOrdID %s: %s", rej.cl_ord_id, rej.text)
            return
        parent = self._ctx.book.parents[child.parent_id]
        if rej.response_to == CxlRejResponseTo.REPLACE:
            pending = child.pending_replace
            if pending is not None and pending.cl_ord_id == rej.cl_ord_id:
                child.pending_replace = None
                child.request_sent_at = None
                if child.status is OrdStatus.PENDING_REPLACE:
                    child.apply(OrderEvent.REPLACE_REJECT)
        elif child.pending_cancel_cl_ord_id == rej.cl_ord_id:
            child.pending_cancel_cl_ord_id = None
            if child.status is OrdStatus.PENDING_CANCEL:
                child.apply(OrderEvent.CANCEL_REJECT)
            # Back to PendingNew: chase the New's ack from now on.
            child.request_sent_at = self._ctx.clock.now() if child.status is OrdStatus.PENDING_NEW else None
            if rej.reason != CxlRejReason.TOO_LATE:
                # "Unknown order" may mean the cancel overtook its New, or the order is long gone: the order is
                # not taken as cancelled. Ask for its status, and cancel again if it is still working.
                child.cancel_wanted = child.is_live
                self._request_status(parent, child)
        log.info("venue refused %s of child %s: %s", "cancel" if rej.response_to == CxlRejResponseTo.CANCEL
                 else "replace", child.child_id, rej.text)
        self.after_child_change(parent)

    def after_child_change(self, parent: ParentOrder) -> None:
        """Send cancels that were waiting, then see whether the parent can complete."""
        if self._ctx.venue_up:
            for child in parent.active_children:
                if child.cancel_wanted and child.is_live and not child.status.is_pending:
                    self.cancel(parent, child)
        self._parent_side.try_finish(parent)

    # ------------------------------------------------------------------ follow-ups and reconciliation

    def follow_up(self) -> None:
        """Chase every request the venue has not answered in time, and every fill it announced but never sent."""
        ctx = self._ctx
        if not ctx.venue_up:
            return
        now = ctx.clock.now()
        timeout = ctx.settings.ack_timeout_s
        for parent in list(ctx.book.parents.values()):
            for child in parent.active_children:
                if child.status_sent_at is not None and now - child.status_sent_at < timeout:
                    continue  # a status request is already out
                overdue = False
                if child.is_live:
                    overdue = (child.status.is_pending and child.request_sent_at is not None
                               and now - child.request_sent_at >= timeout)
                    if child.cancel_wanted and not child.status.is_pending:
                        self.cancel(parent, child)
                elif child.settle_since is not None:
                    overdue = now - child.settle_since >= timeout
                if child.unknown_at is not None and child.is_live:
                    overdue = overdue or now - child.unknown_at >= timeout
                if overdue or child.status_sent_at is not None:
                    self._request_status(parent, child)

    def reconcile(self) -> None:
        """After a venue logon: ask the status of every child we think live, then for every order of ours the
        venue holds (to find any we do not know). Decisions wait for the answers."""
        ctx = self._ctx
        ctx.reconciling_since = ctx.clock.now()
        for parent in list(ctx.book.parents.values()):
            for child in parent.active_children:
                self._request_status(parent, child)
        ctx.mass_status_req_id = f"MS-{ctx.ids.exec_id()}"
        ctx.outlet.emit(VenueMassStatusRequest(ctx.mass_status_req_id))

    def check_reconciled(self) -> None:
        ctx = self._ctx
        if ctx.reconciling_since is None:
            return
        waiting = ctx.mass_status_req_id is not None or any(
            c.status_sent_at is not None for c in ctx.book.active_children())
        if not waiting:
            log.info("reconciliation done: %d children live", sum(1 for _ in ctx.book.live_children()))
            ctx.reconciling_since = None
        elif ctx.clock.now() - ctx.reconciling_since >= ctx.settings.reconcile_timeout_s:
            log.warning("reconciliation incomplete after %.0f s; trading resumes, follow-ups continue",
                        ctx.settings.reconcile_timeout_s)
            ctx.reconciling_since = None
            ctx.mass_status_req_id = None

    def on_send_failed(self, command: VenueCommand) -> None:
        """A command never left: undo what sending it meant."""
        ctx = self._ctx
        if isinstance(command, VenueMassStatusRequest):
            ctx.mass_status_req_id = None
            return
        child = ctx.book.children.get(command.cl_ord_id)
        if child is None:
            return
        parent = ctx.book.parents[child.parent_id]
        if isinstance(command, VenueNewOrder) and child.status is OrdStatus.PENDING_NEW:
            child.request_sent_at = None
            child.apply(OrderEvent.REJECT)
        elif isinstance(command, VenueCancel) and child.pending_cancel_cl_ord_id == command.cl_ord_id:
            child.pending_cancel_cl_ord_id = None
            child.request_sent_at = None
            if child.status is OrdStatus.PENDING_CANCEL:
                child.apply(OrderEvent.CANCEL_REJECT)
            child.cancel_wanted = child.is_live
        elif isinstance(command, VenueReplace) and child.pending_replace is not None \
                and child.pending_replace.cl_ord_id == command.cl_ord_id:
            child.pending_replace = None
            child.request_sent_at = None
            if child.status is OrdStatus.PENDING_REPLACE:
                child.apply(OrderEvent.REPLACE_REJECT)
        elif isinstance(command, VenueStatusRequest):
            child.status_sent_at = None
        self.after_child_change(parent)

    # ------------------------------------------------------------------ internals

    def _request_status(self, parent: ParentOrder, child: ChildOrder) -> None:
        ctx = self._ctx
        if not ctx.venue_up:
            return
        child.status_sent_at = ctx.clock.now()
        ctx.outlet.emit(VenueStatusRequest(child.cl_ord_id, parent.instrument.symbol, parent.side.value))

    def _apply_report(self, parent: ParentOrder, child: ChildOrder, rep: VenueExecReport) -> None:
        et = rep.exec_type
        if et == ExecType.TRADE:
            self._on_fill(parent, child, rep)
        elif et == ExecType.ORDER_STATUS:
            self._on_status(parent, child, rep)
            return
        elif et == ExecType.NEW:
            self._on_ack(child)
            if child.status is OrdStatus.PENDING_NEW:
                child.request_sent_at = None
                child.apply(OrderEvent.ACCEPT)
            parent.consecutive_child_rejects = 0
        elif et in (ExecType.PENDING_NEW, ExecType.PENDING_CANCEL, ExecType.PENDING_REPLACE):
            if et != ExecType.PENDING_NEW:
                self._on_ack(child)  # the venue holds the order; our request is being worked
        elif et == ExecType.CANCELED:
            self._on_ack(child)
            if child.pending_cancel_cl_ord_id == rep.cl_ord_id:
                child.cl_ord_id = rep.cl_ord_id
            self._end(child, OrderEvent.CANCELED)
        elif et == ExecType.REPLACED:
            self._on_ack(child)
            pending = child.pending_replace
            if pending is not None and pending.cl_ord_id == rep.cl_ord_id and child.is_live:
                self._complete_replace(child, pending, rep.order_qty, rep.price)
            else:
                log.error("child %s: Replaced report %s matches no replace in flight", child.child_id,
                          rep.cl_ord_id)
        elif et == ExecType.REJECTED:
            if child.status in (OrdStatus.PENDING_NEW, OrdStatus.PENDING_CANCEL) and not child.acked:
                self._end(child, OrderEvent.REJECT)
                parent.consecutive_child_rejects += 1
                log.warning("venue rejected child %s of %s: %s", child.child_id, parent.order_id, rep.text)
                if self.watch is not None:
                    self.watch.on_child_reject(parent, rep.text)
                if parent.consecutive_child_rejects >= self._ctx.settings.max_child_rejects:
                    self._parent_side.begin_finish(
                        parent, OrderEvent.CANCELED,
                        f"{parent.consecutive_child_rejects} consecutive venue rejects: {rep.text}")
            else:
                log.error("child %s: Rejected report for an order the venue had acknowledged; asking its status",
                          child.child_id)
                self._request_status(parent, child)
        elif et == ExecType.EXPIRED:
            self._on_ack(child)
            self._end(child, OrderEvent.EXPIRE)
        elif et == ExecType.DONE_FOR_DAY:
            self._on_ack(child)
            self._end(child, OrderEvent.DONE_FOR_DAY)
        elif et == ExecType.RESTATED:
            self._on_ack(child)
            self._restate(child, rep)
        elif et in (ExecType.TRADE_CORRECT, ExecType.TRADE_CANCEL):
            log.critical("child %s: venue sent %s (ExecID %s, ref %s): trade corrections are not applied "
                         "automatically; reconcile by hand", child.child_id,
                         "TradeCorrect" if et == ExecType.TRADE_CORRECT else "TradeCancel", rep.exec_id, rep.text)
        elif et in (ExecType.STOPPED, ExecType.SUSPENDED, ExecType.CALCULATED):
            log.info("child %s: venue reports ExecType %s (OrdStatus %s)", child.child_id, et, rep.ord_status)
        else:
            log.error("child %s: unknown ExecType %r ignored", child.child_id, et)
        self._note_venue_cum(child, rep.cum_qty)

    def _on_ack(self, child: ChildOrder) -> None:
        child.acked = True
        child.unknown_answers = 0
        child.unknown_at = None

    def _end(self, child: ChildOrder, event: OrderEvent) -> None:
        """The venue ended the order (fill, cancel, expiry, DoneForDay, reject)."""
        child.pending_cancel_cl_ord_id = None
        child.pending_replace = None
        child.cancel_wanted = False
        child.request_sent_at = None
        if not child.is_live:
            return
        if not child.state.can(event):
            log.error("child %s: venue ended it with %s while %s; taken as cancelled", child.child_id,
                      event.value, child.status.name)
            event = OrderEvent.CANCELED
        child.apply(event)

    def _complete_replace(self, child: ChildOrder, pending: PendingReplace, venue_qty: int | None,
                          venue_px: float | None) -> None:
        child.qty = venue_qty if venue_qty else pending.qty
        child.price = venue_px if venue_px else pending.price
        child.cl_ord_id = pending.cl_ord_id
        child.pending_replace = None
        child.request_sent_at = None
        child.apply(OrderEvent.REPLACED)

    def _restate(self, child: ChildOrder, rep: VenueExecReport) -> None:
        qty = rep.order_qty if rep.order_qty else rep.cum_qty + rep.leaves_qty
        log.warning("child %s restated by the venue: quantity %d -> %d", child.child_id, child.qty, qty)
        child.qty = max(qty, child.cum_qty)
        try:
            event = _TERMINAL_EVENT.get(OrdStatus(rep.ord_status))
        except ValueError:
            event = None
        if event is not None:
            self._end(child, event)
        elif child.is_live and child.cum_qty >= child.qty and not child.status.is_pending:
            child.apply(OrderEvent.FILL)

    def _on_fill(self, parent: ParentOrder, child: ChildOrder, rep: VenueExecReport) -> None:
        qty, px = rep.last_qty, rep.last_px
        if qty <= 0:
            log.error("child %s: fill of %d ignored (ExecID %s)", child.child_id, qty, rep.exec_id)
            return
        self._on_ack(child)
        if rep.cum_qty and rep.cum_qty <= child.adopted_through:
            log.info("child %s: fill %s (CumQty %d) already adopted from a status answer", child.child_id,
                     rep.exec_id, rep.cum_qty)
            return
        if self.watch is not None:
            self.watch.on_child_fill(parent, child, qty, px)  # before booking: it judges what was left to fill
        child.fills.append((rep.cum_qty, qty, px))
        self._book_fill(parent, child, qty, px)

    def _book_fill(self, parent: ParentOrder, child: ChildOrder, qty: int, px: float) -> None:
        child.cum_qty += qty
        child.notional += qty * px
        if child.is_live:
            if child.status is OrdStatus.PENDING_NEW:
                child.request_sent_at = None
            child.apply(OrderEvent.FILL if child.cum_qty >= child.qty else OrderEvent.PARTIAL_FILL)
        else:
            log.warning("child %s filled %d after it was %s: counted on the parent", child.child_id, qty,
                        child.status.name)
        self._ctx.risk.on_fill(parent.order_id, qty, self._ctx.clock.now())
        self._parent_side.on_child_fill(parent, qty, px)

    def _note_venue_cum(self, child: ChildOrder, cum_qty: int) -> None:
        if cum_qty > child.venue_cum_qty:
            child.venue_cum_qty = cum_qty
        if child.is_settled or child.is_live:
            child.settle_since = None
        elif child.settle_since is None:
            child.settle_since = self._ctx.clock.now()

    def _on_status(self, parent: ParentOrder, child: ChildOrder, rep: VenueExecReport) -> None:
        """The venue's answer to a status request: the truth about the order, to bring our copy in line."""
        asked_at, child.status_sent_at = child.status_sent_at, None
        if rep.ord_status == OrdStatus.REJECTED and rep.order_id in _NO_ORDER:
            self._on_unknown(parent, child)
            return
        self._on_ack(child)
        self._adopt_missing_fills(parent, child, rep)
        try:
            status = OrdStatus(rep.ord_status)
        except ValueError:
            log.error("child %s: status answer with unknown OrdStatus %r", child.child_id, rep.ord_status)
            return
        event = OrderEvent.FILL if status is OrdStatus.FILLED else _TERMINAL_EVENT.get(status)
        if event is not None:
            if event is OrderEvent.FILL and child.cum_qty < child.qty:
                child.qty = child.cum_qty  # filled at the venue's quantity (a replace down we had not heard of)
            self._end(child, event)
        elif child.is_live and status in (OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED):
            self._resolve_in_flight(child, rep, asked_at)
        self._note_venue_cum(child, rep.cum_qty)

    def _resolve_in_flight(self, child: ChildOrder, rep: VenueExecReport, asked_at: float | None) -> None:
        """The venue says the order is working: settle whichever request of ours it must have seen by now."""
        sent = child.request_sent_at
        answered_after_request = sent is not None and asked_at is not None and sent <= asked_at
        if child.status is OrdStatus.PENDING_NEW:
            child.request_sent_at = None
            child.apply(OrderEvent.ACCEPT)
        elif child.status is OrdStatus.PENDING_CANCEL and answered_after_request:
            log.warning("child %s: cancel %s lost at the venue; cancelling again", child.child_id,
                        child.pending_cancel_cl_ord_id)
            child.pending_cancel_cl_ord_id = None
            child.request_sent_at = None
            child.apply(OrderEvent.CANCEL_REJECT)
            child.cancel_wanted = True
        elif child.status is OrdStatus.PENDING_REPLACE and answered_after_request:
            pending = child.pending_replace
            assert pending is not None
            price_matches = rep.price is not None and abs(rep.price - pending.price) < 1e-9
            if rep.order_qty == pending.qty and (price_matches or rep.price is None):
                self._complete_replace(child, pending, rep.order_qty, rep.price)
            else:
                log.warning("child %s: replace %s lost at the venue", child.child_id, pending.cl_ord_id)
                child.pending_replace = None
                child.request_sent_at = None
                child.apply(OrderEvent.REPLACE_REJECT)
        elif not child.status.is_pending and rep.order_qty and rep.order_qty != child.qty:
            child.qty = max(rep.order_qty, child.cum_qty)

    def _on_unknown(self, parent: ParentOrder, child: ChildOrder) -> None:
        child.unknown_answers += 1
        child.unknown_at = self._ctx.clock.now()  # asked again after the ack timeout, until it is settled
        if child.acked or child.cum_qty > 0:
            log.critical("venue no longer knows child %s (ClOrdID %s) it had acknowledged; asking again",
                         child.child_id, child.cl_ord_id)
            if child.unknown_answers < 2 * self._ctx.settings.unknown_answers_to_drop:
                return
            log.critical("child %s taken as cancelled after %d 'unknown order' answers", child.child_id,
                         child.unknown_answers)
            child.venue_cum_qty = child.cum_qty
            self._end(child, OrderEvent.CANCELED)
            return
        if child.unknown_answers >= self._ctx.settings.unknown_answers_to_drop and child.is_live:
            log.warning("child %s never reached the venue (%d 'unknown order' answers): rejected",
                        child.child_id, child.unknown_answers)
            self._end(child, OrderEvent.REJECT)

    def _adopt_missing_fills(self, parent: ParentOrder, child: ChildOrder, rep: VenueExecReport) -> None:
        """Count, as one fill, what the venue's CumQty shows beyond the fills we hold (they happened while we
        were away, or their reports were lost)."""
        through = rep.cum_qty
        if through <= child.adopted_through:
            return
        held = [(q, p) for cum, q, p in child.fills if cum <= through]
        held_qty = sum(q for q, _ in held) + child.adopted_qty
        missing = through - held_qty
        if missing <= 0:
            return
        notional = sum(q * p for q, p in held) + child.adopted_notional
        px = (rep.avg_px * through - notional) / missing
        if not px > 0:
            px = rep.avg_px
        log.warning("child %s: %d filled that we had not heard of, adopted at %.6f", child.child_id, missing, px)
        child.adopted_through = through
        child.adopted_qty += missing
        child.adopted_notional += missing * px
        self._book_fill(parent, child, missing, px)

    def _on_mass_status_report(self, rep: VenueExecReport) -> None:
        ctx = self._ctx
        if rep.mass_status_req_id != ctx.mass_status_req_id:
            log.info("mass status answer %s for an earlier request ignored", rep.mass_status_req_id)
            return
        if rep.cl_ord_id not in _NO_ORDER:
            child = ctx.book.children.get(rep.cl_ord_id)
            if child is None or not child.is_live:
                # Not ours, or one we have ended: working at the venue all the same, so it comes off.
                self._on_stray_report(rep)
            if child is not None and child.status_sent_at is None:
                # Answered like a status request, without pretending one of ours was in flight.
                parent = ctx.book.parents[child.parent_id]
                self._adopt_missing_fills(parent, child, rep)
                self._note_venue_cum(child, rep.cum_qty)
                parent.track(child)
                self.after_child_change(parent)
        if rep.last_report:
            ctx.mass_status_req_id = None
            self.check_reconciled()

    def _on_stray_report(self, rep: VenueExecReport) -> None:
        """A report about an order no parent of ours owns (or one we no longer keep): cancel it if it works."""
        owner = parent_of(rep.cl_ord_id)
        if rep.exec_type == ExecType.TRADE:
            log.critical("fill of %d @ %s on %s, an order no live parent owns (parent %s)", rep.last_qty,
                         rep.last_px, rep.cl_ord_id, owner)
        else:
            log.warning("venue report for an order no parent owns: %s ExecType %s OrdStatus %s", rep.cl_ord_id,
                        rep.exec_type, rep.ord_status)
        working = rep.ord_status in (OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED, OrdStatus.PENDING_NEW,
                                     OrdStatus.PENDING_REPLACE)
        if working and rep.leaves_qty > 0 and rep.cl_ord_id not in self._stray_cancels and self._ctx.venue_up:
            ctx = self._ctx
            self._stray_cancels[rep.cl_ord_id] = ctx.clock.now()
            log.warning("cancelling stray order %s (%d working)", rep.cl_ord_id, rep.leaves_qty)
            ctx.outlet.emit(VenueCancel(ctx.ids.stray_cl_ord_id(), rep.cl_ord_id, rep.symbol, rep.side,
                                        rep.leaves_qty))

    def forget_strays(self, before: float) -> None:
        """Drop the memory of stray cancels sent before `before`."""
        for cl_ord_id in [k for k, t in self._stray_cancels.items() if t < before]:
            del self._stray_cancels[cl_ord_id]

