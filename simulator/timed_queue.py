"""Items due at a time, taken out in time order (ties in the order they were put in)."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")


class TimedQueue(Generic[Item]):
    """A heap of (due time, insertion number, item)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Item]] = []
        self._order = itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def put(self, due: float, item: Item) -> None:
        heapq.heappush(self._heap, (due, next(self._order), item))

    def next_due(self) -> float | None:
        """When the earliest item is due; None when empty."""
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> Item | None:
        """The earliest item due by `now`, removed; None when nothing is due."""
        if self._heap and self._heap[0][0] <= now:
            return heapq.heappop(self._heap)[2]
        return None

    def discard(self, where: Callable[[Item], bool]) -> list[Item]:
        """Take out every item `where` holds for; returns them in time order."""
        gone = sorted((entry for entry in self._heap if where(entry[2])), key=lambda entry: entry[:2])
        if gone:
            self._heap = [entry for entry in self._heap if not where(entry[2])]
            heapq.heapify(self._heap)
        return [entry[2] for entry in gone]
