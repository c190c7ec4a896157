"""The in-process venue: the simulator's order desk behind the live agent's FIX mapping, without sockets."""

from __future__ import annotations

import math

from agent.backtest.sim_venue import SimVenue, VenueEvent
from agent.core.commands import (
    VenueCancel,
    VenueCommand,
    VenueMassStatusRequest,
    VenueNewOrder,
    VenueReplace,
    VenueStatusRequest,
)
from agent.core.venue_reports import VenueCancelReject, VenueExecReport
from simulator.flow import FlowVenue, QuietFlow
from simulator.instruments import DEFAULT_UNIVERSE
from simulator.market import Market
from simulator.orders import Side
from simulator.venue_faults import VenueFaults
from strategies.types import ChildTif

START = 1_700_000_000.0
COIN = "CRYPTOALPHA"  # lot 1, tick 0.001


class _SellsAt:
    """Background flow whose only events are market sells of `qty` at the given times after START."""

    def __init__(self, *orders: tuple[float, int]) -> None:
        self._orders = sorted(orders)

    def next_time(self) -> float:
        return START + self._orders[0][0] if self._orders else math.inf

    def fire(self, venue: FlowVenue) -> None:
        _, qty = self._orders.pop(0)
        venue.place_flow_order(COIN, Side.SELL, qty, None)


def venue(*sells: tuple[float, int], faults: VenueFaults | None = None) -> SimVenue:
    market = Market(DEFAULT_UNIVERSE, _SellsAt(*sells) if sells else QuietFlow(), start_time=START)
    return SimVenue(market, faults)


def buy(cl_ord_id: str, qty: int = 100, price: str | None = "20.000") -> VenueNewOrder:
    return VenueNewOrder(cl_ord_id, COIN, "1", qty, price, ChildTif.DAY)


def exec_reports(events: list[VenueEvent]) -> list[VenueExecReport]:
    assert all(isinstance(e, VenueExecReport) for e in events)
    return [e for e in events if isinstance(e, VenueExecReport)]


def test_a_new_order_is_acknowledged_then_filled_as_the_market_trades_into_it() -> None:
    v = venue((1.0, 40), (3.0, 100))
    v.send(buy("A1"))
    [ack] = exec_reports(v.take_events())
    assert (ack.exec_type, ack.ord_status, ack.cl_ord_id, ack.order_qty, ack.price, ack.leaves_qty) == (
        "0", "0", "A1", 100, 20.0, 100,
    )  # fmt: skip
    assert v.sent == 1
    v.advance(START + 0.5)
    assert v.take_events() == []
    v.advance(START + 2.0)
    [fill] = exec_reports(v.take_events())
    assert (fill.exec_type, fill.ord_status, fill.last_qty, fill.last_px, fill.cum_qty, fill.leaves_qty) == (
        "F", "1", 40, 20.0, 40, 60,
    )  # fmt: skip
    assert fill.order_id == ack.order_id and fill.exec_id != ack.exec_id
    v.advance(START + 4.0)
    [last] = exec_reports(v.take_events())
    assert (last.ord_status, last.last_qty, last.cum_qty, last.leaves_qty, last.avg_px) == ("2", 60, 100, 0, 20.0)
    assert v.take_events() == []


def test_cancel_and_replace_answer_under_the_new_clordid_and_later_fills_use_it() -> None:
    v = venue((1.0, 30))
    v.send(buy("A1"))
    v.send(VenueReplace("A2", "A1", COIN, "1", 150, "20.005", ChildTif.DAY))
    _, replaced = exec_reports(v.take_events())
    assert (replaced.exec_type, replaced.cl_ord_id, replaced.orig_cl_ord_id, replaced.order_qty, replaced.price) == (
        "5", "A2", "A1", 150, 20.005,
    )  # fmt: skip
    v.advance(START + 1.0)
    [fill] = exec_reports(v.take_events())
    assert (fill.cl_ord_id, fill.last_qty, fill.last_px, fill.leaves_qty) == ("A2", 30, 20.005, 120)
    v.send(VenueCancel("A3", "A2", COIN, "1", 150))
    [done] = exec_reports(v.take_events())
    assert (done.exec_type, done.ord_status, done.orig_cl_ord_id, done.cum_qty, done.leaves_qty) == (
        "4", "4", "A2", 30, 0,
    )  # fmt: skip
    v.send(VenueCancel("A4", "A3", COIN, "1", 150))
    [late] = v.take_events()
    assert isinstance(late, VenueCancelReject)
    assert (late.reason, late.ord_status, late.response_to) == ("0", "4", "1")


def test_status_and_cancel_for_an_unknown_clordid_answer_as_the_fix_venue_does() -> None:
    v = venue()
    v.send(VenueStatusRequest("NOPE", COIN, "1"))
    [status] = exec_reports(v.take_events())
    assert (status.exec_type, status.ord_status, status.order_id, status.text) == (
        "I", "8", "NONE", "unknown ClOrdID NOPE",
    )  # fmt: skip
    v.send(VenueCancel("C1", "NOPE", COIN, "1", 100))
    [refused] = v.take_events()
    assert isinstance(refused, VenueCancelReject)
    assert (refused.reason, refused.orig_cl_ord_id, refused.ord_status) == ("1", "NOPE", "8")


