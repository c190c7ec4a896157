"""What `footprint data impact` makes: its settings and its error, light enough for the CLI to import at start."""

from __future__ import annotations

from dataclasses import dataclass

EXECUTORS = ("ray", "processes", "inline")


class DataJobError(ValueError):
    """The job cannot run as asked; the message says what to change."""


@dataclass(frozen=True)
class DataSettings:
    """What to generate. Everything the records depend on is here, so the plan is reproducible from it."""

    runs: int = 2_000
    seed: int = 7
    scenarios: tuple[str, ...] = ()  # empty: every built-in scenario
    market_seeds: int = 50  # distinct market seeds per scenario: the k-th scenario's from first + k × market_seeds
    first_market_seed: int = 100
    min_q_over_adv: float = 0.001
    max_q_over_adv: float = 0.30
    # Of the volume expected in the horizon: up to twice it, so a block worked faster than the market trades (a
    # quarter of ADV in three hours on a 24-hour market) is inside the data, not an extrapolation.
    max_participation: float = 2.0
    min_horizon_s: float = 300.0
    max_horizon_s: float = 6 * 3600.0
    lead_in_s: float = 1_200.0  # market history before a parent starts (what the market view has seen)
    reversion_s: float = 900.0

    def __post_init__(self) -> None:
        if self.runs < 1 or self.market_seeds < 1:
            raise DataJobError(f"runs and market_seeds must be >= 1, got {self.runs}, {self.market_seeds}")
        if not 0 < self.min_q_over_adv <= self.max_q_over_adv:
            raise DataJobError(f"need 0 < min_q_over_adv <= max_q_over_adv, got {self.min_q_over_adv}, "
                               f"{self.max_q_over_adv}")
        if not 0 < self.max_participation <= 10:
            raise DataJobError(f"max_participation must be in (0, 10], got {self.max_participation}")
        if not 0 < self.min_horizon_s <= self.max_horizon_s:
            raise DataJobError(f"need 0 < min_horizon_s <= max_horizon_s, got {self.min_horizon_s}, "
                               f"{self.max_horizon_s}")
        if self.lead_in_s < 0 or self.reversion_s < 0:
            raise DataJobError("lead_in_s and reversion_s must be >= 0")
