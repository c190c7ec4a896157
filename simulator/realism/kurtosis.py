"""Fat tails of returns and their aggregational Gaussianity (kurtosis falls as returns are summed over longer spans)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulator.tape import F64


def excess_kurtosis(x: F64) -> float:
    """m4 / m2² − 3 with central moments m_k = mean((x − x̄)^k): 0 for a Gaussian, 6/(ν−4) for Student-t(ν)."""
    if len(x) < 4:
        return float("nan")
    d = x - x.mean()
    m2 = float(np.mean(d**2))
    if m2 == 0.0:
        return float("nan")
    return float(np.mean(d**4)) / m2**2 - 3.0


def kurtosis_fall(kurtoses: Sequence[float]) -> float:
    """The smallest drop between consecutive aggregations, min_i (k_i − k_{i+1}): > 0 iff kurtosis strictly falls."""
    k = np.asarray(kurtoses, dtype=np.float64)
    if len(k) < 2:
        raise ValueError("need kurtoses at two aggregations at least")
    return float(np.min(k[:-1] - k[1:]))
