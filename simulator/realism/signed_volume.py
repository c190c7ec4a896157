"""Aggregate impact: signed traded volume per time bucket against the change of the log mid over that bucket.

Buyer-initiated volume pushes the price up, seller-initiated volume down; over minutes the two are strongly, but
far from perfectly, correlated (Plerou, Gopikrishnan, Gabaix & Stanley 2002; Bouchaud et al., "Trades, Quotes and
Prices", 2018, ch. 12).
"""

from __future__ import annotations

import numpy as np

from simulator.realism.returns import sample_on_grid
from simulator.tape import F64, I8, I64

BUCKET_S = 300.0


def flow_and_price_buckets(
    trade_time: F64, sign: I8, qty: I64, quote_time: F64, mid: F64, start: float, end: float, bucket_s: float = BUCKET_S
) -> tuple[F64, F64]:
    """(Σ sign × qty, Δ log mid) per whole bucket [start + i·bucket_s, start + (i+1)·bucket_s) of one day.

    The mid at a bucket edge is the last quote at or before it (as `mid_returns` reads it); a bucket whose mid is
    missing at either edge gives NaN there. A partial last bucket is dropped.
    """
    if bucket_s <= 0 or end <= start:
        raise ValueError(f"need bucket_s > 0 and end > start, got {bucket_s}, [{start}, {end}]")
    n = int(np.floor((end - start) / bucket_s + 1e-9))
    edges = start + bucket_s * np.arange(n + 1, dtype=np.float64)
    inside = (trade_time >= start) & (trade_time < edges[-1])
    bucket = ((trade_time[inside] - start) // bucket_s).astype(np.int64)
    signed = np.bincount(bucket, weights=(sign[inside] * qty[inside]).astype(np.float64), minlength=n)[:n]
    dlog = np.diff(np.log(sample_on_grid(quote_time, mid, edges)))
    return signed.astype(np.float64), dlog


def correlation(x: F64, y: F64) -> float:
    """Pearson correlation over the pairs where both are finite; NaN with fewer than 3 pairs or no variance."""
    both = np.isfinite(x) & np.isfinite(y)
    if np.count_nonzero(both) < 3:
        return float("nan")
    a, b = x[both] - x[both].mean(), y[both] - y[both].mean()
    denominator = float(np.sqrt((a @ a) * (b @ b)))
    return float(a @ b) / denominator if denominator > 0 else float("nan")
