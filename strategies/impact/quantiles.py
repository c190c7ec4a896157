"""The one quantile vocabulary of the impact model: its levels, its central intervals, and what a row of quantiles says.

Every model (the parametric baselines, the LightGBM regressors, the ONNX service) predicts cost quantiles at
`QUANTILES`; the scoring rules and the exceedance probability used in training, evaluation and serving read them
with the functions here, so all three agree.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

QUANTILES: tuple[float, ...] = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)
"""The levels every impact model predicts, in increasing order."""

INTERVALS: dict[int, tuple[float, float]] = {50: (0.25, 0.75), 80: (0.10, 0.90), 90: (0.05, 0.95)}
"""Central prediction intervals by nominal width in percent: (lower level, upper level)."""


def check_levels(levels: Sequence[float], k: int | None = None) -> FloatArray:
    """`levels` as an array, checked to be finite, strictly increasing, inside (0, 1) and (if given) `k` long."""
    lv = np.asarray(levels, dtype=np.float64)
    if lv.ndim != 1 or lv.size == 0:
        raise ValueError(f"levels must be a non-empty 1-D sequence, got shape {lv.shape}")
    if k is not None and lv.size != k:
        raise ValueError(f"{lv.size} levels for {k} quantile columns")
    if not np.all(np.isfinite(lv)) or np.any(lv <= 0.0) or np.any(lv >= 1.0):
        raise ValueError(f"levels must lie strictly inside (0, 1), got {lv.tolist()}")
    if np.any(np.diff(lv) <= 0.0):
        raise ValueError(f"levels must be strictly increasing, got {lv.tolist()}")
    return lv


def level_index(levels: Sequence[float], tau: float) -> int:
    """Position of level `tau` in `levels` (to 1e-9); a ValueError naming both if it is not there."""
    hits = np.flatnonzero(np.isclose(np.asarray(levels, dtype=np.float64), tau, rtol=0.0, atol=1e-9))
    if hits.size == 0:
        raise ValueError(f"level {tau} is not among the quantile levels {list(levels)}")
    return int(hits[0])


def check_quantile_matrix(q: npt.ArrayLike, name: str = "q") -> FloatArray:
    """`q` as a float [N, K] array; a ValueError naming `name` if it has another shape."""
    arr = np.asarray(q, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D [rows, levels] array, got shape {arr.shape}")
    return arr


def sort_quantiles(q: npt.ArrayLike) -> FloatArray:
    """Each row of [N, K] predicted quantiles sorted, so none cross.

    Sorting is the monotone rearrangement of Chernozhukov, Fernández-Val & Galichon (2010, Econometrica 78(3)),
    which never moves a row of quantiles further from the true ones.
    """
    return np.sort(check_quantile_matrix(q), axis=1)


def exceed_probability(q: npt.ArrayLike, levels: Sequence[float], threshold: float) -> FloatArray:
    """P(cost > `threshold`) for each row of quantiles `q` [N, K] at `levels`; NaN for a row holding a NaN.

    The CDF is the piecewise-linear one through the points (q_k, τ_k), right-continuous where quantiles coincide
    (a point mass). Beyond the outermost quantiles it continues with the slope of the outer pair until it reaches
    0 or 1 (a uniform tail as wide as that pair); an outer pair of equal quantiles puts no mass beyond them. Rows
    are sorted first (`sort_quantiles`).
    """
    qs = sort_quantiles(q)
    n, k = qs.shape
    tau = check_levels(levels, k)
    if k < 2:
        raise ValueError("exceed_probability needs at least two quantile levels to draw a CDF")
    t = float(threshold)
    if not np.isfinite(t):
        raise ValueError(f"threshold must be finite, got {threshold}")

    rows = np.arange(n)
    # Quantiles at or below t: on a sorted row the CDF at t lies between level c-1 and level c.
    c = np.count_nonzero(qs <= t, axis=1)
    # The pair that draws the CDF at t: the bracketing one inside, the outer one in either tail.
    lo = np.clip(c - 1, 0, k - 2)
    q_lo, width = qs[rows, lo], qs[rows, lo + 1] - qs[rows, lo]
    degenerate = ~(width > 0.0)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        # t's position along that pair in pair widths: in [0, 1) inside, outside it in the tails (may overflow to ±inf).
        along = (t - q_lo) / np.where(degenerate, 1.0, width)
        cdf = tau[lo] + along * (tau[lo + 1] - tau[lo])
    # An equal outer pair is a point mass: no probability below the lowest quantile or above the highest.
    cdf = np.where(degenerate & (c == 0), 0.0, cdf)
    cdf = np.where(degenerate & (c == k), 1.0, cdf)
    p = 1.0 - np.clip(cdf, 0.0, 1.0)
    p[np.isnan(qs).any(axis=1)] = np.nan
    return p
