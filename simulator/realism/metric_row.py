"""One line of a realism table: a measured value and, when it has one, the band it must fall in."""

from __future__ import annotations

from dataclasses import dataclass

from simulator.realism.band import Band


@dataclass(frozen=True, slots=True)
class MetricRow:
    """A metric's value; `band` None marks an informational row that neither passes nor fails."""

    name: str
    value: float
    unit: str = ""
    band: Band | None = None

    @property
    def passed(self) -> bool | None:
        """True inside the band, False outside, None when there is no band."""
        return None if self.band is None else self.band.contains(self.value)
