"""A FIFO queue of resting orders at one price: time priority within a level."""

from __future__ import annotations

from collections import deque

from simulator.orders import Side


class RestingOrder:
    """A limit order working in the book; `qty` is the total, `filled` what has traded."""

    __slots__ = ("filled", "order_id", "owner", "price_ticks", "qty", "side")

    def __init__(self, order_id: int, owner: str, side: Side, price_ticks: int, qty: int) -> None:
        self.order_id = order_id
        self.owner = owner
        self.side = side
        self.price_ticks = price_ticks
        self.qty = qty
        self.filled = 0

    @property
    def leaves(self) -> int:
        return self.qty - self.filled


class PriceLevel:
    """Orders at one price in arrival order, with their total remaining quantity."""

    __slots__ = ("orders", "size")

    def __init__(self) -> None:
        self.orders: deque[RestingOrder] = deque()
        self.size = 0

    def append(self, order: RestingOrder) -> None:
        """Queue an order behind everything already at this price."""
        self.orders.append(order)
        self.size += order.leaves

    def remove(self, order: RestingOrder) -> None:
        """Take an order out of the queue wherever it stands."""
        self.orders.remove(order)
        self.size -= order.leaves

    def __bool__(self) -> bool:
        return bool(self.orders)
