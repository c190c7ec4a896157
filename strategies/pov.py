"""POV: a share of the market's volume since the parent began, worked by the sliced tactic, never swept at the end.

The rate is the parent's own (its order's participation tag) or `PovConfig.participation`, capped by the parent's
ParticipationRate(849): under a cap it aims at `CAP_MARGIN` of it, because the risk overlay measures the cap over a
rolling window with the resting child and the catch-up counted in, and a schedule aimed exactly at the cap would have
its children refused whenever it is behind. Volume is the venue's traded volume as its quotes report it
(`Quote.volume`), ours included, from the parent's start (`ParentView.start_volume`, taken by the engine at its first
decision): due = rate × volume since start, in whole lots, at most the order. A POV parent does not finish when the
market is thin: whatever it has not done by its end is left, as a desk expects.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

from strategies.schedule import PlanPosition
from strategies.twap import Sliced, TwapConfig
from strategies.types import ParentView, Quote

CAP_MARGIN = 0.8
"""Under a ParticipationRate(849) cap, POV aims at this share of it."""


class PovConfig(BaseModel):
    """POV's rate: the share of the market's volume it takes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    participation: float = Field(default=0.1, gt=0, le=1, allow_inf_nan=False, description="share of volume")


class Pov(Sliced):
    """Percentage of volume: the Strategy for TargetStrategy POV (FIX Participate)."""

    sweeps = False

    def __init__(self, config: TwapConfig | None = None, pov: PovConfig | None = None) -> None:
        super().__init__(config, None, "POV")
        self.pov = pov if pov is not None else PovConfig()

    def rate(self, parent: ParentView) -> float:
        cap = parent.participation_cap
        wanted = parent.participation if parent.participation is not None else self.pov.participation
        return wanted if cap is None else min(wanted, CAP_MARGIN * cap)

    def position(self, parent: ParentView, quote: Quote | None, now: float) -> PlanPosition:
        rate = self.rate(parent)
        lot = parent.instrument.lot_size
        traded = 0 if quote is None or parent.start_volume is None else max(0, quote.volume - parent.start_volume)
        elapsed = max(now - parent.start, 0.0)
        # The next slice's volume at the pace seen since the start (none seen yet: no slice to size).
        slice_volume = traded / elapsed * self.config.slice_interval_s if elapsed > 0 else 0.0

        def due(volume: float) -> int:
            return min(parent.order_qty, math.floor(rate * volume / lot + 1e-9) * lot)

        return PlanPosition(slice_index=1, slices=1, due_now=due(traded), due_by_slice_end=due(traded + slice_volume),
                            slice_qty=rate * slice_volume)
