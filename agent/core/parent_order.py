"""A parent (block) order from the OMS: its FIX identity, quantities, plan and children."""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.core.child_order import ChildOrder
from agent.core.order_state import OrderEvent, OrderStateMachine, OrdStatus
from strategies.types import Instrument, ParentView, Side


@dataclass
class PendingParentChange:
    """An OMS cancel or replace waiting for the parent's children to come off the venue."""

    kind: str  # "cancel" | "replace"
    cl_ord_id: str
    orig_cl_ord_id: str
    new_qty: int | None = None
    new_limit_px: float | None = None
    new_end: float | None = None
    mass_cancel: bool = False


@dataclass
class ParentOrder:
    order_id: str
    session: str
    cl_ord_id: str
    instrument: Instrument
    side: Side
    order_qty: int
    ord_type: str  # OrdType(40): 1 market, 2 limit
    limit_px: float | None
    time_in_force: str
    start: float
    end: float
    strategy: str
    participation_cap: float | None
    arrival_mid: float | None
    created: float
    orig_cl_ord_id: str | None = None
    cum_qty: int = 0
    notional: float = 0.0
    state: OrderStateMachine = field(default_factory=OrderStateMachine)
    children: dict[str, ChildOrder] = field(default_factory=dict)  # every child it ever had
    # The children that can still change it (live, or done with fills still to arrive): a parent that has worked
    # thousands of children looks at a handful each tick.
    _active: dict[str, ChildOrder] = field(default_factory=dict, repr=False)
    pending: PendingParentChange | None = None
    plan_start: float = 0.0
    plan_cum_qty: int = 0
    consecutive_child_rejects: int = 0
    finishing: OrderEvent | None = None  # an expiry or unsolicited cancel waiting for children to come off
    finish_text: str | None = None
    done_at: float | None = None  # when it reached a final state (retention counts from here)
    fallback_reason: str | None = None  # set when its strategy failed and it carries on with the fallback
    # Who is holding the parent back (a circuit breaker, an operator halt) and why: while any hold is set, no
    # strategy is asked and no child is sent; the parent resumes when the last hold is lifted.
    holds: dict[str, str] = field(default_factory=dict)
    # The venue's traded volume when the parent's schedule began, as its quotes said (POV's base); set at the first
    # decision at or after the start.
    start_volume: int | None = None
    urgency: float | None = None  # strategy parameters the order carried (custom tags); None: configured defaults
    participation: float | None = None
    oms_keys: list[tuple[str, str]] = field(default_factory=list)  # every (session, ClOrdID) naming it

    @property
    def status(self) -> OrdStatus:
        return self.state.status

    @property
    def is_done(self) -> bool:
        return self.status.is_terminal

    @property
    def leaves_qty(self) -> int:
        """FIX LeavesQty: 0 once the order is done, else OrderQty - CumQty."""
        return 0 if self.is_done else self.order_qty - self.cum_qty

    @property
    def avg_px(self) -> float:
        return self.notional / self.cum_qty if self.cum_qty else 0.0

    def add_child(self, child: ChildOrder) -> None:
        self.children[child.child_id] = child
        self._active[child.child_id] = child

    def track(self, child: ChildOrder) -> None:
        """Look at a child again after news about it (a late report can reopen a settled one)."""
        if not child.is_settled:
            self._active[child.child_id] = child

    @property
    def live_children(self) -> list[ChildOrder]:
        return [c for c in self.active_children if c.is_live]

    @property
    def active_children(self) -> list[ChildOrder]:
        """Children that can still change the parent: live at the venue, or done with fills still to arrive."""
        for child_id in [k for k, c in self._active.items() if c.is_settled]:
            del self._active[child_id]
        return list(self._active.values())

    @property
    def exposure_qty(self) -> int:
        return sum(c.exposure_qty for c in self.active_children)

    def shortfall_bps(self) -> float | None:
        """Implementation shortfall of the fills so far against the arrival mid, in bps (positive = cost)."""
        if not self.cum_qty or not self.arrival_mid:
            return None
        return self.side.sign * (self.avg_px - self.arrival_mid) / self.arrival_mid * 1e4

    def apply(self, event: OrderEvent) -> OrdStatus:
        return self.state.apply(event, self.cum_qty, self.order_qty)

    def add_fill(self, qty: int, price: float) -> None:
        self.cum_qty += qty
        self.notional += qty * price

    def replan(self, now: float) -> None:
        """Spread what is left over the rest of the horizon from `now` (after a pause or a change), rather than
        catch up at once on what the pause left behind."""
        self.plan_start = max(now, self.start)
        self.plan_cum_qty = self.cum_qty

    def view(self) -> ParentView:
        return ParentView(
            parent_id=self.order_id,
            instrument=self.instrument,
            side=self.side,
            order_qty=self.order_qty,
            cum_qty=self.cum_qty,
            limit_px=self.limit_px,
            start=self.start,
            end=self.end,
            plan_start=self.plan_start,
            plan_cum_qty=self.plan_cum_qty,
            participation_cap=self.participation_cap,
            children=tuple(c.view() for c in self.active_children),
            start_volume=self.start_volume,
            urgency=self.urgency,
            participation=self.participation,
        )
