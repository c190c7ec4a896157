"""Every legal venue behaviour the child-order manager must survive, one at a time, against the real engine.

Each test drives the engine with the reports a FIX 4.4 venue may legally send, in an order it may legally send
them, and checks what reaches the parent and the OMS.
"""

from __future__ import annotations

import pytest
from engine_harness import Harness

from agent.core.commands import VenueCancel, VenueNewOrder, VenueStatusRequest
from agent.core.events import OmsSessionState, SendFailed, StatusRequest, VenueCancelReject, VenueSessionState
from agent.core.order_state import OrdStatus

SESSION = "FIX.4.4:FOOTPRINT->OMS"


def one_child(h: Harness, qty: int = 1000) -> tuple[str, VenueNewOrder]:
    cl = h.new(qty)
    h.tick()
    (order,) = h.venue.unanswered(VenueNewOrder)
    assert isinstance(order, VenueNewOrder)
    object.__setattr__(order, "_answered", True)
    return cl, order


def parent(h: Harness):  # type: ignore[no-untyped-def]
    return next(iter(h.engine.parents.values()))


def trades(h: Harness, cl: str) -> list[tuple[int, float]]:
    return [(r.last_qty, r.last_px) for r in h.oms.for_order(cl) if r.exec_type == "F"]


def test_fill_before_the_new_ack_reaches_the_parent_and_the_oms() -> None:
    h = Harness()
    cl, order = one_child(h)
    h.send(h.venue.report(order.cl_ord_id, "F", "1", last_qty=40, last_px=19.995, cum=40, leaves=order.qty - 40))
    assert trades(h, cl) == [(40, 19.995)]
    child = parent(h).children[order.cl_ord_id]
    assert child.status is OrdStatus.PARTIALLY_FILLED
    h.send(h.venue.report(order.cl_ord_id, "0", "1", cum=40, leaves=order.qty - 40))  # the late ack
    assert child.status is OrdStatus.PARTIALLY_FILLED and parent(h).cum_qty == 40
    h.tick(1)
    assert not h.venue.unanswered(VenueNewOrder) or sum(
        o.qty for o in h.venue.unanswered(VenueNewOrder) if isinstance(o, VenueNewOrder)) <= 1000 - order.qty


def test_done_for_day_ends_the_child_and_lets_the_parent_finish() -> None:
    h = Harness()
    cl, order = one_child(h)
    h.send(h.venue.report(order.cl_ord_id, "0", "0", leaves=order.qty))
    h.send(h.venue.report(order.cl_ord_id, "3", "3", cum=0))
    assert parent(h).children[order.cl_ord_id].status is OrdStatus.DONE_FOR_DAY
    assert parent(h).exposure_qty == 0
    h.cancel(cl)
    assert h.oms.for_order(*[r.cl_ord_id for r in h.oms.reports])[-1].ord_status == "4"


def test_restated_quantity_is_taken_from_the_venue() -> None:
    h = Harness()
    _, order = one_child(h)
    h.send(h.venue.report(order.cl_ord_id, "0", "0", leaves=order.qty))
    rep = h.venue.report(order.cl_ord_id, "D", "0", leaves=10)
    h.send(rep)
    child = parent(h).children[order.cl_ord_id]
    assert child.qty == 10 and child.exposure_qty == 10 and child.status is OrdStatus.NEW


def test_cancel_refused_as_unknown_before_the_ack_is_not_taken_as_cancelled() -> None:
    h = Harness()
    cl, order = one_child(h)
    h.cancel(cl)
    (cancel,) = h.venue.unanswered(VenueCancel)
    assert isinstance(cancel, VenueCancel)
    object.__setattr__(cancel, "_answered", True)
    h.send(VenueCancelReject(cancel.cl_ord_id, order.cl_ord_id, "8", "1", "1", "unknown order"))
    child = parent(h).children[order.cl_ord_id]
    assert child.is_live and child.status is OrdStatus.PENDING_NEW and child.cancel_wanted
    assert parent(h).status.value == "6"  # the parent's cancel is still pending
    # The New reaches the venue after all and fills before the second cancel: the fill is counted.
    h.send(h.venue.report(order.cl_ord_id, "0", "0", leaves=order.qty))
    (again,) = h.venue.unanswered(VenueCancel)
    assert isinstance(again, VenueCancel) and again.orig_cl_ord_id == order.cl_ord_id
    h.send(h.venue.report(order.cl_ord_id, "F", "1", last_qty=5, last_px=20.0, cum=5, leaves=order.qty - 5))
    h.send(h.venue.report(again.cl_ord_id, "4", "4", orig=order.cl_ord_id, cum=5))
    last = h.oms.reports[-1]
    assert (last.exec_type, last.ord_status, last.cum_qty, last.leaves_qty) == ("4", "4", 5, 0)
    assert trades(h, cl) == [(5, 20.0)]


