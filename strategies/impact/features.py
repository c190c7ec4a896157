"""Every input of the impact model, from the market view and the order: one function for training and serving.

`impact_features` turns what is known at a parent's arrival (its side, size, horizon, schedule and aggression; the
symbol's history: ADV, daily volatility, trading session; the market view: spread, depth, recent volume, signed
flow, the takers' flow when the venue reports aggressor sides, realised volatility) into one row of
`FEATURE_NAMES`. The training data (`footprint data impact`), the pre-trade estimate and the live agent all call it,
so a feature cannot mean one thing in training and another in production. Quantities are made dimensionless (in
ADV, in bps, in days) so one model serves every symbol.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from strategies.market_view import MarketView, WindowStats
from strategies.shapes import TradingSession
from strategies.types import Side

F64 = npt.NDArray[np.float64]

STRATEGY_NAMES = ("TWAP", "VWAP", "IS")
"""The schedules the model knows; each is a one-hot column."""

SHORT_WINDOW_S = 300.0
LONG_WINDOW_S = 1_800.0
HOUR_WINDOW_S = 3_600.0
RV_STEP_S = 60.0  # the steadier volatility estimate's return interval
DEPTH_LEVELS = 5

FEATURE_NAMES: tuple[str, ...] = (
    "side",  # +1 buy, -1 sell
    "q_over_adv",  # Q / ADV
    "log_q_over_adv",
    "horizon_days",  # the horizon in trading days
    "participation",  # Q over the volume expected in the horizon (the session's profile where it has one)
    "sigma_bps",  # the symbol's daily volatility from history, bps
    "sqrt_law_bps",  # σ·√(Q/V): the square-root law's scale
    "spread_bps",  # quoted spread at arrival over the mid
    "far_depth_over_q",  # quantity on the far side's first DEPTH_LEVELS levels over Q (what crossing meets)
    "near_depth_over_q",  # the same on our own side (whom we queue behind)
    "touch_imbalance",  # (near − far) / (near + far) at the touch: > 0 when our side is the heavier
    "volume_5m_ratio",  # volume in the last 5 min over its ADV pace
    "volume_30m_ratio",
    "flow_5m",  # signed-volume imbalance over 5 min, times our side: > 0 when the others trade our way
    "flow_30m",
    "rv_5m_ratio",  # realised volatility over 5 min (scaled to a day) over sigma
    "rv_30m_ratio",
    "volume_60m_ratio",
    "flow_60m",
    "rv_60m_ratio",  # from one-minute returns over the last hour (what the view has seen of it): steadier
    "bv_60m_ratio",  # the same returns' bipower volatility: jump-robust, the diffusive part (σ today's estimate)
    "iv_ratio",  # the venue's implied volatility over the history's, annualised alike (1 when it publishes none)
    "trend_5m",  # the mid's move over 5 min, times our side, in sigmas of that window: > 0 when it went the way we
    # trade (up for a buy), as when others trade our way
    "trend_30m",
    "session_left_days",  # time to the session's end, in trading days
    *(f"strategy_{name.lower()}" for name in STRATEGY_NAMES),
    "catch_up_slices",  # the tactic's aggression: slices behind before it crosses (0 crosses at once)
    "urgency",  # Almgren–Chriss κT for IS, 0 otherwise
    # The others' flow as the venue reports it (AggressorSide): bought minus sold by the takers, times our side, so
    # > 0 when they trade our way. Someone else's block shows here; classified flow (flow_*) barely sees it.
    "taker_flow_30m",  # over 30 min, as a share of the volume
    "taker_flow_60m",  # over the hour
    "taker_rate_over_q",  # the hour's pace carried over our horizon, over Q: how big the others' flow is beside ours
)

_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}


class FeatureError(ValueError):
    """An input the impact model cannot be given; the message names it."""


@dataclass(frozen=True)
class SymbolHistory:
    """What a desk knows of a symbol from its history: average daily volume (units), daily volatility (a fraction,
    0.02 = 2%) and its trading session (None: it trades around the clock)."""

    adv: float
    daily_vol: float
    session: TradingSession | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.adv) and self.adv > 0):
            raise FeatureError(f"adv must be finite and > 0, got {self.adv}")
        if not (math.isfinite(self.daily_vol) and self.daily_vol > 0):
            raise FeatureError(f"daily_vol must be finite and > 0, got {self.daily_vol}")

    @property
    def annual_vol(self) -> float:
        """The daily volatility annualised over the trading days of a year: 365 around the clock (no session, or one
        a whole day long), 252 for a shorter session."""
        around_the_clock = self.session is None or self.session.profile.session_s >= 86_400.0
        return self.daily_vol * math.sqrt(365.0 if around_the_clock else 252.0)

    @property
    def trading_day_s(self) -> float:
        return self.session.profile.session_s if self.session is not None else 86_400.0

    def expected_volume(self, start: float, end: float) -> float:
        """Volume expected between two epoch times: ADV spread by the session's profile, or evenly in time."""
        if self.session is None:
            return self.adv * (end - start) / 86_400.0
        per_day = self.session.profile.volume_until(self.session.profile.session_s)
        return self.adv * (self.session.volume_until(end) - self.session.volume_until(start)) / per_day

    def session_left_s(self, now: float) -> float:
        """Seconds to the end of the session `now` is in (0 outside it); to the next midnight UTC without one."""
        if self.session is None:
            return 86_400.0 - now % 86_400.0
        into = (now - self.session.open_s) % 86_400.0
        return max(0.0, self.session.profile.session_s - into)


