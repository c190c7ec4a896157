"""The market view: depth, windows of volume and signed volume, realised volatility, on a fixed sampling grid."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from strategies.market_view import MarketView
from strategies.types import News, Quote


def quote(t: float, mid: float, volume: int, *, half: float = 0.01, levels: int = 0) -> Quote:
    bids = tuple((round(mid - half - 0.01 * k, 4), 100 * (k + 1)) for k in range(levels))
    asks = tuple((round(mid + half + 0.01 * k, 4), 200 * (k + 1)) for k in range(levels))
    return Quote("X", mid - half, 100, mid + half, 200, t, volume, bids, asks)


def test_volume_and_coverage_over_windows() -> None:
    view = MarketView("X", sample_s=10.0, memory_s=600.0)
    for k in range(61):  # ten minutes, 100 traded every 10 s
        view.on_quote(quote(1000.0 + 10 * k, 20.0, 100 * k))
    five = view.window(300.0)
    assert five.volume == pytest.approx(3000.0)
    assert five.coverage == 1.0
    assert view.window(1200.0).coverage == pytest.approx(600.0 / 1200.0)


def test_quotes_between_grid_points_do_not_add_samples() -> None:
    dense, sparse = MarketView("X"), MarketView("X")
    for k in range(0, 601):  # a quote every second, and one every ten
        q = quote(float(k), 20.0 + 0.001 * math.sin(k / 7), 10 * k)
        dense.on_quote(q)
        if k % 10 == 0:
            sparse.on_quote(q)
    assert dense.window(300.0) == sparse.window(300.0)


def test_rising_mid_signs_volume_as_buying_and_falling_as_selling() -> None:
    up, down = MarketView("X"), MarketView("X")
    for k in range(40):
        wiggle = 0.002 * (k % 3)
        up.on_quote(quote(10.0 * k, 20.0 + 0.01 * k + wiggle, 50 * k))
        down.on_quote(quote(10.0 * k, 20.0 - 0.01 * k - wiggle, 50 * k))
    assert up.window(300.0).imbalance > 0.3
    assert down.window(300.0).imbalance < -0.3


def test_realised_volatility_scales_to_the_trading_day() -> None:
    # Alternating ±r log returns every 10 s: variance per second r²/10, daily σ = r·√(day/10).
    r = 0.001
    view = MarketView("X", day_s=23_400.0)
    log_mid = math.log(20.0)
    for k in range(31):
        view.on_quote(quote(10.0 * k, math.exp(log_mid + (r if k % 2 else 0.0)), 0))
    vol = view.window(300.0).realised_vol_daily
    assert vol == pytest.approx(r * math.sqrt(23_400.0 / 10.0), rel=1e-6)


def test_coarse_returns_do_not_count_the_quotes_flicker() -> None:
    # A mid that flickers ±r every 10 s around a flat price: the 10-s returns see 2r each, the minute returns
    # (even sample counts apart) see nothing; a steady drift shows at both.
    r = 0.001
    flicker, drift = MarketView("X", day_s=86_400.0), MarketView("X", day_s=86_400.0)
    for k in range(361):
        flicker.on_quote(quote(10.0 * k, 20.0 * math.exp(r if k % 2 else -r), 0))
        drift.on_quote(quote(10.0 * k, 20.0 * math.exp(1e-4 * k), 0))
    assert flicker.window(3_600.0).realised_vol_daily == pytest.approx(2 * r * math.sqrt(8_640.0), rel=1e-6)
    assert flicker.realised_vol(3_600.0, step_s=60.0) == pytest.approx(0.0, abs=1e-12)
    per_minute = 6e-4  # six 10-s steps of 1e-4
    assert drift.realised_vol(3_600.0, step_s=60.0) == pytest.approx(per_minute * math.sqrt(1_440.0), rel=1e-6)


def test_bipower_volatility_sees_the_diffusion_and_not_a_jump() -> None:
    # A Gaussian random walk of one-minute returns over a day: bipower and realised volatility estimate the same σ.
    # Then the same path with one 5% gap in it: the sum of squares counts the gap, bipower only through its two
    # neighbours' products.
    rng = np.random.default_rng(11)
    per_minute = 5e-4
    walk = np.concatenate(([0.0], np.cumsum(rng.normal(0.0, per_minute, 1_440))))
    steady = MarketView("X", sample_s=60.0, memory_s=86_400.0, day_s=86_400.0)
    gapped = MarketView("X", sample_s=60.0, memory_s=86_400.0, day_s=86_400.0)
    for k, x in enumerate(walk):
        steady.on_quote(quote(60.0 * k, 20.0 * math.exp(x), 0))
        gapped.on_quote(quote(60.0 * k, 20.0 * math.exp(x + (0.05 if k >= 700 else 0.0)), 0))
    per_day = per_minute * math.sqrt(1_440.0)
    day = 86_400.0
    assert steady.realised_vol(day) == pytest.approx(per_day, rel=0.05)
    assert steady.bipower_vol(day) == pytest.approx(per_day, rel=0.05)
    jumpy, robust = gapped.realised_vol(day), gapped.bipower_vol(day)
    assert jumpy is not None and robust is not None
    assert jumpy > 2.5 * per_day  # the gap alone is 0.05, against σ 0.019 for the whole day
    assert robust == pytest.approx(per_day, rel=0.1)
    short = MarketView("X")
    for k in range(13):  # two minute returns: realised has them, bipower needs three
        short.on_quote(quote(10.0 * k, 20.0 + 0.01 * k, 0))
    assert short.realised_vol(3_600.0) is not None and short.bipower_vol(3_600.0) is None


def test_mid_change_over_a_window_and_too_little_history() -> None:
    view = MarketView("X")
    assert view.mid_change(300.0) == 0.0
    assert view.realised_vol(300.0) is None
    for k in range(61):
        view.on_quote(quote(10.0 * k, 20.0 + 0.01 * k, 0))
    assert view.mid_change(300.0) == pytest.approx(math.log(20.60 / 20.30))
    assert view.mid_change(7_200.0) == pytest.approx(math.log(20.60 / 20.00))  # what the view has seen
    with pytest.raises(ValueError, match="step_s"):
        view.realised_vol(300.0, step_s=0.0)
    with pytest.raises(ValueError, match="window_s"):
        view.mid_change(-1.0)


def test_depth_reads_the_far_and_near_sides_for_either_side() -> None:
    view = MarketView("X")
    view.on_quote(quote(0.0, 20.0, 0, levels=3))
    assert view.depth(3, far=True, buy=True) == 200 + 400 + 600  # a buy crosses to the asks
    assert view.depth(3, far=False, buy=True) == 100 + 200 + 300
    assert view.depth(2, far=True, buy=False) == 100 + 200  # a sell crosses to the bids
    top_only = MarketView("X")
    top_only.on_quote(quote(0.0, 20.0, 0))
    assert top_only.depth(5, far=True, buy=True) == 200


def test_a_one_sided_quote_updates_the_book_but_not_the_samples() -> None:
    view = MarketView("X")
    view.on_quote(Quote("X", None, 0, 20.01, 300, 0.0, 0))
    assert view.quote is not None and view.first_time is None
    assert view.window(60.0).realised_vol_daily is None


def test_bad_arguments_and_foreign_quotes_are_refused() -> None:
    with pytest.raises(ValueError, match="sample_s"):
        MarketView("X", sample_s=0)
    with pytest.raises(ValueError, match="memory_s"):
        MarketView("X", sample_s=10, memory_s=5)
    with pytest.raises(ValueError, match="day_s"):
        MarketView("X", day_s=100_000)
    with pytest.raises(ValueError, match="got a quote of Y"):
        MarketView("X").on_quote(Quote("Y", 1.0, 1, 1.1, 1, 0.0))
    with pytest.raises(ValueError, match="window_s"):
        MarketView("X").window(0)


def test_news_is_kept_over_the_memory_and_travels_in_the_snapshot() -> None:
    view = MarketView("X", memory_s=600.0)
    view.on_quote(quote(0.0, 20.0, 0))
    view.on_news(News("X", 100.0, "X: release in 10m", 0.8))
    view.on_news(News("X", 400.0, "X: 5,000 moved to exchanges", -0.5, 5_000))
    assert [n.time for n in view.news(600.0, 400.0)] == [100.0, 400.0]
    assert view.sentiment(600.0, 400.0) == pytest.approx(0.15)
    assert view.sentiment(60.0, 99.0) == 0.0  # nothing in the window
    back = MarketView.from_snapshot(json.loads(json.dumps(view.snapshot())))
    assert back.news(600.0, 400.0) == view.news(600.0, 400.0)
    view.on_news(News("X", 800.0, "X: later", None))  # the first is now older than the memory
    assert [n.time for n in view.news(10_000.0, 800.0)] == [400.0, 800.0]
    assert view.sentiment(10_000.0, 800.0) == pytest.approx(-0.5)  # an unscored item does not count
    with pytest.raises(ValueError, match="news of Y"):
        view.on_news(News("Y", 800.0, "Y: other"))


def test_the_latest_implied_volatility_is_kept_however_old_and_travels_in_the_snapshot() -> None:
    view = MarketView("X", memory_s=600.0)
    assert view.implied_vol is None
    view.on_news(News("X", 100.0, "X: implied volatility 80.00%", implied_vol=0.8))
    view.on_news(News("X", 50.0, "X: implied volatility 70.00%", implied_vol=0.7))  # late: an older value
    assert view.implied_vol == (100.0, 0.8)
    view.on_news(News("X", 5_000.0, "X: release in 10m", 0.4))  # far past the memory: the feed sent no change
    assert view.implied_vol == (100.0, 0.8)
    assert [n.headline for n in view.news(10_000.0, 5_000.0)] == ["X: release in 10m"]  # not kept as news
    back = MarketView.from_snapshot(json.loads(json.dumps(view.snapshot())))
    assert back.implied_vol == (100.0, 0.8)
    older = view.snapshot()
    del older["implied_vol"]  # a snapshot from before the feed was read
    assert MarketView.from_snapshot(older).implied_vol is None
    with pytest.raises(ValueError, match="implied_vol must be > 0"):
        MarketView.from_snapshot({**view.snapshot(), "implied_vol": [1.0, -0.2]})


def test_the_calendar_keeps_the_releases_ahead_and_travels_in_the_snapshot() -> None:
    view = MarketView("X", memory_s=600.0)
    assert view.next_event(0.0) is None and view.calendar(0.0) == []
    view.on_news(News("X", 0.0, "X: scheduled release in 2h", event_time=7_200.0))
    view.on_news(News("X", 0.0, "X: scheduled release in 1h", event_time=3_600.0))
    view.on_news(News("X", 10.0, "X: scheduled release in 1h", event_time=3_600.0))  # sent again: one entry
    assert view.calendar(100.0) == [(3_600.0, "X: scheduled release in 1h"), (7_200.0, "X: scheduled release in 2h")]
    assert view.next_event(100.0) == 3_500.0
    assert view.next_event(3_600.0) == 0.0 and view.next_event(3_601.0) == 3_599.0
    assert view.news(10_000.0, 100.0) == []  # calendar entries are not headlines
    back = MarketView.from_snapshot(json.loads(json.dumps(view.snapshot())))
    assert back.calendar(100.0) == view.calendar(100.0)
    view.on_news(News("X", 4_300.0, "X: later"))  # a memory past the first release: it is dropped
    assert view.calendar(0.0) == [(7_200.0, "X: scheduled release in 2h")]


def test_the_venue_s_aggressor_sides_give_the_takers_flow_beside_the_classified_one() -> None:
    """A flat mid classifies nothing, but the venue's aggressor sides say who took: here sellers, 30 of every 100."""
    reported, silent = MarketView("X"), MarketView("X")
    for k in range(40):
        q = quote(10.0 * k, 20.0, 100 * k)
        reported.on_quote(dataclasses.replace(q, signed_volume=-30 * k))
        silent.on_quote(q)
    window = reported.window(300.0)
    assert window.signed_volume == 0.0
    assert window.aggressor_signed_volume == pytest.approx(-900.0)
    assert silent.window(300.0).aggressor_signed_volume is None
    assert MarketView("X").window(300.0).aggressor_signed_volume is None
    again = MarketView.from_snapshot(json.loads(json.dumps(reported.snapshot())))
    assert again.window(300.0) == window and again.quote == reported.quote
    # A snapshot from before the venue reported aggressor sides (four values a sample) still reads, without them.
    old = silent.snapshot()
    assert all(len(s) == 4 for s in old["samples"])
    assert MarketView.from_snapshot(old).window(300.0).aggressor_signed_volume is None
    old["samples"][0] = old["samples"][0][:3]
    with pytest.raises(ValueError, match="a sample is"):
        MarketView.from_snapshot(old)
