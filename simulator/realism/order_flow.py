"""Background order flow statistics from order events: sizes, inter-arrival times, cancel ratio."""

from __future__ import annotations

import numpy as np

from simulator.tape import F64, I8, I64, B, OrderKind


def _arrivals(kind: I8) -> B:
    arriving: B = (kind == OrderKind.LIMIT) | (kind == OrderKind.MARKET)
    return arriving


def order_sizes(kind: I8, qty: I64) -> F64:
    """Quantities of arriving orders (limit and market; cancels are not orders)."""
    return qty[_arrivals(kind)].astype(np.float64)


def interarrival_times(time: F64, kind: I8) -> F64:
    """Seconds between consecutive order arrivals (limit and market)."""
    return np.diff(time[_arrivals(kind)])


def cancel_ratio(kind: I8) -> float:
    """Cancels per limit order placed (NaN when no limit order arrived)."""
    limits = int(np.count_nonzero(kind == OrderKind.LIMIT))
    if limits == 0:
        return float("nan")
    return int(np.count_nonzero(kind == OrderKind.CANCEL)) / limits
