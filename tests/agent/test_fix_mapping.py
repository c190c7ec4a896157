"""FIX message <-> plain value mapping, both gateways, without sockets."""

from __future__ import annotations

from pathlib import Path

import pytest
import quickfix as fix

from agent.core.commands import MassCancelReport, ParentCancelReject, ParentExecReport
from agent.core.oms_requests import CancelRequest, MassCancelRequest, NewOrderRequest, ReplaceRequest, StatusRequest
from agent.fix.fix_time import format_utc_timestamp, parse_utc_timestamp
from agent.fix.oms_gateway import build_cancel_reject, build_exec_report, build_mass_cancel_report, parse_oms_message
from agent.fix.venue_messages import parse_cancel_reject, parse_exec_report, parse_market_data
from agent.market_data_book import MarketDataBook

SOH = "\x01"


def message(msg_type: str, *fields: tuple[int, str]) -> fix.Message:
    m = fix.Message()
    m.getHeader().setField(fix.MsgType(msg_type))
    for tag, value in fields:
        m.setField(tag, value)
    return m


def flat(m: fix.Message) -> dict[int, str]:
    return {int(k): v for k, v in (p.split("=", 1) for p in m.toString().split(SOH) if p)}


def test_new_order_single_is_copied_field_by_field() -> None:
    m = message("D", (11, "A1"), (55, "CRYPTOALPHA"), (54, "2"), (38, "5000"), (40, "2"), (44, "20.123"),
                (59, "6"), (60, "20260101-10:00:00.000"), (168, "20260101-10:00:05"),
                (126, "20260101-10:01:00.250"), (847, "1000"), (849, "0.1"))
    req = parse_oms_message(m, "S")
    assert req == NewOrderRequest("S", "A1", "CRYPTOALPHA", "2", "5000", "2", "20.123", "6",
                                  parse_utc_timestamp("20260101-10:00:00"), parse_utc_timestamp("20260101-10:00:05"),
                                  parse_utc_timestamp("20260101-10:01:00.250"), "1000", "0.1", ())


def test_unreadable_timestamp_is_named_not_raised() -> None:
    m = message("D", (11, "A1"), (60, "yesterday"), (126, "20260101-99:00:00"))
    req = parse_oms_message(m, "S")
    assert isinstance(req, NewOrderRequest)
    assert req.bad_fields == ("TransactTime(60)", "ExpireTime(126)")
    assert req.symbol is None and req.side is None


def test_other_oms_messages() -> None:
    assert parse_oms_message(message("F", (11, "C1"), (41, "A1"), (55, "X"), (54, "1")), "S") == CancelRequest(
        "S", "C1", "A1", "X", "1")
    rep = parse_oms_message(message("G", (11, "R1"), (41, "A1"), (38, "100"), (44, "1.5")), "S")
    assert isinstance(rep, ReplaceRequest) and (rep.order_qty, rep.price, rep.orig_cl_ord_id) == ("100", "1.5", "A1")
    assert parse_oms_message(message("q", (11, "M1"), (530, "7")), "S") == MassCancelRequest("S", "M1", "7", None)
    assert parse_oms_message(message("H", (11, "A1")), "S") == StatusRequest("S", "A1", None)
    assert parse_oms_message(message("R", (131, "Q")), "S") is None


def test_exec_report_carries_fix44_parent_fields() -> None:
    r = ParentExecReport(session="S", order_id="P1", cl_ord_id="R1", orig_cl_ord_id="A1", exec_id="E9",
                         exec_type="F", ord_status="1", symbol="CRYPTOALPHA", side="1", order_qty=5000,
                         cum_qty=1200, leaves_qty=3800, avg_px=20.0012345678, transact_time=1_800_000_000.5,
                         price_decimals=3, ord_type="2", limit_px=20.5, last_qty=200, last_px=20.004,
                         text="hello", time_in_force="6", expire_time=1_800_000_060.0)
    f = flat(build_exec_report(r))
    assert f[35] == "8"
    assert (f[37], f[11], f[41], f[17], f[150], f[39]) == ("P1", "R1", "A1", "E9", "F", "1")
    assert (f[55], f[54], f[38], f[40], f[44], f[59]) == ("CRYPTOALPHA", "1", "5000", "2", "20.500", "6")
    assert (f[32], f[31], f[14], f[151], f[6]) == ("200", "20.004", "1200", "3800", "20.0012346")
    assert f[58] == "hello" and f[60] == "20270115-08:00:00.500" and f[126] == "20270115-08:01:00.000"
    assert 103 not in f


