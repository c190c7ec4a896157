"""Twap.decide, case by case: 50,000 bought over 60 s in twelve 5 s slices (4,100 / 4,200 each)."""

from __future__ import annotations

import pytest
from parent_builder import END, START, make_child, make_parent, make_quote

from strategies.strategy import Strategy
from strategies.twap import Twap, TwapConfig
from strategies.types import CancelChild, ChildTif, PlaceChild, ReplaceChild, Side

TWAP = Twap(TwapConfig(slice_interval_s=5.0))
QUOTE = make_quote(20.00, 20.02)


def test_is_a_strategy_named_twap() -> None:
    strategy: Strategy = TWAP
    assert strategy.name == "TWAP"
    assert Twap().config == TwapConfig()


def test_nothing_before_start() -> None:
    assert TWAP.decide(make_parent(), QUOTE, START - 0.5) == []


def test_first_slice_rests_passively_at_the_touch() -> None:
    assert TWAP.decide(make_parent(), QUOTE, START) == [
        PlaceChild(4_100, 20.00, ChildTif.DAY, "passive slice 1/12")
    ]


def test_sell_rests_at_the_ask() -> None:
    assert TWAP.decide(make_parent(side=Side.SELL), QUOTE, START + 1.0) == [
        PlaceChild(4_100, 20.02, ChildTif.DAY, "passive slice 1/12")
    ]


@pytest.mark.parametrize("quote", [None, make_quote(None, 20.02), make_quote(None, None)])
def test_no_quote_or_empty_touch_places_nothing(quote: object) -> None:
    assert TWAP.decide(make_parent(), quote, START) == []  # type: ignore[arg-type]


def test_resting_child_at_the_touch_is_left_alone() -> None:
    parent = make_parent(children=(make_child("c1", 20.00, 4_100),))
    assert TWAP.decide(parent, QUOTE, START + 1.0) == []


def test_reprice_when_the_bid_moves_up() -> None:
    parent = make_parent(children=(make_child("c1", 20.00, 4_100),))
    assert TWAP.decide(parent, make_quote(20.01, 20.03), START + 1.0) == [
        ReplaceChild("c1", 4_100, 20.01, "passive slice 1/12: re-peg to 20.01")
    ]


def test_sell_reprices_when_the_ask_moves_down_but_not_up() -> None:
    parent = make_parent(side=Side.SELL, children=(make_child("c1", 20.02, 4_100),))
    assert TWAP.decide(parent, make_quote(19.99, 20.01), START + 1.0) == [
        ReplaceChild("c1", 4_100, 20.01, "passive slice 1/12: re-peg to 20.01")
    ]
    assert TWAP.decide(parent, make_quote(20.01, 20.03), START + 1.0) == []


def test_reprice_waits_for_reprice_ticks() -> None:
    twap = Twap(TwapConfig(slice_interval_s=5.0, reprice_ticks=2))
    parent = make_parent(children=(make_child("c1", 20.00, 4_100),))
    assert twap.decide(parent, make_quote(20.01, 20.03), START + 1.0) == []
    assert twap.decide(parent, make_quote(20.02, 20.04), START + 1.0) == [
        ReplaceChild("c1", 4_100, 20.02, "passive slice 1/12: re-peg to 20.02")
    ]


def test_passive_child_grows_at_a_new_slice() -> None:
    # 3,000 of slice 1's 4,100 done: 1,100 behind is under half a slice, so no crossing, just a bigger child.
    parent = make_parent(cum_qty=3_000, children=(make_child("c1", 20.00, 1_100),))
    assert TWAP.decide(parent, QUOTE, START + 5.5) == [
        ReplaceChild("c1", 5_300, 20.00, "passive slice 2/12: resize to 5300")
    ]


