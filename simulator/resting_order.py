"""A limit order working in the book, as the book's readers see it."""

from __future__ import annotations

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
