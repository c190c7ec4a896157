"""A client order as the venue reports it: status, quantities, average price, and the updates that change it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from simulator.book_events import RejectReason
from simulator.orders import OrderType, Side, TimeInForce


class OrderStatus(Enum):
    """Where a client order stands."""

    NEW = "new"
    PARTIALLY_FILLED = "partially filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"

    @property
    def is_done(self) -> bool:
        """True once the order can no longer trade."""
        return self in _DONE


_DONE = frozenset({OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED})


class UpdateKind(Enum):
    """What happened to a client order."""

    NEW = "new"
    TRADE = "trade"
    CANCELED = "canceled"
    REPLACED = "replaced"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class OrderState:
    """A snapshot of one client order; `qty` is the current total (after any replace), `price` None for market."""

    order_id: int
    owner: str
    symbol: str
    side: Side
    order_type: OrderType
    tif: TimeInForce
    qty: int
    price: float | None
    cum_qty: int
    avg_price: float
    status: OrderStatus

    @property
    def leaves_qty(self) -> int:
        """Quantity still working: 0 once the order is done."""
        return 0 if self.status.is_done else self.qty - self.cum_qty


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """One change to a client order, with the order as it stands after the change."""

    kind: UpdateKind
    order: OrderState
    time: float
    last_qty: int = 0
    last_price: float = 0.0
    reject_reason: RejectReason | None = None
    text: str = ""


class OrderRefused(Exception):
    """A cancel, replace or status request the venue refused; the order, if any, is unchanged."""

    def __init__(self, reason: RejectReason, text: str, order: OrderState | None = None) -> None:
        super().__init__(text)
        self.reason = reason
        self.text = text
        self.order = order
