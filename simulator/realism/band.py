"""A target band: the range a realism metric must fall in, kept as data next to the metric's name."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Band:
    """`low <= value <= high` (either end may be infinite); NaN is never inside, a metric we cannot measure fails."""

    name: str
    low: float
    high: float
    unit: str = ""

    def __post_init__(self) -> None:
        if math.isnan(self.low) or math.isnan(self.high) or self.low > self.high:
            raise ValueError(f"band {self.name}: need low <= high, got [{self.low}, {self.high}]")

    def contains(self, value: float) -> bool:
        """Whether `value` is inside the band."""
        return not math.isnan(value) and self.low <= value <= self.high

    def describe(self) -> str:
        """The band as text: `> 1`, `< 0.1`, `[0.4, 0.7]`, with its unit."""
        unit = f" {self.unit}" if self.unit else ""
        if math.isinf(self.high) and math.isinf(self.low):
            return "any"
        if math.isinf(self.high):
            return f"> {self.low:g}{unit}"
        if math.isinf(self.low):
            return f"< {self.high:g}{unit}"
        return f"[{self.low:g}, {self.high:g}]{unit}"
