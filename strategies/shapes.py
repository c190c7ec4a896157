"""Schedule shapes: how much of a parent's plan should be done by a given time, as a share of it.

A sliced strategy (`twap.Sliced`) works any shape with the same tactic: a passive child at the touch for the
current slice, crossing when too far behind, a sweep at the end. The shape alone makes it TWAP (even in time),
VWAP (in step with the market's expected volume) or IS (Almgren–Chriss: front-loaded by an urgency).

Every shape is pure and maps a time t to the share of the parent's current plan due by then: a share in [0, 1] that
never falls, 0 at the plan's start and 1 at the parent's end. A plan restarts at a replace, with what is left.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from strategies.schedules.almgren_chriss import remaining_share
from strategies.schedules.vwap import VolumeProfile
from strategies.types import ParentView

_DAY_S = 86_400.0


class ScheduleShape(Protocol):
    """The share of `parent`'s current plan due by `t` (epoch seconds)."""

    def due_share(self, parent: ParentView, t: float) -> float: ...


def plan_window(parent: ParentView) -> tuple[float, float]:
    """The current plan's start and end: from the parent's start, or its last replace, to its end."""
    return max(parent.start, parent.plan_start), parent.end


def _elapsed(start: float, end: float, t: float) -> float:
    """Share of [start, end] elapsed at `t`, clamped to [0, 1] (1 for an empty plan)."""
    if end <= start:
        return 1.0
    return min(1.0, max(0.0, (t - start) / (end - start)))


@dataclass(frozen=True)
class Even:
    """TWAP: even in time."""

    def due_share(self, parent: ParentView, t: float) -> float:
        return _elapsed(*plan_window(parent), t)


@dataclass(frozen=True)
class FrontLoaded:
    """Almgren–Chriss's optimal trajectory: holdings sinh(κ(T − t)) / sinh(κT) of the plan, κT = the parent's own
    urgency when its order gave one, else `urgency`.

    The urgency is κT = T √(λσ²/η) over the parent's whole horizon T, for a risk aversion λ, volatility σ and
    temporary impact η (Almgren & Chriss 2000): 0 is TWAP; at 1 about 56% is due by half time, at 3 about 79%. A
    plan restarted later (a replace) keeps κ, so its κT is the urgency times the share of the horizon left: the
    trajectory from there is the optimal one from there.
    """

    urgency: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.urgency) and self.urgency >= 0):
            raise ValueError(f"urgency must be finite and >= 0, got {self.urgency}")

    def due_share(self, parent: ParentView, t: float) -> float:
        start, end = plan_window(parent)
        u = _elapsed(start, end, t)
        horizon = parent.end - parent.start
        urgency = parent.urgency if parent.urgency is not None else self.urgency
        k = urgency * (end - start) / horizon if horizon > 0 else 0.0
        return min(1.0, max(0.0, 1.0 - remaining_share(k, u)))


@dataclass(frozen=True)
class TradingSession:
    """When a symbol trades each day (UTC) and its expected volume through the session.

    `open_s` is the session's open in seconds after midnight UTC, `profile` its volume profile over `profile.session_s`
    seconds (a session may run past midnight). Every calendar day has a session; weekends and holidays are not known.
    """

    open_s: float
    profile: VolumeProfile

    def __post_init__(self) -> None:
        if not (0 <= self.open_s < _DAY_S):
            raise ValueError(f"open_s must be in [0, 86400) seconds after midnight UTC, got {self.open_s}")
        if self.profile.session_s > _DAY_S:
            raise ValueError(f"a session lasts at most a day, got {self.profile.session_s} s")

    def volume_until(self, t: float) -> float:
        """The profile's volume from the first session on or after the epoch up to epoch time `t`."""
        days, into_day = divmod(t - self.open_s, _DAY_S)
        session_s = self.profile.session_s
        # Outside the session the clock of trading time stands still.
        return days * self.profile.volume_until(session_s) + self.profile.volume_until(min(into_day, session_s))


@dataclass(frozen=True)
class VolumeWeighted:
    """VWAP: in step with each symbol's expected volume; even in time for a symbol without a session, or for a plan
    that lies wholly outside its sessions (no volume is expected there to weigh by)."""

    sessions: Mapping[str, TradingSession] = field(default_factory=dict)

    def due_share(self, parent: ParentView, t: float) -> float:
        start, end = plan_window(parent)
        session = self.sessions.get(parent.instrument.symbol)
        if session is None:
            return _elapsed(start, end, t)
        first = session.volume_until(start)
        total = session.volume_until(end) - first
        if not total > 0:
            return _elapsed(start, end, t)
        done = session.volume_until(min(max(t, start), end)) - first
        return min(1.0, max(0.0, done / total))
