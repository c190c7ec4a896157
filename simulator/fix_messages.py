"""What the venue sends, as plain records with wire-ready values, and their QuickFIX FIX 4.4 form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import quickfix44 as fix44

from fix_config import AGGRESSOR_SIDE


@dataclass(frozen=True, slots=True)
class ExecReport:
    """ExecutionReport (8)."""

    order_id: str
    exec_id: str
    exec_type: str
    ord_status: str
    cl_ord_id: str
    symbol: str
    side: str
    leaves_qty: int
    cum_qty: int
    avg_px: str
    transact_time: str
    orig_cl_ord_id: str | None = None
    ord_type: str | None = None
    tif: str | None = None
    order_qty: int | None = None
    price: str | None = None
    last_qty: int | None = None
    last_px: str | None = None
    ord_rej_reason: int | None = None
    text: str | None = None
    exec_restatement_reason: str | None = None
    mass_status_req_id: str | None = None
    tot_num_reports: int | None = None
    last_rpt_requested: str | None = None


@dataclass(frozen=True, slots=True)
class CancelReject:
    """OrderCancelReject (9)."""

    order_id: str
    cl_ord_id: str
    orig_cl_ord_id: str
    ord_status: str
    response_to: str
    reason: int
    text: str
    transact_time: str


@dataclass(frozen=True, slots=True)
class SnapshotEntry:
    """One level of a full refresh, `position` 1 = best."""

    entry_type: str
    price: str
    size: int
    position: int


@dataclass(frozen=True, slots=True)
class MarketDataSnapshot:
    """MarketDataSnapshotFullRefresh (W) for one symbol."""

    md_req_id: str
    symbol: str
    entries: tuple[SnapshotEntry, ...]


@dataclass(frozen=True, slots=True)
class IncrementalEntry:
    """One level change or trade of an incremental refresh; no size on a delete."""

    action: str
    entry_type: str
    symbol: str
    price: str
    size: int | None
    aggressor: str | None = None  # a trade's AggressorSide(2446): 1 the buyer took liquidity, 2 the seller


@dataclass(frozen=True, slots=True)
class MarketDataIncrement:
    """MarketDataIncrementalRefresh (X)."""

    md_req_id: str
    entries: tuple[IncrementalEntry, ...]


@dataclass(frozen=True, slots=True)
class MarketDataReject:
    """MarketDataRequestReject (Y)."""

    md_req_id: str
    reason: str
    text: str


@dataclass(frozen=True, slots=True)
class News:
    """News (B) about one symbol: Headline(148), OrigTime(42), the symbol as the one NoRelatedSym(146) entry, the
    headline again as the one line of LinesOfText (33/58, required in FIX 4.4), and custom (tag, value) fields."""

    headline: str
    orig_time: str
    symbol: str
    custom: tuple[tuple[int, str], ...] = ()


Outgoing = ExecReport | CancelReject | MarketDataSnapshot | MarketDataIncrement | MarketDataReject | News

Routed = tuple[str, Outgoing]
"""A message and the session key it goes to."""


def to_quickfix(record: Outgoing) -> Any:
    """The QuickFIX message for a record (header routing is added when it is sent)."""
    if isinstance(record, ExecReport):
        return _exec_report(record)
    if isinstance(record, CancelReject):
        return _cancel_reject(record)
    if isinstance(record, MarketDataSnapshot):
        return _snapshot(record)
    if isinstance(record, MarketDataIncrement):
        return _increment(record)
    if isinstance(record, News):
        return _news(record)
    return _md_reject(record)


def _set(message: Any, values: dict[int, str | int | None]) -> Any:
    for tag, value in values.items():
        if value is not None:
            message.setField(tag, str(value))
    return message


def _exec_report(r: ExecReport) -> Any:
    return _set(
        fix44.ExecutionReport(),
        {
            37: r.order_id,
            17: r.exec_id,
            150: r.exec_type,
            39: r.ord_status,
            11: r.cl_ord_id,
            41: r.orig_cl_ord_id,
            55: r.symbol or None,  # Symbol is optional in an ExecutionReport: none on a report about no order
            54: r.side,
            40: r.ord_type,
            59: r.tif,
            38: r.order_qty,
            44: r.price,
            32: r.last_qty,
            31: r.last_px,
            151: r.leaves_qty,
            14: r.cum_qty,
            6: r.avg_px,
            60: r.transact_time,
            103: r.ord_rej_reason,
            58: r.text,
            378: r.exec_restatement_reason,
            584: r.mass_status_req_id,
            911: r.tot_num_reports,
            912: r.last_rpt_requested,
        },
    )


def _cancel_reject(r: CancelReject) -> Any:
    return _set(
        fix44.OrderCancelReject(),
        {
            37: r.order_id,
            11: r.cl_ord_id,
            41: r.orig_cl_ord_id,
            39: r.ord_status,
            434: r.response_to,
            102: r.reason,
            58: r.text,
            60: r.transact_time,
        },
    )


def _snapshot(r: MarketDataSnapshot) -> Any:
    message = _set(fix44.MarketDataSnapshotFullRefresh(), {262: r.md_req_id, 55: r.symbol})
    if not r.entries:
        # NoMDEntries is required: an empty book is sent as a zero count.
        message.setField(268, "0")
    for entry in r.entries:
        group = fix44.MarketDataSnapshotFullRefresh.NoMDEntries()
        _set(group, {269: entry.entry_type, 270: entry.price, 271: entry.size, 290: entry.position})
        message.addGroup(group)
    return message


def _increment(r: MarketDataIncrement) -> Any:
    message = _set(fix44.MarketDataIncrementalRefresh(), {262: r.md_req_id})
    for entry in r.entries:
        group = fix44.MarketDataIncrementalRefresh.NoMDEntries()
        _set(group, {279: entry.action, 269: entry.entry_type, 55: entry.symbol, 270: entry.price, 271: entry.size,
                     AGGRESSOR_SIDE: entry.aggressor})
        message.addGroup(group)
    return message


def _news(r: News) -> Any:
    message = _set(fix44.News(), {42: r.orig_time, 148: r.headline, **dict(r.custom)})
    symbols = fix44.News.NoRelatedSym()
    symbols.setField(55, r.symbol)
    message.addGroup(symbols)
    lines = fix44.News.NoLinesOfText()
    lines.setField(58, r.headline)
    message.addGroup(lines)
    return message


def _md_reject(r: MarketDataReject) -> Any:
    return _set(fix44.MarketDataRequestReject(), {262: r.md_req_id, 281: r.reason, 58: r.text})
