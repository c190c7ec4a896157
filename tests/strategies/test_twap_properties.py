"""Invariants of Twap.decide over random parents, quotes and times: every action passes risk, no overfill."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from risk.child_limits import check_child_action
from strategies.twap import Twap, TwapConfig
from strategies.types import (
    CancelChild,
    ChildAction,
    ChildTif,
    Instrument,
    ParentView,
    PlaceChild,
    Quote,
    ReplaceChild,
    Side,
    WorkingChild,
)


@dataclass(frozen=True)
class Scenario:
    twap: Twap
    parent: ParentView
    quote: Quote | None
    now: float


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    instrument = Instrument("XYZ", draw(st.sampled_from([0.01, 0.05, 0.5])), draw(st.sampled_from([1, 100])))
    lot = instrument.lot_size
    px = instrument.from_ticks
    side = draw(st.sampled_from(Side))
    order_lots = draw(st.integers(1, 1_000))
    cum_lots = draw(st.integers(0, order_lots))
    # Half a tick off the grid now and then: an OMS may send an off-grid limit.
    limit_ticks = draw(st.none() | st.integers(1_900, 2_100))
    off_grid = draw(st.sampled_from([0.0, 0.5])) * instrument.tick_size
    limit = None if limit_ticks is None else px(limit_ticks) + off_grid

    children: list[WorkingChild] = []
    free_lots = order_lots - cum_lots
    for n in range(draw(st.integers(0, 3))):
        if free_lots == 0:
            break
        lots = draw(st.integers(1, free_lots))
        free_lots -= lots
        price = None if limit is None and draw(st.booleans()) else px(draw(st.integers(1_900, 2_100)))
        tif = draw(st.sampled_from(ChildTif))
        children.append(WorkingChild(f"c{n}", price, lots * lot, tif, pending=draw(st.booleans())))

    mid = draw(st.integers(1_900, 2_100))
    spread = draw(st.integers(1, 6))
    bid = draw(st.none() | st.just(px(mid)))
    ask = draw(st.none() | st.just(px(mid + spread)))
    quote = draw(
        st.none()
        | st.just(Quote("XYZ", bid, 0 if bid is None else 1_000, ask, 0 if ask is None else 1_000, 0.0))
    )

    start = 1_000.0
    end = start + draw(st.floats(1.0, 600.0))
    plan_start = draw(st.floats(start, end))
    parent = ParentView(
        parent_id="P",
        instrument=instrument,
        side=side,
        order_qty=order_lots * lot,
        cum_qty=cum_lots * lot,
        limit_px=limit,
        start=start,
        end=end,
        plan_start=plan_start,
        plan_cum_qty=draw(st.integers(0, cum_lots)) * lot,
        children=tuple(children),
    )
    config = TwapConfig(
        slice_interval_s=draw(st.floats(0.5, 60.0)),
        catch_up_slices=draw(st.floats(0.0, 3.0)),
        final_window_s=draw(st.floats(0.0, 30.0)),
        reprice_ticks=draw(st.integers(1, 3)),
    )
    return Scenario(Twap(config), parent, quote, draw(st.floats(start - 10.0, end + 20.0)))


def committed_after(parent: ParentView, actions: list[ChildAction]) -> int:
    """cum + working once every action lands; a cancel frees nothing until the venue confirms it."""
    leaves = {c.child_id: c.leaves_qty for c in parent.children}
    extra = 0
    for action in actions:
        if isinstance(action, PlaceChild):
            extra += action.qty
        elif isinstance(action, ReplaceChild):
            extra += action.qty - leaves[action.child_id]
    return parent.cum_qty + parent.working_qty + extra


@settings(max_examples=1_500)
@given(scenarios())
def test_every_action_is_safe(s: Scenario) -> None:
    parent = s.parent
    actions = s.twap.decide(parent, s.quote, s.now)

    for action in actions:
        verdict = check_child_action(parent, action)
        assert verdict.ok, (action, verdict.reason)
        if not isinstance(action, CancelChild):
            assert action.price is not None
            assert parent.instrument.on_tick(action.price)
            if parent.limit_px is not None:
                assert (action.price - parent.limit_px) * parent.side.sign <= 1e-9
    assert committed_after(parent, actions) <= parent.order_qty

    pending = {c.child_id for c in parent.children if c.pending}
    touched = [a.child_id for a in actions if not isinstance(a, PlaceChild)]
    assert not pending.intersection(touched)
    assert len(touched) == len(set(touched))
    if pending:
        assert all(isinstance(a, CancelChild) for a in actions)
    if s.now < parent.start:
        assert actions == []
