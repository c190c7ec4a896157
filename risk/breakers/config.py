"""Circuit-breaker settings: what each breaker measures against which threshold, what it does when it trips, and
when it lets go. Pydantic models, so a bad value is refused with the field named (`breakers.spread.max_multiple`).

Resume rules: a breaker whose action is `pause`, `twap` or `reducing` clears itself once its condition has been
normal for `resume_after_s`; one whose action is `halted` stays tripped until an operator resumes the scope.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Action = Literal["pause", "twap", "reducing", "halted"]
"""What a tripped breaker does to the parents in its scope:
- pause: hold them (no strategy asked, nothing sent) and cancel their working children; resume when it clears;
- twap: hand them to the TWAP fallback for the rest of their horizon (they stay on it after the breaker clears);
- reducing: the symbol (globally for a venue-wide breaker) goes REDUCING: only cancels and replaces down pass;
- halted: the symbol (or everything) goes HALTED and its parents are paused, until an operator resumes it.
"""

Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class _Breaker(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    action: Action = "pause"
    resume_after_s: Seconds = 60.0  # normal this long before it clears (not for halted: an operator resumes)


class VolatilityBreaker(_Breaker):
    """Realised volatility of mid returns over `window_s` against its slow (EWMA) baseline."""

    window_s: Seconds = 120.0
    max_ratio: Annotated[float, Field(gt=1, allow_inf_nan=False)] = 3.0
    resume_after_s: Seconds = 120.0


class SpreadBreaker(_Breaker):
    """The quoted spread in bps (smoothed over `fast_half_life_s`) against its baseline, and an absolute cap."""

    fast_half_life_s: Seconds = 5.0
    max_multiple: Annotated[float, Field(gt=1, allow_inf_nan=False)] = 3.5
    max_bps: Positive | None = None


class DepthBreaker(_Breaker):
    """Quantity at the touch a parent takes liquidity from (bids for a seller, asks for a buyer), smoothed over
    `fast_half_life_s`, against its baseline."""

    fast_half_life_s: Seconds = 30.0
    min_fraction: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)] = 0.25


class GapBreaker(_Breaker):
    """The mid's move within `window_s`, over the larger of `min_bps` and `max_sigmas` baseline standard
    deviations of a move over that window."""

    window_s: Seconds = 5.0
    min_bps: Positive = 50.0
    max_sigmas: Positive = 30.0
    resume_after_s: Seconds = 120.0


class StaleBreaker(_Breaker):
    """No quote for a symbol for `stale_after_s` while the venue session is up (checked every tick)."""

    stale_after_s: Seconds = 10.0
    resume_after_s: Seconds = 5.0


class RejectStormBreaker(_Breaker):
    """`max_rejects` child orders of one symbol rejected by the venue within `window_s`; `venue_max_rejects`
    over every symbol trips the venue-wide breaker, whose action is `venue_action`."""

    max_rejects: Annotated[int, Field(ge=1)] = 4
    window_s: Seconds = 60.0
    venue_max_rejects: Annotated[int, Field(ge=1)] = 12
    venue_action: Action = "halted"
    resume_after_s: Seconds = 120.0

    @model_validator(mode="after")
    def _venue_above_symbol(self) -> RejectStormBreaker:
        if self.venue_max_rejects < self.max_rejects:
            raise ValueError(f"venue_max_rejects ({self.venue_max_rejects}) must be at least max_rejects "
                             f"({self.max_rejects})")
        return self


class FillAnomalyBreaker(_Breaker):
    """A fill beyond its child's limit, more than `max_outside_touch_bps` outside the touch at the time, or past
    its child's or parent's quantity."""

    max_outside_touch_bps: Positive = 50.0
    action: Action = "halted"


class StrategyFailureBreaker(_Breaker):
    """`max_failures` strategy failures (a strategy, or the fallback, raising or answering nonsense) on one
    symbol's parents within `window_s`."""

    max_failures: Annotated[int, Field(ge=1)] = 3
    window_s: Seconds = 600.0
    action: Action = "halted"


class DecisionOverrunBreaker(_Breaker):
    """`max_overruns` decisions over the strategy time budget within `window_s`, across every parent: the
    strategies (their models) are overloaded. Each overrun already hands its own parent to TWAP; this acts on all
    of them (twap: every parent carries on with TWAP)."""

    max_overruns: Annotated[int, Field(ge=1)] = 3
    window_s: Seconds = 60.0
    action: Action = "twap"


class BreakersConfig(BaseModel):
    """Every circuit breaker; `enabled = false` turns them all off."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    # Breakers that compare with a baseline wait this long after a symbol's first quote before they may trip.
    warmup_s: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 300.0
    # Half-life of the slow baselines (volatility, spread, depth).
    baseline_half_life_s: Seconds = 1800.0
    volatility: VolatilityBreaker = VolatilityBreaker()
    spread: SpreadBreaker = SpreadBreaker()
    depth: DepthBreaker = DepthBreaker()
    gap: GapBreaker = GapBreaker()
    stale: StaleBreaker = StaleBreaker()
    reject_storm: RejectStormBreaker = RejectStormBreaker()
    fill_anomaly: FillAnomalyBreaker = FillAnomalyBreaker()
    strategy_failure: StrategyFailureBreaker = StrategyFailureBreaker()
    decision_overrun: DecisionOverrunBreaker = DecisionOverrunBreaker()
