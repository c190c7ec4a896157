"""Traded volume against the symbol's ADV, and its intraday profile."""

from __future__ import annotations

import numpy as np

from simulator.tape import F64, I64, B


def market_volume(qty: I64, ours: B) -> float:
    """Quantity traded by the background market: trades where one side was ours are left out."""
    return float(qty[~ours].sum())


def volume_vs_adv(volume: float, adv: float, duration_s: float, session_s: float) -> float:
    """volume / (ADV × duration / session length): 1 when the session trades its pro-rata share of ADV."""
    expected = adv * duration_s / session_s
    if expected <= 0:
        raise ValueError(f"pro-rata ADV must be > 0, got {expected}")
    return volume / expected


def volume_profile(time: F64, qty: I64, start: float, end: float, bucket_s: float = 1800.0) -> F64:
    """Volume per `bucket_s` bucket from `start`; the last bucket may be shorter when it does not divide the day."""
    if bucket_s <= 0 or end <= start:
        raise ValueError(f"need bucket_s > 0 and end > start, got {bucket_s}, [{start}, {end}]")
    n = int(np.ceil((end - start) / bucket_s - 1e-9))
    inside = (time >= start) & (time < end)
    bucket = np.minimum(((time[inside] - start) // bucket_s).astype(np.int64), n - 1)
    return np.bincount(bucket, weights=qty[inside].astype(np.float64), minlength=n).astype(np.float64)


def u_shape_score(profile: F64) -> float:
    """Mean of the first and last buckets over the mean of the middle third: > 1 for a U, about 1 when flat."""
    n = len(profile)
    if n < 3:
        raise ValueError(f"need 3 buckets at least, got {n}")
    middle = profile[n // 3 : n - n // 3]
    mid_mean = float(middle.mean())
    if mid_mean == 0.0:
        return float("nan")
    return float((profile[0] + profile[-1]) / 2.0) / mid_mean
