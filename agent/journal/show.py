"""`footprint journal show`: the parents in a journal, or one parent's whole history, as aligned text."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TextIO

from agent.core.commands import (
    MassCancelReport,
    ParentCancelReject,
    ParentExecReport,
    VenueCancel,
    VenueMassStatusRequest,
    VenueNewOrder,
    VenueReplace,
    VenueStatusRequest,
)
from agent.core.events import (
    CancelRequest,
    MassCancelRequest,
    NewOrderRequest,
    OmsSessionState,
    Quote,
    ReplaceRequest,
    SendFailed,
    ShutdownRequested,
    StatusRequest,
    Tick,
    VenueCancelReject,
    VenueExecReport,
    VenueSessionState,
)
from agent.journal.codec import Journaled
from agent.journal.journal import Journal
from fix_config.vocabulary import (
    CxlRejReason,
    CxlRejResponseTo,
    ExecType,
    MassCancelRequestType,
    OrdRejReason,
    OrdStatus,
    TimeInForce,
)
from strategies.types import ChildTif, Side

__all__ = ["UnknownParentError", "iso_utc", "print_history", "print_parents", "resolve_parent", "summarize"]


class UnknownParentError(LookupError):
    """No parent in the journal has that OrderID or OMS ClOrdID."""


def iso_utc(ts: float) -> str:
    """A clock time as ISO 8601 UTC to the millisecond."""
    return datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# ---------------------------------------------------------------------- one-line summaries

# Fields shown per type, in order; None and empty values are left out.
_SHOWN: dict[type, tuple[str, ...]] = {
    NewOrderRequest: ("cl_ord_id", "side", "order_qty", "symbol", "ord_type", "price", "time_in_force",
                      "expire_time", "target_strategy", "participation_rate", "bad_fields", "session"),
    CancelRequest: ("cl_ord_id", "orig_cl_ord_id", "session"),
    ReplaceRequest: ("cl_ord_id", "orig_cl_ord_id", "order_qty", "ord_type", "price", "expire_time", "bad_fields",
                     "session"),
    MassCancelRequest: ("cl_ord_id", "request_type", "symbol", "session"),
    StatusRequest: ("cl_ord_id", "order_id", "session"),
    OmsSessionState: ("session", "logged_on"),
    VenueExecReport: ("exec_type", "ord_status", "cl_ord_id", "orig_cl_ord_id", "last_qty", "last_px", "cum_qty",
                      "leaves_qty", "order_qty", "price", "mass_status_req_id", "text"),
    VenueCancelReject: ("cl_ord_id", "orig_cl_ord_id", "ord_status", "response_to", "reason", "text"),
    VenueSessionState: ("logged_on",),
    Tick: (),
    ShutdownRequested: ("reason",),
    ParentExecReport: ("exec_type", "ord_status", "cl_ord_id", "orig_cl_ord_id", "order_qty", "last_qty", "last_px",
                       "cum_qty", "leaves_qty", "avg_px", "ord_rej_reason", "text"),
    ParentCancelReject: ("cl_ord_id", "orig_cl_ord_id", "ord_status", "response_to", "reason", "text"),
    MassCancelReport: ("cl_ord_id", "request_type", "response", "affected", "reject_reason", "text"),
    VenueNewOrder: ("cl_ord_id", "side", "qty", "price", "tif"),
    VenueCancel: ("cl_ord_id", "orig_cl_ord_id", "qty"),
    VenueReplace: ("cl_ord_id", "orig_cl_ord_id", "qty", "price", "tif"),
    VenueStatusRequest: ("cl_ord_id",),
    VenueMassStatusRequest: ("mass_status_req_id",),
}

# FIX names where the field name does not camel-case into one.
_LABELS = {"tif": "TimeInForce", "qty": "Qty", "price": "Px", "reason": "Reason", "affected": "Affected",
           "request_type": "RequestType", "response": "Response", "logged_on": "LoggedOn",
           "bad_fields": "BadFields", "session": "Session"}

_FILL_FIELDS = frozenset({"last_qty", "last_px"})  # shown on fills only

_CODES: dict[tuple[type, str], type[StrEnum]] = {
    (VenueExecReport, "exec_type"): ExecType,
    (ParentExecReport, "exec_type"): ExecType,
    (VenueExecReport, "ord_status"): OrdStatus,
    (ParentExecReport, "ord_status"): OrdStatus,
    (VenueCancelReject, "ord_status"): OrdStatus,
    (ParentCancelReject, "ord_status"): OrdStatus,
    (VenueCancelReject, "response_to"): CxlRejResponseTo,
    (ParentCancelReject, "response_to"): CxlRejResponseTo,
    (ParentCancelReject, "reason"): CxlRejReason,
    (VenueCancelReject, "reason"): CxlRejReason,
    (ParentExecReport, "ord_rej_reason"): OrdRejReason,
    (NewOrderRequest, "side"): Side,
    (VenueNewOrder, "side"): Side,
    (NewOrderRequest, "time_in_force"): TimeInForce,
    (VenueNewOrder, "tif"): ChildTif,
    (VenueReplace, "tif"): ChildTif,
    (MassCancelRequest, "request_type"): MassCancelRequestType,
    (MassCancelReport, "request_type"): MassCancelRequestType,
}


def _label(field: str) -> str:
    if field in _LABELS:
        return _LABELS[field]
    camel = "".join(part.capitalize() for part in field.split("_"))
    return camel[:-2] + "ID" if camel.endswith("Id") else camel


def _value(kind: type, field: str, value: object) -> str:
    enum = _CODES.get((kind, field))
    if enum is not None:
        try:
            return enum(str(value)).name
        except ValueError:
            return str(value)
    if isinstance(value, float):
        return iso_utc(value) if field.endswith("_time") else format(value, ".10g")
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def summarize(item: Journaled) -> str:
    """The record's meaning on one line: FIX names and values, codes by name."""
    if isinstance(item, Quote):
        return (f"{item.symbol} bid {_px(item.bid_px)} x {item.bid_qty}  ask {_px(item.ask_px)} x {item.ask_qty}")
    if isinstance(item, SendFailed):
        return f"{type(item.command).__name__} {summarize(item.command)}: {item.reason}"
    kind = type(item)
    parts = []
    for field in _SHOWN.get(kind, tuple(f.name for f in dataclasses.fields(item))):
        value = getattr(item, field)
        if value is None or value == () or (field in _FILL_FIELDS and not getattr(item, "last_qty", 0)):
            continue
        parts.append(f"{_label(field)}={_value(kind, field, value)}")
    return " ".join(parts)