def test_reject_report_has_ord_rej_reason_and_no_fill_fields() -> None:
    r = ParentExecReport(session="S", order_id="NONE", cl_ord_id="A1", exec_id="E1", exec_type="8",
                         ord_status="8", symbol="NOPE", side="1", order_qty=0, cum_qty=0, leaves_qty=0, avg_px=0.0,
                         transact_time=0.0, price_decimals=8, ord_rej_reason="1", text="unknown symbol")
    f = flat(build_exec_report(r))
    assert (f[150], f[39], f[103], f[58]) == ("8", "8", "1", "unknown symbol")
    assert 32 not in f and 31 not in f


def test_cancel_reject_and_mass_cancel_report() -> None:
    f = flat(build_cancel_reject(ParentCancelReject("S", "C1", "A1", "P1", "2", "1", "0", "too late")))
    assert (f[35], f[11], f[41], f[37], f[39], f[434], f[102], f[58]) == (
        "9", "C1", "A1", "P1", "2", "1", "0", "too late")
    m = build_mass_cancel_report(MassCancelReport("S", "M1", "7", "7", ("A1", "B1")))
    f = flat(m)
    assert (f[35], f[530], f[531], f[533]) == ("r", "7", "7", "2")
    assert m.toString().count(f"{SOH}41=") == 2


def test_venue_exec_report_and_cancel_reject() -> None:
    rep = parse_exec_report(message("8", (37, "V1"), (11, "C1"), (17, "X1"), (150, "F"), (39, "1"), (55, "S"),
                                    (54, "2"), (32, "100"), (31, "20.01"), (14, "100"), (151, "400"), (6, "20.01")))
    assert (rep.cl_ord_id, rep.exec_type, rep.last_qty, rep.last_px, rep.cum_qty, rep.leaves_qty, rep.side) == (
        "C1", "F", 100, 20.01, 100, 400, "2")
    rej = parse_cancel_reject(message("9", (11, "C2"), (41, "C1"), (39, "2"), (434, "2"), (102, "0"), (58, "late")))
    assert (rej.cl_ord_id, rej.orig_cl_ord_id, rej.response_to, rej.reason) == ("C2", "C1", "2", "0")


def _md(dd: fix.DataDictionary, text: str) -> fix.Message:
    return fix.Message(text.replace("|", SOH), dd, False)


@pytest.fixture(scope="module")
def dd() -> fix.DataDictionary:
    import fix_config

    return fix.DataDictionary(str(fix_config.quickfix_spec("FIX44")))


def _wire(body: str) -> str:
    header = "35=" + body
    text = f"8=FIX.4.4|9={len(header.replace('|', SOH)) + 1}|{header}|"
    total = sum(ord(c) for c in text.replace("|", SOH)) % 256
    return f"{text}10={total:03d}|"


