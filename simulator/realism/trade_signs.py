"""Order-flow memory: the autocorrelation of trade signs and its power-law decay.

In real markets the sign of successive trades (+1 buyer-initiated, -1 seller-initiated) is strongly persistent,
C(l) ~ l^(-gamma) with gamma about 0.5 (Lillo & Farmer 2004, "The long memory of the efficient market"; Bouchaud,
Bonart, Donier & Gould, "Trades, Quotes and Prices", 2018, ch. 10), because large orders are split into many
small ones. Lillo, Mike & Farmer (2005) tie the two: metaorder sizes with a Pareto tail of exponent alpha give
gamma = alpha - 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.realism.autocorrelation import acf_lags
from simulator.realism.impact import fit_power_law
from simulator.tape import F64, I8


@dataclass(frozen=True)
class SignMemory:
    """C(l) at lags 1..max_lag and the power law fitted to it."""

    lags: np.ndarray
    acf: F64
    gamma: float  # C(l) ~ A l^-gamma, least squares in log-log over the lags where C(l) > 0; NaN without memory
    prefactor: float  # A

    @property
    def c1(self) -> float:
        return float(self.acf[0])


def sign_memory(aggressor: I8, max_lag: int = 100) -> SignMemory:
    """Autocorrelation of trade signs (`aggressor`: +1 or -1 per trade, in time order) and its power-law fit.

    The fit needs memory to fit: C(1) above three standard errors of an independent series' (3/sqrt(n)), and
    C(l) > 0 at nine lags in ten (independent signs scatter around 0). Otherwise gamma and the prefactor are NaN.
    """
    if max_lag < 2:
        raise ValueError(f"max_lag must be >= 2, got {max_lag}")
    lags = np.arange(1, max_lag + 1)
    c = acf_lags(aggressor.astype(np.float64), lags.tolist())
    positive = np.isfinite(c) & (c > 0)
    if not c[0] > 3.0 / np.sqrt(len(aggressor)) or np.count_nonzero(positive) < 0.9 * max_lag:
        return SignMemory(lags, c, float("nan"), float("nan"))
    slope, prefactor = fit_power_law(lags.astype(np.float64), c)
    return SignMemory(lags, c, -slope, prefactor)