def _px(px: float | None) -> str:
    return "-" if px is None else format(px, ".10g")


# ---------------------------------------------------------------------- tables

def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], right: frozenset[int], out: TextIO) -> None:
    """Columns padded to their widest cell; the last column is not padded."""
    body = [list(row) for row in rows]
    widths = [max([len(headers[i])] + [len(r[i]) for r in body]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        padded = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "  ".join(padded).rstrip()

    print(line(headers), file=out)
    for row in body:
        print(line(row), file=out)


@dataclass
class _ParentLine:
    order_id: str
    cl_ord_id: str = ""
    symbol: str = ""
    side: str = ""
    order_qty: int = 0
    cum_qty: int = 0
    ord_status: str = ""
    children: int = 0


def print_parents(journal: Journal, out: TextIO) -> int:
    """One line per parent, in order of first appearance: its latest state as we reported it to the OMS.

    Returns the number of parents."""
    parents: dict[str, _ParentLine] = {}
    for record in journal.records(types=("ParentExecReport", "VenueNewOrder")):
        if record.parent_id is None:
            continue
        line = parents.setdefault(record.parent_id, _ParentLine(record.parent_id))
        item = record.item
        if isinstance(item, ParentExecReport):
            line.cl_ord_id, line.symbol = item.cl_ord_id, item.symbol
            line.side = _value(NewOrderRequest, "side", item.side)
            line.order_qty, line.cum_qty = item.order_qty, item.cum_qty
            line.ord_status = _value(ParentExecReport, "ord_status", item.ord_status)
        else:
            line.children += 1
    _table(("OrderID", "ClOrdID", "Symbol", "Side", "OrderQty", "CumQty", "OrdStatus", "Children"),
           ([p.order_id, p.cl_ord_id, p.symbol, p.side, f"{p.order_qty:,}", f"{p.cum_qty:,}", p.ord_status,
             str(p.children)] for p in parents.values()),
           frozenset({4, 5, 7}), out)
    return len(parents)


def resolve_parent(journal: Journal, ident: str) -> str:
    """The OrderID for an OrderID or any OMS ClOrdID of the parent."""
    if journal.has_parent(ident):
        return ident
    found = journal.parents_of(ident)
    if len(found) == 1:
        return found[0]
    if found:
        raise UnknownParentError(f"ClOrdID {ident} names several parents ({', '.join(found)}); give the OrderID")
    raise UnknownParentError(f"no parent {ident} in {journal.path} (neither an OrderID nor an OMS ClOrdID)")


def print_history(journal: Journal, parent_id: str, out: TextIO) -> None:
    """Every record about one parent, in order."""
    rows = ([iso_utc(r.ts), r.direction.value, r.type_name, summarize(r.item)]
            for r in journal.records(parent_id=parent_id))
    _table(("Time (UTC)", "Dir", "Type", "Summary"), rows, frozenset(), out)

