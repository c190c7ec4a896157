"""The impact model's features: one row per order from the market view, dimensionless, and the same for training
and serving."""

from __future__ import annotations

import math

import numpy as np
import pytest

from strategies.impact.features import (
    FEATURE_NAMES,
    FeatureError,
    OrderSpec,
    SymbolHistory,
    column,
    impact_features,
)
from strategies.market_view import MarketView
from strategies.schedules.vwap import VolumeProfile
from strategies.shapes import TradingSession
from strategies.types import News, Quote, Side

OPEN_S = 14.5 * 3600  # 14:30 UTC
DAY0 = 20_000 * 86_400.0


def equity_history() -> SymbolHistory:
    # A U-shaped session of 6.5 h in three buckets: 40% of the volume in the first, 20% in the middle, 40% last.
    session_s = 6.5 * 3600
    profile = VolumeProfile((0.0, session_s / 3, 2 * session_s / 3), (2.0, 1.0, 2.0), session_s)
    return SymbolHistory(adv=5_000_000, daily_vol=0.015, session=TradingSession(OPEN_S, profile))


def view_at(now: float, *, bid: float = 49.99, ask: float = 50.01, per_10s: int = 2_000) -> MarketView:
    view = MarketView("ACME", day_s=6.5 * 3600)
    for k in range(181):  # thirty minutes of history
        t = now - 1800 + 10 * k
        levels = tuple((bid - 0.01 * i, 1_000) for i in range(5)), tuple((ask + 0.01 * i, 3_000) for i in range(5))
        view.on_quote(Quote("ACME", bid, 1_000, ask, 3_000, t, per_10s * k, *levels))
    return view


def test_row_names_and_values() -> None:
    now = DAY0 + OPEN_S + 3600  # an hour after the open, in the first third of the session
    history = equity_history()
    row = impact_features(OrderSpec(Side.BUY, 250_000, 3600, "IS", 0.5, 2.0), history, view_at(now), now)
    assert row.shape == (len(FEATURE_NAMES),)
    assert column(row, "side") == 1
    assert column(row, "q_over_adv") == pytest.approx(0.05)
    assert column(row, "log_q_over_adv") == pytest.approx(math.log(0.05))
    assert column(row, "horizon_days") == pytest.approx(3600 / 23_400)
    # The hour from 15:30 is wholly in the first third, which holds 40% of the day's volume in 7,800 s.
    assert column(row, "participation") == pytest.approx(250_000 / (5e6 * 0.4 * 3600 / 7800))
    assert column(row, "sigma_bps") == pytest.approx(150.0)
    assert column(row, "sqrt_law_bps") == pytest.approx(150.0 * math.sqrt(0.05))
    assert column(row, "spread_bps") == pytest.approx(0.02 / 50.0 * 1e4)
    assert column(row, "far_depth_over_q") == pytest.approx(15_000 / 250_000)  # a buy meets the asks
    assert column(row, "near_depth_over_q") == pytest.approx(5_000 / 250_000)
    assert column(row, "touch_imbalance") == pytest.approx((1_000 - 3_000) / 4_000)
    # 2,000 every 10 s against 5M over 23,400 s: a pace of 2000/10 / (5e6/23400).
    assert column(row, "volume_5m_ratio") == pytest.approx(200 / (5e6 / 23_400))
    assert column(row, "session_left_days") == pytest.approx((23_400 - 3600) / 23_400)
    assert column(row, "strategy_is") == 1 and column(row, "strategy_twap") == 0
    assert column(row, "urgency") == 2.0 and column(row, "catch_up_slices") == 0.5


def test_a_sell_reads_the_other_side_and_flips_flow() -> None:
    now = DAY0 + OPEN_S + 3600
    history = equity_history()
    view = view_at(now)
    buy = impact_features(OrderSpec(Side.BUY, 100_000, 1800), history, view, now)
    sell = impact_features(OrderSpec(Side.SELL, 100_000, 1800), history, view, now)
    assert column(sell, "far_depth_over_q") == pytest.approx(5_000 / 100_000)
    assert column(sell, "touch_imbalance") == pytest.approx(-column(buy, "touch_imbalance"))
    assert column(sell, "flow_30m") == pytest.approx(-column(buy, "flow_30m"))
    assert column(buy, "urgency") == 0.0  # only IS has one


def test_trend_and_the_hour_window_read_the_view_from_our_side() -> None:
    # The mid climbs 1 bp (log) every 10 s for the view's thirty minutes: a buy sees the market run away from it.
    now = DAY0 + OPEN_S + 3600
    history = equity_history()
    view = MarketView("ACME", day_s=6.5 * 3600)
    for k in range(181):
        mid = 50.0 * math.exp(1e-4 * k)
        view.on_quote(Quote("ACME", mid - 0.01, 1_000, mid + 0.01, 1_000, now - 1800 + 10 * k, 2_000 * k))
    buy = impact_features(OrderSpec(Side.BUY, 100_000, 1800), history, view, now)
    sell = impact_features(OrderSpec(Side.SELL, 100_000, 1800), history, view, now)
    sigma_5m = 0.015 * math.sqrt(300 / 23_400)
    assert column(buy, "trend_5m") == pytest.approx(30e-4 / sigma_5m, rel=1e-3)
    assert column(buy, "trend_30m") == pytest.approx(180e-4 / (0.015 * math.sqrt(1800 / 23_400)), rel=1e-3)
    assert column(sell, "trend_30m") == pytest.approx(-column(buy, "trend_30m"))
    # The hour window holds the half hour seen: its pace and flow are the thirty minutes'.
    assert column(buy, "volume_60m_ratio") == pytest.approx(column(buy, "volume_30m_ratio"))
    assert column(buy, "flow_60m") == pytest.approx(column(buy, "flow_30m")) and column(buy, "flow_60m") > 0
    # Minute returns of 6 bp over 1,800 s, scaled to the 23,400-s day, over the 1.5% daily volatility.
    assert column(buy, "rv_60m_ratio") == pytest.approx(6e-4 * math.sqrt(23_400 / 60) / 0.015, rel=1e-6)


