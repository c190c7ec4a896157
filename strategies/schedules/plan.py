"""A schedule's result: the quantity still to trade at each interval boundary, and the checks every schedule shares."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

# Float noise, relative to the quantities involved: a holding this close to zero is what a cumulative sum leaves
# of a finished order, not a shortfall, and a quantity this close to a whole lot is that lot.
_REL_EPS = 1e-12


class ScheduleInputError(ValueError):
    """A schedule input outside its domain: `field` names the input, the message says what it must be."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field} {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class SchedulePlan:
    """Target holdings of a parent over time: what is still to trade at each interval boundary.

    `times` are the n + 1 boundaries in seconds from the start (0 to the horizon); `holdings[k]` is the quantity
    left at `times[k]`, from the order quantity down, never rising. A plan that cannot finish in its horizon (POV
    in a thin market) ends above zero: that remainder is its `shortfall`. `expected_cost` and `variance` are the
    model's figures for this trajectory where the schedule has a cost model (Almgren–Chriss), else None.
    """

    times: tuple[float, ...]
    holdings: tuple[float, ...]
    expected_cost: float | None = None
    variance: float | None = None

    def __post_init__(self) -> None:
        if len(self.times) < 2 or len(self.holdings) != len(self.times):
            raise ValueError(
                f"a plan needs n + 1 >= 2 times and as many holdings, got {len(self.times)} times "
                f"and {len(self.holdings)} holdings"
            )
        if self.times[0] != 0 or any(b <= a for a, b in pairwise(self.times)):
            raise ValueError(f"times must rise strictly from 0, got {self.times}")
        if not all(math.isfinite(h) for h in self.holdings) or self.holdings[-1] < 0:
            raise ValueError(f"holdings must be finite and >= 0, got {self.holdings}")
        if any(b > a for a, b in pairwise(self.holdings)):
            raise ValueError(f"holdings must never rise, got {self.holdings}")

    @property
    def qty(self) -> float:
        """The order quantity: what is held at the start."""
        return self.holdings[0]

    @property
    def intervals(self) -> int:
        return len(self.times) - 1

    @property
    def trades(self) -> tuple[float, ...]:
        """Quantity traded in each interval; they sum to `qty - shortfall`."""
        return tuple(a - b for a, b in pairwise(self.holdings))

    @property
    def shortfall(self) -> float:
        """What is still held at the horizon: 0 unless the schedule cannot finish in time."""
        return self.holdings[-1]

    @property
    def completes(self) -> bool:
        return self.shortfall == 0


def check_qty(qty: float) -> None:
    """An order quantity: finite and >= 0."""
    if not (math.isfinite(qty) and qty >= 0):
        raise ScheduleInputError("qty", f"must be finite and >= 0, got {qty}")


def boundaries(horizon_s: float, intervals: int) -> tuple[float, ...]:
    """The n + 1 even interval boundaries of [0, horizon_s], the last exactly `horizon_s`."""
    if not (math.isfinite(horizon_s) and horizon_s > 0):
        raise ScheduleInputError("horizon_s", f"must be finite and > 0, got {horizon_s}")
    if isinstance(intervals, bool) or not isinstance(intervals, int) or intervals < 1:
        raise ScheduleInputError("intervals", f"must be a whole number >= 1, got {intervals!r}")
    return (*(horizon_s * k / intervals for k in range(intervals)), horizon_s)


def check_weights(field: str, weights: Sequence[float]) -> None:
    """Per-interval weights (or volumes): at least one, each finite and >= 0."""
    if len(weights) == 0:
        raise ScheduleInputError(field, "must have at least one interval")
    bad = [w for w in weights if not (math.isfinite(w) and w >= 0)]
    if bad:
        raise ScheduleInputError(field, f"must all be finite and >= 0, got {bad[0]}")


def snap_to_zero(qty: float, holding: float) -> float:
    """`holding`, or exactly 0 when it is only float noise left over from `qty`."""
    return 0.0 if holding <= _REL_EPS * qty else holding


def round_to_lots(plan: SchedulePlan, lot_size: int) -> SchedulePlan:
    """The plan in whole lots, never ahead of the model and never losing a share.

    The cumulative quantity done at each boundary is the model's rounded down to a lot; where the model has done
    all it will do, the rounded plan has too, so an odd-lot remainder trades in the interval the model finishes
    in (the last one for TWAP, as `strategies.schedule` does). The trades sum exactly to what the model trades,
    lot-rounded: all of `qty` when it completes. The model's cost figures belong to its own trajectory and are
    dropped; a cost model re-evaluates the rounded one.
    """
    if isinstance(lot_size, bool) or not isinstance(lot_size, int) or lot_size < 1:
        raise ScheduleInputError("lot_size", f"must be a whole number >= 1, got {lot_size!r}")
    qty = plan.qty
    if qty != math.floor(qty):
        raise ScheduleInputError("qty", f"must be a whole number to round to lots, got {qty}")
    whole = int(qty)
    # What the model finally trades, rounded down to a lot unless that is everything.
    final = whole if plan.completes else _lots_down(qty - plan.shortfall, lot_size)

    def done(holding: float) -> int:
        if holding <= plan.shortfall:
            return final
        return min(_lots_down(qty - holding, lot_size), final)

    return SchedulePlan(plan.times, tuple(whole - done(h) for h in plan.holdings))


def _lots_down(quantity: float, lot_size: int) -> int:
    lots = quantity / lot_size
    # The tolerance keeps 299.99999999999997 (float noise for 300) three lots of 100 rather than two.
    return math.floor(lots + _REL_EPS * max(1.0, lots)) * lot_size
