"""The matching engine, case by case."""

from __future__ import annotations

from collections.abc import Sequence

from simulator.book_events import Accepted, Cancelled, CancelReason, Fill, Rejected, RejectReason, Replaced
from simulator.order_book import OrderBook
from simulator.orders import OrderType, Side, TimeInForce

BUY, SELL = Side.BUY, Side.SELL


def fills(events: Sequence[object]) -> list[tuple[int, int, int, int]]:
    """(maker id, taker id, price, qty) of every fill, in order."""
    return [(e.maker_id, e.taker_id, e.price_ticks, e.qty) for e in events if isinstance(e, Fill)]


def book_with_asks(*orders: tuple[int, int, int]) -> OrderBook:
    """A book holding sell orders given as (id, price, qty)."""
    book = OrderBook("X", lot_size=1)
    for order_id, price, qty in orders:
        book.submit(order_id, "mm", SELL, qty, OrderType.LIMIT, price)
    return book


def test_a_limit_order_that_does_not_cross_rests_and_is_accepted() -> None:
    book = OrderBook("X")
    events = book.submit(1, "a", BUY, 10, OrderType.LIMIT, 100)
    assert events == [Accepted(1, "a")]
    assert book.best_bid() == 100
    assert book.best_ask() is None
    assert book.top(BUY, 5) == [(100, 10)]


def test_orders_at_one_price_fill_in_arrival_order() -> None:
    book = book_with_asks((1, 100, 5), (2, 100, 5), (3, 100, 5))
    events = book.submit(9, "t", BUY, 12, OrderType.LIMIT, 100)
    assert fills(events) == [(1, 9, 100, 5), (2, 9, 100, 5), (3, 9, 100, 2)]
    assert book.top(SELL, 5) == [(100, 3)]
    assert book.resting(3) is not None and book.resting(3).leaves == 3  # type: ignore[union-attr]


def test_a_better_price_trades_before_an_earlier_order_at_a_worse_price() -> None:
    book = book_with_asks((1, 101, 5), (2, 100, 5))
    events = book.submit(9, "t", BUY, 5, OrderType.LIMIT, 101)
    assert fills(events) == [(2, 9, 100, 5)]


def test_an_aggressive_order_walks_levels_up_to_its_limit_and_rests_the_rest() -> None:
    book = book_with_asks((1, 100, 5), (2, 101, 5), (3, 102, 5))
    events = book.submit(9, "t", BUY, 20, OrderType.LIMIT, 101)
    assert fills(events) == [(1, 9, 100, 5), (2, 9, 101, 5)]
    assert book.best_bid() == 101
    assert book.top(BUY, 5) == [(101, 10)]
    assert book.best_ask() == 102


def test_fill_events_name_maker_taker_owners_and_the_aggressor() -> None:
    book = book_with_asks((1, 100, 5))
    fill = book.submit(9, "t", BUY, 2, OrderType.MARKET)[1]
    assert fill == Fill(1, "mm", 9, "t", BUY, 100, 2)


def test_a_partially_filled_maker_keeps_its_place_at_the_front() -> None:
    book = book_with_asks((1, 100, 10), (2, 100, 10))
    book.submit(8, "t", BUY, 4, OrderType.MARKET)
    events = book.submit(9, "t", BUY, 8, OrderType.MARKET)
    assert fills(events) == [(1, 9, 100, 6), (2, 9, 100, 2)]


def test_a_market_order_sweeps_then_cancels_what_the_book_cannot_fill() -> None:
    book = book_with_asks((1, 100, 5), (2, 105, 5))
    events = book.submit(9, "t", BUY, 15, OrderType.MARKET)
    assert fills(events) == [(1, 9, 100, 5), (2, 9, 105, 5)]
    assert events[-1] == Cancelled(9, "t", 5, CancelReason.NO_LIQUIDITY)
    assert book.best_ask() is None
    assert book.best_bid() is None


def test_a_market_order_into_an_empty_side_is_cancelled_whole() -> None:
    book = OrderBook("X")
    events = book.submit(9, "t", SELL, 7, OrderType.MARKET)
    assert events == [Accepted(9, "t"), Cancelled(9, "t", 7, CancelReason.NO_LIQUIDITY)]


def test_an_ioc_trades_what_it_can_at_its_limit_and_never_rests() -> None:
    book = book_with_asks((1, 100, 5), (2, 101, 5))
    events = book.submit(9, "t", BUY, 8, OrderType.LIMIT, 100, TimeInForce.IOC)
    assert fills(events) == [(1, 9, 100, 5)]
    assert events[-1] == Cancelled(9, "t", 3, CancelReason.IOC_REMAINDER)
    assert book.best_bid() is None
    assert book.resting(9) is None


def test_cancel_removes_a_resting_order_and_its_level() -> None:
    book = book_with_asks((1, 100, 5), (2, 101, 5))
    assert book.cancel(1) == [Cancelled(1, "mm", 5, CancelReason.REQUESTED)]
    assert book.best_ask() == 101
    assert book.top(SELL, 5) == [(101, 5)]


def test_cancel_reports_what_was_left_after_partial_fills() -> None:
    book = book_with_asks((1, 100, 10))
    book.submit(9, "t", BUY, 4, OrderType.MARKET)
    assert book.cancel(1) == [Cancelled(1, "mm", 6, CancelReason.REQUESTED)]


def test_cancel_of_an_order_that_is_not_resting_is_rejected() -> None:
    book = book_with_asks((1, 100, 5))
    book.submit(9, "t", BUY, 5, OrderType.MARKET)
    (event,) = book.cancel(1)
    assert isinstance(event, Rejected)
    assert event.reason is RejectReason.UNKNOWN_ORDER


