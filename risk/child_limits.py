"""Pre-trade checks on one child action against its parent: grids, the hard limit, and no overfill."""

from __future__ import annotations

from risk.verdict import RiskVerdict
from strategies.types import (
    CancelChild,
    ChildAction,
    Instrument,
    ParentView,
    PlaceChild,
    ReplaceChild,
    Side,
    WorkingChild,
)


def check_child_action(parent: ParentView, action: ChildAction) -> RiskVerdict:
    """Refuse a child action that is malformed, breaks the parent's limit, or could overfill the parent."""
    if isinstance(action, CancelChild):
        # A cancel is never blocked; one for a child we do not know has nothing to cancel.
        if _working_child(parent, action.child_id) is None:
            return RiskVerdict.refuse(f"child {action.child_id} is not working")
        return RiskVerdict.allow()
    if isinstance(action, PlaceChild):
        return _check_place(parent, action)
    return _check_replace(parent, action)


def _check_place(parent: ParentView, action: PlaceChild) -> RiskVerdict:
    problem = _qty_problem(parent.instrument, action.qty) or _price_problem(parent, action.price)
    if problem:
        return RiskVerdict.refuse(problem)
    if action.qty > parent.uncommitted_qty:
        return RiskVerdict.refuse(
            f"child qty {action.qty} exceeds uncommitted {parent.uncommitted_qty} "
            f"(order {parent.order_qty}, cum {parent.cum_qty}, working {parent.working_qty})"
        )
    return RiskVerdict.allow()


def _check_replace(parent: ParentView, action: ReplaceChild) -> RiskVerdict:
    child = _working_child(parent, action.child_id)
    if child is None:
        return RiskVerdict.refuse(f"child {action.child_id} is not working")
    if child.pending:
        return RiskVerdict.refuse(f"child {action.child_id} has a request in flight")
    problem = _qty_problem(parent.instrument, action.qty) or _price_problem(parent, action.price)
    if problem:
        return RiskVerdict.refuse(problem)
    working_after = parent.working_qty - child.leaves_qty + action.qty
    if working_after > parent.leaves_qty:
        return RiskVerdict.refuse(
            f"replace to {action.qty} would make working {working_after} exceed leaves {parent.leaves_qty}"
        )
    return RiskVerdict.allow()


def _working_child(parent: ParentView, child_id: str) -> WorkingChild | None:
    return next((c for c in parent.children if c.child_id == child_id), None)


def _qty_problem(instrument: Instrument, qty: int) -> str:
    if qty <= 0:
        return f"child qty must be > 0, got {qty}"
    if qty % instrument.lot_size:
        return f"child qty {qty} is not a multiple of lot {instrument.lot_size}"
    return ""


def _price_problem(parent: ParentView, price: float | None) -> str:
    instrument = parent.instrument
    if price is None:
        if parent.limit_px is not None:
            return "market child on a limit parent"
        return ""
    if not price > 0:
        return f"child price must be > 0, got {price}"
    if not instrument.on_tick(price):
        return f"price {price} is off the {instrument.tick_size} tick grid"
    if parent.limit_px is not None and _through_limit(instrument, parent.side, price, parent.limit_px):
        fmt = instrument.format_price
        word = "above" if parent.side is Side.BUY else "below"
        return f"{parent.side.name.lower()} at {fmt(price)} is {word} the limit {fmt(parent.limit_px)}"
    return ""


def _through_limit(instrument: Instrument, side: Side, price: float, limit: float) -> bool:
    # A millionth of a tick absorbs float noise without letting a whole tick through.
    return (price - limit) * side.sign > instrument.tick_size * 1e-6
