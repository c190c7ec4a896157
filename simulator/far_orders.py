"""Resting orders priced outside the kernel's price window: few, far from the touch, kept in plain Python.

The compiled book holds a dense window of levels around the action; an order far away (a stub quote, a price
typed wrong) waits here, in price-time order, until the window moves over it.
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass


@dataclass(slots=True)
class FarOrder:
    """A resting order outside the window: kernel owner code, side code (0 bid, 1 ask), ticks, total, filled."""

    order_id: int
    owner: int
    side: int
    price: int
    qty: int
    filled: int


class FarOrders:
    """Per side, levels by price (each a FIFO queue) with their prices kept sorted."""

    __slots__ = ("_by_id", "_levels", "_prices")

    def __init__(self) -> None:
        self._levels: tuple[dict[int, deque[FarOrder]], dict[int, deque[FarOrder]]] = ({}, {})
        self._prices: tuple[list[int], list[int]] = ([], [])
        self._by_id: dict[int, FarOrder] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, order_id: int) -> FarOrder | None:
        """The far order with this id, or None."""
        return self._by_id.get(order_id)

    def add(self, order: FarOrder) -> None:
        """Queue an order at the back of its price."""
        levels = self._levels[order.side]
        queue = levels.get(order.price)
        if queue is None:
            queue = levels[order.price] = deque()
            bisect.insort(self._prices[order.side], order.price)
        queue.append(order)
        self._by_id[order.order_id] = order

    def remove(self, order: FarOrder) -> None:
        """Take an order out of its queue."""
        queue = self._levels[order.side][order.price]
        queue.remove(order)
        del self._by_id[order.order_id]
        if not queue:
            self._drop(order.side, order.price)

    def best(self, side: int) -> int | None:
        """Best far price of a side (highest bid, lowest ask), or None."""
        prices = self._prices[side]
        if not prices:
            return None
        return prices[-1] if side == 0 else prices[0]

    def levels(self, side: int, n: int) -> list[tuple[int, int]]:
        """The best `n` far levels of a side as (price, remaining size), best first."""
        prices = self._prices[side]
        chosen = prices[::-1][:n] if side == 0 else prices[:n]
        return [(p, sum(o.qty - o.filled for o in self._levels[side][p])) for p in chosen]

    def queue(self, side: int, price: int) -> list[FarOrder]:
        """The orders at one far price in priority order."""
        return list(self._levels[side].get(price, ()))

    def take_between(self, low: int, high: int) -> list[FarOrder]:
        """Remove and return every order priced in [low, high), level by level, each level in FIFO order."""
        taken: list[FarOrder] = []
        for side in (0, 1):
            prices = self._prices[side]
            lo, hi = bisect.bisect_left(prices, low), bisect.bisect_left(prices, high)
            for price in prices[lo:hi]:
                queue = self._levels[side].pop(price)
                taken.extend(queue)
                for order in queue:
                    del self._by_id[order.order_id]
            del prices[lo:hi]
        return taken

    def _drop(self, side: int, price: int) -> None:
        del self._levels[side][price]
        prices = self._prices[side]
        del prices[bisect.bisect_left(prices, price)]