def test_a_lost_cancel_is_followed_up_and_sent_again() -> None:
    h = Harness()
    cl, order = one_child(h)
    h.send(h.venue.report(order.cl_ord_id, "0", "0", leaves=order.qty))
    h.cancel(cl)
    (cancel,) = h.venue.unanswered(VenueCancel)
    object.__setattr__(cancel, "_answered", True)
    h.tick(1.0)
    assert not h.venue.unanswered(VenueStatusRequest)  # not overdue yet
    h.tick(1.5)
    (status,) = h.venue.unanswered(VenueStatusRequest)
    assert isinstance(status, VenueStatusRequest) and status.cl_ord_id == order.cl_ord_id
    object.__setattr__(status, "_answered", True)
    h.send(h.venue.report(order.cl_ord_id, "I", "0", leaves=order.qty))
    (again,) = h.venue.unanswered(VenueCancel)
    assert isinstance(again, VenueCancel) and again.cl_ord_id != cancel.cl_ord_id  # type: ignore[attr-defined]
    h.send(h.venue.report(again.cl_ord_id, "4", "4", orig=order.cl_ord_id))
    assert h.oms.reports[-1].ord_status == "4"


def test_a_new_the_venue_never_received_is_rejected_after_two_unknown_answers() -> None:
    h = Harness()
    _, order = one_child(h)
    for i in range(2):
        h.tick(2.5)
        (status,) = h.venue.unanswered(VenueStatusRequest)
        object.__setattr__(status, "_answered", True)
        unknown = h.venue.report(order.cl_ord_id, "I", "8")
        h.send(type(unknown)(**{**unknown.__dict__, "order_id": "NONE", "text": "unknown ClOrdID"}))
        child = parent(h).children[order.cl_ord_id]
        assert child.is_live == (i == 0)
    assert child.status is OrdStatus.REJECTED and parent(h).exposure_qty == 0
    assert parent(h).status.value == "0"  # the parent keeps working


def test_a_status_answer_saying_rejected_ends_a_child_never_acknowledged() -> None:
    h = Harness()
    _, order = one_child(h)
    h.tick(2.5)
    h.send(h.venue.report(order.cl_ord_id, "I", "8"))
    assert parent(h).children[order.cl_ord_id].status is OrdStatus.REJECTED


def test_a_cancel_report_ahead_of_its_fill_holds_the_parent_until_the_fill_arrives() -> None:
    h = Harness()
    cl, order = one_child(h)
    h.send(h.venue.report(order.cl_ord_id, "0", "0", leaves=order.qty))
    h.cancel(cl)
    (cancel,) = h.venue.unanswered(VenueCancel)
    # The venue filled 30 then cancelled the rest, but its cancel report overtakes the fill report.
    h.send(h.venue.report(cancel.cl_ord_id, "4", "4", orig=order.cl_ord_id, cum=30))
    assert parent(h).status.value == "6" and parent(h).exposure_qty == 30
    h.send(h.venue.report(order.cl_ord_id, "F", "1", last_qty=30, last_px=19.99, cum=30, leaves=order.qty - 30))
    last = h.oms.reports[-1]
    assert (last.exec_type, last.ord_status, last.cum_qty) == ("4", "4", 30)
    assert trades(h, cl) == [(30, 19.99)]


