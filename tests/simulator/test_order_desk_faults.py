"""The order desk's fault modes, one at a time, then all together: seeded, bounded in time, never against the book."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from fix_config.vocabulary import CxlRejReason, ExecType, OrdRejReason, OrdStatus
from simulator.fix_messages import CancelReject, ExecReport, Routed
from simulator.fix_order_desk import OrderDesk
from simulator.fix_requests import CancelRequest, MassStatusRequest, NewOrderRequest, ReplaceRequest, StatusRequest
from simulator.flow import QuietFlow
from simulator.instruments import DEFAULT_UNIVERSE
from simulator.market import Market
from simulator.venue_faults import FaultsFileError, VenueFaults, load_faults, parse_faults

START = 1_700_000_000.0
COIN = "CRYPTOALPHA"  # lot 1, tick 0.001
ACME = "ACME"  # lot 100, tick 0.01
ME = "FIX.4.4:SIMVENUE->FOOTPRINT"
OTHER = "FIX.4.4:SIMVENUE->TRADER2"


def desk_with(**faults: float) -> tuple[Market, OrderDesk]:
    """A quiet market (only the tests' orders) and a desk playing `faults` on ME; OTHER behaves."""
    market = Market(DEFAULT_UNIVERSE, QuietFlow(), start_time=START)
    return market, OrderDesk(market, "T", {ME: VenueFaults.model_validate(faults)})


def new(cl_ord_id: str, side: str = "1", qty: int = 100, price: str | None = "20.000", symbol: str = COIN,
        tif: str | None = None) -> NewOrderRequest:
    return NewOrderRequest(cl_ord_id, symbol, side, str(qty), "2" if price else "1", price, tif)


def cancel(cl_ord_id: str, orig: str, side: str = "1") -> CancelRequest:
    return CancelRequest(cl_ord_id, orig, COIN, side)


def later(market: Market, desk: OrderDesk, seconds: float) -> list[Routed]:
    """What the venue sends while `seconds` pass (as the FIX application's tick or SimVenue.advance)."""
    routed = desk.report(market.advance(market.now + seconds))
    return routed + desk.release_due()


def reports(routed: list[Routed], session: str = ME) -> list[ExecReport]:
    return [record for to, record in routed if to == session and isinstance(record, ExecReport)]


def kinds(routed: list[Routed], session: str = ME) -> list[str]:
    return [r.exec_type for r in reports(routed, session)]


# -- settings --------------------------------------------------------------------------------------


def test_faults_are_off_by_default_and_an_all_off_setting_changes_nothing() -> None:
    assert not VenueFaults(seed=9, max_delay_s=1.0, event_window_s=5.0).active
    for name in set(VenueFaults.model_fields) - {"seed", "max_delay_s", "event_window_s"}:
        assert VenueFaults.model_validate({name: 0.01}).active, name

    def script(desk: OrderDesk, market: Market) -> list[Routed]:
        out = desk.new_order(OTHER, new("S1", "2", 40, "20.000"))
        out += desk.new_order(ME, new("B1", "1", 100, "20.000"))
        out += desk.cancel(ME, cancel("B2", "B1"))
        return out + later(market, desk, 60.0)

    plain_market = Market(DEFAULT_UNIVERSE, QuietFlow(), start_time=START)
    plain = script(OrderDesk(plain_market, "T"), plain_market)
    market, desk = desk_with(seed=3, max_delay_s=1.0, event_window_s=5.0)
    assert script(desk, market) == plain
    assert kinds(plain) == ["0", "F", "4"]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("drop_cancels", 1.5, "less than or equal to 1"),
        ("delay_acks", -0.1, "greater than or equal to 0"),
        ("max_delay_s", 0.0, "greater than 0"),
        ("max_delay_s", 1.5, "less than or equal to 1"),
        ("event_window_s", -1.0, "greater than 0"),
        ("seed", -1, "greater than or equal to 0"),
        ("reorder_reports", "often", "valid number"),
        ("drop_cancel", 0.5, "Extra inputs are not permitted"),
    ],
)
def test_each_bad_setting_is_refused_with_a_message_naming_the_field(field: str, value: object, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as raised:
        VenueFaults.model_validate({field: value})
    assert raised.value.errors()[0]["loc"] == (field,)
    with pytest.raises(FaultsFileError, match=rf"^faults: FOOTPRINT\.{field}: .*{words}") as from_file:
        parse_faults({"FOOTPRINT": {field: value}})
    assert "\n" not in str(from_file.value)


def test_fault_files_are_read_as_toml_or_yaml_per_target_comp_id(tmp_path: Path) -> None:
    toml = tmp_path / "faults.toml"
    toml.write_text('[FOOTPRINT]\nseed = 7\ndrop_cancels = 0.25\n\n[TRADER2]\ndelay_acks = 1.0\nmax_delay_s = 0.2\n')
    yaml = tmp_path / "faults.yaml"
    yaml.write_text("FOOTPRINT:\n  seed: 7\n  drop_cancels: 0.25\nTRADER2:\n  delay_acks: 1.0\n  max_delay_s: 0.2\n")
    expected = {
        "FOOTPRINT": VenueFaults(seed=7, drop_cancels=0.25),
        "TRADER2": VenueFaults(delay_acks=1.0, max_delay_s=0.2),
    }
    assert load_faults(toml) == expected
    assert load_faults(yaml) == expected

    bad = tmp_path / "bad.yaml"
    bad.write_text("FOOTPRINT:\n  done_for_day: 2\n")
    with pytest.raises(FaultsFileError, match=r"bad\.yaml: FOOTPRINT\.done_for_day: .*less than or equal to 1"):
        load_faults(bad)
    with pytest.raises(FaultsFileError, match=r"expected a mapping of fault settings"):
        parse_faults({"FOOTPRINT": 0.5})
    (tmp_path / "f.json").write_text("{}")
    with pytest.raises(FaultsFileError, match=r"f\.json: expected a \.toml, \.yaml or \.yml file"):
        load_faults(tmp_path / "f.json")


# -- one fault at a time ---------------------------------------------------------------------------


def test_delayed_acks_come_within_max_delay_while_the_book_has_already_acted() -> None:
    market, desk = desk_with(delay_acks=1.0, max_delay_s=0.4)
    assert desk.new_order(ME, new("A1")) == []
    assert [o.qty for o in market.open_orders(ME)] == [100]  # in the book, just not acknowledged yet
    due = desk.next_due()
    assert due is not None and START < due <= START + 0.4
    assert later(market, desk, due - START - 0.001) == []
    [ack] = reports(later(market, desk, 0.001))
    assert (ack.exec_type, ack.cl_ord_id, ack.ord_status, ack.leaves_qty) == ("0", "A1", "0", 100)

    assert desk.cancel(ME, cancel("A2", "A1")) == []
    assert market.open_orders(ME) == []  # cancelled at once; only the answer waits
    [done] = reports(later(market, desk, 0.4))
    assert (done.exec_type, done.cl_ord_id, done.orig_cl_ord_id, done.ord_status) == ("4", "A2", "A1", "4")
    assert desk.next_due() is None


def test_an_order_that_trades_on_entry_reports_its_fills_before_its_new_ack() -> None:
    def enter(desk: OrderDesk) -> list[Routed]:
        desk.new_order(OTHER, new("S1", "2", 30, "20.000"))
        desk.new_order(OTHER, new("S2", "2", 30, "20.001"))
        return desk.new_order(ME, new("B1", "1", 100, "20.001"))

    _, plain_desk = desk_with()
    assert kinds(enter(plain_desk)) == ["0", "F", "F"]
    _, desk = desk_with(fills_before_acks=1.0)
    routed = enter(desk)
    mine = reports(routed)
    assert [r.exec_type for r in mine] == ["F", "F", "0"]
    assert [(r.last_qty, r.last_px, r.cum_qty, r.leaves_qty) for r in mine[:2]] == [
        (30, "20.000", 30, 70), (30, "20.001", 60, 40),
    ]  # fmt: skip
    assert (mine[2].ord_status, mine[2].cum_qty) == ("0", 0)  # the ack as it was when the order arrived
    assert kinds(routed, OTHER) == ["F", "F"]  # the other session plays no faults


def test_duplicate_reports_repeat_the_same_exec_id_once_within_max_delay() -> None:
    market, desk = desk_with(duplicate_reports=1.0, max_delay_s=0.3)
    [ack] = reports(desk.new_order(ME, new("A1")))
    [status] = reports(desk.status(ME, StatusRequest("A1", COIN, "1")))
    assert status.exec_type == "I"
    assert reports(later(market, desk, 0.3)) == [ack]
    assert later(market, desk, 60.0) == []


def test_reordered_reports_hold_fills_back_behind_later_reports_and_lose_nothing() -> None:
    _, plain_desk = desk_with()
    faulty_market, desk = desk_with(reorder_reports=1.0, max_delay_s=0.5)
    for d in (plain_desk, desk):
        d.new_order(OTHER, new("S1", "2", 30, "20.000"))
        d.new_order(OTHER, new("S2", "2", 30, "20.001"))
    plain = reports(plain_desk.new_order(ME, new("B1", "1", 100, "20.001")))
    assert [r.exec_type for r in plain] == ["0", "F", "F"]
    now = reports(desk.new_order(ME, new("B1", "1", 100, "20.001")))
    # The fills are held back: the ack goes first, then a cancel of the rest overtakes both fill reports.
    assert now == [plain[0]]
    [cancelled] = reports(desk.cancel(ME, cancel("C1", "B1")))
    assert (cancelled.exec_type, cancelled.cum_qty) == ("4", 60)
    held = reports(later(faulty_market, desk, 0.5))
    assert sorted(held, key=lambda r: r.exec_id) == sorted(plain[1:], key=lambda r: r.exec_id)


def test_an_ioc_cancel_report_overtakes_its_own_fill() -> None:
    _, plain_desk = desk_with()
    faulty_market, desk = desk_with(reorder_reports=1.0, max_delay_s=0.5)
    for d in (plain_desk, desk):
        d.new_order(OTHER, new("S1", "2", 30, "20.000"))
    plain = reports(plain_desk.new_order(ME, new("I1", "1", 100, "20.000", tif="3")))
    assert [r.exec_type for r in plain] == ["0", "F", "4"]
    # An IOC that trades part and is cancelled: its Canceled (CumQty 30) goes out before the fill it counts.
    now = reports(desk.new_order(ME, new("I1", "1", 100, "20.000", tif="3")))
    assert now == [plain[0], plain[2]] and now[1].cum_qty == 30
    assert reports(later(faulty_market, desk, 0.5)) == [plain[1]]


def test_a_dropped_cancel_is_never_seen_answered_or_carried_out() -> None:
    market, desk = desk_with(drop_cancels=1.0)
    assert kinds(desk.new_order(ME, new("A1"))) == ["0"]
    assert desk.cancel(ME, cancel("C1", "A1")) == []
    assert later(market, desk, 60.0) == []
    assert [o.qty for o in market.open_orders(ME)] == [100]
    desk.set_faults(ME, None)
    # The venue never saw C1, so it is no duplicate now.
    [done] = reports(desk.cancel(ME, cancel("C1", "A1")))
    assert (done.exec_type, done.cl_ord_id, done.orig_cl_ord_id) == ("4", "C1", "A1")


def test_a_cancel_that_overtakes_its_new_finds_no_order_then_the_new_goes_in() -> None:
    market, desk = desk_with(cancel_overtakes_new=1.0, max_delay_s=0.5)
    assert desk.new_order(ME, new("A1")) == []
    assert market.open_orders(ME) == []
    [(_, refused)] = desk.cancel(ME, cancel("C1", "A1"))
    assert isinstance(refused, CancelReject)
    assert (refused.reason, refused.orig_cl_ord_id, refused.ord_status) == (int(CxlRejReason.UNKNOWN_ORDER), "A1", "8")
    [unknown] = reports(desk.status(ME, StatusRequest("A1", COIN, "1")))
    assert (unknown.exec_type, unknown.ord_status, unknown.order_id) == ("I", "8", "NONE")
    [none] = reports(desk.mass_status(ME, MassStatusRequest("M1", None)))
    assert (none.cl_ord_id, none.tot_num_reports) == ("NONE", 0)
    [dup] = reports(desk.new_order(ME, new("A1")))  # the venue has the first one: this one is a duplicate
    assert (dup.exec_type, dup.ord_rej_reason) == ("8", int(OrdRejReason.DUPLICATE_ORDER))

    [ack] = reports(later(market, desk, 0.5))
    assert (ack.exec_type, ack.cl_ord_id, ack.leaves_qty) == ("0", "A1", 100)
    assert [o.qty for o in market.open_orders(ME)] == [100]
    [done] = reports(desk.cancel(ME, cancel("C2", "A1")))
    assert (done.exec_type, done.orig_cl_ord_id) == ("4", "A1")


def test_the_venue_cancels_a_working_order_on_its_own_within_the_event_window() -> None:
    market, desk = desk_with(unsolicited_cancels=1.0, event_window_s=10.0)
    desk.new_order(ME, new("A1"))
    due = desk.next_due()
    assert due is not None and START < due <= START + 10.0
    assert later(market, desk, due - START - 0.001) == []
    [gone] = reports(later(market, desk, 0.001))
    assert (gone.exec_type, gone.ord_status, gone.orig_cl_ord_id, gone.cl_ord_id) == ("4", "4", None, "A1")
    assert gone.text == "cancelled by the venue"
    assert market.open_orders(ME) == []
    [record] = desk.ledger(ME)
    assert (record.working, record.ord_status) == (False, "4")


def test_a_venue_action_on_an_order_already_done_does_nothing() -> None:
    market, desk = desk_with(unsolicited_cancels=1.0, done_for_day=1.0, restatements=1.0, event_window_s=5.0)
    desk.new_order(ME, new("A1"))
    assert len(desk.cancel(ME, cancel("A2", "A1"))) == 1
    assert later(market, desk, 5.0) == []
    assert desk.next_due() is None


def test_done_for_day_ends_the_order_with_exec_type_3_and_the_venue_keeps_saying_so() -> None:
    market, desk = desk_with(done_for_day=1.0, event_window_s=2.0)
    desk.new_order(OTHER, new("S1", "2", 30, "20.000"))
    desk.new_order(ME, new("A1", "1", 100, "20.000"))
    [ended] = reports(later(market, desk, 2.0))
    assert (ended.exec_type, ended.ord_status, ended.cum_qty, ended.leaves_qty) == ("3", "3", 30, 0)
    assert market.open_orders(ME) == []
    [status] = reports(desk.status(ME, StatusRequest("A1", COIN, "1")))
    assert (status.ord_status, status.cum_qty) == ("3", 30)
    [(_, refused)] = desk.cancel(ME, cancel("A2", "A1"))
    assert isinstance(refused, CancelReject)
    assert (refused.reason, refused.ord_status) == (int(CxlRejReason.TOO_LATE), "3")


def test_a_restatement_cuts_whole_lots_keeps_the_status_and_the_book_agrees() -> None:
    market, desk = desk_with(restatements=1.0, event_window_s=2.0, seed=11)
    desk.new_order(OTHER, new("S1", "2", 100, "50.00", symbol=ACME))
    desk.new_order(ME, new("A1", "1", 500, "50.00", symbol=ACME))
    desk.new_order(ME, new("A2", "1", 100, "49.00", symbol=ACME))  # one lot: nothing left to cut
    [cut] = reports(later(market, desk, 2.0))
    assert (cut.exec_type, cut.cl_ord_id, cut.ord_status, cut.cum_qty) == ("D", "A1", "1", 100)
    assert cut.order_qty in (200, 300, 400)
    assert cut.order_qty is not None and cut.leaves_qty == cut.order_qty - 100
    assert cut.exec_restatement_reason == "5"
    assert [o.qty for o in market.open_orders(ME)] == [cut.order_qty, 100]
    assert market.depth(ACME, 2).bids[0].size == cut.leaves_qty


# -- all together ----------------------------------------------------------------------------------

_EVERYTHING = {
    "delay_acks": 0.3, "fills_before_acks": 0.5, "duplicate_reports": 0.2, "reorder_reports": 0.3,
    "drop_cancels": 0.2, "cancel_overtakes_new": 0.2, "unsolicited_cancels": 0.1, "done_for_day": 0.1,
    "restatements": 0.2, "max_delay_s": 0.25, "event_window_s": 20.0,
}  # fmt: skip


def _session(seed: int, steps: int = 400) -> tuple[Market, OrderDesk, list[tuple[float, Routed]], list[object]]:
    """A random trading session: ME rests, replaces, cancels and asks for status; OTHER trades against it."""
    market, desk = desk_with(seed=seed, **_EVERYTHING)
    script = np.random.default_rng(1000)  # the requests stay the same whatever the fault seed
    sent: list[tuple[float, Routed]] = []
    requests: list[object] = []
    mine: list[str] = []
    for step in range(steps):
        roll = script.random()
        price = f"{20 + int(script.integers(-5, 6)) * 0.001:.3f}"
        side = "1" if script.random() < 0.5 else "2"
        request: NewOrderRequest | CancelRequest | ReplaceRequest | StatusRequest | MassStatusRequest
        if roll < 0.35 or not mine:
            request = new(f"N{step}", side, int(script.integers(1, 50)) * 10, price)
            mine.append(request.cl_ord_id)
            session = ME
        elif roll < 0.55:
            request = new(f"O{step}", side, int(script.integers(1, 40)) * 10, price, tif="3")
            session = OTHER
        elif roll < 0.7:
            request = CancelRequest(f"C{step}", str(script.choice(mine)), COIN, side)
            session = ME
        elif roll < 0.8:
            orig = str(script.choice(mine))
            request = ReplaceRequest(f"R{step}", orig, COIN, side, str(int(script.integers(5, 60)) * 10), "2", price)
            mine.append(request.cl_ord_id)
            session = ME
        elif roll < 0.95:
            request = StatusRequest(str(script.choice(mine)), COIN, side)
            session = ME
        else:
            request = MassStatusRequest(f"M{step}", None)
            session = ME
        if session == ME:
            requests.append(request)
        sent.extend((market.now, item) for item in desk.handle(session, request))
        sent.extend((market.now, item) for item in later(market, desk, float(script.exponential(0.2))))
    sent.extend((market.now, item) for item in later(market, desk, 60.0))
    return market, desk, sent, requests


def test_the_same_seed_gives_the_same_faults_and_another_seed_others() -> None:
    first = _session(5, 150)[2]
    assert _session(5, 150)[2] == first
    assert _session(6, 150)[2] != first


def test_every_delay_stays_within_max_delay() -> None:
    market, desk = desk_with(delay_acks=1.0, duplicate_reports=1.0, cancel_overtakes_new=0.5, max_delay_s=0.2)
    for index in range(50):
        desk.new_order(ME, new(f"A{index}", price=f"{19 + index * 0.001:.3f}"))
        assert (desk.next_due() or START) <= START + 0.2
    released = later(market, desk, 0.2)
    assert desk.next_due() is None
    assert len({r.cl_ord_id for r in reports(released) if r.exec_type == "0"}) == 50


def test_with_every_fault_on_no_report_contradicts_the_book_and_only_dropped_cancels_go_unanswered() -> None:
    market, desk, sent, requests = _session(seed=21)
    to_me = [(when, record) for when, (session, record) in sent if session == ME]
    ers = [record for _, record in to_me if isinstance(record, ExecReport)]
    rejects = [record for _, record in to_me if isinstance(record, CancelReject)]

    # Duplicates are the same report again, never a different one under the same ExecID.
    by_exec_id: dict[str, ExecReport] = {}
    for report in ers:
        assert by_exec_id.setdefault(report.exec_id, report) == report
    assert len(by_exec_id) < len(ers)  # some were duplicated

    ledger = {record.order_id: record for record in desk.ledger(ME)}
    fills: dict[str, set[tuple[str, int, float]]] = defaultdict(set)
    for report in by_exec_id.values():
        if report.exec_type == ExecType.TRADE:
            assert report.last_qty is not None and report.last_px is not None
            fills[report.order_id].add((report.exec_id, report.last_qty, float(report.last_px)))
        if report.order_id == "NONE":
            continue
        if OrdStatus(report.ord_status).is_terminal:
            assert report.leaves_qty == 0
        else:
            assert report.order_qty is not None and report.cum_qty + report.leaves_qty == report.order_qty
        if report.exec_type in (ExecType.CANCELED, ExecType.DONE_FOR_DAY):
            assert not ledger[report.order_id].working
    assert sum(len(f) for f in fills.values()) > 20
    for order_id, record in ledger.items():
        assert fills[order_id] == {(f.exec_id, f.qty, f.price) for f in record.fills}
        assert sum(f.qty for f in record.fills) == record.cum_qty <= record.qty
    working = {o.order_id for o in market.open_orders(ME)}
    assert {int(oid.split("-")[1]) for oid, r in ledger.items() if r.working} == working

    answered = {r.cl_ord_id for r in ers} | {r.cl_ord_id for r in rejects}
    news = [r for r in requests if isinstance(r, NewOrderRequest)]
    assert all(n.cl_ord_id in answered for n in news)  # a New is never lost
    cancels = [r for r in requests if isinstance(r, CancelRequest)]
    unanswered = [c.cl_ord_id for c in cancels if c.cl_ord_id not in answered]
    assert 0 < len(unanswered) < len(cancels)
    known = {cl for record in ledger.values() for cl in record.cl_ord_ids}
    assert not known & set(unanswered)  # a cancel without an answer is one the venue never acted on
    kinds_seen = {r.exec_type for r in ers}
    assert {"0", "F", "4", "5", "3", "D", "I"} <= kinds_seen
