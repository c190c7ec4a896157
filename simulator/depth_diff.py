"""Turning one top-N book picture into the next: the level changes an incremental feed sends."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from simulator.market_data import BookDepth, Level
from simulator.orders import Side


class LevelAction(Enum):
    """What a receiver does with one price level."""

    NEW = "new"
    CHANGE = "change"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class LevelChange:
    """One level appearing, changing size or leaving the top N; `side` BUY is the bid side."""

    action: LevelAction
    side: Side
    price: float
    size: int


def diff_depth(before: BookDepth | None, after: BookDepth) -> list[LevelChange]:
    """Changes that turn `before` (None: nothing sent yet) into `after`, keyed by (side, price).

    Deletes come first so a receiver never holds more than N levels of a side.
    """
    changes: list[LevelChange] = []
    for side, old_levels, new_levels in (
        (Side.BUY, before.bids if before else (), after.bids),
        (Side.SELL, before.asks if before else (), after.asks),
    ):
        changes.extend(_diff_side(side, old_levels, new_levels))
    changes.sort(key=_deletes_first)
    return changes


def _diff_side(side: Side, old_levels: tuple[Level, ...], new_levels: tuple[Level, ...]) -> list[LevelChange]:
    old = {level.price: level.size for level in old_levels}
    new = {level.price: level.size for level in new_levels}
    changes = [LevelChange(LevelAction.DELETE, side, price, 0) for price in old if price not in new]
    for price, size in new.items():
        if price not in old:
            changes.append(LevelChange(LevelAction.NEW, side, price, size))
        elif old[price] != size:
            changes.append(LevelChange(LevelAction.CHANGE, side, price, size))
    return changes


def _deletes_first(change: LevelChange) -> int:
    return 0 if change.action is LevelAction.DELETE else 1
