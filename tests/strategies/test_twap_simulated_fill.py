"""A 50,000 parent over 60 s in 5 s slices, run against a paper venue, finishes exactly by its end."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

import pytest
from parent_builder import END, INSTRUMENT, START, make_parent, make_quote

from risk.child_limits import check_child_action
from strategies.schedule import target_qty
from strategies.twap import Twap, TwapConfig
from strategies.types import (
    CancelChild,
    ChildAction,
    ChildTif,
    ParentView,
    PlaceChild,
    Quote,
    ReplaceChild,
    Side,
    WorkingChild,
)

TICK_S = 0.5
SLICE_S = 5.0


@dataclass
class PaperVenue:
    """Fills an IOC fully at the far touch when it crosses; a resting child fills a fraction each tick.

    With `latency` an order request takes effect one tick later and its child shows as pending meanwhile.
    """

    parent: ParentView
    passive_fill_fraction: float
    latency: bool
    fill_prices: list[float] = field(default_factory=list)
    _in_flight: list[ChildAction] = field(default_factory=list)
    _next_id: int = 0

    def submit(self, actions: list[ChildAction], quote: Quote) -> None:
        for action in actions:
            verdict = check_child_action(self.parent, action)
            assert verdict.ok, (action, verdict.reason)
        if self.latency:
            self._in_flight = [self._mark_pending(a) for a in actions]
        else:
            for action in actions:
                self._land(action, quote)

    def tick(self, quote: Quote) -> None:
        """Requests in flight land, then resting children at (or through) the touch trade."""
        in_flight, self._in_flight = self._in_flight, []
        for action in in_flight:
            self._land(action, quote)
        touch = quote.touch(self.parent.side)
        for child in self.parent.children:
            at_touch = (
                touch is not None
                and (child.price or 0.0) * self.parent.side.sign >= touch * self.parent.side.sign
            )
            if child.tif is ChildTif.DAY and not child.pending and at_touch:
                lots = int(child.leaves_qty * self.passive_fill_fraction) // INSTRUMENT.lot_size
                self._fill(child, lots * INSTRUMENT.lot_size, child.price or 0.0)

    def _mark_pending(self, action: ChildAction) -> ChildAction:
        if isinstance(action, PlaceChild):
            self._next_id += 1
            action = replace(action, reason=f"c{self._next_id}")
            self._set(WorkingChild(action.reason, action.price, action.qty, action.tif, pending=True))
        else:
            child = self._child(action.child_id)
            leaves = (
                max(child.leaves_qty, action.qty) if isinstance(action, ReplaceChild) else child.leaves_qty
            )
            self._set(replace(child, leaves_qty=leaves, pending=True))
        return action

    def _land(self, action: ChildAction, quote: Quote) -> None:
        if isinstance(action, CancelChild):
            self._drop(action.child_id)
        elif isinstance(action, ReplaceChild):
            self._set(
                replace(
                    self._child(action.child_id), leaves_qty=action.qty, price=action.price, pending=False
                )
            )
        else:
            if not self.latency:
                self._next_id += 1
                action = replace(action, reason=f"c{self._next_id}")
            child = WorkingChild(action.reason, action.price, action.qty, action.tif, pending=False)
            self._set(child)
            if action.tif is ChildTif.IOC:
                far = quote.far_touch(self.parent.side)
                crosses = (
                    far is not None
                    and (action.price or 0.0) * self.parent.side.sign >= far * self.parent.side.sign
                )
                if crosses and far is not None:
                    self._fill(child, child.leaves_qty, far)
                self._drop(child.child_id)

    def _fill(self, child: WorkingChild, qty: int, price: float) -> None:
        if qty <= 0:
            return
        self.fill_prices.append(price)
        self.parent = replace(self.parent, cum_qty=self.parent.cum_qty + qty)
        self._set(replace(child, leaves_qty=child.leaves_qty - qty))
        assert self.parent.cum_qty <= self.parent.order_qty, "overfill"

    def _child(self, child_id: str) -> WorkingChild:
        return next(c for c in self.parent.children if c.child_id == child_id)

    def _set(self, child: WorkingChild) -> None:
        others = tuple(c for c in self.parent.children if c.child_id != child.child_id)
        kept = (*others, child) if child.leaves_qty > 0 else others
        self.parent = replace(self.parent, children=kept)

    def _drop(self, child_id: str) -> None:
        self.parent = replace(
            self.parent, children=tuple(c for c in self.parent.children if c.child_id != child_id)
        )


@dataclass
class RunResult:
    cum_at_end: int
    cum_at_half: int
    max_committed: int
    fill_prices: list[float]


def run(
    side: Side, limit_px: float | None, passive_fill_fraction: float, latency: bool, seed: int
) -> RunResult:
    print(f"seed={seed}")
    rng = random.Random(seed)
    twap = Twap(TwapConfig(slice_interval_s=SLICE_S))
    venue = PaperVenue(make_parent(side=side, limit_px=limit_px), passive_fill_fraction, latency)
    mid = 2_000
    cum_at_half = cum_at_end = -1
    max_committed = 0
    now = START - 2.0
    while now <= END + 1e-9:
        mid += rng.choice((-1, 0, 0, 1))
        quote = make_quote(INSTRUMENT.from_ticks(mid - 1), INSTRUMENT.from_ticks(mid + 1))
        venue.tick(quote)
        venue.submit(twap.decide(venue.parent, quote, now), quote)
        max_committed = max(max_committed, venue.parent.cum_qty + venue.parent.working_qty)
        if now == START + 30.0:
            cum_at_half = venue.parent.cum_qty
        now += TICK_S
    venue.tick(make_quote(INSTRUMENT.from_ticks(mid - 1), INSTRUMENT.from_ticks(mid + 1)))
    cum_at_end = venue.parent.cum_qty
    return RunResult(cum_at_end, cum_at_half, max_committed, venue.fill_prices)


@pytest.mark.parametrize("latency", [False, True])
@pytest.mark.parametrize("passive_fill_fraction", [0.0, 0.1, 0.5])
@pytest.mark.parametrize("side", list(Side))
def test_finishes_exactly_by_end(side: Side, passive_fill_fraction: float, latency: bool) -> None:
    result = run(side, None, passive_fill_fraction, latency, seed=7)
    assert result.cum_at_end == 50_000
    assert result.max_committed <= 50_000
    # Half way it is on schedule (25,000 due) to within about a slice, not saving it all for the sweep.
    assert abs(result.cum_at_half - target_qty(make_parent(), START + 30.0, SLICE_S)) <= 4_200


@pytest.mark.parametrize("side", list(Side))
def test_fills_stay_inside_a_limit(side: Side) -> None:
    # A limit two ticks through the start mid on our side: the random walk is mostly inside it.
    limit = 20.02 if side is Side.BUY else 19.98
    result = run(side, limit, passive_fill_fraction=0.1, latency=True, seed=11)
    assert result.max_committed <= 50_000
    assert result.cum_at_end <= 50_000
    assert all((px - limit) * side.sign <= 1e-9 for px in result.fill_prices)