@dataclass(frozen=True)
class OrderSpec:
    """A parent as the model sees it: side, size, horizon, schedule, the tactic's catch-up and IS's urgency."""

    side: Side
    qty: float
    horizon_s: float
    strategy: str = "TWAP"
    catch_up_slices: float = 0.5
    urgency: float = 0.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.qty) and self.qty > 0):
            raise FeatureError(f"qty must be finite and > 0, got {self.qty}")
        if not (math.isfinite(self.horizon_s) and self.horizon_s > 0):
            raise FeatureError(f"horizon_s must be finite and > 0, got {self.horizon_s}")
        if self.strategy not in STRATEGY_NAMES:
            raise FeatureError(f"strategy must be one of {', '.join(STRATEGY_NAMES)}, got {self.strategy!r}")
        if not (math.isfinite(self.catch_up_slices) and self.catch_up_slices >= 0):
            raise FeatureError(f"catch_up_slices must be finite and >= 0, got {self.catch_up_slices}")
        if not (math.isfinite(self.urgency) and self.urgency >= 0):
            raise FeatureError(f"urgency must be finite and >= 0, got {self.urgency}")


def impact_features(order: OrderSpec, history: SymbolHistory, view: MarketView, now: float) -> F64:
    """One row of `FEATURE_NAMES` for `order` arriving at `now` into the market `view` shows; FeatureError when the
    view has no two-sided quote (no spread or mid to measure against)."""
    quote = view.quote
    mid = quote.mid if quote is not None else None
    if quote is None or mid is None or quote.bid_px is None or quote.ask_px is None or mid <= 0:
        raise FeatureError(f"{view.symbol}: no two-sided quote to estimate from")
    buy = order.side is Side.BUY
    q_adv = order.qty / history.adv
    day_s = history.trading_day_s
    sigma_bps = history.daily_vol * 1e4
    expected = history.expected_volume(now, now + order.horizon_s)
    far = view.depth(DEPTH_LEVELS, far=True, buy=buy)
    near = view.depth(DEPTH_LEVELS, far=False, buy=buy)
    far_top = float(quote.ask_qty if buy else quote.bid_qty)
    near_top = float(quote.bid_qty if buy else quote.ask_qty)
    short, long_, hour = view.window(SHORT_WINDOW_S), view.window(LONG_WINDOW_S), view.window(HOUR_WINDOW_S)

    def pace(stats_volume: float, window_s: float, coverage: float) -> float:
        seen = window_s * coverage
        return stats_volume / (history.adv * seen / day_s) if seen > 0 else 1.0

    def rv_ratio(vol: float | None) -> float:
        return vol / history.daily_vol if vol is not None else 1.0

    def taker(stats: WindowStats) -> float:
        """Aggressor-signed volume, or the classified one when the venue does not report aggressor sides."""
        return stats.aggressor_signed_volume if stats.aggressor_signed_volume is not None else stats.signed_volume

    def trend(window_s: float) -> float:
        return order.side.sign * view.mid_change(window_s) / (history.daily_vol * math.sqrt(window_s / day_s))

    row = np.empty(len(FEATURE_NAMES))
    values = {
        "side": float(order.side.sign),
        "q_over_adv": q_adv,
        "log_q_over_adv": math.log(q_adv),
        "horizon_days": order.horizon_s / day_s,
        "participation": order.qty / expected if expected > 0 else 1.0,
        "sigma_bps": sigma_bps,
        "sqrt_law_bps": sigma_bps * math.sqrt(q_adv),
        "spread_bps": (quote.ask_px - quote.bid_px) / mid * 1e4,
        "far_depth_over_q": far / order.qty,
        "near_depth_over_q": near / order.qty,
        "touch_imbalance": (near_top - far_top) / (near_top + far_top) if near_top + far_top > 0 else 0.0,
        "volume_5m_ratio": pace(short.volume, SHORT_WINDOW_S, short.coverage),
        "volume_30m_ratio": pace(long_.volume, LONG_WINDOW_S, long_.coverage),
        "flow_5m": order.side.sign * short.imbalance,
        "flow_30m": order.side.sign * long_.imbalance,
        "rv_5m_ratio": rv_ratio(short.realised_vol_daily),
        "rv_30m_ratio": rv_ratio(long_.realised_vol_daily),
        "volume_60m_ratio": pace(hour.volume, HOUR_WINDOW_S, hour.coverage),
        "flow_60m": order.side.sign * hour.imbalance,
        "rv_60m_ratio": rv_ratio(view.realised_vol(HOUR_WINDOW_S, RV_STEP_S)),
        "bv_60m_ratio": rv_ratio(view.bipower_vol(HOUR_WINDOW_S, RV_STEP_S)),
        "iv_ratio": view.implied_vol[1] / history.annual_vol if view.implied_vol is not None else 1.0,
        "trend_5m": trend(SHORT_WINDOW_S),
        "trend_30m": trend(LONG_WINDOW_S),
        "session_left_days": history.session_left_s(now) / day_s,
        **{f"strategy_{name.lower()}": float(order.strategy == name) for name in STRATEGY_NAMES},
        "catch_up_slices": order.catch_up_slices,
        "urgency": order.urgency if order.strategy == "IS" else 0.0,
        "taker_flow_30m": order.side.sign * taker(long_) / long_.volume if long_.volume > 0 else 0.0,
        "taker_flow_60m": order.side.sign * taker(hour) / hour.volume if hour.volume > 0 else 0.0,
        "taker_rate_over_q": (order.side.sign * taker(hour) / (HOUR_WINDOW_S * hour.coverage) * order.horizon_s
                              / order.qty if hour.coverage > 0 else 0.0),
    }
    for name, value in values.items():
        row[_INDEX[name]] = value
    if not np.all(np.isfinite(row)):
        bad = FEATURE_NAMES[int(np.flatnonzero(~np.isfinite(row))[0])]
        raise FeatureError(f"{view.symbol}: feature {bad} is not finite")
    return row


def column(features: F64, name: str) -> F64:
    """One named column of a feature matrix (or the value of a row)."""
    if name not in _INDEX:
        raise KeyError(f"no feature {name!r}")
    out: F64 = features[..., _INDEX[name]]
    return out