def test_the_takers_flow_reads_the_venues_aggressor_sides_from_our_side() -> None:
    """A flat mid classifies no flow, but the venue says sellers took 600 of every 2,000 traded: a seller sees the
    others trade its way. Over the half hour seen, the hour's pace of 600 sold per 10 s carried over a 1,800-s
    horizon is 108,000, beside a parent of 100,000. Without aggressor sides the features fall back to the classified
    flow."""
    now = DAY0 + OPEN_S + 3600
    history = equity_history()
    view = MarketView("ACME", day_s=6.5 * 3600)
    for k in range(181):
        view.on_quote(Quote("ACME", 49.99, 1_000, 50.01, 1_000, now - 1800 + 10 * k, 2_000 * k, (), (), -600 * k))
    buy = impact_features(OrderSpec(Side.BUY, 100_000, 1800), history, view, now)
    sell = impact_features(OrderSpec(Side.SELL, 100_000, 1800), history, view, now)
    assert column(sell, "flow_60m") == 0.0  # the classification sees nothing
    assert column(sell, "taker_flow_30m") == pytest.approx(0.3) and column(sell, "taker_flow_60m") == pytest.approx(0.3)
    assert column(buy, "taker_flow_60m") == pytest.approx(-0.3)
    assert column(sell, "taker_rate_over_q") == pytest.approx(600 / 10 * 1800 / 100_000)
    assert column(buy, "taker_rate_over_q") == pytest.approx(-column(sell, "taker_rate_over_q"))
    silent = view_at(now)  # quotes without aggressor sides: the classified flow stands in
    row = impact_features(OrderSpec(Side.SELL, 100_000, 1800), history, silent, now)
    assert column(row, "taker_flow_30m") == column(row, "flow_30m")
    assert column(row, "taker_flow_60m") == column(row, "flow_60m")


def test_around_the_clock_symbol_uses_the_calendar_day() -> None:
    history = SymbolHistory(adv=2_000_000, daily_vol=0.04)
    now = DAY0 + 6 * 3600
    view = MarketView("ACME")
    view.on_quote(Quote("ACME", 19.99, 10, 20.01, 10, now, 0))
    row = impact_features(OrderSpec(Side.SELL, 20_000, 8_640), history, view, now)
    assert column(row, "horizon_days") == pytest.approx(0.1)
    assert column(row, "participation") == pytest.approx(20_000 / 200_000)
    assert column(row, "session_left_days") == pytest.approx(0.75)
    assert column(row, "volume_5m_ratio") == 1.0  # no history yet: the ADV pace
    assert column(row, "iv_ratio") == 1.0  # no implied volatility published: the history's
    assert np.all(np.isfinite(row))


@pytest.mark.parametrize(("history", "days"), [(SymbolHistory(adv=2_000_000, daily_vol=0.04), 365.0),
                                               (equity_history(), 252.0)])
def test_implied_volatility_over_the_historys_annualised_alike(history: SymbolHistory, days: float) -> None:
    now = DAY0 + OPEN_S + 3600
    view = view_at(now)
    view.on_news(News("ACME", now - 7_200, "ACME: implied volatility", implied_vol=2 * history.annual_vol))
    row = impact_features(OrderSpec(Side.BUY, 20_000, 1_800), history, view, now)
    assert history.annual_vol == pytest.approx(history.daily_vol * math.sqrt(days))
    assert column(row, "iv_ratio") == pytest.approx(2.0)


def test_bad_inputs_name_what_is_wrong() -> None:
    with pytest.raises(FeatureError, match="qty"):
        OrderSpec(Side.BUY, 0, 60)
    with pytest.raises(FeatureError, match="horizon_s"):
        OrderSpec(Side.BUY, 10, float("nan"))
    with pytest.raises(FeatureError, match="strategy"):
        OrderSpec(Side.BUY, 10, 60, "POV")
    with pytest.raises(FeatureError, match="adv"):
        SymbolHistory(adv=0, daily_vol=0.01)
    with pytest.raises(FeatureError, match="daily_vol"):
        SymbolHistory(adv=10, daily_vol=-1)
    empty = MarketView("ACME")
    with pytest.raises(FeatureError, match="no two-sided quote"):
        impact_features(OrderSpec(Side.BUY, 10, 60), equity_history(), empty, DAY0)
    with pytest.raises(KeyError, match="nope"):
        column(np.zeros(len(FEATURE_NAMES)), "nope")
