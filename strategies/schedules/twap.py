"""TWAP: the same quantity in every interval."""

from __future__ import annotations

from strategies.schedules.plan import SchedulePlan, boundaries, check_qty


def twap_plan(qty: float, horizon_s: float, intervals: int) -> SchedulePlan:
    """`qty` spread evenly over `intervals` equal intervals of [0, horizon_s]."""
    times = boundaries(horizon_s, intervals)
    check_qty(qty)
    return SchedulePlan(times, tuple(qty * (intervals - k) / intervals for k in range(intervals + 1)))
