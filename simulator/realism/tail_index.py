"""Power-law tails: the Hill estimator of the tail index, for returns (inverse cubic law) and trade sizes (≈ 3/2).

Hill (1975), "A simple general approach to inference about the tail of a distribution", Annals of Statistics 3,
1163: with x_(1) >= x_(2) >= … the sample in decreasing order and k the number of tail points,
α̂ = k / Σ_{i<=k} ln(x_(i) / x_(k+1)); for P(X > x) ~ x^-α it converges to α.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.tape import F64

TAIL_FRACTION = 0.025
MIN_TAIL_POINTS = 10


def hill_tail_index(x: F64, tail_fraction: float = TAIL_FRACTION) -> float:
    """Hill's α̂ over the largest `tail_fraction` of the positive, finite values of `x`.

    NaN with fewer than MIN_TAIL_POINTS tail points, or when the tail is flat (every tail value equals the threshold).
    """
    if not 0 < tail_fraction < 1:
        raise ValueError(f"tail_fraction must be in (0, 1), got {tail_fraction}")
    v = x[np.isfinite(x) & (x > 0)]
    k = int(tail_fraction * len(v))
    if k < MIN_TAIL_POINTS:
        return float("nan")
    # The k+1 largest, in decreasing order, without sorting the whole sample.
    top = -np.sort(-np.partition(v, len(v) - k - 1)[len(v) - k - 1 :])
    log_excess = float(np.sum(np.log(top[:k] / top[k])))
    return k / log_excess if log_excess > 0 else float("nan")


@dataclass(frozen=True)
class TailFit:
    """A sample's Hill tail index, its tail's threshold (the smallest value in the tail fit), and the sample."""

    values: F64  # the positive, finite values, in decreasing order (the plot's CCDF)
    alpha: float
    threshold: float
    tail_fraction: float

    def ccdf(self) -> tuple[F64, F64]:
        """(x, P(X >= x)) at every sample value: the complementary CDF a log-log plot shows."""
        return self.values, np.arange(1, len(self.values) + 1, dtype=np.float64) / max(len(self.values), 1)


def tail_fit(x: F64, tail_fraction: float = TAIL_FRACTION) -> TailFit:
    """`hill_tail_index` with what a plot of the tail needs."""
    values = -np.sort(-x[np.isfinite(x) & (x > 0)])
    k = int(tail_fraction * len(values))
    threshold = float(values[k]) if k < len(values) else float("nan")
    return TailFit(values, hill_tail_index(values, tail_fraction), threshold, tail_fraction)


def standardised(returns: F64) -> F64:
    """(r − mean) / std of one day's returns, so that days of unequal volatility can share one tail."""
    if len(returns) < 2 or not np.std(returns) > 0:
        return np.empty(0)
    out: F64 = (returns - returns.mean()) / returns.std()
    return out
