"""Engine behaviour case by case: parent lifecycle, children bookkeeping, OMS answers."""

from __future__ import annotations

import pytest
from engine_harness import SESSION, Harness, VenueOrder

from agent.core.commands import VenueCancel, VenueNewOrder, VenueReplace, VenueStatusRequest
from agent.core.events import ShutdownRequested


def working_parent(qty: int) -> tuple[Harness, str, VenueOrder]:
    """A parent accepted, ticked once and its first child acknowledged by the venue."""
    h = Harness()
    cl = h.new(qty)
    h.tick()
    h.ack_all()
    (order,) = h.live_venue_orders()
    return h, cl, order


def statuses(h: Harness, *ids: str) -> list[tuple[str, str]]:
    return [(r.exec_type, r.ord_status) for r in h.oms.for_order(*ids)]


def test_new_parent_is_acknowledged_pending_new_then_new() -> None:
    h = Harness()
    cl = h.new(1000)
    assert statuses(h, cl) == [("A", "A"), ("0", "0")]
    new = h.oms.reports[-1]
    assert new.order_qty == 1000 and new.cum_qty == 0 and new.leaves_qty == 1000
    assert "arrival mid 20.0000" in (new.text or "")


def test_first_tick_places_a_passive_child_at_the_touch() -> None:
    h = Harness()
    h.new(1200)
    h.tick()
    (child,) = h.venue.unanswered(VenueNewOrder)
    assert isinstance(child, VenueNewOrder)
    assert child.symbol == "CRYPTOALPHA" and child.side == "1" and child.price == "19.995"
    assert 0 < child.qty <= 1200


def test_child_fills_become_parent_fills_with_consistent_quantities() -> None:
    h, cl, order = working_parent(1000)
    h.fill(order.cl_ord_id, 50, 19.995)
    last = h.oms.reports[-1]
    assert (last.exec_type, last.ord_status) == ("F", "1")
    assert (last.last_qty, last.last_px, last.cum_qty, last.leaves_qty) == (50, 19.995, 50, 950)
    assert last.avg_px == pytest.approx(19.995)
    assert last.cl_ord_id == cl


def test_duplicate_exec_id_is_counted_once() -> None:
    h = Harness()
    h.new(1000)
    h.tick()
    h.ack_all()
    (order,) = h.live_venue_orders()
    rep = h.venue.report(order.cl_ord_id, "F", "1", last_qty=10, last_px=20.0, cum=10, leaves=order.qty - 10)
    h.send(rep)
    h.send(rep)
    assert next(iter(h.engine.parents.values())).cum_qty == 10


def test_duplicate_cl_ord_id_is_rejected() -> None:
    h = Harness()
    h.new(1000, cl_ord_id="X1")
    h.new(1000, cl_ord_id="X1")
    last = h.oms.reports[-1]
    assert (last.exec_type, last.ord_status, last.ord_rej_reason) == ("8", "8", "6")
    assert "duplicate ClOrdID X1" in (last.text or "")
    assert len(h.engine.parents) == 1


@pytest.mark.parametrize(
    ("kwargs", "reason", "text"),
    [
        ({"symbol": "NOPE"}, "1", "unknown symbol 'NOPE'"),
        ({"symbol": None}, "99", "missing required tag Symbol(55)"),
        ({"side": None}, "99", "missing required tag Side(54)"),
        ({"side": "Z"}, "11", "invalid Side(54) 'Z'"),
        ({"qty": 0}, "13", "OrderQty(38) must be > 0"),
        ({"qty": -5}, "13", "OrderQty(38) must be > 0"),
        ({"qty": "abc"}, "13", "is not a number"),
        ({"qty": "10.5"}, "13", "whole number"),
        ({"ord_type": "3"}, "11", "unsupported OrdType(40) '3'"),
        ({"ord_type": "2"}, "99", "missing required tag Price(44)"),
        ({"ord_type": "2", "price": "30.000"}, "99", "50.0% from mid"),
        ({"ord_type": "2", "price": "20.0005"}, "99", "not on the tick grid"),
        ({"ord_type": "1", "price": "20.000"}, "11", "Price(44) given on a market order"),
        ({"duration": -10}, "4", "ExpireTime(126) is in the past"),
        ({"strategy": "7"}, "11", "unknown TargetStrategy(847) '7'; supported: 1 (VWAP), 2 (POV), 1000 (TWAP), 1001 (IS)"),
        ({"tif": "3"}, "11", "unsupported TimeInForce(59) '3'"),
        ({"transact": None}, "99", "missing required tag TransactTime(60)"),
    ],
)
def test_bad_parents_are_rejected_with_a_reason_and_change_nothing(kwargs: dict[str, object], reason: str,
                                                                    text: str) -> None:
    h = Harness()
    h.new(**kwargs)  # type: ignore[arg-type]
    (rej,) = h.oms.reports
    assert (rej.exec_type, rej.ord_status, rej.ord_rej_reason) == ("8", "8", reason)
    assert text in (rej.text or "")
    assert h.engine.parents == {}
    h.tick()
    assert h.venue.sent == []


