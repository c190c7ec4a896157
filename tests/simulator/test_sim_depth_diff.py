"""Incremental market data: applying the changes to the old picture gives the new one."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from simulator.depth_diff import LevelAction, LevelChange, diff_depth
from simulator.market_data import BookDepth, Level
from simulator.orders import Side


def _levels(descending: bool) -> st.SearchStrategy[tuple[Level, ...]]:
    return st.dictionaries(st.integers(1, 30), st.integers(1, 500), max_size=8).map(
        lambda sizes: tuple(Level(p / 10, s) for p, s in sorted(sizes.items(), reverse=descending))
    )


_depths = st.builds(lambda b, a: BookDepth("X", b, a), _levels(True), _levels(False))


def _apply(held: dict[Side, dict[float, int]], changes: list[LevelChange]) -> None:
    for change in changes:
        side = held[change.side]
        if change.action is LevelAction.DELETE:
            assert change.price in side
            del side[change.price]
        else:
            assert (change.price in side) == (change.action is LevelAction.CHANGE)
            side[change.price] = change.size


def _as_dicts(depth: BookDepth) -> dict[Side, dict[float, int]]:
    return {Side.BUY: {lv.price: lv.size for lv in depth.bids}, Side.SELL: {lv.price: lv.size for lv in depth.asks}}


@given(st.lists(_depths, min_size=1, max_size=6))
def test_a_receiver_applying_every_diff_holds_the_latest_picture(pictures: list[BookDepth]) -> None:
    held: dict[Side, dict[float, int]] = {Side.BUY: {}, Side.SELL: {}}
    before = None
    for picture in pictures:
        changes = diff_depth(before, picture)
        actions = [change.action for change in changes]
        assert actions == sorted(actions, key=lambda a: a is not LevelAction.DELETE)
        _apply(held, changes)
        assert held == _as_dicts(picture)
        before = picture


def test_an_unchanged_picture_needs_no_message() -> None:
    depth = BookDepth("X", (Level(1.0, 5),), (Level(1.1, 7),))
    assert diff_depth(depth, depth) == []
    assert diff_depth(depth, BookDepth("X", (Level(1.0, 6),), (Level(1.1, 7),))) == [
        LevelChange(LevelAction.CHANGE, Side.BUY, 1.0, 6)
    ]
