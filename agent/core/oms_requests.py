"""What the OMS asks of us, as plain values copied out of the FIX message.

Fields are raw and optional: a missing or malformed field is a validation error that the engine
answers with a reject naming it, not an exception.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NewOrderRequest:
    session: str
    cl_ord_id: str
    symbol: str | None
    side: str | None
    order_qty: str | None
    ord_type: str | None
    price: str | None
    time_in_force: str | None
    transact_time: float | None
    effective_time: float | None
    expire_time: float | None
    target_strategy: str | None
    participation_rate: str | None
    bad_fields: tuple[str, ...] = ()  # fields present but unreadable (e.g. a timestamp we cannot parse)
    # Strategy parameters from the configured custom tags, (name, raw text): ("urgency", "2.5").
    parameters: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CancelRequest:
    session: str
    cl_ord_id: str
    orig_cl_ord_id: str | None
    symbol: str | None
    side: str | None


@dataclass(frozen=True)
class ReplaceRequest:
    session: str
    cl_ord_id: str
    orig_cl_ord_id: str | None
    symbol: str | None
    side: str | None
    order_qty: str | None
    ord_type: str | None
    price: str | None
    expire_time: float | None
    bad_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class MassCancelRequest:
    session: str
    cl_ord_id: str
    request_type: str | None  # MassCancelRequestType(530): 1 by security, 7 all orders
    symbol: str | None


@dataclass(frozen=True)
class StatusRequest:
    session: str
    cl_ord_id: str | None
    order_id: str | None


OmsRequest = NewOrderRequest | CancelRequest | ReplaceRequest | MassCancelRequest | StatusRequest
