"""What the engine sends out, and the two interfaces (OMS and venue) it sends it through.

The FIX gateways implement these; the engine never sees a FIX message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from strategies.types import ChildTif


class OrdRejReason:
    """FIX 4.4 OrdRejReason(103) values we use."""

    UNKNOWN_SYMBOL = "1"
    EXCHANGE_CLOSED = "2"
    TOO_LATE = "4"
    DUPLICATE_ORDER = "6"
    UNSUPPORTED = "11"
    INCORRECT_QUANTITY = "13"
    OTHER = "99"


class CxlRejReason:
    """FIX 4.4 CxlRejReason(102) values we use."""

    TOO_LATE = "0"
    UNKNOWN_ORDER = "1"
    ALREADY_PENDING = "3"
    DUPLICATE_CL_ORD_ID = "6"
    OTHER = "99"


@dataclass(frozen=True)
class ParentExecReport:
    """One ExecutionReport(8) to the OMS about a parent order."""

    session: str
    order_id: str
    cl_ord_id: str
    exec_id: str
    exec_type: str
    ord_status: str
    symbol: str
    side: str
    order_qty: int
    cum_qty: int
    leaves_qty: int
    avg_px: float
    transact_time: float
    price_decimals: int
    orig_cl_ord_id: str | None = None
    ord_type: str | None = None
    limit_px: float | None = None
    last_qty: int = 0
    last_px: float = 0.0
    ord_rej_reason: str | None = None
    text: str | None = None
    time_in_force: str | None = None
    expire_time: float | None = None


@dataclass(frozen=True)
class ParentCancelReject:
    """OrderCancelReject(9): a cancel or replace we will not carry out."""

    session: str
    cl_ord_id: str
    orig_cl_ord_id: str
    order_id: str
    ord_status: str
    response_to: str  # 1 cancel, 2 replace
    reason: str
    text: str


@dataclass(frozen=True)
class MassCancelReport:
    """OrderMassCancelReport(r)."""

    session: str
    cl_ord_id: str
    request_type: str
    response: str  # 0 rejected, else echoes the request type
    affected: tuple[str, ...]  # ClOrdIDs of the orders being cancelled
    reject_reason: str | None = None
    text: str | None = None


class OmsPort(Protocol):
    def send_exec_report(self, report: ParentExecReport) -> None: ...
    def send_cancel_reject(self, reject: ParentCancelReject) -> None: ...
    def send_mass_cancel_report(self, report: MassCancelReport) -> None: ...


@dataclass(frozen=True)
class VenueNewOrder:
    cl_ord_id: str
    symbol: str
    side: str
    qty: int
    price: str | None  # formatted on the tick grid; None for a market order
    tif: ChildTif


@dataclass(frozen=True)
class VenueCancel:
    cl_ord_id: str
    orig_cl_ord_id: str
    symbol: str
    side: str
    qty: int


@dataclass(frozen=True)
class VenueReplace:
    cl_ord_id: str
    orig_cl_ord_id: str
    symbol: str
    side: str
    qty: int  # new total quantity
    price: str
    tif: ChildTif


@dataclass(frozen=True)
class VenueStatusRequest:
    cl_ord_id: str
    symbol: str
    side: str


class VenuePort(Protocol):
    """Sends to the venue; each call returns False when the message could not be sent."""

    def send_new(self, order: VenueNewOrder) -> bool: ...
    def send_cancel(self, cancel: VenueCancel) -> bool: ...
    def send_replace(self, replace: VenueReplace) -> bool: ...
    def send_status_request(self, request: VenueStatusRequest) -> bool: ...