def test_lot_multiple_enforced() -> None:
    h = Harness()
    h.new(150, symbol="ACME")
    (rej,) = h.oms.reports
    assert "not a multiple of the lot size 100" in (rej.text or "")


def test_expire_before_effective_is_rejected() -> None:
    h = Harness()
    h.new(1000, effective=h.clock.now() + 120, duration=60)
    assert "ExpireTime(126) is not after EffectiveTime(168)" in (h.oms.reports[-1].text or "")


def test_parent_refused_while_venue_is_down() -> None:
    h = Harness()
    h.venue_session(False)
    h.new(1000)
    assert h.oms.reports[-1].ord_rej_reason == "2"


def test_cancel_mid_way_takes_children_off_then_reports_canceled() -> None:
    h, cl, order = working_parent(1000)
    h.fill(order.cl_ord_id, 30, 19.995)
    ccl = h.cancel(cl)
    assert statuses(h, ccl) == [("6", "6")]
    (cancel,) = h.venue.unanswered(VenueCancel)
    assert isinstance(cancel, VenueCancel) and cancel.orig_cl_ord_id == order.cl_ord_id
    h.ack_all()
    done = h.oms.reports[-1]
    assert (done.exec_type, done.ord_status, done.cl_ord_id, done.orig_cl_ord_id) == ("4", "4", ccl, cl)
    assert (done.cum_qty, done.leaves_qty) == (30, 0)
    h.tick(1)
    assert h.venue.unanswered(VenueNewOrder) == []


def test_fill_during_pending_cancel_is_reported_and_completes_the_order() -> None:
    h = Harness()
    cl = h.new(100)
    h.tick(59)  # final window: the whole parent goes out at once
    h.ack_all()
    (order,) = h.live_venue_orders()
    ccl = h.cancel(cl)
    h.fill(order.cl_ord_id, order.qty, 20.005)
    last = h.oms.reports[-1]
    assert (last.exec_type, last.ord_status, last.cum_qty, last.leaves_qty) == ("F", "2", 100, 0)
    (rej,) = h.oms.cancel_rejects
    assert (rej.cl_ord_id, rej.reason) == (ccl, "0")


def test_cancel_of_unknown_order_or_twice() -> None:
    h = Harness()
    h.cancel("NOPE")
    assert h.oms.cancel_rejects[-1].reason == "1"
    cl = h.new(1000)
    h.tick()
    h.cancel(cl)
    h.cancel(cl)
    assert h.oms.cancel_rejects[-1].reason == "3"


def test_replace_down_replans_on_the_new_quantity() -> None:
    h, cl, order = working_parent(1000)
    h.fill(order.cl_ord_id, 40, 19.995)
    rcl = h.replace(cl, 600)
    assert statuses(h, rcl)[0] == ("E", "E")
    h.ack_all()  # the child comes off the venue
    replaced = h.oms.reports[-1]
    assert (replaced.exec_type, replaced.ord_status, replaced.cl_ord_id, replaced.orig_cl_ord_id) == (
        "5", "1", rcl, cl)
    assert (replaced.order_qty, replaced.cum_qty, replaced.leaves_qty) == (600, 40, 560)
    h.tick(1)
    news = h.venue.unanswered(VenueNewOrder)
    assert news and all(isinstance(n, VenueNewOrder) and n.qty <= 560 for n in news)
    # later reports carry the new ClOrdID
    h.ack_all()
    (order,) = h.live_venue_orders()
    h.fill(order.cl_ord_id, 10, 19.995)
    assert h.oms.reports[-1].cl_ord_id == rcl


def test_replace_below_filled_is_refused() -> None:
    h, cl, order = working_parent(1000)
    h.fill(order.cl_ord_id, 50, 19.995)
    h.replace(cl, 40)
    rej = h.oms.cancel_rejects[-1]
    assert rej.response_to == "2" and "below the quantity already filled (50)" in rej.text
    assert next(iter(h.engine.parents.values())).order_qty == 1000


def test_replace_to_exactly_filled_completes_the_parent() -> None:
    h, cl, order = working_parent(1000)
    h.fill(order.cl_ord_id, 50, 19.995)
    h.replace(cl, 50)
    h.ack_all()
    last = h.oms.reports[-1]
    assert (last.exec_type, last.ord_status, last.leaves_qty) == ("5", "2", 0)


