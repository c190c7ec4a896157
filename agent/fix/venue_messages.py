"""The venue's FIX messages both ways: our commands into QuickFIX messages, its answers into plain events.

The live venue gateway and the in-process venue (backtests, property tests) both go through these functions,
so the mapping a backtest exercises is the mapping the live agent uses.
"""

from __future__ import annotations

import math

import quickfix as fix

from agent.core.commands import (
    VenueCancel,
    VenueCommand,
    VenueMassStatusRequest,
    VenueNewOrder,
    VenueReplace,
    VenueStatusRequest,
)
from agent.core.venue_reports import VenueCancelReject, VenueExecReport
from agent.fix.fields import field
from agent.fix.fix_time import format_utc_timestamp, parse_utc_timestamp
from agent.market_data_book import MdEntry, MdUpdate
from fix_config import AGGRESSOR_SIDE
from fix_config.vocabulary import Boolean, CxlRejResponseTo, MassStatusReqType, MsgType, Tag
from strategies.types import News


def _int(msg: fix.Message, tag: int) -> int:
    return _optional_int(msg, tag) or 0


def _float(msg: fix.Message, tag: int) -> float:
    return _optional_float(msg, tag) or 0.0


def _optional_int(msg: fix.Message, tag: int) -> int | None:
    raw = field(msg, tag)
    return int(float(raw)) if raw else None


def _optional_float(msg: fix.Message, tag: int) -> float | None:
    raw = field(msg, tag)
    return float(raw) if raw else None


def parse_exec_report(msg: fix.Message) -> VenueExecReport:
    return VenueExecReport(
        cl_ord_id=field(msg, Tag.CL_ORD_ID) or "",
        orig_cl_ord_id=field(msg, Tag.ORIG_CL_ORD_ID),
        order_id=field(msg, Tag.ORDER_ID) or "",
        exec_id=field(msg, Tag.EXEC_ID) or "",
        exec_type=msg.getField(Tag.EXEC_TYPE),
        ord_status=msg.getField(Tag.ORD_STATUS),
        symbol=field(msg, Tag.SYMBOL) or "",
        side=field(msg, Tag.SIDE) or "",
        last_qty=_int(msg, Tag.LAST_QTY),
        last_px=_float(msg, Tag.LAST_PX),
        cum_qty=_int(msg, Tag.CUM_QTY),
        leaves_qty=_int(msg, Tag.LEAVES_QTY),
        avg_px=_float(msg, Tag.AVG_PX),
        text=field(msg, Tag.TEXT),
        order_qty=_optional_int(msg, Tag.ORDER_QTY),
        price=_optional_float(msg, Tag.PRICE),
        mass_status_req_id=field(msg, Tag.MASS_STATUS_REQ_ID),
        last_report=field(msg, Tag.LAST_RPT_REQUESTED) == Boolean.YES,
    )


def parse_cancel_reject(msg: fix.Message) -> VenueCancelReject:
    return VenueCancelReject(
        cl_ord_id=field(msg, Tag.CL_ORD_ID) or "",
        orig_cl_ord_id=field(msg, Tag.ORIG_CL_ORD_ID),
        ord_status=field(msg, Tag.ORD_STATUS),
        response_to=field(msg, Tag.CXL_REJ_RESPONSE_TO) or CxlRejResponseTo.CANCEL,
        reason=field(msg, Tag.CXL_REJ_REASON),
        text=field(msg, Tag.TEXT),
    )


# AggressorSide(2446) on a trade entry, as the market data book signs volume; any other value is not read.
_AGGRESSOR = {"1": 1, "2": -1}


def parse_market_data(msg: fix.Message, timestamp: float) -> MdUpdate:
    snapshot = msg.getHeader().getField(Tag.MSG_TYPE) == MsgType.MARKET_DATA_SNAPSHOT
    symbol = field(msg, Tag.SYMBOL)
    entries: list[MdEntry] = []
    count = _int(msg, 268)
    group = fix.Group(268, 279 if not snapshot else 269)
    for i in range(1, count + 1):
        msg.getGroup(i, group)
        entry_symbol = field(group, Tag.SYMBOL) or symbol or ""
        entries.append(MdEntry(
            symbol=entry_symbol,
            entry_type=field(group, 269) or "",
            price=float(field(group, 270) or 0.0),
            size=int(float(field(group, 271) or 0)),
            action=None if snapshot else field(group, 279),
            aggressor=_AGGRESSOR.get(field(group, AGGRESSOR_SIDE) or ""),
        ))
    return MdUpdate(snapshot, symbol, tuple(entries), timestamp)


