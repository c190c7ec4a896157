"""Quoted spread in basis points of the mid."""

from __future__ import annotations

import numpy as np

from simulator.tape import F64


def spread_bps(bid: F64, ask: F64) -> F64:
    """(ask − bid) / mid × 10⁴ for every quote where both sides are present."""
    both = np.isfinite(bid) & np.isfinite(ask)
    b, a = bid[both], ask[both]
    return (a - b) / ((a + b) / 2.0) * 1e4