def test_mass_cancel_cancels_every_working_parent_of_the_session() -> None:
    h = Harness()
    a, b = h.new(1000), h.new(500)
    h.tick()
    h.ack_all()
    m = h.mass_cancel("7")
    (report,) = h.oms.mass_reports
    assert report.cl_ord_id == m and report.response == "7" and set(report.affected) == {a, b}
    h.ack_all()
    assert all(p.status.value == "4" for p in h.engine.parents.values())
    assert h.engine.idle


def test_mass_cancel_by_unknown_symbol_is_rejected() -> None:
    h = Harness()
    h.new(1000)
    h.mass_cancel("1", "NOPE")
    (report,) = h.oms.mass_reports
    assert report.response == "0" and report.reject_reason == "1"
    assert all(not p.is_done for p in h.engine.parents.values())


def test_status_request_known_and_unknown() -> None:
    h = Harness()
    cl = h.new(1000)
    h.status(cl)
    assert (h.oms.reports[-1].exec_type, h.oms.reports[-1].ord_status) == ("I", "0")
    h.status("NOPE")
    assert (h.oms.reports[-1].exec_type, h.oms.reports[-1].ord_status) == ("I", "8")


def test_end_time_finishes_unfilled_parent_as_expired() -> None:
    h = Harness()
    cl = h.new(1000, ord_type="2", price="19.000")  # limit far below the market: nothing fills
    h.tick()
    h.ack_all()
    h.tick(61)
    h.ack_all()
    last = h.oms.for_order(cl)[-1]
    assert (last.exec_type, last.ord_status, last.leaves_qty) == ("C", "C", 0)


def test_day_order_ends_done_for_day() -> None:
    h = Harness()
    cl = h.new(1000, ord_type="2", price="19.000", tif="0")
    h.tick(61)
    assert h.oms.for_order(cl)[-1].ord_status == "3"


def test_children_never_cross_the_parent_limit() -> None:
    h = Harness()
    h.new(1000, ord_type="2", price="19.990")
    for _ in range(15):
        h.tick(5)
        h.ack_all()
        h.expire_ioc()
    prices = [float(m.price) for m in h.venue.sent if isinstance(m, VenueNewOrder | VenueReplace) and m.price]
    assert prices and max(prices) <= 19.990


def test_repeated_venue_rejects_cancel_the_parent() -> None:
    h = Harness(max_child_rejects=3)
    cl = h.new(1000)
    for _ in range(3):
        h.tick(1)
        for m in h.venue.unanswered(VenueNewOrder):
            object.__setattr__(m, "_answered", True)
            assert isinstance(m, VenueNewOrder)
            h.send(h.venue.report(m.cl_ord_id, "8", "8"))
    last = h.oms.for_order(cl)[-1]
    assert last.ord_status == "4" and "3 consecutive venue rejects" in (last.text or "")


def test_orphan_venue_order_is_cancelled() -> None:
    h = Harness()
    h.send(h.venue.report("GHOST", "0", "0", leaves=100))
    (cancel,) = h.venue.unanswered(VenueCancel)
    assert isinstance(cancel, VenueCancel) and cancel.orig_cl_ord_id == "GHOST"


def test_reconnect_asks_the_venue_about_live_children() -> None:
    h = Harness()
    h.new(1000)
    h.tick()
    h.ack_all()
    h.venue_session(False)
    h.venue_session(True)
    assert len(h.venue.unanswered(VenueStatusRequest)) == 1


def test_shutdown_cancels_children_and_parents() -> None:
    h = Harness()
    cl = h.new(1000)
    h.tick()
    h.ack_all()
    h.send(ShutdownRequested())
    h.ack_all()
    assert h.engine.idle
    last = h.oms.for_order(cl)[-1]
    assert last.ord_status == "4" and last.text == "agent shutting down"


def test_reports_go_to_the_session_that_sent_the_order() -> None:
    h = Harness()
    h.new(1000)
    assert {r.session for r in h.oms.reports} == {SESSION}


def test_fills_during_a_pending_replace_beyond_the_new_quantity_reject_the_replace() -> None:
    h, cl, order = working_parent(1000)
    rcl = h.replace(cl, 10)
    h.fill(order.cl_ord_id, 30, 19.995)  # arrives before the child's cancel is acknowledged
    h.ack_all()
    rej = h.oms.cancel_rejects[-1]
    assert (rej.cl_ord_id, rej.response_to, rej.reason) == (rcl, "2", "0")
    parent = next(iter(h.engine.parents.values()))
    assert (parent.order_qty, parent.cum_qty, parent.status.value) == (1000, 30, "1")
    h.tick(1)
    assert h.venue.unanswered(VenueNewOrder)  # keeps working the original quantity