def parse_news(msg: fix.Message, received: float, sentiment_tag: int | None, amount_tag: int | None,
               implied_vol_tag: int | None = None, scheduled_time_tag: int | None = None) -> list[News]:
    """News (35=B): one item per symbol in NoRelatedSym(146), at OrigTime(42) (else when it was received), with the
    score, amount, implied volatility and a calendar entry's release time from the configured custom tags.
    ValueError naming the field when one is not readable: the message is dropped whole."""
    headline = field(msg, 148) or ""
    orig = field(msg, 42)
    try:
        at = parse_utc_timestamp(orig) if orig else received
    except ValueError:
        raise ValueError(f"News OrigTime(42) is not a UTCTimestamp: {orig!r}") from None
    score = amount = None
    if sentiment_tag is not None and (raw := field(msg, sentiment_tag)) is not None:
        try:
            score = float(raw)
        except ValueError:
            score = math.nan
        if not -1.0 <= score <= 1.0:
            raise ValueError(f"News tag {sentiment_tag} (sentiment score) must be a number in [-1, 1], got {raw!r}")
    if amount_tag is not None and (raw := field(msg, amount_tag)) is not None:
        if not raw.isdigit() or int(raw) <= 0:
            raise ValueError(f"News tag {amount_tag} (on-chain amount) must be a whole number > 0, got {raw!r}")
        amount = int(raw)
    implied_vol = None
    if implied_vol_tag is not None and (raw := field(msg, implied_vol_tag)) is not None:
        try:
            implied_vol = float(raw)
        except ValueError:
            implied_vol = math.nan
        if not (math.isfinite(implied_vol) and implied_vol > 0.0):
            raise ValueError(f"News tag {implied_vol_tag} (implied volatility) must be a number > 0, got {raw!r}")
    event_time = None
    if scheduled_time_tag is not None and (raw := field(msg, scheduled_time_tag)) is not None:
        try:
            event_time = parse_utc_timestamp(raw)
        except ValueError:
            raise ValueError(f"News tag {scheduled_time_tag} (scheduled time) is not a UTCTimestamp: {raw!r}"
                             ) from None
    symbols = []
    group = fix.Group(146, 55)
    for i in range(1, _int(msg, 146) + 1):
        try:
            msg.getGroup(i, group)
        except fix.FieldNotFound:  # read without the data dictionary: the group's fields are the body's
            break
        if (symbol := field(group, Tag.SYMBOL)):
            symbols.append(symbol)
    if not symbols and (symbol := field(msg, Tag.SYMBOL)):
        symbols.append(symbol)
    return [News(symbol, at, headline, score, amount, implied_vol, event_time) for symbol in symbols]


def _order_message(msg_type: MsgType, cl_ord_id: str, symbol: str, side: str, now: float) -> fix.Message:
    msg = fix.Message()
    msg.getHeader().setField(fix.MsgType(msg_type.value))
    msg.setField(Tag.CL_ORD_ID, cl_ord_id)
    msg.setField(Tag.SYMBOL, symbol)
    msg.setField(Tag.SIDE, side)
    if msg_type != MsgType.ORDER_STATUS_REQUEST:  # OrderStatusRequest has no TransactTime in FIX 4.4
        msg.setField(Tag.TRANSACT_TIME, format_utc_timestamp(now))
    return msg


def build_venue_message(command: VenueCommand, now: float) -> fix.Message:
    """The QuickFIX message for one venue command; `now` stamps TransactTime."""
    if isinstance(command, VenueNewOrder):
        msg = _order_message(MsgType.NEW_ORDER_SINGLE, command.cl_ord_id, command.symbol, command.side, now)
        msg.setField(Tag.ORDER_QTY, str(command.qty))
        if command.price is None:
            msg.setField(Tag.ORD_TYPE, "1")
        else:
            msg.setField(Tag.ORD_TYPE, "2")
            msg.setField(Tag.PRICE, command.price)
        msg.setField(Tag.TIME_IN_FORCE, command.tif.value)
        return msg
    if isinstance(command, VenueCancel):
        msg = _order_message(MsgType.ORDER_CANCEL_REQUEST, command.cl_ord_id, command.symbol, command.side, now)
        msg.setField(Tag.ORIG_CL_ORD_ID, command.orig_cl_ord_id)
        msg.setField(Tag.ORDER_QTY, str(command.qty))
        return msg
    if isinstance(command, VenueReplace):
        msg = _order_message(MsgType.ORDER_CANCEL_REPLACE_REQUEST, command.cl_ord_id, command.symbol,
                             command.side, now)
        msg.setField(Tag.ORIG_CL_ORD_ID, command.orig_cl_ord_id)
        msg.setField(Tag.ORDER_QTY, str(command.qty))
        msg.setField(Tag.ORD_TYPE, "2")
        msg.setField(Tag.PRICE, command.price)
        msg.setField(Tag.TIME_IN_FORCE, command.tif.value)
        return msg
    if isinstance(command, VenueStatusRequest):
        return _order_message(MsgType.ORDER_STATUS_REQUEST, command.cl_ord_id, command.symbol, command.side, now)
    if isinstance(command, VenueMassStatusRequest):
        msg = fix.Message()
        msg.getHeader().setField(fix.MsgType(MsgType.ORDER_MASS_STATUS_REQUEST.value))
        msg.setField(Tag.MASS_STATUS_REQ_ID, command.mass_status_req_id)
        msg.setField(Tag.MASS_STATUS_REQ_TYPE, MassStatusReqType.ALL_ORDERS.value)
        return msg
    raise TypeError(f"not a venue command: {command!r}")


def parse_venue_message(msg: fix.Message) -> VenueExecReport | VenueCancelReject | None:
    """An ExecutionReport or OrderCancelReject as an event; None for other message types."""
    msg_type = msg.getHeader().getField(Tag.MSG_TYPE)
    if msg_type == MsgType.EXECUTION_REPORT:
        return parse_exec_report(msg)
    if msg_type == MsgType.ORDER_CANCEL_REJECT:
        return parse_cancel_reject(msg)
    return None
