"""The response function R(l) = E[(m_{t+l} − m_t) · ε_t]: how far the mid has moved, l trades after a trade, in
the direction of that trade (Bouchaud, Gefen, Potters & Wyart 2004; Bouchaud et al., "Trades, Quotes and Prices",
2018, ch. 11). In real markets it is positive and rises with l before it saturates: the sign memory of the flow
keeps pushing, the liquidity providers' mean reversion keeps the price from trending.

The mid just before trade t is read from the trade itself, not from the quote grid: m_t = touch_t − ε_t · h̄, the
opposite best quote the market order hit (its best fill) less the mean half-spread h̄. This is exact when the
spread is constant. The tape's quotes are a grid (1 s by default), and every trade inside one grid step would see
one and the same stale mid: at a few trades a second, R(1) would read close to 0 and R(l)/R(1) far too high.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulator.realism.autocorrelation import log_spaced_lags
from simulator.realism.market_orders import MarketOrders
from simulator.tape import F64, I8, I64

# Log-spaced lags 1..1000 trades with 1, 10, 100 and 1000 among them.
RESPONSE_LAGS: I64 = np.union1d(log_spaced_lags(1000, 19), np.array([1, 10, 100, 1000], dtype=np.int64))


def mid_before(touch: F64, sign: I8, half_spread: float) -> F64:
    """m_t = touch_t − ε_t · h̄: the mid just before each market order, from the best price it traded at."""
    out: F64 = touch - sign * half_spread
    return out


def response_function(mids: Sequence[F64], signs: Sequence[I8], lags: Sequence[int]) -> F64:
    """R(l) = mean over trades t of (m_{t+l} − m_t) ε_t, one (mid, sign) series per day, no pair spanning two days.

    In price units; NaN at a lag longer than every day.
    """
    if len(mids) != len(signs):
        raise ValueError(f"need a sign series per mid series, got {len(mids)} and {len(signs)}")
    out = np.full(len(lags), np.nan)
    for i, lag in enumerate(lags):
        if lag < 1:
            raise ValueError(f"lags must be >= 1, got {lag}")
        total, count = 0.0, 0
        for m, s in zip(mids, signs, strict=True):
            if len(m) > lag:
                total += float((m[lag:] - m[:-lag]) @ s[:-lag].astype(np.float64))
                count += len(m) - lag
        if count:
            out[i] = total / count
    return out


@dataclass(frozen=True)
class Response:
    """R(l) at `lags` (trades), in units of the mean half-spread `half_spread` (price units)."""

    lags: I64
    r: F64
    half_spread: float

    def at(self, lag: int) -> float:
        """R(`lag`) in half-spreads (`lag` one of `lags`)."""
        hits = np.flatnonzero(self.lags == lag)
        if len(hits) == 0:
            raise ValueError(f"lag {lag} was not measured; lags are {self.lags.tolist()}")
        return float(self.r[hits[0]])

    def ratio(self, lag: int, base: int = 1) -> float:
        """R(lag) / R(base): above 1 when the response grows; NaN unless R(base) > 0 (a response of the wrong sign
        that grows more negative must not read as growth)."""
        low = self.at(base)
        return self.at(lag) / low if low > 0 else float("nan")


def measure_response(orders_by_day: Sequence[MarketOrders], half_spread: float,
                     lags: I64 = RESPONSE_LAGS) -> Response:
    """R(l) of the background market orders, one `MarketOrders` per day, in half-spreads."""
    if not half_spread > 0:
        return Response(lags, np.full(len(lags), np.nan), half_spread)
    mids = [mid_before(o.touch, o.sign, half_spread) for o in orders_by_day]
    r = response_function(mids, [o.sign for o in orders_by_day], lags.tolist())
    return Response(lags, r / half_spread, half_spread)
