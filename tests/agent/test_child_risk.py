"""The child checks inside a running engine: a refused child never reaches the venue, the refusal is logged with
its reason, and cancels still go out whatever else is refused."""

from __future__ import annotations

import logging

import pytest
from engine_harness import Harness

from agent.core.commands import VenueCancel, VenueNewOrder
from agent.core.ids import IdSource
from strategies.types import ChildAction, ChildTif, ParentView, PlaceChild, Quote


class Fixed:
    """A strategy slot that places one given child per tick while the parent has none working."""

    name = "TWAP"

    def __init__(self, qty: int, price: float | None, tif: ChildTif = ChildTif.DAY) -> None:
        self.qty, self.price, self.tif = qty, price, tif

    def decide(self, parent: ParentView, quote: Quote | None, now: float) -> list[ChildAction]:
        return [] if parent.children else [PlaceChild(self.qty, self.price, self.tif, "test")]


def new_orders(h: Harness) -> list[VenueNewOrder]:
    return [m for m in h.venue.sent if isinstance(m, VenueNewOrder)]


def test_a_child_outside_the_collar_never_leaves(caplog: pytest.LogCaptureFixture) -> None:
    h = Harness(risk={"child_collar_bps": 100})
    h.engine.decisions.strategies["TWAP"] = Fixed(100, 20.300)  # type: ignore[assignment]
    h.new(1000)
    with caplog.at_level(logging.WARNING, "footprint.engine"):
        h.tick()
    assert new_orders(h) == []
    assert "buy at 20.300 is +150.0 bps from the reference mid 20.000, outside the 100 bps collar" in caplog.text
    h.engine.decisions.strategies["TWAP"] = Fixed(100, 20.150)  # type: ignore[assignment]
    h.tick(1.0)
    assert [(m.qty, m.price) for m in new_orders(h)] == [(100, "20.150")]


def test_no_child_trades_against_another_of_our_parents() -> None:
    h = Harness()
    slot = h.engine.decisions.strategies
    slot["TWAP"] = Fixed(100, 20.005)  # type: ignore[assignment]
    seller = h.new(1000, side="2")
    h.tick()
    h.ack_all()
    assert [(m.side, m.price) for m in new_orders(h)] == [("2", "20.005")]
    h.new(1000, side="1")  # the buyer's child would take our own offer
    h.tick(1.0)
    assert [(m.side, m.price) for m in new_orders(h)] == [("2", "20.005")]
    h.cancel(seller)  # the offer comes off: now the buy may go
    h.ack_all()
    h.tick(1.0)
    assert [(m.side, m.price) for m in new_orders(h)][-1] == ("1", "20.005")


def test_a_duplicate_cl_ord_id_is_refused_but_a_cancel_takes_the_next_free_one(
        caplog: pytest.LogCaptureFixture) -> None:
    h = Harness()
    h.engine.decisions.strategies["TWAP"] = Fixed(100, 19.995)  # type: ignore[assignment]
    cl = h.new(1000)
    h.tick()
    h.ack_all()
    (first,) = new_orders(h)
    h.fill(first.cl_ord_id, 100, 19.995)
    h.engine.ctx.ids = IdSource("t", {"order": 1})  # the id source went back (a journal restored from an old copy)
    with caplog.at_level(logging.CRITICAL, "footprint.engine"):
        h.tick(1.0)
    assert new_orders(h) == [first]  # the next child would have reused its ClOrdID: not sent
    assert f"risk refused a child: ClOrdID {first.cl_ord_id} is already in use" in caplog.text
    h.tick(1.0)
    second = new_orders(h)[-1]
    assert second.cl_ord_id not in {first.cl_ord_id}
    h.ack_all()
    h.engine.ctx.ids = IdSource("t", {"order": 1})
    h.cancel(cl)
    (cancel,) = [m for m in h.venue.sent if isinstance(m, VenueCancel)]
    assert cancel.orig_cl_ord_id == second.cl_ord_id
    assert cancel.cl_ord_id not in {first.cl_ord_id, second.cl_ord_id}
    assert f"ClOrdID {second.cl_ord_id} is already in use: the cancel takes the next one" in caplog.text
