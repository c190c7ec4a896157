"""Resting depth: quantity in the best N levels of each side, per book snapshot."""

from __future__ import annotations

import numpy as np

from simulator.tape import F64, I8, I64


def depth_top_n(time: F64, side: I8, level: I64, qty: I64, n: int = 10) -> tuple[F64, F64]:
    """(bid depth, ask depth): Σ qty over levels 0..n−1 of each side, one value per snapshot time.

    Takes the long snapshot format (one row per time, side, level); a side with no rows at a time has depth 0.
    """
    if n <= 0:
        raise ValueError(f"n must be > 0, got {n}")
    times, slot = np.unique(time, return_inverse=True)
    top = level < n
    out: list[F64] = []
    for s in (1, -1):
        rows = top & (side == s)
        weights = qty[rows].astype(np.float64)
        out.append(np.bincount(slot[rows], weights=weights, minlength=len(times)).astype(np.float64))
    return out[0], out[1]


def depth_profile(side: I8, level: I64, qty: I64, n: int = 10) -> F64:
    """Share of the top-n quantity resting at each level 0..n−1, pooled over all snapshots and both sides."""
    top = (level < n) & (level >= 0) & (side != 0)
    per_level = np.bincount(level[top], weights=qty[top].astype(np.float64), minlength=n)[:n]
    total = per_level.sum()
    return per_level / total if total > 0 else np.full(n, np.nan)
