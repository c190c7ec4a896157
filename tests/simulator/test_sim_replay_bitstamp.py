"""The real Bitstamp BTC/USD capture replayed through our OrderBook (skipped without the optional GPL package)."""

from __future__ import annotations

import math

import pytest

pytest.importorskip(
    "ob_analytics", reason="ob-analytics not installed: pip install 'footprint[replay]' (GPL, optional)"
)

from simulator.replay import BitstampCapture, ReplayReport, load_bitstamp_capture, real_sample_stats, replay_capture


@pytest.fixture(scope="module")
def capture() -> BitstampCapture:
    return load_bitstamp_capture()


@pytest.fixture(scope="module")
def report(capture: BitstampCapture) -> ReplayReport:
    return replay_capture(capture)


def test_every_row_is_accounted_for_once(capture: BitstampCapture, report: ReplayReport) -> None:
    assert len(capture) == report.rows == capture.meta["total_order_rows"] == 314_057
    assert sum(report.counts.values()) == 314_057
    c = report.counts
    created = (
        c["created_submitted"]
        + c["created_market"]
        + c["created_empty"]
        + c["created_unpriced"]
        + c["created_refused_at_once"]
    )
    assert created == 102_158 + 54_731
    # Post-only refusals: crossing creations deleted in the same exchange millisecond, never traded.
    assert c["created_refused_at_once"] == 100_518
    assert c["deleted_unknown"] == 13  # deletions of ids the capture never created
    # Every venue fill and partial fill was reproduced by our matching: nothing needed correcting.
    assert c["changed_corrected"] == 0
    assert c["deleted_filled_at_venue_only"] == 0
    assert report.quirks["received_time_backwards"] == 1  # the REST snapshot is received after the first live rows
    assert report.quirks.get("exchange_time_backwards", 0) == 0


def test_our_best_bid_and_ask_equal_the_feeds_after_every_exchange_millisecond(report: ReplayReport) -> None:
    assert report.checks > 160_000
    assert report.mismatches == []
    assert report.match_rate == 1.0


def test_our_matching_reproduces_the_284_recorded_trades(capture: BitstampCapture, report: ReplayReport) -> None:
    assert report.recorded_trades == len(capture.trades) == capture.meta["trades"] == 284
    assert report.fills_ours_only == []
    assert report.fills_recorded_only == []
    assert report.our_fills == report.fills_matched == 284


def test_real_sample_stats_describe_a_one_tick_btc_book() -> None:
    stats = real_sample_stats()
    # One dollar on ~78,000 USD is ~0.128 bps: the median spread is one tick.
    assert 0.12 < stats["spread_median_bps"] < 0.14
    shares = [v for k, v in stats.items() if k.startswith("depth_share_")]
    assert math.isclose(sum(shares), 1.0)
    assert 0.0 < stats["interarrival_median_s"] < 0.1
    assert stats["size_p90_over_median"] > 1.0
    assert 0.9 < stats["cancel_ratio"] <= 1.0
