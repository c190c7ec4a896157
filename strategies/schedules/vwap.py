"""VWAP: each interval carries its share of the market's expected volume, read off an intraday volume profile."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate, pairwise

from strategies.schedules.plan import (
    ScheduleInputError,
    SchedulePlan,
    boundaries,
    check_qty,
    check_weights,
    snap_to_zero,
)


@dataclass(frozen=True)
class VolumeProfile:
    """The expected trading rate through a session, in buckets: the U shape of an equity day, flat for 24 hours.

    `bucket_starts_s` are the buckets' offsets from the session's start (the first 0, rising); the last bucket runs
    to `session_s`. `rates` is the relative volume per second in each bucket (any scale: only ratios matter; with
    equal buckets, each bucket's share of the day's volume will do). Time is trading time and the profile repeats:
    a horizon past the session's end carries on into the next session from its start.
    """

    bucket_starts_s: tuple[float, ...]
    rates: tuple[float, ...]
    session_s: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.session_s) and self.session_s > 0):
            raise ScheduleInputError("session_s", f"must be finite and > 0, got {self.session_s}")
        starts = self.bucket_starts_s
        if not starts or starts[0] != 0 or any(b <= a for a, b in pairwise(starts)) or starts[-1] >= self.session_s:
            raise ScheduleInputError(
                "bucket_starts_s", f"must rise strictly from 0 to below session_s {self.session_s}, got {starts}"
            )
        if len(self.rates) != len(starts):
            raise ScheduleInputError("rates", f"must have one rate per bucket ({len(starts)}), got {len(self.rates)}")
        check_weights("rates", self.rates)
        if not any(r > 0 for r in self.rates):
            raise ScheduleInputError("rates", "must have at least one > 0")

    @cached_property
    def _volume_before(self) -> tuple[float, ...]:
        """The profile's volume before each bucket, and over the whole session last."""
        ends = (*self.bucket_starts_s[1:], self.session_s)
        per_bucket = [r * (e - s) for r, s, e in zip(self.rates, self.bucket_starts_s, ends, strict=True)]
        return (0.0, *accumulate(per_bucket))

    def volume_until(self, t: float) -> float:
        """The profile's volume over [0, t] of trading time from a session's start (t >= 0), sessions repeating."""
        before = self._volume_before
        sessions, into = divmod(t, self.session_s)
        i = bisect_right(self.bucket_starts_s, into) - 1
        return sessions * before[-1] + before[i] + self.rates[i] * (into - self.bucket_starts_s[i])


def interval_weights(profile: VolumeProfile, start_s: float, horizon_s: float, intervals: int) -> tuple[float, ...]:
    """The profile's volume in each of `intervals` equal intervals of a horizon starting `start_s` into a session."""
    times = boundaries(horizon_s, intervals)
    if not (math.isfinite(start_s) and 0 <= start_s < profile.session_s):
        raise ScheduleInputError(
            "start_s", f"must be in [0, {profile.session_s:g}) seconds into the session, got {start_s}"
        )
    cumulative = [profile.volume_until(start_s + t) for t in times]
    # The profile is non-negative, so a negative difference can only be rounding.
    return tuple(max(0.0, b - a) for a, b in pairwise(cumulative))


def vwap_plan(qty: float, horizon_s: float, weights: Sequence[float]) -> SchedulePlan:
    """`qty` split in proportion to the expected volume `weights`, one interval per weight, over [0, horizon_s]."""
    check_qty(qty)
    check_weights("weights", weights)
    times = boundaries(horizon_s, len(weights))
    done = list(accumulate(weights))
    total = done[-1]  # the same sum as the running ones, so no running sum can pass it
    if total <= 0:
        raise ScheduleInputError("weights", "must have at least one > 0: no volume is expected over the horizon")
    left = [snap_to_zero(qty, qty * ((total - d) / total)) for d in done[:-1]]
    return SchedulePlan(times, (qty, *left, 0.0))
