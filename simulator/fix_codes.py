"""FIX 4.4 wire values for the venue's vocabulary, both ways, and wire formatting of times and numbers."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from fix_config.vocabulary import (
    CxlRejReason,
    CxlRejResponseTo,
    ExecType,
    OrdRejReason,
    OrdStatus,
)
from fix_config.vocabulary import TimeInForce as Tif
from simulator.book_events import RejectReason
from simulator.depth_diff import LevelAction
from simulator.order_state import OrderStatus, UpdateKind
from simulator.orders import OrderType, Side, TimeInForce

SIDE_FROM_FIX = {"1": Side.BUY, "2": Side.SELL}
SIDE_TO_FIX = {side: code for code, side in SIDE_FROM_FIX.items()}
SIDE_UNDISCLOSED = "7"
NO_ORDER_ID = "NONE"
"""OrderID(37), and ClOrdID(11) of a mass status answer, on a report about no order at all."""
"""Side(54) is required on every ExecutionReport; a report about no order at all says "undisclosed"."""

ORD_TYPE_FROM_FIX = {"1": OrderType.MARKET, "2": OrderType.LIMIT}
ORD_TYPE_TO_FIX = {kind: code for code, kind in ORD_TYPE_FROM_FIX.items()}

# TimeInForce(59) absent means Day.
TIF_FROM_FIX = {Tif.DAY.value: TimeInForce.DAY, Tif.GTC.value: TimeInForce.GTC, Tif.IOC.value: TimeInForce.IOC}
TIF_TO_FIX = {tif: code for code, tif in TIF_FROM_FIX.items()}

EXEC_TYPE: dict[UpdateKind, str] = {
    UpdateKind.NEW: ExecType.NEW.value,
    UpdateKind.TRADE: ExecType.TRADE.value,
    UpdateKind.CANCELED: ExecType.CANCELED.value,
    UpdateKind.REPLACED: ExecType.REPLACED.value,
    UpdateKind.REJECTED: ExecType.REJECTED.value,
}
EXEC_TYPE_ORDER_STATUS: str = ExecType.ORDER_STATUS.value
EXEC_TYPE_DONE_FOR_DAY: str = ExecType.DONE_FOR_DAY.value
EXEC_TYPE_RESTATED: str = ExecType.RESTATED.value
# ExecRestatementReason(378) 5: the venue declined part of the order's quantity.
RESTATED_PARTIAL_DECLINE = "5"

ORD_STATUS: dict[OrderStatus, str] = {
    OrderStatus.NEW: OrdStatus.NEW.value,
    OrderStatus.PARTIALLY_FILLED: OrdStatus.PARTIALLY_FILLED.value,
    OrderStatus.FILLED: OrdStatus.FILLED.value,
    OrderStatus.CANCELED: OrdStatus.CANCELED.value,
    OrderStatus.REJECTED: OrdStatus.REJECTED.value,
}
ORD_STATUS_DONE_FOR_DAY: str = OrdStatus.DONE_FOR_DAY.value

# OrdRejReason(103): 1 unknown symbol, 6 duplicate order, 13 incorrect quantity, 99 other.
ORD_REJ_UNKNOWN_SYMBOL = int(OrdRejReason.UNKNOWN_SYMBOL)
ORD_REJ_DUPLICATE = int(OrdRejReason.DUPLICATE_ORDER)
ORD_REJ_QUANTITY = int(OrdRejReason.INCORRECT_QUANTITY)
ORD_REJ_OTHER = int(OrdRejReason.OTHER)
ORD_REJ_REASON = {
    RejectReason.UNKNOWN_SYMBOL: ORD_REJ_UNKNOWN_SYMBOL,
    RejectReason.INVALID_QUANTITY: ORD_REJ_QUANTITY,
}

# CxlRejReason(102) and CxlRejResponseTo(434).
CXL_REJ_TOO_LATE = int(CxlRejReason.TOO_LATE)
CXL_REJ_UNKNOWN_ORDER = int(CxlRejReason.UNKNOWN_ORDER)
CXL_REJ_DUPLICATE = int(CxlRejReason.DUPLICATE_CL_ORD_ID)
CXL_REJ_OTHER = int(CxlRejReason.OTHER)
CXL_REJ_REASON = {RejectReason.TOO_LATE: CXL_REJ_TOO_LATE, RejectReason.UNKNOWN_ORDER: CXL_REJ_UNKNOWN_ORDER}
RESPONSE_TO_CANCEL: str = CxlRejResponseTo.CANCEL.value
RESPONSE_TO_REPLACE: str = CxlRejResponseTo.REPLACE.value

# Market data: MDEntryType(269), MDUpdateAction(279), MDReqRejReason(281).
ENTRY_BID = "0"
ENTRY_OFFER = "1"
ENTRY_TRADE = "2"
ENTRY_FOR_SIDE = {Side.BUY: ENTRY_BID, Side.SELL: ENTRY_OFFER}
UPDATE_ACTION = {LevelAction.NEW: "0", LevelAction.CHANGE: "1", LevelAction.DELETE: "2"}
MD_REJ_UNKNOWN_SYMBOL = "0"
MD_REJ_DUPLICATE_ID = "1"
MD_REJ_SUBSCRIPTION_TYPE = "4"
MD_REJ_MARKET_DEPTH = "5"
MD_REJ_UPDATE_TYPE = "6"
MD_REJ_ENTRY_TYPE = "8"


def utc_timestamp(epoch_seconds: float) -> str:
    """UTCTimestamp with milliseconds, e.g. 20240102-13:45:06.789."""
    moment = datetime.fromtimestamp(epoch_seconds, tz=UTC)
    return moment.strftime("%Y%m%d-%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def parse_quantity(text: str) -> int | None:
    """A whole-unit quantity from wire text ("100" or "100.0"), or None when it is not a whole number."""
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or value != int(value):
        return None
    return int(value)


def parse_price(text: str) -> float | None:
    """A finite price from wire text, or None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
