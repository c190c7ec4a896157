"""Is what a strategy proposed well formed? A malformed answer is a strategy failure (the parent falls back to
TWAP), not a risk refusal: NaN or non-positive prices, prices off the tick grid, quantities off the lot grid,
more than the parent has left, actions about children it does not have."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

from strategies.types import CancelChild, ChildAction, ParentView, PlaceChild, ReplaceChild


def malformed(parent: ParentView, actions: object) -> str | None:
    """Why these actions cannot be a strategy's answer for `parent`, or None when they are well formed."""
    if not isinstance(actions, Sequence) or isinstance(actions, str | bytes):
        return f"returned {type(actions).__name__}, not a list of child actions"
    known = {c.child_id for c in parent.children}
    placed = 0
    for action in actions:
        if not isinstance(action, PlaceChild | CancelChild | ReplaceChild):
            return f"returned {type(action).__name__}, not a child action"
        if isinstance(action, CancelChild):
            if action.child_id not in known:
                return f"cancel of unknown child {action.child_id}"
            continue
        problem = _qty_problem(parent, action.qty) or _price_problem(parent, action.price)
        if problem:
            return problem
        if isinstance(action, ReplaceChild):
            if action.child_id not in known:
                return f"replace of unknown child {action.child_id}"
        else:
            placed += action.qty
    if placed > parent.leaves_qty:
        return f"places {placed} in all, more than the {parent.leaves_qty} left"
    return None


def _qty_problem(parent: ParentView, qty: object) -> str | None:
    if isinstance(qty, bool) or not isinstance(qty, int):
        return f"quantity {qty!r} is not a whole number"
    if qty <= 0:
        return f"quantity {qty} is not positive"
    if qty % parent.instrument.lot_size:
        return f"quantity {qty} is off the lot grid ({parent.instrument.lot_size})"
    if qty > parent.leaves_qty:
        return f"quantity {qty} is more than the {parent.leaves_qty} left"
    return None


def _price_problem(parent: ParentView, price: object) -> str | None:
    if price is None:
        return None
    if isinstance(price, bool) or not isinstance(price, int | float) or not math.isfinite(price) or price <= 0:
        return f"price {price!r} is not a positive number"
    ticks = price / parent.instrument.tick_size
    if abs(ticks - round(ticks)) > 1e-6:
        return f"price {price} is off the tick grid ({parent.instrument.tick_size})"
    return None


def well_formed(actions: object) -> Sequence[ChildAction]:
    """The actions, typed; only for an answer `malformed` has found nothing wrong with."""
    return cast(Sequence[ChildAction], actions)
