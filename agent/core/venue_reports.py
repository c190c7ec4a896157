"""What the venue tells us about our child orders, copied out of its FIX messages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VenueExecReport:
    cl_ord_id: str
    orig_cl_ord_id: str | None
    order_id: str
    exec_id: str
    exec_type: str  # ExecType(150)
    ord_status: str  # OrdStatus(39)
    symbol: str
    side: str
    last_qty: int
    last_px: float
    cum_qty: int
    leaves_qty: int
    avg_px: float
    text: str | None
    order_qty: int | None = None  # OrderQty(38) as the venue holds it now (after replaces, restatements)
    price: float | None = None  # Price(44) as the venue holds it now
    mass_status_req_id: str | None = None  # MassStatusReqID(584): an answer to our OrderMassStatusRequest
    last_report: bool = False  # LastRptRequested(912)=Y: the last answer to that request


@dataclass(frozen=True)
class VenueCancelReject:
    cl_ord_id: str
    orig_cl_ord_id: str | None
    ord_status: str | None
    response_to: str  # CxlRejResponseTo(434): 1 cancel, 2 replace
    reason: str | None
    text: str | None


@dataclass(frozen=True)
class VenueSessionState:
    logged_on: bool
