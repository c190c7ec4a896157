"""Clocks for the venue: a manual one for tests and backtests, and the one place that reads wall time."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Epoch seconds as a float."""

    def now(self) -> float: ...


class SimClock:
    """A clock that moves only when told to, so runs are deterministic."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move forward by `seconds` (>= 0) and return the new time."""
        if seconds < 0:
            raise ValueError(f"a clock cannot go back, got {seconds} s")
        self._now += seconds
        return self._now

    def set(self, when: float) -> None:
        """Jump forward to `when`."""
        if when < self._now:
            raise ValueError(f"a clock cannot go back from {self._now} to {when}")
        self._now = when


class WallClock:
    """Real time, or real time sped up `speed` times from the moment the clock was made."""

    def __init__(self, speed: float = 1.0) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        self.speed = speed
        self._epoch = time.time()
        # Elapsed time comes from the monotonic clock so a wall-clock step cannot move prices backwards.
        self._origin = time.monotonic()

    def now(self) -> float:
        return self._epoch + (time.monotonic() - self._origin) * self.speed
