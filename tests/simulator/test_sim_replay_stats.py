"""Replay rules and sample statistics on tiny hand-made inputs (no optional package needed)."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from simulator.replay import BitstampCapture, RecordedTrades, ReplayDataMissing, load_bitstamp_capture, replay_capture
from simulator.replay.bitstamp_capture import CHANGED, CREATED, DELETED, to_fixed_point
from simulator.replay.recorded_book import RecordedBook
from simulator.replay.stats import cancel_ratio, depth_profile, interarrival_stats, size_stats, spread_stats, tape_stats
from simulator.tape import OrderEvents, OrderKind, Quotes, Snapshots, Tape, Trades

Row = tuple[int, int, int, int, int, bool]  # id, exchange ms, price ticks, lots, action, is_bid
Print = tuple[int, int, int, int, bool]  # buy id, sell id, price ticks, lots, taker buys


def capture_of(rows: list[Row], prints: list[Print] = [], snapshot_rows: int = 0) -> BitstampCapture:  # noqa: B006
    cols = list(zip(*rows, strict=True))
    tcols = list(zip(*prints, strict=True)) if prints else [[] for _ in range(5)]
    i64 = np.int64
    return BitstampCapture(
        order_id=np.array(cols[0], dtype=i64),
        received_ms=np.array(cols[1], dtype=i64),
        exchange_ms=np.array(cols[1], dtype=i64),
        price_ticks=np.array(cols[2], dtype=i64),
        volume_lots=np.array(cols[3], dtype=i64),
        action=np.array(cols[4], dtype=np.int8),
        is_bid=np.array(cols[5], dtype=np.bool_),
        trades=RecordedTrades(
            exchange_ms=np.zeros(len(prints), dtype=i64),
            price_ticks=np.array(tcols[2], dtype=i64),
            qty_lots=np.array(tcols[3], dtype=i64),
            buy_order_id=np.array(tcols[0], dtype=i64),
            sell_order_id=np.array(tcols[1], dtype=i64),
            taker_buys=np.array(tcols[4], dtype=np.bool_),
        ),
        snapshot_rows=snapshot_rows,
        meta={},
    )


BOOK: list[Row] = [(1, 0, 100, 5, CREATED, True), (2, 0, 102, 5, CREATED, False), (3, 0, 103, 5, CREATED, False)]


def test_fixed_point_is_exact_and_refuses_to_round() -> None:
    assert to_fixed_point("78318.0", 2) == 7_831_800
    assert to_fixed_point("7.18e-06", 8) == 718
    assert to_fixed_point("0.00030644", 8) == 30_644
    with pytest.raises(ValueError, match="more than 8 decimals"):
        to_fixed_point("0.123456789", 8)


def test_missing_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ob_analytics", None)  # makes `import ob_analytics` fail
    with pytest.raises(ReplayDataMissing, match=r"pip install 'footprint\[replay\]'"):
        load_bitstamp_capture()


def test_recorded_book_tracks_the_best_through_changes_and_deletes() -> None:
    book = RecordedBook()
    book.add(1, True, 100, 5)
    book.add(2, True, 101, 5)
    book.add(3, False, 105, 5)
    assert (book.best(True), book.best(False)) == (101, 105)
    assert book.set_volume(2, 0)
    assert book.best(True) == 100
    assert book.remove(3) and not book.remove(3)
    assert book.best(False) is None


def test_a_recorded_taker_trades_in_our_book_like_its_prints() -> None:
    # Bid 12 @ 103 takes 5 @ 102 and 5 @ 103 and rests 2; the venue narrates the walk, then deletes the makers.
    rows = [
        *BOOK,
        (4, 1, 103, 12, CREATED, True),
        (4, 1, 102, 7, CHANGED, True),
        (4, 1, 103, 2, CHANGED, True),
        (2, 1, 102, 0, DELETED, False),
        (3, 1, 103, 0, DELETED, False),
        (1, 2, 100, 5, DELETED, True),
    ]
    report = replay_capture(capture_of(rows, [(4, 2, 102, 5, True), (4, 3, 103, 5, True)]))
    assert report.fills_matched == report.our_fills == 2 and report.fills_recorded_only == []
    assert report.counts["changed_taker_walk"] == 2
    assert report.counts["deleted_after_our_fill"] == 2 and report.counts["deleted_cancelled"] == 1
    assert report.checks == 3 and report.match_rate == 1.0


def test_a_crossing_order_killed_at_once_never_enters_our_book() -> None:
    rows = [*BOOK, (4, 1, 102, 1, CREATED, True), (4, 1, 102, 1, DELETED, True)]
    report = replay_capture(capture_of(rows))
    assert report.counts["created_refused_at_once"] == 1 and report.counts["deleted_skipped"] == 1
    assert report.our_fills == 0
    assert report.match_rate == 1.0


def test_a_crossing_order_that_stays_live_evicts_the_stale_orders_it_crosses() -> None:
    rows = [*BOOK, (4, 1, 102, 1, CREATED, True), (2, 2, 102, 5, DELETED, False)]
    report = replay_capture(capture_of(rows, snapshot_rows=3))
    assert report.quirks["stale_crossed_by_resting_order"] == 1
    assert report.counts["deleted_evicted"] == 1
    assert report.our_fills == 0
    assert report.match_rate == 1.0


def test_a_market_sell_at_price_zero_is_submitted_as_a_market_order() -> None:
    rows = [*BOOK, (4, 1, 0, 2, CREATED, False), (4, 1, 100, 0, DELETED, False)]
    report = replay_capture(capture_of(rows, [(1, 4, 100, 2, False)]))
    assert report.counts["created_market"] == 1
    assert report.fills_matched == 1 and report.fills_recorded_only == []


def test_a_fill_our_book_misses_shows_up() -> None:
    # The venue says order 2 traded with 4, but 4 is priced below the ask: our book cannot reproduce it.
    rows = [*BOOK, (4, 1, 101, 1, CREATED, True), (2, 1, 102, 4, CHANGED, False)]
    report = replay_capture(capture_of(rows, [(4, 2, 102, 1, True)]))
    assert report.fills_recorded_only == [(2, 4, 102, 1)]
    assert report.counts["changed_corrected"] == 1


def test_interarrival_stats() -> None:
    s = interarrival_stats(np.array([6.0, 0.0, 1.0, 3.0]))
    assert s["interarrival_mean_s"] == 2.0 and s["interarrival_median_s"] == 2.0
    assert math.isclose(s["interarrival_p90_s"], 2.8)
    assert math.isclose(s["interarrival_cv"], math.sqrt(2 / 3) / 2)


def test_size_stats_are_in_units_of_the_median() -> None:
    s = size_stats(np.array([1.0, 2.0, 3.0, 10.0]))
    assert s["size_mean_over_median"] == 4.0 / 2.5
    assert math.isclose(s["size_p90_over_median"], 7.9 / 2.5)


def test_spread_stats_skip_one_sided_samples() -> None:
    quotes = Quotes(
        time=np.arange(3.0),
        bid=np.array([99.99, 99.98, np.nan]),
        ask=np.array([100.01, 100.02, 100.0]),
        bid_qty=np.ones(3, dtype=np.int64),
        ask_qty=np.ones(3, dtype=np.int64),
    )
    s = spread_stats(quotes)
    assert math.isclose(s["spread_mean_bps"], 3.0) and math.isclose(s["spread_median_bps"], 3.0)


def snapshots_of(rows: list[tuple[float, int, int, float, int]]) -> Snapshots:
    t, side, level, price, qty = zip(*rows, strict=True)
    return Snapshots(
        np.array(t),
        np.array(side, dtype=np.int8),
        np.array(level, dtype=np.int64),
        np.array(price),
        np.array(qty, dtype=np.int64),
    )


def test_depth_profile_is_shares_by_distance_averaged_over_snapshots() -> None:
    snaps = snapshots_of(
        [
            (0.0, 1, 0, 99.99, 1),
            (0.0, -1, 0, 100.01, 1),
            (0.0, 1, 1, 99.90, 2),
            (0.0, -1, 1, 101.0, 9),  # 1, 1, 10, 100 bps
            (1.0, 1, 0, 99.99, 3),
            (1.0, -1, 0, 100.01, 1),
        ]
    )
    shares = depth_profile(snaps, (0.0, 2.0, 50.0))
    assert shares == {"depth_share_0_2bps": (0.5 + 1.0) / 2, "depth_share_2_50bps": 0.5 / 2}


def orders_of(kinds: list[int]) -> OrderEvents:
    n = len(kinds)
    return OrderEvents(
        np.arange(float(n)),
        np.array(kinds, dtype=np.int8),
        np.ones(n, dtype=np.int8),
        np.full(n, 20.0),
        np.full(n, 100, dtype=np.int64),
    )


def test_cancel_ratio_and_tape_stats() -> None:
    orders = orders_of(
        [OrderKind.LIMIT, OrderKind.LIMIT, OrderKind.MARKET, OrderKind.CANCEL, OrderKind.LIMIT, OrderKind.LIMIT]
    )
    assert cancel_ratio(orders) == 0.25
    empty_trades = Trades(
        np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8), np.zeros(0, dtype=np.bool_)
    )
    quotes = Quotes(
        np.arange(2.0), np.full(2, 19.99), np.full(2, 20.01), np.ones(2, dtype=np.int64), np.ones(2, dtype=np.int64)
    )
    snaps = snapshots_of([(0.0, 1, 0, 19.99, 1), (0.0, -1, 0, 20.01, 1)])
    tape = Tape("CRYPTOALPHA", 0.0, 6.0, 1.0, 10.0, empty_trades, quotes, snaps, orders)
    stats = tape_stats(tape)
    assert stats["cancel_ratio"] == 0.25
    assert stats["interarrival_mean_s"] == 5.0 / 4  # five arrivals at t = 0, 1, 2, 4, 5
    assert math.isclose(stats["spread_median_bps"], 10.0)
    assert stats["depth_share_0_2bps"] == 0.0 and stats["depth_share_5_10bps"] == 1.0
    with pytest.raises(ValueError, match="no order events"):
        tape_stats(Tape("CRYPTOALPHA", 0.0, 6.0, 1.0, 10.0, empty_trades, quotes, snaps))
