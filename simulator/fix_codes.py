"""FIX 4.4 wire values for the venue's vocabulary, both ways, and wire formatting of times and numbers."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from simulator.book_events import RejectReason
from simulator.depth_diff import LevelAction
from simulator.order_state import OrderStatus, UpdateKind
from simulator.orders import OrderType, Side, TimeInForce

SIDE_FROM_FIX = {"1": Side.BUY, "2": Side.SELL}
SIDE_TO_FIX = {side: code for code, side in SIDE_FROM_FIX.items()}

ORD_TYPE_FROM_FIX = {"1": OrderType.MARKET, "2": OrderType.LIMIT}
ORD_TYPE_TO_FIX = {kind: code for code, kind in ORD_TYPE_FROM_FIX.items()}

# TimeInForce(59) absent means Day.
TIF_FROM_FIX = {"0": TimeInForce.DAY, "1": TimeInForce.GTC, "3": TimeInForce.IOC}
TIF_TO_FIX = {tif: code for code, tif in TIF_FROM_FIX.items()}

EXEC_TYPE = {
    UpdateKind.NEW: "0",
    UpdateKind.TRADE: "F",
    UpdateKind.CANCELED: "4",
    UpdateKind.REPLACED: "5",
    UpdateKind.REJECTED: "8",
}
EXEC_TYPE_ORDER_STATUS = "I"

ORD_STATUS = {
    OrderStatus.NEW: "0",
    OrderStatus.PARTIALLY_FILLED: "1",
    OrderStatus.FILLED: "2",
    OrderStatus.CANCELED: "4",
    OrderStatus.REJECTED: "8",
}

# OrdRejReason(103): 1 unknown symbol, 6 duplicate order, 13 incorrect quantity, 99 other.
ORD_REJ_UNKNOWN_SYMBOL = 1
ORD_REJ_DUPLICATE = 6
ORD_REJ_QUANTITY = 13
ORD_REJ_OTHER = 99
ORD_REJ_REASON = {
    RejectReason.UNKNOWN_SYMBOL: ORD_REJ_UNKNOWN_SYMBOL,
    RejectReason.INVALID_QUANTITY: ORD_REJ_QUANTITY,
}

# CxlRejReason(102) and CxlRejResponseTo(434).
CXL_REJ_TOO_LATE = 0
CXL_REJ_UNKNOWN_ORDER = 1
CXL_REJ_DUPLICATE = 6
CXL_REJ_OTHER = 99
CXL_REJ_REASON = {RejectReason.TOO_LATE: CXL_REJ_TOO_LATE, RejectReason.UNKNOWN_ORDER: CXL_REJ_UNKNOWN_ORDER}
RESPONSE_TO_CANCEL = "1"
RESPONSE_TO_REPLACE = "2"

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
