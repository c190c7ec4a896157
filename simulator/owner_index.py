"""Which resting orders each owner has, with constant-time add, remove and pick-by-position."""

from __future__ import annotations


class OwnerIndex:
    """Per owner, a dense list of order ids; removal swaps the last id into the hole."""

    __slots__ = ("_ids", "_position")

    def __init__(self) -> None:
        self._ids: dict[str, list[int]] = {}
        self._position: dict[int, int] = {}

    def add(self, owner: str, order_id: int) -> None:
        ids = self._ids.setdefault(owner, [])
        self._position[order_id] = len(ids)
        ids.append(order_id)

    def remove(self, owner: str, order_id: int) -> None:
        ids = self._ids[owner]
        hole = self._position.pop(order_id)
        last = ids.pop()
        if last != order_id:
            ids[hole] = last
            self._position[last] = hole

    def count(self, owner: str) -> int:
        """How many resting orders the owner has."""
        ids = self._ids.get(owner)
        return len(ids) if ids else 0

    def at(self, owner: str, index: int) -> int:
        """The owner's `index`-th resting order id (positions change as orders leave)."""
        return self._ids[owner][index]

    def ids(self, owner: str) -> list[int]:
        """A copy of the owner's resting order ids."""
        return list(self._ids.get(owner, ()))
