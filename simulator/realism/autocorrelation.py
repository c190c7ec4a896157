"""Sample autocorrelation: return predictability (ACF of r) and volatility clustering (ACF of |r|)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulator.tape import F64


def acf(x: F64, lag: int) -> float:
    """ACF(k) = Σ_t (x_t − x̄)(x_{t+k} − x̄) / Σ_t (x_t − x̄)², the usual biased estimator (NaN if undefined)."""
    if lag < 0:
        raise ValueError(f"lag must be >= 0, got {lag}")
    n = len(x)
    if n <= lag + 1:
        return float("nan")
    d = x - x.mean()
    denominator = float(d @ d)
    if denominator == 0.0:
        return float("nan")
    return float(d[: n - lag] @ d[lag:]) / denominator


def acf_lags(x: F64, lags: Sequence[int]) -> F64:
    """ACF at each lag in `lags`."""
    return np.array([acf(x, k) for k in lags], dtype=np.float64)


def abs_return_acf(returns: F64, max_lag: int = 10) -> F64:
    """ACF of |r| at lags 1..max_lag: positive and slowly decaying when volatility clusters."""
    return acf_lags(np.abs(returns), range(1, max_lag + 1))
