"""The market's client API: order updates for every owner involved, refusals, and flow-caused fills."""

from __future__ import annotations

import math

import pytest

from simulator.book_events import RejectReason
from simulator.feed_events import FeedEvent, FeedKind
from simulator.flow import FlowVenue, QuietFlow
from simulator.instruments import DEFAULT_UNIVERSE
from simulator.market import FLOW_OWNER, Market, simulated_market
from simulator.order_state import OrderRefused, OrderStatus, UpdateKind
from simulator.orders import OrderType, Side, TimeInForce

BUY, SELL = Side.BUY, Side.SELL
LIMIT, MARKET = OrderType.LIMIT, OrderType.MARKET
COIN = "CRYPTOALPHA"


def quiet_market() -> Market:
    return Market(DEFAULT_UNIVERSE, QuietFlow(), start_time=1_000.0)


def test_a_resting_limit_order_reports_new_and_its_state() -> None:
    market = quiet_market()
    (update,) = market.submit("a", COIN, BUY, 100, LIMIT, 19.99)
    assert update.kind is UpdateKind.NEW
    assert update.time == 1_000.0
    state = update.order
    assert (state.status, state.qty, state.cum_qty, state.leaves_qty, state.price) == (
        OrderStatus.NEW,
        100,
        0,
        100,
        19.99,
    )
    assert market.status("a", state.order_id) == state
    assert market.depth(COIN, 5).bids[0].price == 19.99


def test_a_cross_reports_to_both_owners_with_cumulative_quantities_and_average_price() -> None:
    market = quiet_market()
    maker_a = market.submit("a", COIN, SELL, 100, LIMIT, 20.0)[0].order.order_id
    maker_b = market.submit("b", COIN, SELL, 100, LIMIT, 20.01)[0].order.order_id
    updates = market.submit("t", COIN, BUY, 150, MARKET)
    kinds = [(u.order.owner, u.kind, u.last_qty, u.last_price) for u in updates]
    assert kinds == [
        ("t", UpdateKind.NEW, 0, 0.0),
        ("a", UpdateKind.TRADE, 100, 20.0),
        ("t", UpdateKind.TRADE, 100, 20.0),
        ("b", UpdateKind.TRADE, 50, 20.01),
        ("t", UpdateKind.TRADE, 50, 20.01),
    ]
    taker = updates[-1].order
    assert taker.status is OrderStatus.FILLED and taker.leaves_qty == 0
    assert math.isclose(taker.avg_price, (100 * 20.0 + 50 * 20.01) / 150)
    assert market.status("a", maker_a).status is OrderStatus.FILLED
    partly = market.status("b", maker_b)
    assert (partly.status, partly.cum_qty, partly.leaves_qty) == (OrderStatus.PARTIALLY_FILLED, 50, 50)
    tape = market.drain_trades()
    assert [(t.price, t.qty, t.aggressor) for t in tape] == [(20.0, 100, BUY), (20.01, 50, BUY)]
    assert market.drain_trades() == []


def test_market_and_ioc_remainders_are_cancelled_with_nothing_left() -> None:
    market = quiet_market()
    market.submit("a", COIN, SELL, 10, LIMIT, 20.0)
    ioc = market.submit("t", COIN, BUY, 30, LIMIT, 20.0, TimeInForce.IOC)
    assert [(u.order.owner, u.kind) for u in ioc] == [
        ("t", UpdateKind.NEW),
        ("a", UpdateKind.TRADE),
        ("t", UpdateKind.TRADE),
        ("t", UpdateKind.CANCELED),
    ]
    assert (ioc[-1].order.status, ioc[-1].order.cum_qty, ioc[-1].order.leaves_qty) == (OrderStatus.CANCELED, 10, 0)
    empty = market.submit("t", COIN, BUY, 30, MARKET)
    assert [u.kind for u in empty] == [UpdateKind.NEW, UpdateKind.CANCELED]
    assert empty[-1].order.price is None


@pytest.mark.parametrize(
    ("symbol", "qty", "price", "reason", "words"),
    [
        ("NOPE", 100, 1.0, RejectReason.UNKNOWN_SYMBOL, "unknown symbol"),
        (COIN, 100, 20.0005, RejectReason.INVALID_PRICE, "tick"),
        (COIN, 100, -1.0, RejectReason.INVALID_PRICE, "> 0"),
        (COIN, 100, None, RejectReason.INVALID_PRICE, "needs a price"),
        (COIN, 0, 20.0, RejectReason.INVALID_QUANTITY, "> 0"),
        ("ACME", 150, 50.0, RejectReason.INVALID_QUANTITY, "lot size 100"),
        ("ACME", 100, 50.005, RejectReason.INVALID_PRICE, "tick"),
    ],
)
def test_bad_orders_are_rejected_with_a_reason_and_a_clear_text(
    symbol: str, qty: int, price: float | None, reason: RejectReason, words: str
) -> None:
    market = quiet_market()
    (update,) = market.submit("a", symbol, BUY, qty, LIMIT, price)
    assert update.kind is UpdateKind.REJECTED
    assert update.reject_reason is reason
    assert words in update.text
    assert update.order.status is OrderStatus.REJECTED and update.order.leaves_qty == 0
    assert market.open_orders("a") == []


