"""A child order at the venue, as the agent tracks it."""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.order_state import OrderEvent, OrderStateMachine, OrdStatus
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
    venue_order_id: str | None = None
    state: OrderStateMachine = field(default_factory=OrderStateMachine)
    pending_cancel_cl_ord_id: str | None = None
    pending_replace: PendingReplace | None = None
    cancel_wanted: bool = False  # cancel as soon as an in-flight request resolves
    notional: float = 0.0

    @property
    def status(self) -> OrdStatus:
        return self.state.status

    @property
    def is_live(self) -> bool:
        return not self.status.is_terminal

    @property
    def leaves_qty(self) -> int:
        if not self.is_live:
            return 0
        return max(self.qty - self.cum_qty, 0)

    @property
    def exposure_qty(self) -> int:
        """The most this child could still fill: with a replace in flight, the larger of old and new."""
        if not self.is_live:
            return 0
        qty = self.qty
        if self.pending_replace is not None:
            qty = max(qty, self.pending_replace.qty)
        return max(qty - self.cum_qty, 0)

    def apply(self, event: OrderEvent) -> OrdStatus:
        return self.state.apply(event, self.cum_qty, self.qty)

    def view(self) -> WorkingChild:
        return WorkingChild(
            child_id=self.child_id,
            price=self.price,
            leaves_qty=self.exposure_qty,
            tif=self.tif,
            pending=self.status.is_pending or self.cancel_wanted,
        )
