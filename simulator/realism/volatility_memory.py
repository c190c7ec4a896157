"""Long memory of volatility: the autocorrelation of |r_1m| over lags from a minute to two hours, and its power law.

In real markets acf(|r|)(lag) decays roughly as lag^-β with β between 0.2 and 0.4 over hours (Cont 2001; Liu et al.
1999): far slower than the exponential decay of a single volatility time scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulator.realism.autocorrelation import log_spaced_lags, pooled_acf
from simulator.realism.impact import fit_power_law
from simulator.tape import F64, I64

MAX_LAG_MIN = 120
_MIN_POSITIVE_SHARE = 0.8


@dataclass(frozen=True)
class VolatilityMemory:
    """acf(|r|) at log-spaced lags (in returns, i.e. minutes for 1-min returns) and the power law fitted to it."""

    lags: I64
    acf: F64
    beta: float  # acf ~ prefactor × lag^-beta, least squares in log-log over the positive values; NaN without memory
    prefactor: float

    def at(self, lag: int) -> float:
        """The ACF at `lag` (one of `lags`)."""
        hits = np.flatnonzero(self.lags == lag)
        if len(hits) == 0:
            raise ValueError(f"lag {lag} was not measured; lags are {self.lags.tolist()}")
        return float(self.acf[hits[0]])


def abs_return_memory(returns_by_day: Sequence[F64], max_lag: int = MAX_LAG_MIN, points: int = 16) -> VolatilityMemory:
    """acf(|r|) pooled over days (no pair spans two days) at log-spaced lags 1..`max_lag`, and its power-law fit.

    The fit takes the lags where the ACF is positive (a logarithm needs them) and needs four in five of them to be:
    a series without memory scatters around 0 and has nothing to fit, so beta is NaN.
    """
    lags = log_spaced_lags(max_lag, points)
    acf = pooled_acf([np.abs(r) for r in returns_by_day], lags.tolist())
    positive = np.isfinite(acf) & (acf > 0)
    if np.count_nonzero(positive) < _MIN_POSITIVE_SHARE * len(lags):
        return VolatilityMemory(lags, acf, float("nan"), float("nan"))
    slope, prefactor = fit_power_law(lags.astype(np.float64), acf)
    return VolatilityMemory(lags, acf, -slope, prefactor)