def test_cancel_then_cancel_again_is_too_late_and_strangers_see_nothing() -> None:
    market = quiet_market()
    order_id = market.submit("a", COIN, BUY, 10, LIMIT, 19.9)[0].order.order_id
    with pytest.raises(OrderRefused) as stranger:
        market.cancel("b", order_id)
    assert stranger.value.reason is RejectReason.UNKNOWN_ORDER
    (update,) = market.cancel("a", order_id)
    assert update.kind is UpdateKind.CANCELED and update.order.leaves_qty == 0
    with pytest.raises(OrderRefused) as again:
        market.cancel("a", order_id)
    assert again.value.reason is RejectReason.TOO_LATE
    assert again.value.order is not None and again.value.order.status is OrderStatus.CANCELED
    assert market.depth(COIN, 5).bids == ()


def test_replace_reports_the_new_terms_and_refuses_bad_ones() -> None:
    market = quiet_market()
    order_id = market.submit("a", COIN, BUY, 100, LIMIT, 19.9)[0].order.order_id
    market.submit("t", COIN, SELL, 40, LIMIT, 19.9)
    (replaced,) = market.replace("a", order_id, 80, 19.95)
    assert replaced.kind is UpdateKind.REPLACED
    state = replaced.order
    assert (state.qty, state.price, state.cum_qty, state.leaves_qty) == (80, 19.95, 40, 40)
    assert state.status is OrderStatus.PARTIALLY_FILLED
    for qty, price, reason in (
        (40, None, RejectReason.INVALID_QUANTITY),
        (100, 19.9505, RejectReason.INVALID_PRICE),
    ):
        with pytest.raises(OrderRefused) as refused:
            market.replace("a", order_id, qty, price)
        assert refused.value.reason is reason
    assert market.depth(COIN, 1).bids[0].size == 40


def test_a_replace_that_crosses_trades_immediately() -> None:
    market = quiet_market()
    market.submit("m", COIN, SELL, 30, LIMIT, 20.0)
    order_id = market.submit("a", COIN, BUY, 50, LIMIT, 19.9)[0].order.order_id
    updates = market.replace("a", order_id, 50, 20.0)
    assert [(u.order.owner, u.kind) for u in updates] == [
        ("a", UpdateKind.REPLACED),
        ("m", UpdateKind.TRADE),
        ("a", UpdateKind.TRADE),
    ]
    assert updates[-1].order.leaves_qty == 20


def test_cancel_all_pulls_every_working_order_of_one_owner_only() -> None:
    market = quiet_market()
    for price in (19.9, 19.8):
        market.submit("a", COIN, BUY, 10, LIMIT, price)
    market.submit("a", "ACME", SELL, 100, LIMIT, 51.0)
    market.submit("b", COIN, BUY, 10, LIMIT, 19.7)
    updates = market.cancel_all("a")
    assert [u.kind for u in updates] == [UpdateKind.CANCELED] * 3
    assert market.open_orders("a") == []
    assert [o.owner for o in market.open_orders("b")] == ["b"]


class _OneMarketSell:
    """A flow with a single event: a market sell at t=1005."""

    def __init__(self) -> None:
        self.done = False

    def next_time(self) -> float:
        return math.inf if self.done else 1_005.0

    def fire(self, venue: FlowVenue) -> None:
        self.done = True
        venue.place_flow_order(COIN, SELL, 25, None)


def test_fills_caused_by_background_flow_come_back_from_advance_at_the_event_time() -> None:
    market = Market(DEFAULT_UNIVERSE, _OneMarketSell(), start_time=1_000.0)
    order_id = market.submit("a", COIN, BUY, 100, LIMIT, 19.9)[0].order.order_id
    assert market.advance(1_004.0) == []
    (update,) = market.advance(1_010.0)
    assert (update.kind, update.order.order_id, update.last_qty, update.time) == (
        UpdateKind.TRADE,
        order_id,
        25,
        1_005.0,
    )
    assert market.now == 1_010.0
    (trade,) = market.drain_trades()
    assert (trade.time, trade.aggressor) == (1_005.0, SELL)


def test_time_only_moves_forward_and_the_flow_owner_key_is_reserved() -> None:
    market = quiet_market()
    with pytest.raises(ValueError, match="back"):
        market.advance(999.0)
    with pytest.raises(ValueError, match="owner"):
        market.submit(FLOW_OWNER, COIN, BUY, 1, LIMIT, 19.0)


def _headline(time: float, text: str) -> FeedEvent:
    return FeedEvent(time, COIN, FeedKind.HEADLINE, 0.5, text)


def test_the_feed_is_drained_once_per_event_in_time_order_as_time_passes() -> None:
    onchain = FeedEvent(1_010.0, COIN, FeedKind.ONCHAIN, -1.0, "moved", 5_000)
    feed = [onchain, _headline(1_005.0, "b"), _headline(1_000.0, "at the start"), _headline(1_005.0, "c")]
    market = Market(DEFAULT_UNIVERSE, QuietFlow(), start_time=1_000.0, feed=feed)
    assert [e.text for e in market.drain_feed()] == ["at the start"]
    assert market.drain_feed() == []
    market.advance(1_004.999)
    assert market.drain_feed() == []
    market.advance(1_005.0)
    assert [e.text for e in market.drain_feed()] == ["b", "c"]  # ties keep their given order
    market.advance(1_100.0)
    assert market.drain_feed() == [onchain]
    assert market.drain_feed() == []


def test_a_simulated_market_publishes_its_feed_on_the_start_times_line() -> None:
    market = simulated_market(3, {COIN: DEFAULT_UNIVERSE[COIN]}, start_time=1e9, warmup=5.0,
                              feed=[_headline(30.0, "half a minute in")])
    market.advance(1e9 + 29.0)
    assert market.drain_feed() == []
    market.advance(1e9 + 31.0)
    assert market.drain_feed() == [_headline(1e9 + 30.0, "half a minute in")]
