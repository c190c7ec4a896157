"""Inbound FIX requests copied into plain records inside the QuickFIX callback; wire values stay as text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import quickfix as fix
import quickfix44 as fix44

from fix_config.vocabulary import MassStatusReqType, MsgType, Tag

# QuickFIX messages are untyped to mypy; these readers are the only place that touches them.
Message = Any


@dataclass(frozen=True, slots=True)
class NewOrderRequest:
    """NewOrderSingle (D)."""

    cl_ord_id: str
    symbol: str | None
    side: str
    qty: str | None
    ord_type: str
    price: str | None
    tif: str | None


@dataclass(frozen=True, slots=True)
class CancelRequest:
    """OrderCancelRequest (F)."""

    cl_ord_id: str
    orig_cl_ord_id: str
    symbol: str | None
    side: str


@dataclass(frozen=True, slots=True)
class ReplaceRequest:
    """OrderCancelReplaceRequest (G); `qty` is the new total quantity."""

    cl_ord_id: str
    orig_cl_ord_id: str
    symbol: str | None
    side: str
    qty: str | None
    ord_type: str
    price: str | None


@dataclass(frozen=True, slots=True)
class StatusRequest:
    """OrderStatusRequest (H)."""

    cl_ord_id: str
    symbol: str | None
    side: str


@dataclass(frozen=True, slots=True)
class MassStatusRequest:
    """OrderMassStatusRequest (AF): every working order of the session, or of one symbol when `symbol` is set."""

    mass_status_req_id: str
    symbol: str | None


OrderRequest = NewOrderRequest | CancelRequest | ReplaceRequest | StatusRequest | MassStatusRequest
"""What the order desk handles."""


@dataclass(frozen=True, slots=True)
class MarketDataRequest:
    """MarketDataRequest (V)."""

    md_req_id: str
    subscription_type: str
    depth: str
    update_type: str | None
    entry_types: tuple[str, ...]
    symbols: tuple[str, ...]


def field(message: Message, tag: int) -> str | None:
    """A field's wire text, or None when absent."""
    return str(message.getField(tag)) if message.isSetField(tag) else None


def read_new_order(message: Message) -> NewOrderRequest:
    return NewOrderRequest(
        cl_ord_id=_required(message, 11),
        symbol=field(message, 55),
        side=_required(message, 54),
        qty=field(message, 38),
        ord_type=_required(message, 40),
        price=field(message, 44),
        tif=field(message, 59),
    )


def read_cancel(message: Message) -> CancelRequest:
    return CancelRequest(
        cl_ord_id=_required(message, 11),
        orig_cl_ord_id=_required(message, 41),
        symbol=field(message, 55),
        side=_required(message, 54),
    )


def read_replace(message: Message) -> ReplaceRequest:
    return ReplaceRequest(
        cl_ord_id=_required(message, 11),
        orig_cl_ord_id=_required(message, 41),
        symbol=field(message, 55),
        side=_required(message, 54),
        qty=field(message, 38),
        ord_type=_required(message, 40),
        price=field(message, 44),
    )


def read_status(message: Message) -> StatusRequest:
    return StatusRequest(cl_ord_id=_required(message, 11), symbol=field(message, 55), side=_required(message, 54))


def read_mass_status(message: Message) -> MassStatusRequest:
    """Types 7 (all orders) and 1 (one security, Symbol required) are served. The others are refused by raising
    the QuickFIX exception that makes it answer with a Reject naming the tag (the only kinds it turns into one)."""
    request_type = _required(message, Tag.MASS_STATUS_REQ_TYPE)
    symbol = field(message, Tag.SYMBOL)
    if request_type == MassStatusReqType.ALL_ORDERS:
        return MassStatusRequest(_required(message, Tag.MASS_STATUS_REQ_ID), None)
    if request_type != MassStatusReqType.BY_SECURITY:
        raise fix.IncorrectTagValue(Tag.MASS_STATUS_REQ_TYPE)
    if not symbol:
        raise fix.FieldNotFound(Tag.SYMBOL)  # QuickFIX: BusinessMessageReject, conditionally required field
    return MassStatusRequest(_required(message, Tag.MASS_STATUS_REQ_ID), symbol)


ORDER_READERS: dict[str, Callable[[Message], OrderRequest]] = {
    MsgType.NEW_ORDER_SINGLE: read_new_order,
    MsgType.ORDER_CANCEL_REQUEST: read_cancel,
    MsgType.ORDER_CANCEL_REPLACE_REQUEST: read_replace,
    MsgType.ORDER_STATUS_REQUEST: read_status,
    MsgType.ORDER_MASS_STATUS_REQUEST: read_mass_status,
}
"""MsgType -> the reader that copies an order-entry message into a plain request."""


def read_market_data_request(message: Message) -> MarketDataRequest:
    entry_types = []
    group = fix44.MarketDataRequest.NoMDEntryTypes()
    for index in range(1, _count(message, 267) + 1):
        message.getGroup(index, group)
        entry_types.append(_required(group, 269))
    symbols = []
    group = fix44.MarketDataRequest.NoRelatedSym()
    for index in range(1, _count(message, 146) + 1):
        message.getGroup(index, group)
        symbols.append(field(group, 55) or "")
    return MarketDataRequest(
        md_req_id=_required(message, 262),
        subscription_type=_required(message, 263),
        depth=_required(message, 264),
        update_type=field(message, 265),
        entry_types=tuple(entry_types),
        symbols=tuple(symbols),
    )


def _required(message: Message, tag: int) -> str:
    # The data dictionary has already rejected messages missing required fields; this guards the rest.
    value = field(message, tag)
    if value is None:
        raise ValueError(f"tag {tag} missing")
    return value


def _count(message: Message, tag: int) -> int:
    value = field(message, tag)
    return int(value) if value else 0