def test_catch_up_crosses_the_spread_for_the_deficit() -> None:
    # Slice 3 with nothing done: 8,300 behind > 0.5 slice; passive carries only the current slice.
    assert TWAP.decide(make_parent(), QUOTE, START + 12.0) == [
        PlaceChild(4_200, 20.00, ChildTif.DAY, "passive slice 3/12"),
        PlaceChild(8_300, 20.02, ChildTif.IOC, "catch-up 8300 behind"),
    ]


def test_catch_up_counts_the_unfilled_passive_child_as_behind() -> None:
    parent = make_parent(cum_qty=2_000, children=(make_child("c1", 20.00, 2_100),))
    assert TWAP.decide(parent, QUOTE, START + 5.5) == [
        ReplaceChild("c1", 4_200, 20.00, "passive slice 2/12: resize to 4200"),
        PlaceChild(2_100, 20.02, ChildTif.IOC, "catch-up 2100 behind"),
    ]


def test_sell_catch_up_hits_the_bid() -> None:
    actions = TWAP.decide(make_parent(side=Side.SELL), QUOTE, START + 12.0)
    assert PlaceChild(8_300, 20.00, ChildTif.IOC, "catch-up 8300 behind") in actions


def test_small_deficit_does_not_cross() -> None:
    # 2,000 behind is under half of a 4,166.7 slice.
    actions = TWAP.decide(make_parent(cum_qty=6_300), QUOTE, START + 12.0)
    assert actions == [PlaceChild(6_200, 20.00, ChildTif.DAY, "passive slice 3/12")]


def test_zero_catch_up_threshold_crosses_any_deficit() -> None:
    twap = Twap(TwapConfig(slice_interval_s=5.0, catch_up_slices=0.0))
    actions = twap.decide(make_parent(cum_qty=8_200), QUOTE, START + 12.0)
    assert PlaceChild(100, 20.02, ChildTif.IOC, "catch-up 100 behind") in actions


def test_catch_up_shrinks_the_passive_child_to_make_room() -> None:
    # Everything is committed to one oversized passive child: shrink it now, cross next tick.
    parent = make_parent(cum_qty=35_000, children=(make_child("c1", 20.00, 15_000),))
    assert TWAP.decide(parent, QUOTE, START + 50.5) == [
        ReplaceChild("c1", 4_200, 20.00, "passive slice 11/12: resize to 4200")
    ]
    after = make_parent(cum_qty=35_000, children=(make_child("c1", 20.00, 4_200),))
    assert TWAP.decide(after, QUOTE, START + 51.0) == [
        PlaceChild(6_600, 20.02, ChildTif.IOC, "catch-up 6600 behind")
    ]


def test_passive_child_no_longer_needed_is_cancelled() -> None:
    parent = make_parent(cum_qty=4_100, children=(make_child("c1", 20.00, 100),))
    assert TWAP.decide(parent, QUOTE, START + 1.0) == [CancelChild("c1", "passive slice 1/12: not needed")]


@pytest.mark.parametrize("now", [END - 4.0, END, END + 30.0])
def test_final_window_cancels_passive_and_sweeps_the_rest(now: float) -> None:
    parent = make_parent(cum_qty=40_000, children=(make_child("c1", 20.00, 4_000),))
    assert TWAP.decide(parent, QUOTE, now) == [
        CancelChild("c1", "final sweep: not needed"),
        PlaceChild(6_000, 20.02, ChildTif.IOC, "final sweep"),
    ]


def test_final_window_with_an_empty_far_side_does_nothing() -> None:
    parent = make_parent(cum_qty=40_000, children=(make_child("c1", 20.00, 4_000),))
    assert TWAP.decide(parent, make_quote(20.00, None), END - 1.0) == []
    assert TWAP.decide(parent, None, END - 1.0) == []


def test_buy_touch_through_the_limit_rests_at_the_limit() -> None:
    assert TWAP.decide(make_parent(limit_px=19.98), QUOTE, START) == [
        PlaceChild(4_100, 19.98, ChildTif.DAY, "passive slice 1/12")
    ]


