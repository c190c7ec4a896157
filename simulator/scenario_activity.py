"""The intraday activity profile an equity session's scenario multiplies into `activity_mult`.

PLACEHOLDER: the flow kernel will expose the default intraday profile per session; when it does,
`scenario_compiler` should call that instead and this file goes away (the one call site is marked PLUG-IN).
"""

from __future__ import annotations

import math

import numpy as np

from simulator.regime import FloatArray

EQUITY_SESSION_S = 23_400.0
"""09:30-16:00: six and a half hours."""

# Volume is heaviest at the open, lightest around midday and picks up into the close; at these constants the
# first minute trades about 4.5x and midday about 0.65x the session's mean rate, the last minute about 3.5x.
_FLOOR = 1.0
_OPEN_BUMP, _CLOSE_BUMP, _DECAY = 6.0, 4.5, 0.05


def equity_u_shape(segment_s: float) -> FloatArray:
    """Activity multipliers for consecutive `segment_s` slices of an equity session; their time-weighted mean is 1."""
    if not segment_s > 0:
        raise ValueError(f"segment_s must be > 0, got {segment_s}")
    edges = np.append(np.arange(0.0, EQUITY_SESSION_S, segment_s), EQUITY_SESSION_S)
    widths = np.diff(edges)
    x = (edges[:-1] + widths / 2) / EQUITY_SESSION_S
    shape = _FLOOR + _OPEN_BUMP * np.exp(-x / _DECAY) + _CLOSE_BUMP * np.exp(-(1.0 - x) / _DECAY)
    mean = float(np.sum(shape * widths)) / EQUITY_SESSION_S
    assert math.isfinite(mean) and mean > 0
    return np.ascontiguousarray(shape / mean, dtype=np.float64)