def test_a_fill_that_never_arrives_is_adopted_from_the_status_answer_once() -> None:
    h = Harness()
    cl, order = one_child(h)
    h.send(h.venue.report(order.cl_ord_id, "0", "0", leaves=order.qty))
    h.send(h.venue.report(order.cl_ord_id, "F", "1", last_qty=10, last_px=20.0, cum=10, leaves=order.qty - 10))
    h.cancel(cl)
    (cancel,) = h.venue.unanswered(VenueCancel)
    h.send(h.venue.report(cancel.cl_ord_id, "4", "4", orig=order.cl_ord_id, cum=40))
    h.tick(2.5)
    (status,) = h.venue.unanswered(VenueStatusRequest)
    object.__setattr__(status, "_answered", True)
    answer = h.venue.report(order.cl_ord_id, "I", "4", cum=40)
    h.send(type(answer)(**{**answer.__dict__, "avg_px": 20.0075}))  # 10 @ 20.0 + 30 @ 20.01
    assert trades(h, cl) == [(10, 20.0), (30, pytest.approx(20.01))]
    assert h.oms.reports[-1].ord_status == "4" and h.oms.reports[-1].cum_qty == 40
    # The lost report turns up after all: already in the adopted fill.
    h.send(h.venue.report(order.cl_ord_id, "F", "1", last_qty=30, last_px=20.01, cum=40, leaves=order.qty - 40))
    assert parent(h).cum_qty == 40 and len(trades(h, cl)) == 2


def test_reconciliation_holds_decisions_until_the_mass_status_is_answered() -> None:
    h = Harness()
    h.venue_session(False)
    h.send(VenueSessionState(True))
    assert h.engine.reconciling
    h.new(1000)
    h.tick(1)
    assert not h.venue.unanswered(VenueNewOrder)
    (mass,) = [m for m in h.venue.sent if type(m).__name__ == "VenueMassStatusRequest"]
    # A working order of ours the agent does not know: cancelled. Then the last report ends reconciliation.
    stray = h.venue.report("OLD-C7", "I", "0", leaves=100)
    h.send(type(stray)(**{**stray.__dict__, "mass_status_req_id": mass.mass_status_req_id}))  # type: ignore[attr-defined]
    (cancel,) = h.venue.unanswered(VenueCancel)
    assert cancel.orig_cl_ord_id == "OLD-C7"  # type: ignore[attr-defined]
    end = h.venue.report("NONE", "I", "8")
    h.send(type(end)(**{**end.__dict__, "order_id": "NONE", "mass_status_req_id": mass.mass_status_req_id,  # type: ignore[attr-defined]
                        "last_report": True}))
    assert not h.engine.reconciling
    h.tick(1)
    assert h.venue.unanswered(VenueNewOrder)


def test_oms_session_loss_cancels_its_parents_after_the_grace_when_configured() -> None:
    h = Harness(orders={"oms_disconnect": "cancel", "oms_disconnect_grace_s": 5})
    cl, order = one_child(h)
    h.send(h.venue.report(order.cl_ord_id, "0", "0", leaves=order.qty))
    h.send(OmsSessionState(SESSION, False))
    h.tick(4)
    assert parent(h).status.value == "0"
    h.tick(1.5)
    (cancel,) = h.venue.unanswered(VenueCancel)
    h.send(h.venue.report(cancel.cl_ord_id, "4", "4", orig=order.cl_ord_id))  # type: ignore[attr-defined]
    last = h.oms.for_order(cl)[-1]
    assert last.ord_status == "4" and "OMS session lost" in (last.text or "")


def test_oms_session_loss_keeps_working_by_default() -> None:
    h = Harness()
    one_child(h)
    h.send(OmsSessionState(SESSION, False))
    h.tick(50)
    assert not h.venue.unanswered(VenueCancel) and parent(h).status.value == "0"


def test_finished_parents_leave_memory_after_the_retention() -> None:
    h = Harness(orders={"retention_s": 60})
    cl = h.new(1000)
    h.tick()
    h.ack_all()
    h.cancel(cl)
    h.ack_all()
    assert h.oms.reports[-1].ord_status == "4"
    h.tick(59)
    assert h.engine.parents
    h.tick(2)
    assert h.engine.parents == {} and h.engine.ctx.book.children == {} and not h.engine.ctx.book.by_cl_ord_id
    h.send(StatusRequest(SESSION, cl, None))
    assert h.oms.reports[-1].text == "unknown order"


def test_a_new_that_could_not_be_sent_ends_the_child() -> None:
    h = Harness()
    _, order = one_child(h)
    h.send(SendFailed(order, "venue session not logged on"))
    assert parent(h).children[order.cl_ord_id].status is OrdStatus.REJECTED and parent(h).exposure_qty == 0


def test_an_unknown_event_type_is_an_error() -> None:
    h = Harness()
    with pytest.raises(AssertionError):
        h.engine.dispatch(object())  # type: ignore[arg-type]