def test_replace_down_at_the_same_price_keeps_time_priority() -> None:
    book = book_with_asks((1, 100, 10), (2, 100, 10))
    assert book.replace(1, 6, 100) == [Replaced(1, "mm", 6, 100, kept_priority=True)]
    assert book.top(SELL, 1) == [(100, 16)]
    events = book.submit(9, "t", BUY, 8, OrderType.MARKET)
    assert fills(events) == [(1, 9, 100, 6), (2, 9, 100, 2)]


def test_replace_up_in_quantity_loses_time_priority() -> None:
    book = book_with_asks((1, 100, 10), (2, 100, 10))
    assert book.replace(1, 12, 100) == [Replaced(1, "mm", 12, 100, kept_priority=False)]
    assert book.top(SELL, 1) == [(100, 22)]
    events = book.submit(9, "t", BUY, 12, OrderType.MARKET)
    assert fills(events) == [(2, 9, 100, 10), (1, 9, 100, 2)]


def test_replace_to_a_new_price_moves_the_order_to_the_back_of_that_level() -> None:
    book = book_with_asks((1, 101, 10), (2, 100, 10))
    book.replace(1, 10, 100)
    assert book.top(SELL, 5) == [(100, 20)]
    events = book.submit(9, "t", BUY, 15, OrderType.MARKET)
    assert fills(events) == [(2, 9, 100, 10), (1, 9, 100, 5)]


def test_a_replace_that_crosses_the_spread_trades_as_the_taker() -> None:
    book = OrderBook("X")
    book.submit(1, "mm", SELL, 4, OrderType.LIMIT, 101)
    book.submit(2, "a", BUY, 10, OrderType.LIMIT, 99)
    events = book.replace(2, 10, 101)
    assert isinstance(events[0], Replaced)
    assert fills(events) == [(1, 2, 101, 4)]
    assert book.top(BUY, 5) == [(101, 6)]


def test_replace_keeps_the_filled_part_and_rests_the_new_remainder() -> None:
    book = OrderBook("X")
    book.submit(1, "a", BUY, 10, OrderType.LIMIT, 100)
    book.submit(2, "t", SELL, 4, OrderType.MARKET)
    book.replace(1, 7, 100)
    resting = book.resting(1)
    assert resting is not None
    assert (resting.qty, resting.filled, resting.leaves) == (7, 4, 3)
    assert book.top(BUY, 1) == [(100, 3)]


def test_replace_to_a_quantity_at_or_below_the_filled_quantity_is_rejected() -> None:
    book = OrderBook("X")
    book.submit(1, "a", BUY, 10, OrderType.LIMIT, 100)
    book.submit(2, "t", SELL, 4, OrderType.MARKET)
    for qty in (4, 3):
        (event,) = book.replace(1, qty, 100)
        assert isinstance(event, Rejected)
        assert event.reason is RejectReason.INVALID_QUANTITY
        assert "filled" in event.text
    assert book.top(BUY, 1) == [(100, 6)]


def test_quantity_must_be_positive_and_a_multiple_of_the_lot() -> None:
    book = OrderBook("X", lot_size=100)
    for qty, words in ((0, "> 0"), (-100, "> 0"), (150, "lot size 100")):
        (event,) = book.submit(1, "a", BUY, qty, OrderType.LIMIT, 100)
        assert isinstance(event, Rejected)
        assert event.reason is RejectReason.INVALID_QUANTITY
        assert words in event.text
    assert book.submit(1, "a", BUY, 300, OrderType.LIMIT, 100) == [Accepted(1, "a")]


def test_a_limit_order_needs_a_positive_price() -> None:
    book = OrderBook("X")
    for price in (None, 0, -5):
        (event,) = book.submit(1, "a", BUY, 10, OrderType.LIMIT, price)
        assert isinstance(event, Rejected)
        assert event.reason is RejectReason.INVALID_PRICE
    assert book.best_bid() is None


def test_replace_validates_lot_and_price_too() -> None:
    book = OrderBook("X", lot_size=10)
    book.submit(1, "a", BUY, 20, OrderType.LIMIT, 100)
    (bad_lot,) = book.replace(1, 25, 100)
    (bad_price,) = book.replace(1, 20, 0)
    assert isinstance(bad_lot, Rejected) and bad_lot.reason is RejectReason.INVALID_QUANTITY
    assert isinstance(bad_price, Rejected) and bad_price.reason is RejectReason.INVALID_PRICE


def test_best_prices_follow_levels_emptying_and_refilling() -> None:
    book = OrderBook("X")
    for order_id, price in enumerate((100, 99, 98), start=1):
        book.submit(order_id, "a", BUY, 1, OrderType.LIMIT, price)
    book.cancel(1)
    assert book.best_bid() == 99
    book.submit(4, "a", BUY, 1, OrderType.LIMIT, 100)
    assert book.best_bid() == 100
    book.cancel(4)
    book.cancel(2)
    assert book.best_bid() == 98
    assert book.top(BUY, 5) == [(98, 1)]


def test_owner_index_tracks_who_rests_what() -> None:
    book = OrderBook("X")
    book.submit(1, "a", BUY, 5, OrderType.LIMIT, 100)
    book.submit(2, "b", BUY, 5, OrderType.LIMIT, 99)
    book.submit(3, "a", SELL, 5, OrderType.LIMIT, 105)
    assert sorted(book.resting_ids("a")) == [1, 3]
    book.submit(4, "t", SELL, 5, OrderType.MARKET)  # fills order 1
    assert book.resting_ids("a") == [3]
    assert book.resting_count("b") == 1 and book.resting_at("b", 0) == 2
    assert book.resting_through(BUY, 99, "b") == [2]
    assert book.resting_through(BUY, 100, "b") == []