def test_a_reused_clordid_is_refused_as_a_duplicate_and_the_first_order_is_untouched() -> None:
    v = venue()
    v.send(buy("A1"))
    v.send(buy("A1", qty=300, price="19.000"))
    ack, dup = exec_reports(v.take_events())
    assert (dup.exec_type, dup.ord_status, dup.order_id, dup.text) == ("8", "8", "NONE", "duplicate ClOrdID A1")
    assert v.sent == 2
    [record] = v.ledger()
    assert (record.order_id, record.qty, record.working) == (ack.order_id, 100, True)


def test_mass_status_lists_working_orders_then_says_none_is_left() -> None:
    v = venue()
    v.send(buy("A1", price="19.990"))
    v.send(buy("B1", price="19.980"))
    v.send(VenueReplace("B2", "B1", COIN, "1", 250, "19.985", ChildTif.DAY))
    v.take_events()
    v.send(VenueMassStatusRequest("M1"))
    first, last = exec_reports(v.take_events())
    assert [(r.exec_type, r.cl_ord_id, r.order_qty, r.price, r.mass_status_req_id, r.last_report) for r in (first, last)] == [
        ("I", "A1", 100, 19.99, "M1", False), ("I", "B2", 250, 19.985, "M1", True),
    ]  # fmt: skip
    v.send(VenueCancel("A9", "A1", COIN, "1", 100))
    v.send(VenueCancel("B9", "B2", COIN, "1", 250))
    v.take_events()
    v.send(VenueMassStatusRequest("M2"))
    [none] = exec_reports(v.take_events())
    assert (none.cl_ord_id, none.order_id, none.ord_status, none.mass_status_req_id, none.last_report, none.text) == (
        "NONE", "NONE", "8", "M2", True, "no working orders",
    )  # fmt: skip


def test_the_ledger_holds_every_clordid_and_exactly_the_fills_reported() -> None:
    v = venue((1.0, 30), (2.0, 50), (3.0, 40))
    v.send(buy("A1"))
    v.advance(START + 1.5)
    v.send(VenueReplace("A2", "A1", COIN, "1", 120, "20.000", ChildTif.DAY))
    v.send(buy("B1", qty=50, price="19.000"))
    v.advance(START + 5.0)
    fills = [(e.exec_id, e.last_qty, e.last_px) for e in exec_reports(v.take_events()) if e.exec_type == "F"]
    a, b = v.ledger()
    assert (a.cl_ord_ids, a.qty, a.cum_qty, a.working, a.ord_status) == (("A1", "A2"), 120, 120, False, "2")
    assert [(f.exec_id, f.qty, f.price) for f in a.fills] == fills
    assert [f.qty for f in a.fills] == [30, 50, 40]
    assert (b.cl_ord_ids, b.cum_qty, b.fills, b.working) == (("B1",), 0, (), True)


def test_bad_commands_get_the_venues_answer_and_never_raise() -> None:
    v = venue()
    v.send(buy("A1"))
    v.send(VenueReplace("A2", "A1", COIN, "1", 100, "abc", ChildTif.DAY))
    v.send(buy("Z1", qty=0))
    v.send("not a command")  # type: ignore[arg-type]
    _, refused, rejected = v.take_events()
    assert isinstance(refused, VenueCancelReject)
    assert (refused.reason, refused.text) == ("99", "Price(44) abc is not a number")
    assert isinstance(rejected, VenueExecReport)
    assert (rejected.exec_type, rejected.cl_ord_id) == ("8", "Z1")


def _faulty_run(seed: int) -> list[VenueEvent]:
    v = venue((1.0, 30), (2.0, 30), faults=VenueFaults(seed=seed, delay_acks=0.5, duplicate_reports=0.5,
                                                       cancel_overtakes_new=0.5, max_delay_s=0.4))
    commands: list[VenueCommand] = [buy(f"A{i}", qty=10, price="20.000") for i in range(8)]
    commands += [VenueCancel(f"C{i}", f"A{i}", COIN, "1", 10) for i in range(4)]
    for command in commands:
        v.send(command)
    v.advance(START + 3.0)
    return v.take_events()


def test_faults_play_through_the_in_process_venue_and_repeat_with_the_seed() -> None:
    v = venue(faults=VenueFaults(cancel_overtakes_new=1.0, max_delay_s=0.5))
    v.send(buy("A1"))
    assert v.take_events() == []
    v.send(VenueCancel("C1", "A1", COIN, "1", 100))
    [refused] = v.take_events()
    assert isinstance(refused, VenueCancelReject) and refused.reason == "1"
    v.advance(START + 0.5)
    [ack] = exec_reports(v.take_events())
    assert (ack.exec_type, ack.cl_ord_id) == ("0", "A1")

    run = _faulty_run(4)
    assert _faulty_run(4) == run
    assert _faulty_run(5) != run
    exec_ids = [e.exec_id for e in exec_reports([e for e in run if isinstance(e, VenueExecReport)])]
    assert len(set(exec_ids)) < len(exec_ids)  # duplicates: the same ExecID twice
