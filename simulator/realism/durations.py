"""Inter-trade durations and their dispersion: trades cluster in time, so durations are overdispersed (CV > 1).

A Poisson process has exponential durations, CV = std / mean = 1; real trade durations have CV above 1 (Engle &
Russell 1998, "Autoregressive conditional duration"), from clustering and from the intraday activity profile alike.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulator.tape import F64


def inter_trade_durations(times_by_day: Sequence[F64]) -> F64:
    """Seconds between consecutive trades within each day (no duration spans the night between two days), pooled."""
    gaps = [np.diff(t) for t in times_by_day if len(t) > 1]
    return np.concatenate(gaps) if gaps else np.empty(0)


def coefficient_of_variation(x: F64) -> float:
    """std / mean (population std), NaN for fewer than two values or a mean of 0."""
    if len(x) < 2:
        return float("nan")
    mean = float(x.mean())
    return float(x.std()) / mean if mean > 0 else float("nan")
