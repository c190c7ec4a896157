"""The pure schedule maths: even lot-rounded slices that sum exactly, and re-planning after a replace."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st
from parent_builder import END, START, make_parent

from strategies.schedule import cumulative_target, plan_position, slice_count, target_qty, twap_schedule


def test_fifty_thousand_in_twelve_slices_is_as_even_as_lots_allow() -> None:
    schedule = twap_schedule(50_000, 100, START, END, 5.0)
    assert schedule == (
        4_100,
        8_300,
        12_500,
        16_600,
        20_800,
        25_000,
        29_100,
        33_300,
        37_500,
        41_600,
        45_800,
        50_000,
    )
    per_slice = [b - a for a, b in zip((0, *schedule), schedule, strict=False)]
    assert set(per_slice) == {4_100, 4_200}


@pytest.mark.parametrize(
    ("start", "end", "interval", "expected"),
    [
        (0.0, 60.0, 5.0, 12),
        (0.0, 60.0, 7.0, 9),
        (0.0, 60.0, 60.0, 1),
        (0.0, 0.0, 5.0, 1),
        (0.0, 60.0001, 5.0, 13),
    ],
)
def test_slice_count(start: float, end: float, interval: float, expected: int) -> None:
    assert slice_count(start, end, interval) == expected


def test_slice_count_on_a_large_epoch_is_not_thrown_off_by_float_rounding() -> None:
    start = 1_700_000_000.1
    assert slice_count(start, start + 60.0, 5.0) == 12


def test_odd_lot_remainder_lands_in_the_last_slice() -> None:
    assert twap_schedule(1_050, 100, 0.0, 30.0, 10.0) == (300, 600, 1_050)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="slice_interval_s"):
        slice_count(0.0, 10.0, 0.0)
    with pytest.raises(ValueError, match="qty"):
        twap_schedule(-100, 100, 0.0, 10.0, 1.0)
    with pytest.raises(ValueError, match="boundary"):
        cumulative_target(1_000, 100, 4, 5)


@given(
    lots=st.integers(min_value=0, max_value=100_000),
    lot=st.sampled_from([1, 10, 100, 1_000]),
    slices=st.integers(min_value=1, max_value=400),
    interval=st.floats(min_value=0.5, max_value=60.0),
)
def test_schedule_sums_exactly_in_even_lot_multiples(
    lots: int, lot: int, slices: int, interval: float
) -> None:
    qty = lots * lot
    schedule = twap_schedule(qty, lot, START, START + slices * interval, interval)
    assert len(schedule) == slices
    assert schedule[-1] == qty
    assert all(t % lot == 0 for t in schedule)
    per_slice = [b - a for a, b in zip((0, *schedule), schedule, strict=False)]
    assert min(per_slice) >= 0
    assert max(per_slice) - min(per_slice) <= lot


def test_target_before_start_is_zero_and_steps_at_each_boundary() -> None:
    parent = make_parent()
    assert target_qty(parent, START - 30.0, 5.0) == 0
    assert target_qty(parent, START, 5.0) == 0
    assert target_qty(parent, START + 4.99, 5.0) == 0
    assert target_qty(parent, START + 5.0, 5.0) == 4_100
    assert target_qty(parent, START + 7.5, 5.0) == 4_100
    assert target_qty(parent, START + 59.9, 5.0) == 45_800
    assert target_qty(parent, END, 5.0) == 50_000
    assert target_qty(parent, END + 100.0, 5.0) == 50_000


def test_plan_position_reports_the_current_slice() -> None:
    pos = plan_position(make_parent(), START + 12.0, 5.0)
    assert (pos.slice_index, pos.slices, pos.due_now, pos.due_by_slice_end) == (3, 12, 8_300, 12_500)
    assert pos.slice_qty == pytest.approx(50_000 / 12)
    before = plan_position(make_parent(), START - 1.0, 5.0)
    assert (before.slice_index, before.due_now, before.due_by_slice_end) == (0, 0, 0)


def test_replan_after_replace_spreads_the_remainder_from_the_replace() -> None:
    # Replaced at +30 s with 20,000 done: 30,000 left over six 5 s slices.
    parent = make_parent(plan_start=START + 30.0, plan_cum_qty=20_000, cum_qty=20_000)
    assert target_qty(parent, START + 29.0, 5.0) == 20_000
    assert target_qty(parent, START + 30.0, 5.0) == 20_000
    assert target_qty(parent, START + 35.0, 5.0) == 25_000
    assert target_qty(parent, START + 57.0, 5.0) == 45_000
    assert target_qty(parent, END, 5.0) == 50_000


def test_replan_after_upsize_and_downsize() -> None:
    up = make_parent(order_qty=80_000, plan_start=START + 30.0, plan_cum_qty=20_000, cum_qty=20_000)
    assert target_qty(up, START + 35.0, 5.0) == 30_000
    down = make_parent(order_qty=26_000, plan_start=START + 30.0, plan_cum_qty=20_000, cum_qty=20_000)
    assert target_qty(down, START + 35.0, 5.0) == 21_000
    assert target_qty(down, END, 5.0) == 26_000


def test_target_is_clamped_to_order_qty_when_order_was_cut_below_the_plan() -> None:
    parent = make_parent(order_qty=10_000, plan_cum_qty=12_000, cum_qty=12_000)
    assert target_qty(parent, START + 20.0, 5.0) == 10_000


@given(
    order_lots=st.integers(min_value=1, max_value=2_000),
    done_frac=st.floats(min_value=0.0, max_value=1.0),
    replan_at=st.floats(min_value=0.0, max_value=60.0),
    interval=st.floats(min_value=0.5, max_value=20.0),
    times=st.lists(st.floats(min_value=-10.0, max_value=80.0), min_size=2, max_size=20),
)
def test_target_is_monotone_and_inside_plan_bounds(
    order_lots: int, done_frac: float, replan_at: float, interval: float, times: list[float]
) -> None:
    order_qty = order_lots * 100
    plan_cum = int(order_lots * done_frac) * 100
    parent = make_parent(
        order_qty=order_qty, cum_qty=plan_cum, plan_start=START + replan_at, plan_cum_qty=plan_cum
    )
    targets = [target_qty(parent, START + t, interval) for t in sorted(times)]
    assert all(plan_cum <= t <= order_qty for t in targets)
    assert all(a <= b for a, b in pairwise(targets))
    assert all((t - plan_cum) % 100 == 0 for t in targets)
    assert target_qty(parent, END, interval) == order_qty
