"""What one book operation did, as plain records the market turns into order updates and a tape."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from simulator.orders import Side


class RejectReason(Enum):
    """Why the venue refused a request."""

    UNKNOWN_SYMBOL = "unknown symbol"
    INVALID_QUANTITY = "invalid quantity"
    INVALID_PRICE = "invalid price"
    UNKNOWN_ORDER = "unknown order"
    TOO_LATE = "too late"


class CancelReason(Enum):
    """Why an order stopped working without being filled in full."""

    REQUESTED = "requested"
    IOC_REMAINDER = "ioc remainder"
    NO_LIQUIDITY = "no liquidity"


@dataclass(frozen=True, slots=True)
class Accepted:
    """A new order passed validation; fills, a rest or a cancel follow."""

    order_id: int
    owner: str


@dataclass(frozen=True, slots=True)
class Fill:
    """One trade between a resting maker and an incoming taker."""

    maker_id: int
    maker_owner: str
    taker_id: int
    taker_owner: str
    aggressor: Side
    price_ticks: int
    qty: int


@dataclass(frozen=True, slots=True)
class Cancelled:
    """An order's remaining quantity left the book (or never entered it)."""

    order_id: int
    owner: str
    qty: int
    reason: CancelReason


@dataclass(frozen=True, slots=True)
class Replaced:
    """A resting order took a new total quantity and price."""

    order_id: int
    owner: str
    qty: int
    price_ticks: int
    kept_priority: bool


@dataclass(frozen=True, slots=True)
class Rejected:
    """A request was refused; the book did not change."""

    order_id: int
    owner: str
    reason: RejectReason
    text: str


BookEvent = Accepted | Fill | Cancelled | Replaced | Rejected
