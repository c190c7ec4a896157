"""A child order at the venue, as the agent tracks it: state, quantities, in-flight requests, fills seen."""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.core.order_state import OrderEvent, OrderStateMachine, OrdStatus
from strategies.types import ChildTif, WorkingChild


@dataclass
class PendingReplace:
    cl_ord_id: str
    qty: int  # new total order quantity
    price: float


@dataclass
class ChildOrder:
    child_id: str  # our first ClOrdID for it; later ClOrdIDs map back to it
    parent_id: str
    cl_ord_id: str  # the ClOrdID the venue currently knows it by
    price: float | None
    qty: int  # total order quantity at the venue
    tif: ChildTif
    cum_qty: int = 0
    notional: float = 0.0
    venue_order_id: str | None = None
    state: OrderStateMachine = field(default_factory=OrderStateMachine)
    pending_cancel_cl_ord_id: str | None = None
    pending_replace: PendingReplace | None = None
    cancel_wanted: bool = False  # cancel as soon as an in-flight request resolves
    acked: bool = False  # the venue has shown it knows the order
    # Follow-up of requests the venue has not answered yet.
    request_sent_at: float | None = None  # when the new, cancel or replace now in flight went out
    status_sent_at: float | None = None  # when our last OrderStatusRequest about it went out
    unknown_answers: int = 0  # status answers in a row saying the venue does not know it
    unknown_at: float | None = None  # when the last of those came
    # What the venue has said about its fills: the highest CumQty it reported, and which fills we hold.
    venue_cum_qty: int = 0
    settle_since: float | None = None  # done at the venue, some of its fills not received yet, since when
    exec_ids: set[str] = field(default_factory=set)
    fills: list[tuple[int, int, float]] = field(default_factory=list)  # (venue CumQty, qty, px) as received
    adopted_through: int = 0  # fills up to this venue CumQty were adopted from a status answer
    adopted_qty: int = 0
    adopted_notional: float = 0.0
    cl_ord_ids: list[str] = field(default_factory=list)  # every ClOrdID used for it (new, cancels, replaces)

    @property
    def status(self) -> OrdStatus:
        return self.state.status

    @property
    def is_live(self) -> bool:
        return not self.status.is_terminal

    @property
    def unsettled_qty(self) -> int:
        """Fills the venue has reported in its CumQty that have not reached us yet."""
        return max(self.venue_cum_qty - self.cum_qty, 0)

    @property
    def is_settled(self) -> bool:
        """Done at the venue and every one of its fills counted: nothing about it can change any more."""
        return not self.is_live and self.unsettled_qty == 0

    @property
    def leaves_qty(self) -> int:
        if not self.is_live:
            return 0
        return max(self.qty - self.cum_qty, 0)

    @property
    def exposure_qty(self) -> int:
        """The most this child could still add to the parent: with a replace in flight, the larger of old and
        new; once done, the fills the venue reported that have not arrived yet."""
        if not self.is_live:
            return self.unsettled_qty
        qty = self.qty
        if self.pending_replace is not None:
            qty = max(qty, self.pending_replace.qty)
        return max(qty - self.cum_qty, self.unsettled_qty, 0)

    def apply(self, event: OrderEvent) -> OrdStatus:
        status = self.state.apply(event, self.cum_qty, self.qty)
        if status is OrdStatus.NEW and not self.acked:
            # Back from a refused cancel before the venue ever acknowledged the order.
            self.state.status = status = OrdStatus.PENDING_NEW
        return status

    def view(self) -> WorkingChild:
        return WorkingChild(
            child_id=self.child_id,
            price=self.price,
            leaves_qty=self.exposure_qty,
            tif=self.tif,
            pending=self.status.is_pending or self.cancel_wanted,
        )
