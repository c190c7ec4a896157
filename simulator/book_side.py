"""One side of a book: price levels keyed by integer tick, with the best price found without re-sorting."""

from __future__ import annotations

import heapq

from simulator.price_level import PriceLevel, RestingOrder

# Stale heap keys are dropped lazily; rebuild the heap once they outnumber live levels by this much.
_HEAP_SLACK = 64


class BookSide:
    """Bids (best = highest) or asks (best = lowest); a heap of keys tracks the best level."""

    __slots__ = ("_heap", "_sign", "levels")

    def __init__(self, is_bid: bool) -> None:
        # Bids are stored negated so one min-heap serves both sides.
        self._sign = -1 if is_bid else 1
        self._heap: list[int] = []
        self.levels: dict[int, PriceLevel] = {}

    def best(self) -> int | None:
        """Best price in ticks, or None when the side is empty."""
        heap = self._heap
        levels = self.levels
        sign = self._sign
        while heap:
            price = heap[0] * sign
            if price in levels:
                return price
            heapq.heappop(heap)
        return None

    def add(self, order: RestingOrder) -> None:
        """Queue an order at the back of its price level."""
        level = self.levels.get(order.price_ticks)
        if level is None:
            level = PriceLevel()
            self.levels[order.price_ticks] = level
            heapq.heappush(self._heap, order.price_ticks * self._sign)
            if len(self._heap) > 2 * len(self.levels) + _HEAP_SLACK:
                self._compact()
        level.append(order)

    def remove(self, order: RestingOrder) -> None:
        """Take an order out of its level, dropping the level when it empties."""
        level = self.levels[order.price_ticks]
        level.remove(order)
        if not level:
            del self.levels[order.price_ticks]

    def drop_level(self, price_ticks: int) -> None:
        """Forget an emptied level (matching empties levels from the front)."""
        del self.levels[price_ticks]

    def top(self, n: int) -> list[tuple[int, int]]:
        """The best `n` levels as (price in ticks, size), best first."""
        prices = heapq.nlargest(n, self.levels) if self._sign < 0 else heapq.nsmallest(n, self.levels)
        return [(price, self.levels[price].size) for price in prices]

    def _compact(self) -> None:
        self._heap = [price * self._sign for price in self.levels]
        heapq.heapify(self._heap)
