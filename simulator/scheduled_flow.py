"""Extra one-sided flow a scenario schedules (the selling an on-chain transfer to exchanges brings).

The scenario compiles it (`CompiledScenario.scheduled_flows`); how the background flow trades it is the flow
kernel's business.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ScheduledFlow:
    """`qty` units on `side` (+1 buy, -1 sell) to trade over `duration_s` from `start_s`, seconds since the
    session start."""

    start_s: float
    duration_s: float
    side: int
    qty: int

    def __post_init__(self) -> None:
        if self.side not in (1, -1):
            raise ValueError(f"side must be +1 (buy) or -1 (sell), got {self.side}")
        if self.qty <= 0:
            raise ValueError(f"qty must be > 0, got {self.qty}")
        if not (math.isfinite(self.start_s) and self.start_s >= 0):
            raise ValueError(f"start_s must be finite and >= 0, got {self.start_s}")
        if not (math.isfinite(self.duration_s) and self.duration_s > 0):
            raise ValueError(f"duration_s must be finite and > 0, got {self.duration_s}")

    @property
    def end_s(self) -> float:
        """When the flow is done, seconds since the session start."""
        return self.start_s + self.duration_s
