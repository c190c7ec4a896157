"""A strategy that raises or answers something malformed hands its parent to the fallback TWAP, which carries
on over the remaining horizon; the OMS hears of it in the Text of a Restated ExecutionReport. Each failure is
injected into the real strategy slot of a running engine."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from engine_harness import Harness

from agent.core.commands import VenueNewOrder
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
