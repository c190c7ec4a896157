"""Which parent order a journal record is about, from the identifiers it carries.

Every child ClOrdID is `{parent OrderID}-C{k}`, so venue commands and reports name their parent. OMS requests
carry the OMS's ClOrdIDs, which our ParentExecReports and ParentCancelRejects map to OrderIDs (aliases).
"""

from __future__ import annotations

from agent.core.commands import (
    ParentCancelReject,
    ParentExecReport,
    VenueCancel,
    VenueNewOrder,
    VenueReplace,
    VenueStatusRequest,
)
from agent.core.events import (
    CancelRequest,
    NewOrderRequest,
    OperatorCommand,
    ReplaceRequest,
    SendFailed,
    StatusRequest,
    VenueCancelReject,
    VenueExecReport,
)
from agent.core.operator_requests import OperatorScope
from agent.journal.codec import Journaled

NO_ORDER_ID = "NONE"  # what the engine puts in OrderID(37) when a request matches no parent

OmsKey = tuple[str, str]
"""(session, OMS ClOrdID)."""


def child_parent(cl_ord_id: str | None) -> str | None:
    """The parent OrderID a child ClOrdID `{parent}-C{k}` names, or None when it is not one of ours."""
    if not cl_ord_id:
        return None
    parent, sep, k = cl_ord_id.rpartition("-C")
    return parent if sep and parent and k.isdigit() else None


def direct_parent(item: Journaled) -> str | None:
    """The parent a record names by itself, without the OMS aliases."""
    match item:
        case ParentExecReport() | ParentCancelReject():
            return item.order_id if item.order_id != NO_ORDER_ID else None
        case VenueExecReport() | VenueCancelReject() | VenueCancel() | VenueReplace():
            return child_parent(item.cl_ord_id) or child_parent(item.orig_cl_ord_id)
        case VenueNewOrder() | VenueStatusRequest():
            return child_parent(item.cl_ord_id)
        case SendFailed():
            return direct_parent(item.command)
        case StatusRequest() if item.order_id and item.order_id != NO_ORDER_ID:
            return item.order_id
        case OperatorCommand() if item.scope is OperatorScope.PARENT:
            return item.target
    return None


def own_oms_key(item: Journaled) -> OmsKey | None:
    """An OMS request's own (session, ClOrdID): our answer will map it to the parent's OrderID.

    A mass cancel is about many parents and has none.
    """
    match item:
        case NewOrderRequest() | CancelRequest() | ReplaceRequest():
            return item.session, item.cl_ord_id
        case StatusRequest() if item.cl_ord_id:
            return item.session, item.cl_ord_id
    return None


def referenced_oms_key(item: Journaled) -> OmsKey | None:
    """The (session, ClOrdID) of an existing parent that an OMS request refers to."""
    match item:
        case CancelRequest() | ReplaceRequest() if item.orig_cl_ord_id:
            return item.session, item.orig_cl_ord_id
        case StatusRequest() if item.cl_ord_id:
            return item.session, item.cl_ord_id
    return None


def aliases(item: Journaled) -> tuple[tuple[OmsKey, str], ...]:
    """The (session, OMS ClOrdID) -> OrderID pairs our answer to the OMS establishes."""
    match item:
        case ParentExecReport() | ParentCancelReject() if item.order_id != NO_ORDER_ID:
            pairs = [((item.session, item.cl_ord_id), item.order_id)]
            if item.orig_cl_ord_id:
                pairs.append(((item.session, item.orig_cl_ord_id), item.order_id))
            return tuple(pairs)
    return ()
