"""The book against a slow, obviously-correct model: same fills and same levels after any sequence of requests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.book_events import Fill
from simulator.order_book import OrderBook
from simulator.orders import OrderType, Side, TimeInForce


@dataclass
class _Order:
    side: Side
    price: int
    qty: int
    filled: int
    seq: int


class _Model:
    """Price-time priority by sorting every resting order on every request."""

    def __init__(self) -> None:
        self.orders: dict[int, _Order] = {}
        self.seq = 0

    def _queue(self, side: Side) -> list[tuple[int, _Order]]:
        mine = [(i, o) for i, o in self.orders.items() if o.side is side]
        sign = -1 if side is Side.BUY else 1
        return sorted(mine, key=lambda item: (sign * item[1].price, item[1].seq))

    def _match(self, taker: int, side: Side, qty: int, limit: int | None) -> tuple[int, list[tuple[int, int, int]]]:
        fills: list[tuple[int, int, int]] = []
        for maker_id, maker in self._queue(side.opposite):
            if qty == 0 or (limit is not None and (maker.price > limit if side is Side.BUY else maker.price < limit)):
                break
            traded = min(qty, maker.qty - maker.filled)
            maker.filled += traded
            qty -= traded
            fills.append((maker_id, maker.price, traded))
            if maker.filled == maker.qty:
                del self.orders[maker_id]
        return qty, fills

    def submit(
        self, order_id: int, side: Side, qty: int, kind: OrderType, price: int, tif: TimeInForce
    ) -> list[tuple[int, int, int]]:
        limit = price if kind is OrderType.LIMIT else None
        leaves, fills = self._match(order_id, side, qty, limit)
        if leaves and kind is OrderType.LIMIT and tif is not TimeInForce.IOC:
            self.seq += 1
            self.orders[order_id] = _Order(side, price, qty, qty - leaves, self.seq)
        return fills

    def cancel(self, order_id: int) -> None:
        self.orders.pop(order_id, None)

    def replace(self, order_id: int, qty: int, price: int) -> list[tuple[int, int, int]]:
        order = self.orders.get(order_id)
        if order is None or qty <= order.filled:
            return []
        if price == order.price and qty <= order.qty:
            order.qty = qty
            return []
        del self.orders[order_id]
        order.qty, order.price = qty, price
        leaves, fills = self._match(order_id, order.side, order.qty - order.filled, price)
        if leaves:
            self.seq += 1
            order.seq = self.seq
            order.filled = order.qty - leaves
            self.orders[order_id] = order
        return fills

    def queue(self, side: Side, price: int) -> list[int]:
        return [i for i, order in self._queue(side) if order.price == price]

    def levels(self, side: Side) -> list[tuple[int, int]]:
        sizes: dict[int, int] = {}
        for _, order in self._queue(side):
            sizes[order.price] = sizes.get(order.price, 0) + order.qty - order.filled
        return list(sizes.items())


_sides = st.sampled_from([Side.BUY, Side.SELL])
_prices = st.integers(98, 102)


@pytest.mark.parametrize("width", [4096, 2], ids=["window", "far-orders"])
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_book_matches_the_model(width: int, data: st.DataObject) -> None:
    # A two-tick window sends most prices outside it: matching must move the window over far orders.
    book = OrderBook("X", center_ticks=100, width=width)
    model = _Model()
    next_id = 0
    for _ in range(data.draw(st.integers(1, 80), label="steps")):
        action = data.draw(st.sampled_from(["new", "new", "new", "cancel", "replace", "replace"]))
        resting = sorted(model.orders)
        if action == "new" or not resting:
            side = data.draw(_sides)
            qty = data.draw(st.integers(1, 20))
            kind = data.draw(st.sampled_from([OrderType.LIMIT, OrderType.LIMIT, OrderType.MARKET]))
            price = data.draw(_prices)
            tif = data.draw(st.sampled_from([TimeInForce.DAY, TimeInForce.DAY, TimeInForce.IOC]))
            next_id += 1
            events = book.submit(next_id, "o", side, qty, kind, price, tif)
            expected = model.submit(next_id, side, qty, kind, price, tif)
        elif action == "cancel":
            order_id = data.draw(st.sampled_from(resting))
            events = book.cancel(order_id)
            model.cancel(order_id)
            expected = []
        else:
            order_id = data.draw(st.sampled_from(resting))
            order = model.orders[order_id]
            qty = data.draw(st.integers(1, 25) | st.integers(max(order.qty - 3, 1), order.qty + 3))
            price = data.draw(st.just(order.price) | _prices)
            events = book.replace(order_id, qty, price)
            expected = model.replace(order_id, qty, price)
        assert [(e.maker_id, e.price_ticks, e.qty) for e in events if isinstance(e, Fill)] == expected
        for side in (Side.BUY, Side.SELL):
            levels = model.levels(side)
            assert book.top(side, 100) == levels
            assert (book.best_bid() if side is Side.BUY else book.best_ask()) == (levels[0][0] if levels else None)
            for price, _ in levels:
                assert book.queue(side, price) == model.queue(side, price)
