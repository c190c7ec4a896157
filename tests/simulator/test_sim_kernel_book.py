"""The compiled book behind `OrderBook`: pool growth, far orders and the moving window, races, raw kernel calls."""

from __future__ import annotations

import numpy as np

from simulator.book_events import Fill, Rejected, RejectReason
from simulator.kernel import matching
from simulator.kernel.book_state import new_book
from simulator.kernel.layout import ASK, BEST_ASK, BEST_BID, BID, F_MAKER_OID, F_PRICE, F_QTY, NFILL, NONE
from simulator.order_book import OrderBook
from simulator.orders import OrderType, Side, TimeInForce

BUY, SELL = Side.BUY, Side.SELL


def test_the_pool_grows_past_its_first_size_and_keeps_time_priority() -> None:
    book = OrderBook("X")
    for order_id in range(1, 3001):
        book.submit(order_id, "mm", SELL, 1, OrderType.LIMIT, 100 + order_id % 3)
    assert book.top(SELL, 3) == [(100, 1000), (101, 1000), (102, 1000)]
    events = book.submit(9_999, "t", BUY, 1001, OrderType.MARKET)
    fills = [(e.maker_id, e.price_ticks) for e in events if isinstance(e, Fill)]
    assert fills[:2] == [(3, 100), (6, 100)] and fills[-1] == (1, 101)


def test_orders_outside_the_window_rest_aside_and_trade_when_matching_reaches_them() -> None:
    book = OrderBook("X", center_ticks=100, width=8)
    book.submit(1, "a", SELL, 5, OrderType.LIMIT, 101)
    book.submit(2, "b", SELL, 5, OrderType.LIMIT, 5_000)  # far outside the window
    book.submit(3, "c", SELL, 5, OrderType.LIMIT, 5_000)
    assert book.top(SELL, 5) == [(101, 5), (5_000, 10)]
    assert book.queue(SELL, 5_000) == [2, 3]
    events = book.submit(9, "t", BUY, 12, OrderType.LIMIT, 6_000)
    assert [(e.maker_id, e.price_ticks, e.qty) for e in events if isinstance(e, Fill)] == [
        (1, 101, 5), (2, 5_000, 5), (3, 5_000, 2),
    ]  # fmt: skip
    assert book.best_ask() == 5_000 and book.resting(3) is not None
    assert book.cancel(3)[0].qty == 3  # type: ignore[union-attr]
    assert book.best_ask() is None


def test_a_far_bid_better_than_the_window_is_the_best_bid() -> None:
    book = OrderBook("X", center_ticks=100, width=8)
    book.submit(1, "a", BUY, 5, OrderType.LIMIT, 99)
    book.submit(2, "a", BUY, 5, OrderType.LIMIT, 50)
    assert book.best_bid() == 99
    book.cancel(1)
    assert book.best_bid() == 50
    events = book.submit(3, "t", SELL, 5, OrderType.LIMIT, 40, TimeInForce.IOC)
    assert [(e.maker_id, e.price_ticks) for e in events if isinstance(e, Fill)] == [(2, 50)]


def test_replace_or_cancel_of_an_order_filled_just_before_is_rejected_as_unknown() -> None:
    book = OrderBook("X")
    book.submit(1, "a", BUY, 10, OrderType.LIMIT, 100)
    book.submit(2, "t", SELL, 10, OrderType.MARKET)
    (replaced,) = book.replace(1, 20, 100)
    (cancelled,) = book.cancel(1)
    for event in (replaced, cancelled):
        assert isinstance(event, Rejected) and event.reason is RejectReason.UNKNOWN_ORDER
    assert book.resting_ids("a") == []


def test_replace_down_after_a_partial_fill_keeps_the_queue_place() -> None:
    book = OrderBook("X")
    book.submit(1, "a", SELL, 10, OrderType.LIMIT, 100)
    book.submit(2, "b", SELL, 10, OrderType.LIMIT, 100)
    book.submit(3, "t", BUY, 4, OrderType.MARKET)
    book.replace(1, 8, 100)
    assert book.queue(SELL, 100) == [1, 2]
    assert book.top(SELL, 1) == [(100, 14)]


def test_the_raw_kernel_matches_walks_levels_and_reports_fills() -> None:
    state = new_book(capacity=8, base=90, width=32)
    for oid, price, qty in ((1, 100, 5), (2, 101, 5), (3, 100, 5)):
        matching.submit(state, oid, 1, ASK, qty, price, True, 0.0)
    assert state.meta[BEST_ASK] == 100 and state.meta[BEST_BID] == NONE
    leaves, slot = matching.submit(state, 9, 2, BID, 12, 101, True, 1.5)
    assert (leaves, slot) == (0, NONE)
    n = state.meta[NFILL]
    assert state.fills[:n, F_MAKER_OID].tolist() == [1, 3, 2]
    assert state.fills[:n, F_PRICE].tolist() == [100, 100, 101]
    assert state.fills[:n, F_QTY].tolist() == [5, 5, 2]
    assert np.all(state.fill_time[:n] == 1.5)
    assert state.meta[BEST_ASK] == 101
    assert matching.order_problem(150, 100, True, 5) == matching.BAD_LOT
    assert matching.order_problem(100, 100, True, 0) == matching.BAD_PRICE
    assert matching.order_problem(0, 1, False, NONE) == matching.BAD_QTY
