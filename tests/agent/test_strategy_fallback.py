"""A strategy that raises or answers something malformed hands its parent to the fallback TWAP, which carries
on over the remaining horizon; the OMS hears of it in the Text of a Restated ExecutionReport. Each failure is
injected into the real strategy slot of a running engine."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from engine_harness import Harness
from test_recovery import live_run, replay

from agent.core.commands import ParentExecReport, VenueNewOrder
from strategies.strategy import Strategy
from strategies.types import ChildAction, ChildTif, ParentView, PlaceChild, Quote


class Broken:
    """The real strategy with its answer spoiled by `spoil`."""

    def __init__(self, real: Strategy, spoil: Callable[[ParentView, list[ChildAction]], object]) -> None:
        self.real = real
        self.spoil = spoil
        self.name = real.name
        self.calls = 0

    def decide(self, parent: ParentView, quote: Quote | None, now: float) -> list[ChildAction]:
        self.calls += 1
        return self.spoil(parent, self.real.decide(parent, quote, now))  # type: ignore[return-value]


def raises(parent: ParentView, actions: list[ChildAction]) -> object:
    raise ZeroDivisionError("model blew up")


def nan_price(parent: ParentView, actions: list[ChildAction]) -> object:
    return [PlaceChild(100, math.nan, ChildTif.DAY, "nan")]


def off_lot(parent: ParentView, actions: list[ChildAction]) -> object:
    return [PlaceChild(parent.instrument.lot_size + 1, None, ChildTif.IOC, "odd lot")] \
        if parent.instrument.lot_size > 1 else [PlaceChild(0, None, ChildTif.IOC, "zero")]


def too_much(parent: ParentView, actions: list[ChildAction]) -> object:
    return [PlaceChild(parent.leaves_qty + 1, None, ChildTif.IOC, "greedy")]


def not_a_list(parent: ParentView, actions: list[ChildAction]) -> object:
    return None


@pytest.mark.parametrize(("spoil", "why"), [
    (raises, "raised ZeroDivisionError: model blew up"),
    (nan_price, "price nan is not a positive number"),
    (off_lot, "quantity 0 is not positive"),
    (too_much, "quantity 1001 is more than the 1000 left"),
    (not_a_list, "returned NoneType, not a list of child actions"),
])
def test_a_failing_strategy_hands_the_parent_to_twap(spoil: Callable[[ParentView, list[ChildAction]], object],
                                                      why: str) -> None:
    h = Harness()
    slot = h.engine.decisions.strategies
    broken = Broken(slot["TWAP"], spoil)
    slot["TWAP"] = broken  # type: ignore[assignment]
    cl = h.new(1000)
    h.tick()
    restated = [r for r in h.oms.for_order(cl) if r.exec_type == "D"]
    assert len(restated) == 1 and restated[0].ord_status == "0"
    assert restated[0].text == f"strategy TWAP failed ({why}); continuing on TWAP until its end time"
    sent = [m for m in h.venue.sent if isinstance(m, VenueNewOrder)]
    assert sent and all(m.qty > 0 for m in sent)  # the fallback placed children in the same tick
    for _ in range(70):  # ... and works the parent to the end, the broken slot never asked again
        h.ack_all()
        for order in h.live_venue_orders():
            h.fill(order.cl_ord_id, order.qty - order.cum, order.price or 20.0)
        h.tick(1.0)
    assert broken.calls == 1
    last = h.oms.for_order(cl)[-1]
    assert (last.ord_status, last.cum_qty) == ("2", 1000)


def test_an_off_lot_quantity_on_a_lot_instrument_is_a_failure() -> None:
    h = Harness()
    slot = h.engine.decisions.strategies
    slot["TWAP"] = Broken(slot["TWAP"], off_lot)  # type: ignore[assignment]
    h.quote(49.99, 50.01, symbol="ACME")
    cl = h.new(1000, symbol="ACME")
    h.tick()
    (restated,) = [r for r in h.oms.for_order(cl) if r.exec_type == "D"]
    assert "quantity 101 is off the lot grid (100)" in (restated.text or "")


class Slow:
    """The real strategy, taking `seconds` longer than it should on its `which`-th call."""

    def __init__(self, real: Strategy, seconds: float, which: int = 1) -> None:
        self.real = real
        self.name = real.name
        self.seconds = seconds
        self.which = which
        self.calls = 0

    def decide(self, parent: ParentView, quote: Quote | None, now: float) -> list[ChildAction]:
        self.calls += 1
        if self.calls == self.which:
            time.sleep(self.seconds)
        return list(self.real.decide(parent, quote, now))


def test_a_strategy_over_its_time_budget_hands_the_parent_to_twap() -> None:
    h = Harness(strategy_budget_s=0.05)
    slot = h.engine.decisions.strategies
    slow = Slow(slot["TWAP"], 0.12)
    slot["TWAP"] = slow  # type: ignore[assignment]
    cl = h.new(1000)
    h.tick()
    (restated,) = [r for r in h.oms.for_order(cl) if r.exec_type == "D"]
    assert restated.text is not None and restated.text.startswith("strategy TWAP failed (took ")
    assert restated.text.endswith(" ms to decide, over its 50 ms budget); continuing on TWAP until its end time")
    took_ms = int(restated.text.split("took ")[1].split(" ms")[0])
    assert 120 <= took_ms < 1000
    # The slow answer was not used; the fallback's was, in the same tick.
    assert [m for m in h.venue.sent if isinstance(m, VenueNewOrder)]
    h.tick(1.0)
    assert slow.calls == 1  # never asked again


def test_a_budget_overrun_is_journaled_and_replayed_without_timing_anything(tmp_path: Path) -> None:
    # Live: the second parent's first decision runs over. Replay: the same strategy is fast, but the journal says
    # which decision ran over, so the rebuilt engine falls back at the same tick and agrees on everything.
    path = tmp_path / "journal.sqlite"
    live, sent = live_run(path, seconds=40, slot=lambda real: Slow(real, 0.15, which=5), strategy_budget_s=0.08)
    fallen = [p.order_id for p in live.parents.values() if p.fallback_reason]
    assert len(fallen) == 1
    restated = [c for c in sent if isinstance(c, ParentExecReport) and c.exec_type == "D"]
    assert len(restated) == 1 and "over its 80 ms budget" in (restated[0].text or "")
    rebuilt, recovered = replay(path, strategy_budget_s=0.08)
    assert recovered.diverged == 0  # type: ignore[attr-defined]
    assert [p.order_id for p in rebuilt.parents.values() if p.fallback_reason] == fallen
    assert {p.order_id: (p.fallback_reason, p.cum_qty) for p in rebuilt.parents.values()} == \
        {p.order_id: (p.fallback_reason, p.cum_qty) for p in live.parents.values()}


class SlowFor:
    """The real strategy, slow for the parents named."""

    def __init__(self, real: Strategy, seconds: float, parents: set[str]) -> None:
        self.real, self.name, self.seconds, self.parents = real, real.name, seconds, parents

    def decide(self, parent: ParentView, quote: Quote | None, now: float) -> list[ChildAction]:
        if parent.parent_id in self.parents:
            time.sleep(self.seconds)
        return list(self.real.decide(parent, quote, now))


def test_decisions_over_budget_across_parents_trip_the_decision_latency_breaker() -> None:
    # Each overrun hands its own parent to TWAP; three within a minute say the strategies are overloaded, and the
    # breaker hands every parent to TWAP, the fourth too, whose decisions were fast.
    h = Harness(strategy_budget_s=0.02, breakers={"enabled": True, **{name: {"enabled": False} for name in (
        "stale", "spread", "depth", "gap", "volatility", "reject_storm", "fill_anomaly", "strategy_failure")}})
    cls = [h.new(1000) for _ in range(4)]
    ids = {h.oms.for_order(cl)[0].order_id: cl for cl in cls}
    slot = h.engine.decisions.strategies
    slot["TWAP"] = SlowFor(slot["TWAP"], 0.04, set(list(ids)[:3]))  # type: ignore[assignment]
    h.tick()
    texts = {cl: [r.text or "" for r in h.oms.for_order(cl) if r.exec_type == "D"] for cl in cls}
    for cl in cls[:3]:
        assert any("ms to decide, over its 20 ms budget" in t for t in texts[cl]), texts[cl]
    assert any(t.startswith("circuit breaker decision_overrun") for t in texts[cls[3]]), texts[cls[3]]
    assert all(p.fallback_reason for p in h.engine.parents.values())
