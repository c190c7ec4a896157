"""Everything the engine sends out, as typed commands, and the one outlet they all leave through.

Hosts carry commands to the gateways (live), to the in-process venue (backtest) or nowhere (journal replay);
the journal writes each one as an intent before it is handed on. The engine never sees a FIX message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fix_config.vocabulary import CxlRejReason, OrdRejReason
from strategies.types import ChildTif

__all__ = [
    "Command",
    "CxlRejReason",
    "MassCancelReport",
    "OmsCommand",
    "OrdRejReason",
    "Outlet",
    "ParentCancelReject",
    "ParentExecReport",
    "VenueCancel",
    "VenueCommand",
    "VenueMassStatusRequest",
    "VenueNewOrder",
    "VenueReplace",
    "VenueStatusRequest",
]


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


@dataclass(frozen=True)
class VenueMassStatusRequest:
    """OrderMassStatusRequest(AF) for every order of ours the venue holds (MassStatusReqType 7)."""

    mass_status_req_id: str


OmsCommand = ParentExecReport | ParentCancelReject | MassCancelReport
VenueCommand = VenueNewOrder | VenueCancel | VenueReplace | VenueStatusRequest | VenueMassStatusRequest
Command = OmsCommand | VenueCommand


class Outlet(Protocol):
    """Where every command goes. Delivery problems come back as events (`SendFailed`), never as return values,
    so that a journal replay sees them too."""

    def emit(self, command: Command) -> None: ...
