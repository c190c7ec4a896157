"""POV: a fixed share of the market's expected volume in every interval until the order is done."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import accumulate

from strategies.schedules.plan import (
    ScheduleInputError,
    SchedulePlan,
    boundaries,
    check_qty,
    check_weights,
    snap_to_zero,
)


def pov_plan(qty: float, horizon_s: float, expected_volume: Sequence[float], participation: float) -> SchedulePlan:
    """Holdings fall by `participation` x the expected volume of each interval (one interval per volume).

    The plan finishes early when the market is busy (later intervals trade nothing) and does not finish when it
    is thin: then `completes` is False and `shortfall` says how much is left at the horizon. A desk wants to see
    that before it sends the order, so it is a result, not an error.
    """
    check_qty(qty)
    check_weights("expected_volume", expected_volume)
    if not (math.isfinite(participation) and 0 < participation <= 1):
        raise ScheduleInputError("participation", f"must be in (0, 1], got {participation}")
    times = boundaries(horizon_s, len(expected_volume))
    # From the cumulative volume, so rounding does not pile up interval after interval.
    left = [snap_to_zero(qty, max(0.0, qty - participation * v)) for v in accumulate(expected_volume)]
    return SchedulePlan(times, (qty, *left))
