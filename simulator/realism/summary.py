"""Summary of a distribution: the mean and the quantiles a realism table shows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.tape import F64


@dataclass(frozen=True, slots=True)
class Summary:
    """Mean, median, 5th and 95th percentiles of a sample (all NaN for an empty one), and its size."""

    mean: float
    median: float
    p5: float
    p95: float
    count: int


def summarize(x: F64) -> Summary:
    """Summary of the finite values of `x`."""
    v = x[np.isfinite(x)]
    if len(v) == 0:
        nan = float("nan")
        return Summary(nan, nan, nan, nan, 0)
    p5, median, p95 = np.percentile(v, [5.0, 50.0, 95.0])
    return Summary(float(v.mean()), float(median), float(p5), float(p95), len(v))
