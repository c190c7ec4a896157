"""The execution engine: parent and child order bookkeeping, strategy ticks, the risk gate.

Pure core. Inputs are plain requests and reports (already copied out of FIX); outputs go through
the OMS and venue ports. All methods run on one thread (the event loop), so no locks.

Invariants it keeps, whatever arrives:
- a parent's CumQty never exceeds its OrderQty: children's possible fills never exceed its leaves;
- CumQty + LeavesQty = OrderQty while working, LeavesQty = 0 once done;
- a parent is only done once none of its children can still fill.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from agent.child_order import ChildOrder, PendingReplace
from agent.clock import Clock
from agent.config import AgentConfig
from agent.oms_requests import (
    CancelRequest,
    MassCancelRequest,
    NewOrderRequest,
    OmsRequest,
    ReplaceRequest,
    StatusRequest,
)
from agent.order_state import IllegalTransition, OrderEvent, OrdStatus
from agent.parent_order import ParentOrder, PendingParentChange
from agent.parent_validation import (
    Rejection,
    ValidationContext,
    parse_limit,
    parse_qty,
    validate_new_order,
)
from agent.ports import (
    CxlRejReason,
    MassCancelReport,
    OmsPort,
    OrdRejReason,
    ParentCancelReject,
    ParentExecReport,
    VenueCancel,
    VenueNewOrder,
    VenuePort,
    VenueReplace,
    VenueStatusRequest,
)
from agent.venue_reports import VenueCancelReject, VenueExecReport
from risk.child_limits import check_child_action
from strategies.strategy import Strategy
from strategies.types import CancelChild, ChildAction, ChildTif, PlaceChild, Quote, ReplaceChild

log = logging.getLogger("footprint.engine")


class ExecType:
    NEW = "0"
    CANCELED = "4"
    REPLACED = "5"
    PENDING_CANCEL = "6"
    REJECTED = "8"
    PENDING_NEW = "A"
    EXPIRED = "C"
    DONE_FOR_DAY = "3"
    PENDING_REPLACE = "E"
    TRADE = "F"
    ORDER_STATUS = "I"


_FINISH_EXEC_TYPE = {
    OrderEvent.CANCELED: ExecType.CANCELED,
    OrderEvent.EXPIRE: ExecType.EXPIRED,
    OrderEvent.DONE_FOR_DAY: ExecType.DONE_FOR_DAY,
}


class IdSource:
    """Unique OrderIDs, ExecIDs and child ClOrdIDs; the run prefix keeps them unique across restarts."""

    def __init__(self, run_prefix: str) -> None:
        self._prefix = run_prefix
        self._orders = itertools.count(1)
        self._execs = itertools.count(1)
        self._children = itertools.count(1)

    def order_id(self) -> str:
        return f"{self._prefix}-P{next(self._orders)}"

    def exec_id(self) -> str:
        return f"{self._prefix}-E{next(self._execs)}"

    def child_cl_ord_id(self) -> str:
        return f"{self._prefix}-C{next(self._children)}"


@dataclass(frozen=True)
class EngineSettings:
    validation: ValidationContext
    max_child_rejects: int

    @classmethod
    def from_config(cls, cfg: AgentConfig) -> EngineSettings:
        return cls(
            ValidationContext(cfg.instrument_map(), dict(cfg.target_strategies), cfg.default_strategy,
                              cfg.default_horizon_s, cfg.max_limit_deviation_pct),
            cfg.max_child_rejects,
        )


class Engine:
    """Owns every parent and child; reacts to OMS requests, venue reports, quotes and ticks."""

    def __init__(
        self,
        settings: EngineSettings,
        clock: Clock,
        oms: OmsPort,
        venue: VenuePort,
        strategies: dict[str, Strategy],
        ids: IdSource,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._oms = oms
        self._venue = venue
        self._strategies = strategies
        self._ids = ids
        self.parents: dict[str, ParentOrder] = {}
        self._parent_by_cl_ord_id: dict[tuple[str, str], str] = {}
        self._seen_cl_ord_ids: set[tuple[str, str]] = set()
        self._children: dict[str, ChildOrder] = {}  # every ClOrdID we ever sent -> its child
        self._seen_exec_ids: set[str] = set()
        self.quotes: dict[str, Quote] = {}
        self.venue_up = False
        self._stopping = False

    # ------------------------------------------------------------------ OMS side

    def handle(self, request: OmsRequest) -> None:
        """Dispatch one OMS request."""
        if isinstance(request, NewOrderRequest):
            self.on_new_order(request)
        elif isinstance(request, CancelRequest):
            self.on_cancel_request(request)
        elif isinstance(request, ReplaceRequest):
            self.on_replace_request(request)
        elif isinstance(request, MassCancelRequest):
            self.on_mass_cancel(request)
        else:
            self.on_status_request(request)

    def on_new_order(self, req: NewOrderRequest) -> None:
        now = self._clock.now()
        key = (req.session, req.cl_ord_id)
        if key in self._seen_cl_ord_ids:
            self._reject_new(req, Rejection(OrdRejReason.DUPLICATE_ORDER, f"duplicate ClOrdID {req.cl_ord_id}"),
                             now)
            return
        self._seen_cl_ord_ids.add(key)
        verdict = validate_new_order(req, self._settings.validation, self.quotes.get(req.symbol or ""), now,
                                     self.venue_up)
        if isinstance(verdict, Rejection):
            self._reject_new(req, verdict, now)
            return
        parent = ParentOrder(
            order_id=self._ids.order_id(),
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
        )
        self.parents[parent.order_id] = parent
        self._parent_by_cl_ord_id[key] = parent.order_id
        self._report(parent, ExecType.PENDING_NEW)
        parent.apply(OrderEvent.ACCEPT)
        self._report(
            parent,
            ExecType.NEW,
            text=f"accepted: {parent.strategy} until {_iso(parent.end)}, arrival mid "
            f"{verdict.arrival_mid:.{parent.instrument.price_decimals + 1}f}",
        )
        log.info("parent %s accepted: %s %s %d %s", parent.order_id, parent.side.name, parent.instrument.symbol,
                 parent.order_qty, parent.strategy)

    def on_cancel_request(self, req: CancelRequest) -> None:
        parent = self._check_change_request(req.session, req.cl_ord_id, req.orig_cl_ord_id, "1",
                                            req.symbol, req.side)
        if parent is None:
            return
        assert req.orig_cl_ord_id is not None
        self._begin_cancel(parent, PendingParentChange("cancel", req.cl_ord_id, req.orig_cl_ord_id),
                           text=None)

    def on_replace_request(self, req: ReplaceRequest) -> None:
        parent = self._check_change_request(req.session, req.cl_ord_id, req.orig_cl_ord_id, "2",
                                            req.symbol, req.side)
        if parent is None:
            return
        assert req.orig_cl_ord_id is not None
        problem = self._replace_problem(parent, req)
        if isinstance(problem, Rejection):
            self._cancel_reject(parent, req.session, req.cl_ord_id, req.orig_cl_ord_id, "2", problem.reason,
                                problem.text)
            return
        new_qty, new_limit, new_end = problem
        parent.pending = PendingParentChange("replace", req.cl_ord_id, req.orig_cl_ord_id, new_qty, new_limit,
                                             new_end)
        parent.apply(OrderEvent.REPLACE_REQUEST)
        self._report(parent, ExecType.PENDING_REPLACE, cl_ord_id=req.cl_ord_id, orig_cl_ord_id=req.orig_cl_ord_id)
        # Re-plan from a clean slate: take every child off, then apply the change.
        self._cancel_children(parent, "parent replace")
        self._try_finish(parent)

    def on_mass_cancel(self, req: MassCancelRequest) -> None:
        kind = req.request_type
        if kind not in ("1", "7"):
            self._oms.send_mass_cancel_report(MassCancelReport(
                req.session, req.cl_ord_id, kind or "", "0", (), reject_reason="0",
                text=f"MassCancelRequestType(530) {kind!r} not supported: use 1 (by security) or 7 (all orders)"))
            return
        if kind == "1" and (req.symbol is None or req.symbol not in self._settings.validation.instruments):
            self._oms.send_mass_cancel_report(MassCancelReport(
                req.session, req.cl_ord_id, kind, "0", (), reject_reason="1",
                text=f"unknown or missing Symbol(55) {req.symbol!r} for a mass cancel by security"))
            return
        targets = [
            p for p in self.parents.values()
            if p.session == req.session and not p.is_done and (kind == "7" or p.instrument.symbol == req.symbol)
        ]
        affected = tuple(p.cl_ord_id for p in targets)
        self._oms.send_mass_cancel_report(MassCancelReport(req.session, req.cl_ord_id, kind, kind, affected))
        for parent in targets:
            if parent.pending is not None and parent.pending.kind == "cancel":
                continue  # already being cancelled
            self._begin_cancel(
                parent,
                PendingParentChange("cancel", parent.cl_ord_id, parent.cl_ord_id, mass_cancel=True),
                text=f"mass cancel {req.cl_ord_id}",
            )

    def on_status_request(self, req: StatusRequest) -> None:
        parent = None
        if req.cl_ord_id is not None:
            order_id = self._parent_by_cl_ord_id.get((req.session, req.cl_ord_id))
            parent = self.parents.get(order_id) if order_id else None
        if parent is None and req.order_id is not None:
            found = self.parents.get(req.order_id)
            parent = found if found is not None and found.session == req.session else None
        if parent is None:
            self._oms.send_exec_report(ParentExecReport(
                session=req.session, order_id=req.order_id or "NONE", cl_ord_id=req.cl_ord_id or "NONE",
                exec_id=self._ids.exec_id(), exec_type=ExecType.ORDER_STATUS, ord_status=OrdStatus.REJECTED.value,
                symbol="NA", side="1", order_qty=0, cum_qty=0, leaves_qty=0, avg_px=0.0,
                transact_time=self._clock.now(), price_decimals=0, ord_rej_reason=OrdRejReason.OTHER,
                text="unknown order"))
            return
        self._report(parent, ExecType.ORDER_STATUS)

    # ------------------------------------------------------------------ venue side

    def on_venue_session(self, logged_on: bool) -> None:
        was_up, self.venue_up = self.venue_up, logged_on
        if logged_on and not was_up:
            # After a disconnect, ask for the truth about every child we think is live.
            for child in self._live_children():
                parent = self.parents[child.parent_id]
                self._venue.send_status_request(
                    VenueStatusRequest(child.cl_ord_id, parent.instrument.symbol, parent.side.value))
        if not logged_on and not self._stopping:
            log.warning("venue session down: strategies paused, no new parents accepted")

    def on_quote(self, quote: Quote) -> None:
        self.quotes[quote.symbol] = quote

    def on_venue_report(self, rep: VenueExecReport) -> None:
        child = self._children.get(rep.cl_ord_id) or (
            self._children.get(rep.orig_cl_ord_id) if rep.orig_cl_ord_id else None)
        if child is None:
            self._on_orphan_report(rep)
            return
        if rep.exec_id in self._seen_exec_ids and rep.exec_type != ExecType.ORDER_STATUS:
            log.info("duplicate ExecID %s ignored", rep.exec_id)
            return
        self._seen_exec_ids.add(rep.exec_id)
        parent = self.parents[child.parent_id]
        if rep.order_id:
            child.venue_order_id = rep.order_id
        try:
            self._apply_venue_report(parent, child, rep)
        except IllegalTransition as exc:
            log.error("child %s: %s (report %s)", child.child_id, exc, rep)
        self._after_child_change(parent)

    def on_venue_cancel_reject(self, rej: VenueCancelReject) -> None:
        child = self._children.get(rej.cl_ord_id)
        if child is None:
            log.warning("cancel reject for unknown ClOrdID %s", rej.cl_ord_id)
            return
        parent = self.parents[child.parent_id]
        gone = rej.reason == CxlRejReason.UNKNOWN_ORDER
        if rej.response_to == "1" and child.pending_cancel_cl_ord_id == rej.cl_ord_id:
            child.pending_cancel_cl_ord_id = None
            if child.status is OrdStatus.PENDING_CANCEL:
                if gone:
                    log.warning("venue does not know child %s: taking it as cancelled", child.child_id)
                    child.apply(OrderEvent.CANCELED)
                else:
                    child.apply(OrderEvent.CANCEL_REJECT)
        elif rej.response_to == "2" and child.pending_replace and child.pending_replace.cl_ord_id == rej.cl_ord_id:
            child.pending_replace = None
            if child.status is OrdStatus.PENDING_REPLACE:
                child.apply(OrderEvent.CANCELED if gone else OrderEvent.REPLACE_REJECT)
        log.info("venue refused %s of child %s: %s", "cancel" if rej.response_to == "1" else "replace",
                 child.child_id, rej.text)
        self._after_child_change(parent)

    # ------------------------------------------------------------------ time

    def on_tick(self) -> None:
        """One decision round over every working parent."""
        now = self._clock.now()
        for parent in list(self.parents.values()):
            if parent.is_done or parent.pending is not None or parent.finishing is not None:
                continue
            if now >= parent.end:
                event = OrderEvent.EXPIRE if parent.time_in_force == "6" else OrderEvent.DONE_FOR_DAY
                self._begin_finish(parent, event, f"end time reached with {parent.leaves_qty} unfilled")
                continue
            if not self.venue_up:
                continue
            strategy = self._strategies[parent.strategy]
            try:
                actions = strategy.decide(parent.view(), self.quotes.get(parent.instrument.symbol), now)
            except Exception:
                log.exception("strategy %s failed on parent %s; skipping this tick", parent.strategy,
                              parent.order_id)
                continue
            self._execute(parent, actions)

    def shutdown(self, reason: str = "agent shutting down") -> None:
        """Take every child off the venue and finish every parent as cancelled."""
        self._stopping = True
        for parent in self.parents.values():
            if parent.is_done or parent.finishing is not None:
                continue
            if parent.pending is not None and parent.pending.kind == "cancel":
                continue  # already on its way to Canceled
            if parent.pending is not None:
                self._abandon_pending(parent, reason)
            self._begin_finish(parent, OrderEvent.CANCELED, reason)

    @property
    def idle(self) -> bool:
        """No child can still fill."""
        return not any(True for _ in self._live_children())

    # ------------------------------------------------------------------ internals: OMS answers

    def _reject_new(self, req: NewOrderRequest, rejection: Rejection, now: float) -> None:
        log.info("parent %s from %s rejected: %s", req.cl_ord_id, req.session, rejection.text)
        qty = 0
        with contextlib.suppress(ValueError, OverflowError):
            qty = max(int(float(req.order_qty or 0)), 0)
        self._oms.send_exec_report(ParentExecReport(
            session=req.session, order_id="NONE", cl_ord_id=req.cl_ord_id, exec_id=self._ids.exec_id(),
            exec_type=ExecType.REJECTED, ord_status=OrdStatus.REJECTED.value, symbol=req.symbol or "NA",
            side=req.side if req.side in ("1", "2") else "1", order_qty=qty, cum_qty=0, leaves_qty=0,
            avg_px=0.0, transact_time=now, price_decimals=8, ord_rej_reason=rejection.reason,
            text=rejection.text, ord_type=req.ord_type if req.ord_type in ("1", "2") else None))

    def _report(self, parent: ParentOrder, exec_type: str, *, cl_ord_id: str | None = None,
                orig_cl_ord_id: str | None = None, last_qty: int = 0, last_px: float = 0.0,
                text: str | None = None) -> None:
        self._oms.send_exec_report(ParentExecReport(
            session=parent.session,
            order_id=parent.order_id,
            cl_ord_id=cl_ord_id or parent.cl_ord_id,
            orig_cl_ord_id=orig_cl_ord_id,
            exec_id=self._ids.exec_id(),
            exec_type=exec_type,
            ord_status=parent.status.value,
            symbol=parent.instrument.symbol,
            side=parent.side.value,
            order_qty=parent.order_qty,
            cum_qty=parent.cum_qty,
            leaves_qty=parent.leaves_qty,
            avg_px=parent.avg_px,
            transact_time=self._clock.now(),
            price_decimals=parent.instrument.price_decimals,
            ord_type=parent.ord_type,
            limit_px=parent.limit_px,
            last_qty=last_qty,
            last_px=last_px,
            text=text,
            time_in_force=parent.time_in_force,
            expire_time=parent.end,
        ))

    def _cancel_reject(self, parent: ParentOrder | None, session: str, cl_ord_id: str, orig: str,
                       response_to: str, reason: str, text: str) -> None:
        log.info("%s %s refused: %s", "cancel" if response_to == "1" else "replace", cl_ord_id, text)
        self._oms.send_cancel_reject(ParentCancelReject(
            session=session, cl_ord_id=cl_ord_id, orig_cl_ord_id=orig,
            order_id=parent.order_id if parent else "NONE",
            ord_status=parent.status.value if parent else OrdStatus.REJECTED.value,
            response_to=response_to, reason=reason, text=text))

    def _check_change_request(self, session: str, cl_ord_id: str, orig: str | None, response_to: str,
                              symbol: str | None, side: str | None) -> ParentOrder | None:
        """The parent a cancel/replace is about, or None after rejecting the request."""
        key = (session, cl_ord_id)
        if key in self._seen_cl_ord_ids:
            self._cancel_reject(None, session, cl_ord_id, orig or "NONE", response_to,
                                CxlRejReason.DUPLICATE_CL_ORD_ID, f"duplicate ClOrdID {cl_ord_id}")
            return None
        self._seen_cl_ord_ids.add(key)
        if orig is None:
            self._cancel_reject(None, session, cl_ord_id, "NONE", response_to, CxlRejReason.OTHER,
                                "missing required tag OrigClOrdID(41)")
            return None
        order_id = self._parent_by_cl_ord_id.get((session, orig))
        parent = self.parents.get(order_id) if order_id else None
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
        if parent.pending is not None and not (response_to == "1" and parent.pending.kind == "replace"):
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
        if parent.ord_type == "2" and req.price is not None:
            limit = parse_limit(req.price, "2", parent.instrument, parent.side,
                                self.quotes.get(parent.instrument.symbol),
                                self._settings.validation.max_limit_deviation_pct)
            if isinstance(limit, Rejection):
                return Rejection(CxlRejReason.OTHER, limit.text)
            new_limit = limit
        elif parent.ord_type == "1" and req.price is not None:
            return Rejection(CxlRejReason.OTHER, "Price(44) given on a market order (OrdType 1)")
        new_end = parent.end
        if req.expire_time is not None:
            if req.expire_time <= self._clock.now():
                return Rejection(CxlRejReason.OTHER, "ExpireTime(126) is in the past")
            new_end = req.expire_time
        return new_qty, new_limit, new_end

    def _begin_cancel(self, parent: ParentOrder, change: PendingParentChange, text: str | None) -> None:
        if parent.pending is not None:  # a cancel overrides a pending replace
            self._abandon_pending(parent, "superseded by a cancel")
        parent.pending = change
        parent.apply(OrderEvent.CANCEL_REQUEST)
        self._report(parent, ExecType.PENDING_CANCEL, cl_ord_id=change.cl_ord_id,
                     orig_cl_ord_id=None if change.mass_cancel else change.orig_cl_ord_id, text=text)
        self._cancel_children(parent, "parent cancel")
        self._try_finish(parent)

    def _abandon_pending(self, parent: ParentOrder, why: str) -> None:
        pending = parent.pending
        assert pending is not None
        parent.pending = None
        event = OrderEvent.CANCEL_REJECT if pending.kind == "cancel" else OrderEvent.REPLACE_REJECT
        parent.apply(event)
        self._cancel_reject(parent, parent.session, pending.cl_ord_id, pending.orig_cl_ord_id,
                            "1" if pending.kind == "cancel" else "2", CxlRejReason.OTHER, why)

    def _begin_finish(self, parent: ParentOrder, event: OrderEvent, text: str) -> None:
        """Finish a parent on our own initiative (end time, shutdown, repeated rejects)."""
        parent.finishing = event
        parent.finish_text = text
        self._cancel_children(parent, text)
        self._try_finish(parent)

    def _try_finish(self, parent: ParentOrder) -> None:
        """Complete a pending cancel/replace or a finish once no child can fill any more."""
        if parent.is_done:
            return
        if parent.exposure_qty > 0:
            return
        pending = parent.pending
        if pending is not None:
            parent.pending = None
            if pending.kind == "cancel":
                parent.apply(OrderEvent.CANCELED)
                if not pending.mass_cancel:
                    parent.orig_cl_ord_id, parent.cl_ord_id = parent.cl_ord_id, pending.cl_ord_id
                    self._parent_by_cl_ord_id[(parent.session, pending.cl_ord_id)] = parent.order_id
                self._report(parent, ExecType.CANCELED, cl_ord_id=pending.cl_ord_id,
                             orig_cl_ord_id=None if pending.mass_cancel else pending.orig_cl_ord_id)
                self._log_done(parent)
            elif pending.new_qty is not None and pending.new_qty < parent.cum_qty:
                # Fills that arrived while the children came off took the order past the new quantity.
                parent.apply(OrderEvent.REPLACE_REJECT)
                self._cancel_reject(parent, parent.session, pending.cl_ord_id, pending.orig_cl_ord_id, "2",
                                    CxlRejReason.TOO_LATE,
                                    f"{parent.cum_qty} already filled, above the requested OrderQty(38) "
                                    f"{pending.new_qty}")
            else:
                assert pending.new_qty is not None
                parent.order_qty = pending.new_qty
                parent.limit_px = pending.new_limit_px
                if pending.new_end is not None:
                    parent.end = pending.new_end
                parent.plan_start = max(self._clock.now(), parent.start)
                parent.plan_cum_qty = parent.cum_qty
                parent.consecutive_child_rejects = 0
                parent.orig_cl_ord_id, parent.cl_ord_id = parent.cl_ord_id, pending.cl_ord_id
                self._parent_by_cl_ord_id[(parent.session, pending.cl_ord_id)] = parent.order_id
                parent.apply(OrderEvent.REPLACED)
                self._report(parent, ExecType.REPLACED, orig_cl_ord_id=pending.orig_cl_ord_id)
                if parent.is_done:
                    self._log_done(parent)
            return
        if parent.finishing is not None:
            event = parent.finishing
            parent.apply(event)
            self._report(parent, _FINISH_EXEC_TYPE[event], text=parent.finish_text)
            self._log_done(parent)

    def _log_done(self, parent: ParentOrder) -> None:
        shortfall = parent.shortfall_bps()
        log.info("parent %s %s: filled %d of %d, AvgPx %.6f, IS %s bps", parent.order_id,
                 parent.status.name.lower(), parent.cum_qty, parent.order_qty, parent.avg_px,
                 f"{shortfall:+.2f}" if shortfall is not None else "n/a")

    # ------------------------------------------------------------------ internals: children

    def _live_children(self) -> Iterable[ChildOrder]:
        for parent in self.parents.values():
            yield from parent.live_children

    def _execute(self, parent: ParentOrder, actions: list[ChildAction]) -> None:
        """Pass each action through the risk gate, then send it."""
        for action in actions:
            verdict = check_child_action(parent.view(), action)
            if not verdict.ok:
                log.warning("risk refused %s for parent %s: %s", action, parent.order_id, verdict.reason)
                continue
            if isinstance(action, PlaceChild):
                self._place_child(parent, action)
            elif isinstance(action, CancelChild):
                child = parent.children.get(action.child_id)
                if child is not None:
                    self._cancel_child(parent, child)
            elif isinstance(action, ReplaceChild):
                child = parent.children.get(action.child_id)
                if child is not None:
                    self._replace_child(parent, child, action)

    def _place_child(self, parent: ParentOrder, action: PlaceChild) -> None:
        cl_ord_id = self._ids.child_cl_ord_id()
        child = ChildOrder(child_id=cl_ord_id, parent_id=parent.order_id, cl_ord_id=cl_ord_id,
                           price=action.price, qty=action.qty, tif=action.tif)
        parent.children[cl_ord_id] = child
        self._children[cl_ord_id] = child
        sent = self._venue.send_new(VenueNewOrder(
            cl_ord_id=cl_ord_id, symbol=parent.instrument.symbol, side=parent.side.value, qty=action.qty,
            price=parent.instrument.format_price(action.price) if action.price is not None else None,
            tif=action.tif))
        if not sent:
            child.apply(OrderEvent.REJECT)
            log.warning("child %s not sent: venue unavailable", cl_ord_id)
        else:
            log.debug("child %s: %s %d @ %s (%s)", cl_ord_id, parent.side.name, action.qty, action.price,
                      action.reason)

    def _cancel_child(self, parent: ParentOrder, child: ChildOrder) -> None:
        if not child.is_live or child.pending_cancel_cl_ord_id is not None:
            return
        if child.status is OrdStatus.PENDING_REPLACE:
            child.cancel_wanted = True  # cancel once the replace resolves
            return
        cl_ord_id = self._ids.child_cl_ord_id()
        self._children[cl_ord_id] = child
        sent = self._venue.send_cancel(VenueCancel(cl_ord_id, child.cl_ord_id, parent.instrument.symbol,
                                                   parent.side.value, child.qty))
        if sent:
            child.pending_cancel_cl_ord_id = cl_ord_id
            child.cancel_wanted = False
            child.apply(OrderEvent.CANCEL_REQUEST)
        else:
            child.cancel_wanted = True

    def _replace_child(self, parent: ParentOrder, child: ChildOrder, action: ReplaceChild) -> None:
        if not child.is_live or child.status.is_pending or child.tif is ChildTif.IOC:
            return
        new_total = child.cum_qty + action.qty
        cl_ord_id = self._ids.child_cl_ord_id()
        self._children[cl_ord_id] = child
        sent = self._venue.send_replace(VenueReplace(
            cl_ord_id, child.cl_ord_id, parent.instrument.symbol, parent.side.value, new_total,
            parent.instrument.format_price(action.price), child.tif))
        if sent:
            child.pending_replace = PendingReplace(cl_ord_id, new_total, action.price)
            child.apply(OrderEvent.REPLACE_REQUEST)

    def _cancel_children(self, parent: ParentOrder, why: str) -> None:
        for child in parent.live_children:
            self._cancel_child(parent, child)
        if parent.live_children:
            log.info("parent %s: cancelling %d children (%s)", parent.order_id, len(parent.live_children), why)

    def _apply_venue_report(self, parent: ParentOrder, child: ChildOrder, rep: VenueExecReport) -> None:
        et = rep.exec_type
        if et == ExecType.NEW:
            if child.status is OrdStatus.PENDING_NEW:
                child.apply(OrderEvent.ACCEPT)
            parent.consecutive_child_rejects = 0
        elif et == ExecType.TRADE:
            self._on_child_fill(parent, child, rep.last_qty, rep.last_px)
        elif et == ExecType.CANCELED:
            if child.pending_cancel_cl_ord_id == rep.cl_ord_id:
                child.cl_ord_id = rep.cl_ord_id
                child.pending_cancel_cl_ord_id = None
            if child.is_live:
                child.pending_replace = None
                child.apply(OrderEvent.CANCELED)
        elif et == ExecType.REPLACED:
            pending = child.pending_replace
            if pending is not None and pending.cl_ord_id == rep.cl_ord_id:
                child.qty, child.price, child.cl_ord_id = pending.qty, pending.price, pending.cl_ord_id
                child.pending_replace = None
                child.apply(OrderEvent.REPLACED)
            else:
                log.error("child %s: unexpected Replaced report %s", child.child_id, rep.cl_ord_id)
        elif et == ExecType.REJECTED:
            child.apply(OrderEvent.REJECT)
            parent.consecutive_child_rejects += 1
            log.warning("venue rejected child %s of %s: %s", child.child_id, parent.order_id, rep.text)
            if (parent.consecutive_child_rejects >= self._settings.max_child_rejects and parent.pending is None
                    and parent.finishing is None and not parent.is_done):
                self._begin_finish(parent, OrderEvent.CANCELED,
                                   f"{parent.consecutive_child_rejects} consecutive venue rejects: {rep.text}")
        elif et == ExecType.EXPIRED:
            if child.is_live:
                child.apply(OrderEvent.EXPIRE)
        elif et == ExecType.ORDER_STATUS:
            self._reconcile_child(parent, child, rep)
        else:
            log.warning("child %s: ignoring ExecType %s", child.child_id, et)

    def _on_child_fill(self, parent: ParentOrder, child: ChildOrder, qty: int, px: float) -> None:
        if qty <= 0:
            log.error("child %s: fill of %d ignored", child.child_id, qty)
            return
        child.cum_qty += qty
        child.notional += qty * px
        if child.is_live:
            child.apply(OrderEvent.FILL if child.cum_qty >= child.qty else OrderEvent.PARTIAL_FILL)
        else:
            log.error("child %s filled %d after it was %s: counted on the parent", child.child_id, qty,
                      child.status.name)
        if parent.cum_qty + qty > parent.order_qty:
            log.critical("OVERFILL parent %s: cum %d + fill %d > order %d", parent.order_id, parent.cum_qty, qty,
                         parent.order_qty)
        parent.add_fill(qty, px)
        parent.consecutive_child_rejects = 0
        if parent.is_done:
            log.critical("parent %s filled %d after it was %s", parent.order_id, qty, parent.status.name)
            return
        filled = parent.cum_qty >= parent.order_qty
        parent.apply(OrderEvent.FILL if filled else OrderEvent.PARTIAL_FILL)
        self._report(parent, ExecType.TRADE, last_qty=qty, last_px=px)
        if filled:
            self._log_done(parent)
            self._cancel_children(parent, "parent filled")
            pending = parent.pending
            if pending is not None:
                parent.pending = None
                self._cancel_reject(parent, parent.session, pending.cl_ord_id, pending.orig_cl_ord_id,
                                    "1" if pending.kind == "cancel" else "2", CxlRejReason.TOO_LATE,
                                    "order is already filled")

    def _reconcile_child(self, parent: ParentOrder, child: ChildOrder, rep: VenueExecReport) -> None:
        """Bring a child in line with the venue's status answer (after a reconnect)."""
        missing = rep.cum_qty - child.cum_qty
        if missing > 0:
            px = (rep.avg_px * rep.cum_qty - child.notional) / missing
            log.warning("child %s: %d filled while we were away, at %.6f", child.child_id, missing, px)
            self._on_child_fill(parent, child, missing, px)
        if child.is_live and rep.ord_status in ("4", "8", "C", "3"):
            child.pending_cancel_cl_ord_id = None
            child.pending_replace = None
            child.apply(OrderEvent.CANCELED)  # the venue's word is final

    def _on_orphan_report(self, rep: VenueExecReport) -> None:
        log.error("venue report for an order no parent owns: %s %s %s", rep.cl_ord_id, rep.exec_type,
                  rep.ord_status)
        if rep.ord_status in ("0", "1", "A", "E") and rep.leaves_qty > 0:
            cl_ord_id = self._ids.child_cl_ord_id()
            self._venue.send_cancel(VenueCancel(cl_ord_id, rep.cl_ord_id, rep.symbol, rep.side, rep.leaves_qty))

    def _after_child_change(self, parent: ParentOrder) -> None:
        for child in parent.live_children:
            if child.cancel_wanted and not child.status.is_pending:
                self._cancel_child(parent, child)
        self._try_finish(parent)


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
