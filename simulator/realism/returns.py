"""Mid-price returns at an aggregation, from the mid sampled on the tape's quote grid."""

from __future__ import annotations

import numpy as np

from simulator.tape import F64


def sample_on_grid(time: F64, value: F64, grid: F64) -> F64:
    """The last finite `value` at or before each `grid` time (NaN before the first one); `time` ascending."""
    finite = np.isfinite(value)
    t, v = time[finite], value[finite]
    index = np.searchsorted(t, grid, side="right") - 1
    out = np.full(len(grid), np.nan)
    seen = index >= 0
    out[seen] = v[index[seen]]
    return out


def log_returns(prices: F64) -> F64:
    """Consecutive log returns ln(p[i+1] / p[i]), dropping pairs where either price is missing."""
    r = np.diff(np.log(prices))
    return r[np.isfinite(r)]


def mid_returns(time: F64, mid: F64, start: float, end: float, interval_s: float) -> F64:
    """Log returns of the mid sampled every `interval_s` from `start` to `end` (e.g. 60 s: 1-minute returns).

    The mid at a grid time is the last quoted one (forward fill), as a trader watching the screen would see it.
    """
    if interval_s <= 0:
        raise ValueError(f"interval_s must be > 0, got {interval_s}")
    # Counted in steps, not by arange(start, end + ε): at epoch seconds (~1.7e9) an ε below the float spacing
    # would drop the grid's last point, and with it each day's last return.
    steps = int(np.floor((end - start) / interval_s + 1e-9))
    grid = start + interval_s * np.arange(steps + 1, dtype=np.float64)
    return log_returns(sample_on_grid(time, mid, grid))
