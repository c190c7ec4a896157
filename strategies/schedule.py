"""Time-slice schedules: how much of a parent should be done at each slice boundary (even, or as a shape says)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from strategies.shapes import ScheduleShape
from strategies.types import ParentView

# Slice boundaries are computed from float seconds; this absorbs rounding so that `now` exactly on a
# boundary counts as having reached it.
_TIME_EPS = 1e-9
# A shape's share times the lots is a float: this keeps a share that should give a whole lot from rounding below it.
_SHARE_EPS = 1e-9


def slice_count(start: float, end: float, slice_interval_s: float) -> int:
    """Number of slices covering [start, end]; the last one may be shorter, and there is always one."""
    if slice_interval_s <= 0:
        raise ValueError(f"slice_interval_s must be > 0, got {slice_interval_s}")
    return max(1, math.ceil((end - start) / slice_interval_s - _TIME_EPS))


def cumulative_target(qty: int, lot_size: int, slices: int, boundary: int) -> int:
    """Cumulative quantity due at slice boundary `boundary` (0..slices) of an even, lot-rounded schedule."""
    if not 0 <= boundary <= slices:
        raise ValueError(f"boundary must be in [0, {slices}], got {boundary}")
    if boundary == slices:
        # An odd-lot remainder can only go in the last slice, so the schedule always sums exactly.
        return qty
    lots = qty // lot_size
    return (lots * boundary // slices) * lot_size


def twap_schedule(
    qty: int, lot_size: int, start: float, end: float, slice_interval_s: float
) -> tuple[int, ...]:
    """Cumulative targets at the end of each slice: lot multiples, non-decreasing, the last == qty."""
    if qty < 0:
        raise ValueError(f"qty must be >= 0, got {qty}")
    if lot_size <= 0:
        raise ValueError(f"lot_size must be > 0, got {lot_size}")
    slices = slice_count(start, end, slice_interval_s)
    return tuple(cumulative_target(qty, lot_size, slices, k) for k in range(1, slices + 1))


@dataclass(frozen=True)
class PlanPosition:
    """Where `now` falls in a parent's current plan."""

    slice_index: int  # 1-based slice `now` is in; 0 before the plan starts
    slices: int
    due_now: int  # cumulative quantity that should already be done
    due_by_slice_end: int  # cumulative quantity due at the end of the current slice
    slice_qty: float  # quantity one slice carries on average


def plan_position(
    parent: ParentView, now: float, slice_interval_s: float, shape: ScheduleShape | None = None
) -> PlanPosition:
    """Locate `now` in the plan: what remains at the last replace, spread over [plan_start, end] evenly in time, or
    as `shape` says by each slice's end (lot-rounded down; the last boundary is the whole order)."""
    plan_start = max(parent.start, parent.plan_start)
    remaining = max(0, parent.order_qty - parent.plan_cum_qty)
    lot = parent.instrument.lot_size
    slices = slice_count(plan_start, parent.end, slice_interval_s)

    if now < plan_start:
        done = 0
        current = 0
    elif now >= parent.end:
        done = slices
        current = slices
    else:
        # Inside the plan the last boundary (the end) is not reached yet, whatever float rounding says.
        done = min(math.floor((now - plan_start) / slice_interval_s + _TIME_EPS), slices - 1)
        current = done + 1

    def due(boundary: int) -> int:
        if shape is None or boundary == slices:
            return cumulative_target(remaining, lot, slices, boundary)
        at = min(plan_start + boundary * slice_interval_s, parent.end)
        share = shape.due_share(parent, at)
        return math.floor(remaining // lot * share + _SHARE_EPS) * lot

    def cum(boundary: int) -> int:
        target = parent.plan_cum_qty + due(boundary)
        return min(max(target, parent.plan_cum_qty), parent.order_qty)

    return PlanPosition(
        slice_index=current,
        slices=slices,
        due_now=cum(done),
        due_by_slice_end=cum(current),
        slice_qty=remaining / slices,
    )


def target_qty(parent: ParentView, now: float, slice_interval_s: float) -> int:
    """Cumulative quantity that should be done by `now`, clamped to [plan_cum_qty, order_qty]."""
    return plan_position(parent, now, slice_interval_s).due_now
