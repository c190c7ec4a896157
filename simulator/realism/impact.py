"""Metaorder impact from paired runs (same seed with and without our order) and its square-root law fit."""

from __future__ import annotations

import numpy as np

from simulator.tape import F64


def impact_bps(mid_with: F64, mid_without: F64, side: int, t0_index: int) -> F64:
    """impact(t) = side × (mid_with(t) − mid_without(t)) / mid_without(t0) × 10⁴, both mids on one time grid."""
    if side not in (1, -1):
        raise ValueError(f"side must be +1 or -1, got {side}")
    out: F64 = side * (mid_with - mid_without) / mid_without[t0_index] * 1e4
    return out


def mean_curve(curves: list[F64]) -> F64:
    """Point-wise mean over seeds, ignoring a seed where the mid was missing."""
    out: F64 = np.nanmean(np.vstack(curves), axis=0)
    return out


def window_mean(time: F64, curve: F64, low: float, high: float) -> float:
    """Mean of `curve` over `low <= time <= high` (NaN when the window is empty)."""
    inside = (time >= low) & (time <= high) & np.isfinite(curve)
    return float(curve[inside].mean()) if inside.any() else float("nan")


def peak_impact(time: F64, curve: F64, end: float) -> float:
    """Impact at the metaorder's `end` (the last grid time at or before it), where a metaorder's impact peaks."""
    index = int(np.searchsorted(time, end, side="right")) - 1
    return float(curve[index]) if index >= 0 else float("nan")


def permanent_impact(time: F64, curve: F64, end: float, window_s: tuple[float, float] = (1800.0, 3600.0)) -> float:
    """Mean impact over [end + 30 min, end + 60 min] by default: what is left once the temporary part decayed."""
    return window_mean(time, curve, end + window_s[0], end + window_s[1])


def permanent_to_peak(peaks: F64, permanents: F64) -> float:
    """Σ permanent / Σ peak: one curve's ratio, or over several sizes a ratio weighted toward the best-measured."""
    keep = np.isfinite(peaks) & np.isfinite(permanents)
    total = float(peaks[keep].sum())
    return float(permanents[keep].sum()) / total if total > 0 else float("nan")


def fit_power_law(x: F64, y: F64) -> tuple[float, float]:
    """(δ, c) of y = c × x^δ by least squares on (log x, log y), dropping points with y <= 0 (no logarithm)."""
    keep = (x > 0) & (y > 0) & np.isfinite(x) & np.isfinite(y)
    if np.count_nonzero(keep) < 2 or np.unique(x[keep]).size < 2:
        return float("nan"), float("nan")
    delta, log_c = np.polyfit(np.log(x[keep]), np.log(y[keep]), 1)
    return float(delta), float(np.exp(log_c))


def log_spaced(low: float = 0.001, high: float = 0.1, n: int = 6) -> F64:
    """`n` participations Q/V from `low` to `high`, evenly spaced in log (default 0.1% to 10% of ADV)."""
    if not 0 < low < high or n < 2:
        raise ValueError(f"need 0 < low < high and n >= 2, got {low}, {high}, {n}")
    return np.geomspace(low, high, n)