def test_sell_touch_through_the_limit_rests_at_the_limit() -> None:
    assert TWAP.decide(make_parent(side=Side.SELL, limit_px=20.04), QUOTE, START) == [
        PlaceChild(4_100, 20.04, ChildTif.DAY, "passive slice 1/12")
    ]


def test_off_grid_limit_is_rounded_to_its_safe_side() -> None:
    buy = TWAP.decide(make_parent(limit_px=19.985), QUOTE, START)
    sell = TWAP.decide(make_parent(side=Side.SELL, limit_px=20.035), QUOTE, START)
    assert [a.price for a in buy if isinstance(a, PlaceChild)] == [19.98]
    assert [a.price for a in sell if isinstance(a, PlaceChild)] == [20.04]


def test_catch_up_never_crosses_through_the_limit() -> None:
    # The ask (20.02) is through the 20.01 limit: the whole deficit rests at the bid instead.
    assert TWAP.decide(make_parent(limit_px=20.01), QUOTE, START + 12.0) == [
        PlaceChild(12_500, 20.00, ChildTif.DAY, "passive slice 3/12")
    ]
    sell = TWAP.decide(make_parent(side=Side.SELL, limit_px=20.01), QUOTE, START + 12.0)
    assert sell == [PlaceChild(12_500, 20.02, ChildTif.DAY, "passive slice 3/12")]


def test_catch_up_crosses_when_the_far_touch_is_inside_the_limit() -> None:
    actions = TWAP.decide(make_parent(limit_px=20.02), QUOTE, START + 12.0)
    assert PlaceChild(8_300, 20.02, ChildTif.IOC, "catch-up 8300 behind") in actions


def test_final_window_through_the_limit_works_everything_at_the_limit() -> None:
    parent = make_parent(cum_qty=40_000, limit_px=19.99, children=(make_child("c1", 19.99, 4_000),))
    assert TWAP.decide(parent, QUOTE, END - 1.0) == [
        ReplaceChild("c1", 10_000, 19.99, "final sweep: resize to 10000")
    ]


def test_child_left_through_a_tightened_limit_is_pulled_back() -> None:
    parent = make_parent(limit_px=19.99, children=(make_child("c1", 20.00, 4_100),))
    assert TWAP.decide(parent, QUOTE, START + 1.0) == [
        ReplaceChild("c1", 4_100, 19.99, "passive slice 1/12: re-peg to 19.99")
    ]


def test_pending_child_blocks_new_children_and_is_never_touched() -> None:
    pending = make_child("c1", 20.00, 4_100, pending=True)
    assert TWAP.decide(make_parent(children=(pending,)), make_quote(20.05, 20.07), START + 12.0) == []


def test_pending_child_still_lets_cancels_out() -> None:
    children = (
        make_child("c1", 20.02, 2_000, tif=ChildTif.IOC, pending=True),
        make_child("c2", 20.00, 4_000),
    )
    parent = make_parent(cum_qty=40_000, children=children)
    assert TWAP.decide(parent, QUOTE, END - 1.0) == [CancelChild("c2", "final sweep: not needed")]


def test_extra_passive_children_are_cancelled() -> None:
    children = (make_child("c1", 20.00, 2_000), make_child("c2", 20.00, 2_100))
    assert TWAP.decide(make_parent(children=children), QUOTE, START + 1.0) == [
        CancelChild("c2", "one passive child at a time")
    ]


def test_working_ioc_counts_towards_the_deficit() -> None:
    ioc = make_child("c9", 20.02, 8_300, tif=ChildTif.IOC)
    assert TWAP.decide(make_parent(children=(ioc,)), QUOTE, START + 12.0) == [
        PlaceChild(4_200, 20.00, ChildTif.DAY, "passive slice 3/12")
    ]


def test_done_parent_does_nothing() -> None:
    assert TWAP.decide(make_parent(cum_qty=50_000), QUOTE, START + 30.0) == []
    assert TWAP.decide(make_parent(cum_qty=50_000), QUOTE, END + 1.0) == []
