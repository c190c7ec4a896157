"""Checks a NewOrderSingle from the OMS before it becomes a parent. Pure: returns a verdict."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from agent.core.commands import OrdRejReason
from agent.core.oms_requests import NewOrderRequest
from fix_config.vocabulary import OrdType, TimeInForce
from risk.price_collar import check_limit_price
from strategies.types import Instrument, Quote, Side

TAG_NAMES = {
    "symbol": "Symbol(55)",
    "side": "Side(54)",
    "order_qty": "OrderQty(38)",
    "ord_type": "OrdType(40)",
    "transact_time": "TransactTime(60)",
    "price": "Price(44)",
    "effective_time": "EffectiveTime(168)",
    "expire_time": "ExpireTime(126)",
    "target_strategy": "TargetStrategy(847)",
    "participation_rate": "ParticipationRate(849)",
}

SUPPORTED_TIF = {TimeInForce.DAY: "Day", TimeInForce.GTC: "GTC", TimeInForce.GTD: "GTD"}


@dataclass(frozen=True)
class ValidParent:
    instrument: Instrument
    side: Side
    qty: int
    ord_type: str
    limit_px: float | None
    time_in_force: str
    start: float
    end: float
    strategy: str
    participation_cap: float | None
    arrival_mid: float
    urgency: float | None = None  # IS's κT from the order's custom tag; None: the configured one
    participation: float | None = None  # POV's share of volume from the order's custom tag


@dataclass(frozen=True)
class Rejection:
    reason: str  # OrdRejReason(103) or CxlRejReason(102)
    text: str


@dataclass(frozen=True)
class ValidationContext:
    instruments: dict[str, Instrument]
    target_strategies: dict[str, str]
    default_strategy: str
    default_horizon_s: float
    max_limit_deviation_pct: float
    # Strategy parameter name -> the custom tag that carries it (for messages that name the tag).
    parameter_tags: Mapping[str, int] = field(default_factory=dict)


_WHOLE = re.compile(r"\s*\+?(\d+)(?:\.0*)?\s*")


def whole_units(raw: str) -> int | None:
    """A FIX Qty that is a whole number, read exactly (digits, never through a float); None otherwise."""
    match = _WHOLE.fullmatch(raw)
    return int(match.group(1)) if match else None


def parse_qty(raw: str, field: str, lot: int) -> int | Rejection:
    """A positive whole quantity on the lot grid, or the reason it is not."""
    qty = whole_units(raw)
    if qty is None:
        try:
            value = float(raw)
        except ValueError:
            return Rejection(OrdRejReason.INCORRECT_QUANTITY, f"{field} {raw!r} is not a number")
        if math.isfinite(value) and value <= 0:
            return Rejection(OrdRejReason.INCORRECT_QUANTITY, f"{field} must be > 0, got {raw}")
        return Rejection(OrdRejReason.INCORRECT_QUANTITY, f"{field} {raw} must be a whole number of units")
    if qty <= 0:
        return Rejection(OrdRejReason.INCORRECT_QUANTITY, f"{field} must be > 0, got {raw}")
    if qty % lot:
        return Rejection(OrdRejReason.INCORRECT_QUANTITY, f"{field} {qty} is not a multiple of the lot size {lot}")
    return qty


def parse_limit(raw: str | None, ord_type: str, instrument: Instrument, side: Side,
                quote: Quote | None, max_dev_pct: float) -> float | Rejection | None:
    """The parent's hard limit: required on a limit order, refused on a market one, collared to the market."""
    if ord_type == OrdType.MARKET:
        if raw is not None:
            return Rejection(OrdRejReason.UNSUPPORTED, "Price(44) given on a market order (OrdType 1)")
        return None
    if raw is None:
        return Rejection(OrdRejReason.OTHER, "missing required tag Price(44) on a limit order")
    try:
        px = float(raw)
    except ValueError:
        return Rejection(OrdRejReason.OTHER, f"Price(44) {raw!r} is not a number")
    if not math.isfinite(px) or px <= 0:
        return Rejection(OrdRejReason.OTHER, f"Price(44) must be > 0, got {raw}")
    if not instrument.on_tick(px):
        return Rejection(OrdRejReason.OTHER,
                         f"Price(44) {raw} is not on the tick grid of {instrument.symbol} ({instrument.tick_size})")
    verdict = check_limit_price(px, side, quote.mid if quote else None, max_dev_pct, instrument=instrument)
    if not verdict.ok:
        return Rejection(OrdRejReason.OTHER, verdict.reason)
    return px


