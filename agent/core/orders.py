"""What the engine knows: every parent and child in memory, the latest quotes, the sessions, and the shared
pieces (settings, clock, outlet, ids) that the parent side, the child-order manager and the decision tick use."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from agent.clock import Clock
from agent.core.child_order import ChildOrder
from agent.core.commands import Outlet
from agent.core.ids import IdSource
from agent.core.parent_order import ParentOrder
from agent.core.parent_validation import ValidationContext
from risk.risk_engine import RiskEngine
from strategies.market_view import MarketView
from strategies.types import Quote


@dataclass(frozen=True)
class EngineSettings:
    """Everything the engine's behaviour depends on, fixed at start."""

    validation: ValidationContext
    max_child_rejects: int = 5
    # A new, cancel or replace the venue has not answered within this is followed up with an OrderStatusRequest.
    ack_timeout_s: float = 2.0
    # This many status answers in a row saying "unknown order" end a child the venue never acknowledged.
    unknown_answers_to_drop: int = 2
    # After a venue logon, decisions wait for the status answers and the mass status, at most this long.
    reconcile_timeout_s: float = 10.0
    # OMS session lost: keep working its parents, or cancel them after the grace period.
    cancel_on_oms_disconnect: bool = False
    oms_disconnect_grace_s: float = 30.0
    # Finished parents and their children leave memory this long after they are final (the journal keeps them).
    retention_s: float = 3600.0
    # A strategy that takes longer than this to decide on one parent has failed: the parent falls back to TWAP.
    strategy_budget_s: float | None = None
    # Seconds in each symbol's trading day (its session), which the market view scales volatility to.
    trading_day_s: Mapping[str, float] = field(default_factory=dict)


@dataclass
class OrderBook:
    """Parents and children in memory, and the indexes into them."""

    parents: dict[str, ParentOrder] = field(default_factory=dict)
    by_cl_ord_id: dict[tuple[str, str], str] = field(default_factory=dict)  # (session, OMS ClOrdID) -> OrderID
    seen_cl_ord_ids: set[tuple[str, str]] = field(default_factory=set)  # every (session, ClOrdID) the OMS used
    children: dict[str, ChildOrder] = field(default_factory=dict)  # every ClOrdID we sent -> its child
    finished: deque[tuple[float, str]] = field(default_factory=deque)  # (done at, OrderID) in order
    stray_keys: deque[tuple[float, tuple[str, str]]] = field(default_factory=deque)  # refused, no parent

    def index_child(self, child: ChildOrder, cl_ord_id: str) -> None:
        """Remember that venue messages with `cl_ord_id` are about `child`."""
        self.children[cl_ord_id] = child
        child.cl_ord_ids.append(cl_ord_id)

    def index_parent(self, parent: ParentOrder, key: tuple[str, str]) -> None:
        """Remember that the OMS's (session, ClOrdID) names `parent`."""
        self.by_cl_ord_id[key] = parent.order_id
        parent.oms_keys.append(key)

    def live_children(self) -> Iterator[ChildOrder]:
        for parent in self.parents.values():
            yield from parent.live_children

    def active_children(self) -> Iterator[ChildOrder]:
        for parent in self.parents.values():
            yield from parent.active_children

    def forget(self, parent: ParentOrder) -> None:
        """Drop a finished parent and everything about it from memory."""
        self.parents.pop(parent.order_id, None)
        for key in parent.oms_keys:
            self.by_cl_ord_id.pop(key, None)
            self.seen_cl_ord_ids.discard(key)
        for child in parent.children.values():
            for cl_ord_id in child.cl_ord_ids:
                self.children.pop(cl_ord_id, None)


@dataclass
class EngineContext:
    """The shared pieces every part of the engine works with."""

    settings: EngineSettings
    clock: Clock
    outlet: Outlet
    ids: IdSource
    risk: RiskEngine
    book: OrderBook = field(default_factory=OrderBook)
    quotes: dict[str, Quote] = field(default_factory=dict)
    views: dict[str, MarketView] = field(default_factory=dict)  # what strategies and the impact model see
    venue_up: bool = False
    reconciling_since: float | None = None  # a venue logon's reconciliation is under way
    mass_status_req_id: str | None = None
    oms_down_since: dict[str, float] = field(default_factory=dict)
    stopping: bool = False
    # A new parent's pre-trade estimate for its New report's Text (None: no estimate); never raises.
    arrival_estimate: Callable[[ParentOrder, MarketView | None, float], str | None] | None = None
    # Times strategies against their budget: a duration, never the time of day (that is the clock's).
    stopwatch: Callable[[], float] = time.perf_counter

    @property
    def may_trade(self) -> bool:
        return self.venue_up and self.reconciling_since is None and not self.stopping
