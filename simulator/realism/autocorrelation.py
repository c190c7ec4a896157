"""Sample autocorrelation: return predictability (ACF of r) and volatility clustering (ACF of |r|)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulator.tape import F64, I64


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


def pooled_acf(segments: Sequence[F64], lags: Sequence[int]) -> F64:
    """ACF at each lag over several series (one per day) that share a mean, with no pair spanning two of them.

    ACF(k) = mean over within-series pairs of (x_t − x̄)(x_{t+k} − x̄), over the mean of (x_t − x̄)², x̄ pooled.
    The pairs' mean (not the biased Σ/n) keeps a lag of two hours unshrunk on days of a few hours.
    NaN at a lag no series is long enough for.
    """
    if any(k < 0 for k in lags):
        raise ValueError(f"lags must be >= 0, got {list(lags)}")
    pooled = np.concatenate(list(segments)) if segments else np.empty(0)
    if len(pooled) == 0:
        return np.full(len(lags), np.nan)
    mean = pooled.mean()
    variance = float(np.mean((pooled - mean) ** 2))
    centred = [x - mean for x in segments]
    out = np.full(len(lags), np.nan)
    if variance == 0.0:
        return out
    for i, k in enumerate(lags):
        pairs = [d[: len(d) - k] @ d[k:] for d in centred if len(d) > k]
        count = sum(len(d) - k for d in centred if len(d) > k)
        if count:
            out[i] = float(np.sum(pairs)) / count / variance
    return out


def log_spaced_lags(max_lag: int, points: int) -> I64:
    """About `points` integer lags from 1 to `max_lag`, evenly spaced in log (duplicates after rounding dropped)."""
    if max_lag < 1 or points < 2:
        raise ValueError(f"need max_lag >= 1 and points >= 2, got {max_lag}, {points}")
    lags: I64 = np.unique(np.round(np.geomspace(1, max_lag, points)).astype(np.int64))
    return lags