def test_market_data_snapshot_then_increments_keep_the_book(dd: fix.DataDictionary) -> None:
    book = MarketDataBook()
    snap = _md(dd, _wire("W|49=V|56=A|34=2|52=20260101-00:00:00|262=r|55=CRYPTOALPHA|268=4|269=0|270=19.99|271=500"
                         "|269=0|270=19.98|271=700|269=1|270=20.01|271=300|269=1|270=20.02|271=900"))
    book.apply(parse_market_data(snap, 1.0))
    q = book.quote("CRYPTOALPHA", 1.0)
    assert (q.bid_px, q.bid_qty, q.ask_px, q.ask_qty) == (19.99, 500, 20.01, 300)
    inc = _md(dd, _wire("X|49=V|56=A|34=3|52=20260101-00:00:00|262=r|268=4"
                        "|279=2|269=1|55=CRYPTOALPHA|270=20.01|271=0"
                        "|279=1|269=0|55=CRYPTOALPHA|270=19.99|271=50"
                        "|279=0|269=0|55=CRYPTOALPHA|270=20.00|271=10"
                        "|279=0|269=2|55=CRYPTOALPHA|270=20.01|271=300"))
    changed = book.apply(parse_market_data(inc, 2.0))
    assert changed == {"CRYPTOALPHA"}
    q = book.quote("CRYPTOALPHA", 2.0)
    assert (q.bid_px, q.bid_qty, q.ask_px, q.ask_qty) == (20.00, 10, 20.02, 900)
    assert book.levels("CRYPTOALPHA", "0") == [(20.00, 10), (19.99, 50), (19.98, 700)]
    assert book.traded_volume["CRYPTOALPHA"] == 300


@pytest.mark.parametrize("text", ["20260101-10:00:00", "20260101-10:00:00.123", "20260101-10:00:00.123456",
                                  "20260101-10:00:00.123456789"])
def test_utc_timestamps(text: str) -> None:
    ts = parse_utc_timestamp(text)
    assert format_utc_timestamp(ts)[:21] == (text + ".000")[:21]


def test_bad_timestamp_raises_value_error() -> None:
    with pytest.raises(ValueError, match="not a FIX UTCTimestamp"):
        parse_utc_timestamp("2026-01-01T10:00:00")


def test_aggressor_side_travels_from_the_venue_to_the_book() -> None:
    """The simulator's trade entries carry AggressorSide(2446); through the venue dictionary both ends read, the
    agent's book signs its volume by it. Entries without it add volume and leave the signed part alone."""
    import fix_config
    from simulator.fix_messages import IncrementalEntry, MarketDataIncrement, to_quickfix

    venue_dd = fix.DataDictionary(str(fix_config.venue_dictionary()))
    sent = to_quickfix(MarketDataIncrement("r", (
        IncrementalEntry("0", "2", "CRYPTOALPHA", "20.01", 300, "1"),
        IncrementalEntry("0", "2", "CRYPTOALPHA", "20.00", 120, "2"),
        IncrementalEntry("0", "0", "CRYPTOALPHA", "19.99", 50),
        IncrementalEntry("0", "2", "CRYPTOALPHA", "20.00", 7),
    )))
    sent.getHeader().setField(49, "V")
    sent.getHeader().setField(56, "A")
    sent.getHeader().setField(34, "2")
    sent.getHeader().setField(52, "20260101-00:00:00")
    received = fix.Message(sent.toString(), venue_dd, True)
    update = parse_market_data(received, 1.0)
    assert [e.aggressor for e in update.entries] == [1, -1, None, None]
    book = MarketDataBook()
    assert book.quote("CRYPTOALPHA", 1.0).signed_volume is None  # no aggressor seen: unknown, not zero
    book.apply(update)
    q = book.quote("CRYPTOALPHA", 1.0)
    assert (q.volume, q.signed_volume) == (427, 180)


def test_the_venue_dictionary_is_fix44_with_aggressor_side_on_market_data_entries(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    import fix_config

    path = fix_config.venue_dictionary()
    assert fix_config.venue_dictionary() == path  # derived once, the same file for every session
    root = ET.parse(path).getroot()
    for name in ("MDFullGrp", "MDIncGrp"):
        group = root.find(f"components/component[@name='{name}']/group")
        assert group is not None and group.find("field[@name='AggressorSide']") is not None
    assert root.find("fields/field[@number='2446']").get("name") == "AggressorSide"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="not a QuickFIX data dictionary"):
        bad = tmp_path / "bad.xml"
        bad.write_text("<fix><messages/></fix>")
        fix_config.venue_dictionary(bad)
