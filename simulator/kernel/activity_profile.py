"""The default intraday activity profile of a session, as the piecewise-constant multipliers a schedule carries.

Equity sessions trade most at the open and into the close and least around midday (the intraday U-shape of
volume, e.g. Admati & Pfleiderer 1988; Bouchaud et al., "Trades, Quotes and Prices", 2018, ch. 2); 24-hour
markets get a flat profile. Scenario compilation multiplies this into `RegimeSchedule.activity_mult`.
"""

from __future__ import annotations

import numpy as np

from simulator.instruments import SymbolSpec
from simulator.kernel.book_state import F64
from simulator.regime import RegimeSchedule

# Open and close excess over the midday floor, and how fast each fades (as fractions of the session): the
# first minute trades about 4.5x the session's mean rate, midday about 0.65x, the last minute about 3.5x.
_OPEN, _OPEN_FADE = 6.0, 0.05
_CLOSE, _CLOSE_FADE = 4.5, 0.05


def session_activity_profile(spec: SymbolSpec, segment_s: float = 300.0) -> tuple[F64, F64]:
    """(segment start times in seconds since the session start, activity multipliers), time-weighted mean 1."""
    if not segment_s > 0:
        raise ValueError(f"segment_s must be > 0, got {segment_s}")
    if spec.session == "24h":
        return np.zeros(1), np.ones(1)
    length = spec.session_seconds
    starts = np.arange(0.0, length, segment_s)
    widths = np.diff(np.append(starts, length))
    x = (starts + widths / 2.0) / length
    shape = 1.0 + _OPEN * np.exp(-x / _OPEN_FADE) + _CLOSE * np.exp(-(1.0 - x) / _CLOSE_FADE)
    return starts, shape * length / float(np.sum(shape * widths))


def default_schedule(spec: SymbolSpec, segment_s: float = 300.0) -> RegimeSchedule:
    """The calm regime with the session's activity profile: what a plain trading day of `spec` looks like."""
    times, mult = session_activity_profile(spec, segment_s)
    ones = np.ones_like(times)
    return RegimeSchedule(times, ones, ones, ones, ones, mult, np.zeros_like(times), np.zeros_like(times))
