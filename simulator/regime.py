"""A scenario's timeline compiled for the flow: piecewise-constant multipliers and scheduled jumps.

Scenarios (YAML, `simulator/scenarios/`) describe regime changes in words a QA engineer writes; the flow
kernel reads only this compiled form: for each segment [times[i], times[i+1]) the multipliers that apply,
plus the news jumps with their already-drawn sizes. Times are seconds since the session start.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def _arr(values: FloatArray | list[float]) -> FloatArray:
    return np.ascontiguousarray(values, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Participants:
    """Who else trades, beyond the background flow's defaults (times in seconds since the session start).

    - informed_probability / informed_lead_s / informed_size_adv: the chance an informed trader learns a news
      jump (scheduled or random) `informed_lead_s` before it happens and buys or sells `informed_size_adv` of ADV
      in its direction by the release;
    - predator_strength: 0 (none) to 1: predatory traders who watch the tape for persistent one-sided flow and
      trade ahead of it; the share of the volume they may take when they are sure;
    - scheduled_flows: (start_s, duration_s, side +1/-1, qty) metaorders the background works at a steady pace
      (the selling an on-chain transfer announces).
    """

    informed_probability: float = 0.0
    informed_lead_s: float = 600.0
    informed_size_adv: float = 0.005
    predator_strength: float = 0.0
    scheduled_flows: tuple[tuple[float, float, int, int], ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.informed_probability <= 1:
            raise ValueError(f"informed_probability must be in [0, 1], got {self.informed_probability}")
        if not 0 < self.informed_lead_s <= MAX_LEAD_S:
            raise ValueError(f"informed_lead_s must be in (0, {MAX_LEAD_S:g}], got {self.informed_lead_s}")
        if not 0 < self.informed_size_adv <= 1:
            raise ValueError(f"informed_size_adv must be in (0, 1], got {self.informed_size_adv}")
        if not 0 <= self.predator_strength <= 1:
            raise ValueError(f"predator_strength must be in [0, 1], got {self.predator_strength}")
        for start, duration, side, qty in self.scheduled_flows:
            if not (start >= 0 and duration > 0 and side in (1, -1) and qty > 0):
                raise ValueError(f"a scheduled flow needs start >= 0, duration > 0, side +1/-1 and qty > 0, got "
                                 f"{(start, duration, side, qty)}")


MAX_LEAD_S = 3600.0
"""How far ahead the fundamental's path is drawn, so the longest an informed trader can know it ahead."""


@dataclass(frozen=True)
class RegimeSchedule:
    """Multipliers on the symbol's base parameters, per segment. All 1.0 (and no drift, no jumps) is calm.

    - vol_mult: volatility of the fundamental (efficient) price;
    - spread_mult: how far from the reference liquidity providers quote;
    - depth_mult_bid / depth_mult_ask: resting liquidity on each side (thinning < 1);
    - activity_mult: arrival rates of all background orders (the intraday volume profile lives here);
    - drift_bps_per_hour: a trend of the fundamental price;
    - implied_vol: the annualised implied volatility feed published for this segment (it leads realised
      volatility: a scenario raises it before vol_mult rises);
    - jump_times / jump_bps: news, as instantaneous moves of the fundamental price;
    - participants: informed and predatory traders, and scheduled metaorders.
    """

    times: FloatArray
    vol_mult: FloatArray
    spread_mult: FloatArray
    depth_mult_bid: FloatArray
    depth_mult_ask: FloatArray
    activity_mult: FloatArray
    drift_bps_per_hour: FloatArray
    implied_vol: FloatArray
    jump_times: FloatArray = field(default_factory=lambda: _arr([]))
    jump_bps: FloatArray = field(default_factory=lambda: _arr([]))
    participants: Participants = field(default_factory=Participants)

    def __post_init__(self) -> None:
        n = len(self.times)
        if n == 0:
            raise ValueError("a regime schedule needs at least one segment")
        if self.times[0] != 0.0 or np.any(np.diff(self.times) <= 0):
            raise ValueError("segment times must start at 0 and increase strictly")
        for name in ("vol_mult", "spread_mult", "depth_mult_bid", "depth_mult_ask", "activity_mult",
                     "drift_bps_per_hour", "implied_vol"):
            values = getattr(self, name)
            if len(values) != n:
                raise ValueError(f"{name} has {len(values)} values for {n} segments")
            if not np.all(np.isfinite(values)):
                raise ValueError(f"{name} must be finite")
        for name in ("vol_mult", "spread_mult", "depth_mult_bid", "depth_mult_ask", "activity_mult"):
            if np.any(getattr(self, name) <= 0):
                raise ValueError(f"{name} must be > 0")
        if len(self.jump_times) != len(self.jump_bps):
            raise ValueError("jump_times and jump_bps differ in length")

    @classmethod
    def calm(cls, implied_vol: float = 0.0) -> RegimeSchedule:
        """One segment, every multiplier 1."""
        one = _arr([1.0])
        return cls(_arr([0.0]), one, one, one, one, one, _arr([0.0]), _arr([implied_vol]))

    def segment(self, t: float) -> int:
        """Index of the segment that holds `t` (seconds since the session start)."""
        return max(int(np.searchsorted(self.times, t, side="right")) - 1, 0)

    def _activity_at_edges(self) -> FloatArray:
        """∫ activity_mult dt from 0 to each segment start (the last segment is held past its start)."""
        return np.concatenate(([0.0], np.cumsum(self.activity_mult[:-1] * np.diff(self.times))))

    def activity_integral(self, t: float) -> float:
        """∫ activity_mult dt from the session start to `t` seconds: expected volume in mean-rate seconds."""
        if t < 0:
            raise ValueError(f"t must be >= 0, got {t}")
        i = self.segment(t)
        return float(self._activity_at_edges()[i] + self.activity_mult[i] * (t - self.times[i]))

    def seconds_for_volume(self, start_s: float, volume_share: float, session_s: float) -> float:
        """Clock seconds from `start_s` in which the market is expected to trade `volume_share` of what it
        trades over [0, `session_s`]: the clock of volume time (business time), where an interval is measured by
        the volume traded in it. On a flat 24-hour day 1/24 of the volume is one hour; on an equity day's U-shape
        it is shorter near the open and the close than at midday."""
        if not (volume_share > 0 and session_s > 0):
            raise ValueError(f"need volume_share > 0 and session_s > 0, got {volume_share}, {session_s}")
        edges = self._activity_at_edges()
        target = self.activity_integral(start_s) + volume_share * self.activity_integral(session_s)
        i = max(int(np.searchsorted(edges, target, side="right")) - 1, 0)
        return float(self.times[i] + (target - edges[i]) / self.activity_mult[i]) - start_s