def validate_new_order(req: NewOrderRequest, ctx: ValidationContext, quote: Quote | None, now: float,
                       venue_up: bool) -> ValidParent | Rejection:
    """Everything a parent needs before we accept it; the first problem found is the answer."""
    for name in ("symbol", "side", "order_qty", "ord_type", "transact_time"):
        if getattr(req, name) is None:
            return Rejection(OrdRejReason.OTHER, f"missing required tag {TAG_NAMES[name]}")
    if req.bad_fields:
        return Rejection(OrdRejReason.OTHER, f"unreadable value in {', '.join(req.bad_fields)}")
    assert req.symbol is not None and req.side is not None and req.order_qty is not None
    assert req.ord_type is not None

    instrument = ctx.instruments.get(req.symbol)
    if instrument is None:
        return Rejection(OrdRejReason.UNKNOWN_SYMBOL,
                         f"unknown symbol {req.symbol!r}; known: {', '.join(sorted(ctx.instruments))}")
    if req.side not in (Side.BUY, Side.SELL):
        return Rejection(OrdRejReason.UNSUPPORTED, f"invalid Side(54) {req.side!r}: expected 1 (buy) or 2 (sell)")
    side = Side(req.side)
    qty = parse_qty(req.order_qty, "OrderQty(38)", instrument.lot_size)
    if isinstance(qty, Rejection):
        return qty
    if req.ord_type not in (OrdType.MARKET, OrdType.LIMIT):
        return Rejection(OrdRejReason.UNSUPPORTED,
                         f"unsupported OrdType(40) {req.ord_type!r}: expected 1 (market) or 2 (limit)")
    tif = req.time_in_force or TimeInForce.DAY
    if tif not in SUPPORTED_TIF:
        return Rejection(OrdRejReason.UNSUPPORTED,
                         f"unsupported TimeInForce(59) {tif!r} for a parent: expected 0 (Day), 1 (GTC) or 6 (GTD)")

    if req.target_strategy is None:
        strategy = ctx.default_strategy
    else:
        found = ctx.target_strategies.get(req.target_strategy.strip())
        if found is None:
            # Codes are digits (the config checks): in numeric order, 2 before 1000.
            known = ", ".join(f"{code} ({name})" for code, name in
                              sorted(ctx.target_strategies.items(), key=lambda item: int(item[0])))
            return Rejection(OrdRejReason.UNSUPPORTED,
                             f"unknown TargetStrategy(847) {req.target_strategy!r}; supported: {known}")
        strategy = found

    cap: float | None = None
    if req.participation_rate is not None:
        try:
            cap = float(req.participation_rate)
        except ValueError:
            cap = math.nan
        if not (0 < cap <= 1):
            return Rejection(OrdRejReason.OTHER,
                             f"ParticipationRate(849) must be a fraction in (0, 1], got {req.participation_rate}")

    start = max(req.effective_time, now) if req.effective_time is not None else now
    if req.expire_time is not None:
        if req.expire_time <= now:
            return Rejection(OrdRejReason.TOO_LATE, "ExpireTime(126) is in the past")
        if req.effective_time is not None and req.expire_time <= req.effective_time:
            return Rejection(OrdRejReason.OTHER, "ExpireTime(126) is not after EffectiveTime(168)")
        end = req.expire_time
    else:
        if tif == TimeInForce.GTD:
            return Rejection(OrdRejReason.OTHER, "TimeInForce(59) 6 (GTD) needs ExpireTime(126)")
        end = start + ctx.default_horizon_s

    if not venue_up:
        return Rejection(OrdRejReason.EXCHANGE_CLOSED, "venue session is down; not accepting orders")
    if quote is None or quote.mid is None:
        return Rejection(OrdRejReason.OTHER, f"no two-sided market data for {instrument.symbol} yet")

    limit = parse_limit(req.price, req.ord_type, instrument, side, quote, ctx.max_limit_deviation_pct)
    if isinstance(limit, Rejection):
        return limit
    params = parse_parameters(req.parameters, ctx.parameter_tags)
    if isinstance(params, Rejection):
        return params
    return ValidParent(instrument, side, qty, req.ord_type, limit, tif, start, end, strategy, cap, quote.mid,
                       urgency=params.get("urgency"), participation=params.get("participation"))


PARAMETER_RANGES: dict[str, tuple[float, float, bool]] = {"urgency": (0.0, 50.0, True),
                                                         "participation": (0.0, 1.0, False)}
"""Each strategy parameter's bounds (low, high, whether low itself is allowed)."""


def parse_parameters(raw: tuple[tuple[str, str], ...], tags: Mapping[str, int]) -> dict[str, float] | Rejection:
    """The strategy parameters a parent's custom tags carry, or a rejection naming the tag and its range."""
    out: dict[str, float] = {}
    for name, text in raw:
        where = f"{name.capitalize()}({tags.get(name, '?')})"
        low, high, low_ok = PARAMETER_RANGES[name]
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and (low <= value if low_ok else low < value) and value <= high):
            bracket = "[" if low_ok else "("
            return Rejection(OrdRejReason.OTHER, f"{where} must be a number in {bracket}{low:g}, {high:g}], "
                                                 f"got {text!r}")
        out[name] = value
    return out
