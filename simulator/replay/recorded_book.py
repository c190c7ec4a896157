"""The book exactly as a market-by-order feed states it: every live order at its stated price and volume, no matching.

It is the reference the replay compares our matching engine with, since the capture records events, not quotes.
"""

from __future__ import annotations

import heapq


class RecordedBook:
    """Orders by venue id; per-side level volumes with a lazily cleaned heap for the best price."""

    __slots__ = ("_heaps", "_levels", "_orders")

    def __init__(self) -> None:
        self._orders: dict[int, tuple[bool, int, int]] = {}  # id -> (is_bid, price_ticks, volume_lots)
        self._levels: tuple[dict[int, int], dict[int, int]] = ({}, {})  # asks, bids
        self._heaps: tuple[list[int], list[int]] = ([], [])  # asks by price, bids by -price

    def __contains__(self, order_id: int) -> bool:
        return order_id in self._orders

    def add(self, order_id: int, is_bid: bool, price_ticks: int, volume_lots: int) -> None:
        """A created order (an id seen again replaces its earlier entry)."""
        self.remove(order_id)
        if volume_lots <= 0:
            return
        self._orders[order_id] = (is_bid, price_ticks, volume_lots)
        levels = self._levels[is_bid]
        if price_ticks not in levels:
            levels[price_ticks] = 0
            heapq.heappush(self._heaps[is_bid], -price_ticks if is_bid else price_ticks)
        levels[price_ticks] += volume_lots

    def set_volume(self, order_id: int, volume_lots: int) -> bool:
        """A changed order keeps its price and takes the stated volume; False when the id is not live."""
        order = self._orders.get(order_id)
        if order is None:
            return False
        is_bid, price, _ = order
        self.add(order_id, is_bid, price, volume_lots)
        return True

    def remove(self, order_id: int) -> bool:
        """A deleted (or evicted) order; False when the id is not live."""
        order = self._orders.pop(order_id, None)
        if order is None:
            return False
        is_bid, price, volume = order
        levels = self._levels[is_bid]
        levels[price] -= volume
        if levels[price] == 0:
            del levels[price]
        return True

    def best(self, is_bid: bool) -> int | None:
        """Best bid (highest) or ask (lowest) in ticks, or None for an empty side."""
        heap = self._heaps[is_bid]
        levels = self._levels[is_bid]
        while heap:
            price = -heap[0] if is_bid else heap[0]
            if price in levels:
                return price
            heapq.heappop(heap)
        return None
