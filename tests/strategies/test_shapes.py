"""Schedule shapes (TWAP even, VWAP by a volume profile, IS front-loaded) and the sliced plans they drive."""

from __future__ import annotations

import math
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st
from parent_builder import END, START, make_parent, make_quote

from strategies.schedule import plan_position
from strategies.schedules.vwap import VolumeProfile
from strategies.shapes import Even, FrontLoaded, ScheduleShape, TradingSession, VolumeWeighted
from strategies.twap import Sliced, Twap, TwapConfig
from strategies.types import PlaceChild

# A 6.5-hour session opening at 14:30 UTC, 13 half-hour buckets, heavy at both ends (ACME's U).
U_WEIGHTS = (2.66, 1.09, 0.75, 0.68, 0.66, 0.66, 0.66, 0.66, 0.66, 0.67, 0.73, 0.98, 2.16)
SESSION_S = 6.5 * 3600
OPEN_S = 14.5 * 3600
DAY0 = 1_704_153_600.0  # 2024-01-02 00:00 UTC
U_SESSION = TradingSession(
    OPEN_S, VolumeProfile(tuple(k * 1800.0 for k in range(13)), U_WEIGHTS, SESSION_S)
)
VWAP = VolumeWeighted({"XYZ": U_SESSION})


def share(shape: ScheduleShape, start: float, end: float, t: float, plan_start: float | None = None) -> float:
    """`shape`'s due share at `t` for a parent of XYZ from `start` to `end` (re-planned at `plan_start`)."""
    return shape.due_share(make_parent(start=start, end=end, plan_start=plan_start), t)


def test_even_is_the_elapsed_share() -> None:
    assert share(Even(), 100.0, 200.0, 150.0) == 0.5
    assert share(Even(), 100.0, 200.0, 50.0) == 0.0
    assert share(Even(), 100.0, 200.0, 250.0) == 1.0


def test_front_loaded_is_almgren_chriss_and_zero_urgency_is_even() -> None:
    k = 1.0
    assert share(FrontLoaded(k), 0.0, 10.0, 5.0) == pytest.approx(1 - math.sinh(0.5) / math.sinh(1.0))
    assert share(FrontLoaded(3.0), 0.0, 10.0, 5.0) == pytest.approx(1 - math.sinh(1.5) / math.sinh(3.0))
    assert share(FrontLoaded(0.0), 0.0, 10.0, 2.5) == pytest.approx(0.25)
    # Urgent enough to overflow sinh: nearly everything at once, and no error.
    assert share(FrontLoaded(2_000.0), 0.0, 10.0, 0.1) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="urgency"):
        FrontLoaded(-1.0)


def test_front_loaded_replanned_halfway_continues_the_optimal_trajectory() -> None:
    # κ = 2 / 10 s. Re-planned at t = 5 what is left falls as sinh(κ(T − t)) / sinh(κ(T − 5)): at 7.5 that is
    # sinh(0.5) / sinh(1) of it, the plan's own κT being 1.
    due = share(FrontLoaded(2.0), 0.0, 10.0, 7.5, plan_start=5.0)
    assert due == pytest.approx(1 - math.sinh(0.2 * 2.5) / math.sinh(0.2 * 5.0))


@given(st.floats(0.0, 50.0), st.lists(st.floats(0.0, 1.0), min_size=2, max_size=20))
def test_front_loaded_rises_from_zero_to_one_and_leads_the_even_share(urgency: float, points: list[float]) -> None:
    shape = FrontLoaded(urgency)
    shares = [share(shape, 0.0, 1.0, u) for u in sorted(points)]
    assert all(0.0 <= s <= 1.0 for s in shares)
    assert all(b >= a - 1e-12 for a, b in pairwise(shares))
    assert all(s >= u - 1e-9 for s, u in zip(shares, sorted(points), strict=True))
    assert share(shape, 0.0, 1.0, 0.0) == pytest.approx(0.0, abs=1e-12)
    assert share(shape, 0.0, 1.0, 1.0) == pytest.approx(1.0)


def test_vwap_over_a_whole_session_follows_the_profile() -> None:
    start, end = DAY0 + OPEN_S, DAY0 + OPEN_S + SESSION_S
    first_half_hour = share(VWAP, start, end, start + 1800.0)
    assert first_half_hour == pytest.approx(2.66 / sum(U_WEIGHTS))
    midday = share(VWAP, start, end, start + 4 * 3600.0) - share(VWAP, start, end, start + 3.5 * 3600)
    assert midday == pytest.approx(0.66 / sum(U_WEIGHTS))
    assert first_half_hour > 2.5 * 1800.0 / SESSION_S  # 2.66 times what an even schedule has due


def test_vwap_across_the_close_stands_still_overnight() -> None:
    # From 30 minutes before the close to 30 minutes after the next open: only the two half hours trade.
    start, end = DAY0 + OPEN_S + SESSION_S - 1800.0, DAY0 + 86_400.0 + OPEN_S + 1800.0
    at_close = share(VWAP, start, end, DAY0 + OPEN_S + SESSION_S)
    assert at_close == pytest.approx(2.16 / (2.16 + 2.66))
    assert share(VWAP, start, end, DAY0 + 86_400.0 + 3600.0) == pytest.approx(at_close)


def test_vwap_is_even_without_a_session_or_outside_every_session() -> None:
    assert share(VolumeWeighted(), 0.0, 100.0, 25.0) == 0.25
    night = DAY0 + 2 * 3600.0  # 02:00 UTC, long before the open
    assert share(VWAP, night, night + 600.0, night + 150.0) == pytest.approx(0.25)


def test_a_trading_session_refuses_impossible_times() -> None:
    profile = VolumeProfile((0.0,), (1.0,), 3600.0)
    with pytest.raises(ValueError, match="open_s"):
        TradingSession(86_400.0, profile)
    with pytest.raises(ValueError, match="at most a day"):
        TradingSession(0.0, VolumeProfile((0.0,), (1.0,), 90_000.0))


@pytest.mark.parametrize("shape", [FrontLoaded(2.0), VolumeWeighted({"XYZ": U_SESSION}), Even()])
def test_a_shaped_plan_is_lot_rounded_never_falls_and_ends_at_the_order(shape: object) -> None:
    start = DAY0 + OPEN_S
    parent = make_parent(start=start, end=start + SESSION_S, order_qty=123_456)
    dues = [plan_position(parent, start + k * 600.0, 600.0, shape).due_now for k in range(40)]  # type: ignore[arg-type]
    assert all(d % 100 == 0 or d == 123_456 for d in dues)
    assert all(b >= a for a, b in pairwise(dues))
    assert dues[-1] == 123_456


def test_front_loaded_and_vwap_are_due_ahead_of_twap_early_in_the_day() -> None:
    start = DAY0 + OPEN_S
    parent = make_parent(start=start, end=start + SESSION_S, order_qty=100_000)
    early = start + 1800.0
    even = plan_position(parent, early, 600.0).due_now
    assert plan_position(parent, early, 600.0, FrontLoaded(1.0)).due_now > even
    assert plan_position(parent, early, 600.0, VWAP).due_now > 2.5 * even  # the first half hour weighs 2.66
    assert plan_position(parent, early, 600.0, Even()).due_now == even


def test_a_sliced_strategy_sizes_its_passive_child_by_its_shape() -> None:
    quote = make_quote(9.99, 10.01)
    parent = make_parent(order_qty=60_000)
    config = TwapConfig(slice_interval_s=5.0)
    now = START + 1.0

    def passive_qty(strategy: Sliced) -> int:
        placed = [a for a in strategy.decide(parent, quote, now) if isinstance(a, PlaceChild)]
        return placed[0].qty

    twap, urgent = Twap(config), Sliced(config, FrontLoaded(3.0), "IS")
    assert twap.name == "TWAP" and urgent.name == "IS"
    assert passive_qty(twap) == 5_000  # 60,000 in twelve 5-second slices
    first_slice = math.floor(600 * share(FrontLoaded(3.0), START, END, START + 5.0)) * 100
    assert passive_qty(urgent) == first_slice > 5_000
