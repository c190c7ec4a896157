"""The venue over real FIX sessions on loopback: order entry, reports, rejects; two sessions shared by all tests."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator

import pytest
import quickfix44 as fix44
from sim_fix_client import (
    A_KEY,
    B_KEY,
    COIN,
    START,
    SimFixClient,
    cancel,
    fields,
    get,
    market_data_request,
    new_order,
    replace,
    start_venue,
    status,
)

from simulator.clock import SimClock
from simulator.fix_venue import VenueServer
from simulator.flow import QuietFlow
from simulator.instruments import DEFAULT_UNIVERSE
from simulator.market import Market

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def trading(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[VenueServer, SimFixClient, SimFixClient]]:
    """One venue without background flow (the book holds only the tests' orders) and two logged-on sessions,
    FOOTPRINT and TRADER2, shared by the order-entry tests: QuickFIX takes about a second to stop a client."""
    root = tmp_path_factory.mktemp("trading")
    venue = start_venue(root, Market(DEFAULT_UNIVERSE, QuietFlow(), start_time=START), SimClock(START))
    a = SimFixClient(venue.port, root / "clients", "FOOTPRINT")
    b = SimFixClient(venue.port, root / "clients", "TRADER2")
    a.start()
    b.start()
    yield venue, a, b
    a.stop()
    b.stop()
    venue.stop()


@pytest.fixture
def clients(trading: tuple[VenueServer, SimFixClient, SimFixClient]) -> Iterator[tuple[SimFixClient, SimFixClient]]:
    """The shared sessions, with both sides' working orders cancelled after each test."""
    venue, a, b = trading
    yield a, b
    for key in (A_KEY, B_KEY):
        venue.cancel_orders(key)
    deadline = time.monotonic() + 5
    while (venue.depth(COIN, 1).bids or venue.depth(COIN, 1).asks) and time.monotonic() < deadline:
        time.sleep(0.01)


_ids = itertools.count()


@pytest.fixture
def cid() -> Callable[[str], str]:
    """Unique ClOrdIDs for this test: the shared sessions refuse a ClOrdID seen before."""
    prefix = f"T{next(_ids)}-"
    return lambda name: prefix + name


def test_a_resting_limit_order_is_acknowledged_filled_by_another_session_then_cancelled(
    clients: tuple[SimFixClient, SimFixClient],
    cid: Callable[[str], str],
) -> None:
    a, b = clients
    a.send(new_order(cid("A1"), COIN, "1", "100", "2", "20.000"))
    ack = a.report(cid("A1"), "0")
    assert fields(ack, 39, 55, 54, 38, 44, 40, 59, 151, 14, 6) == (
        "0", COIN, "1", "100", "20.000", "2", "0", "100", "0", "0",
    )  # fmt: skip
    assert get(ack, 37) and get(ack, 17)
    assert get(ack, 60) == "20231114-22:13:20.000"

    b.send(new_order(cid("B1"), COIN, "2", "60", "1"))
    b.report(cid("B1"), "0")
    b_fill = b.report(cid("B1"), "F")
    assert fields(b_fill, 39, 32, 31, 14, 151) == ("2", "60", "20.000", "60", "0")
    a_fill = a.report(cid("A1"), "F")
    assert fields(a_fill, 39, 32, 31, 14, 151, 6, 37) == ("1", "60", "20.000", "60", "40", "20.0000000", get(ack, 37))

    a.send(cancel(cid("A2"), cid("A1"), COIN, "1"))
    cancelled = a.report(cid("A2"), "4")
    assert fields(cancelled, 39, 41, 14, 151, 37) == ("4", cid("A1"), "60", "0", get(ack, 37))
    exec_ids = [get(m, 17) for m in a.snapshot_of_messages() + b.snapshot_of_messages() if get(m, 35) == "8"]
    assert len(exec_ids) >= 5
    assert len(exec_ids) == len(set(exec_ids))


def test_replace_answers_with_the_new_clordid_and_later_fills_use_it(
    clients: tuple[SimFixClient, SimFixClient],
    cid: Callable[[str], str],
) -> None:
    a, b = clients
    a.send(new_order(cid("R1"), COIN, "1", "100", "2", "19.990"))
    a.report(cid("R1"), "0")
    a.send(replace(cid("R2"), cid("R1"), COIN, "1", "150", "19.995"))
    replaced = a.report(cid("R2"), "5")
    assert fields(replaced, 39, 41, 38, 44, 151, 14) == ("0", cid("R1"), "150", "19.995", "150", "0")

    b.send(new_order(cid("S1"), COIN, "2", "150", "1"))
    filled = a.report(cid("R2"), "F")
    assert fields(filled, 39, 32, 31, 14, 151) == ("2", "150", "19.995", "150", "0")

    a.send(replace(cid("R3"), cid("R2"), COIN, "1", "200", "19.995"))
    too_late = a.wait_for(lambda m: get(m, 35) == "9" and get(m, 11) == cid("R3"))
    assert fields(too_late, 434, 102, 41, 39) == ("2", "0", cid("R2"), "2")


def test_replace_to_a_quantity_not_above_the_filled_quantity_is_refused(
    clients: tuple[SimFixClient, SimFixClient],
    cid: Callable[[str], str],
) -> None:
    a, b = clients
    a.send(new_order(cid("P1"), COIN, "1", "100", "2", "19.990"))
    a.report(cid("P1"), "0")
    b.send(new_order(cid("S1"), COIN, "2", "40", "1"))
    a.report(cid("P1"), "F")
    a.send(replace(cid("P2"), cid("P1"), COIN, "1", "40", "19.990"))
    refused = a.wait_for(lambda m: get(m, 35) == "9" and get(m, 11) == cid("P2"))
    assert fields(refused, 434, 102, 39) == ("2", "99", "1")
    assert "filled" in (get(refused, 58) or "")


def test_ioc_and_market_remainders_are_cancelled(
    clients: tuple[SimFixClient, SimFixClient], cid: Callable[[str], str]
) -> None:
    a, b = clients
    b.send(new_order(cid("S1"), COIN, "2", "50", "2", "20.000"))
    b.report(cid("S1"), "0")
    a.send(new_order(cid("I1"), COIN, "1", "80", "2", "20.000", tif="3"))
    assert fields(a.report(cid("I1"), "F"), 32, 151) == ("50", "30")
    assert fields(a.report(cid("I1"), "4"), 39, 14, 151) == ("4", "50", "0")
    a.send(new_order(cid("M1"), "ACME", "1", "300", "1"))
    a.report(cid("M1"), "0")
    assert fields(a.report(cid("M1"), "4"), 39, 14, 151) == ("4", "0", "0")


@pytest.mark.parametrize(
    ("symbol", "qty", "ord_type", "price", "tif", "reason", "words"),
    [
        ("NOPE", "100", "2", "1.00", None, "1", "unknown symbol"),
        ("ACME", "150", "2", "50.00", None, "13", "lot size 100"),
        (COIN, "10.5", "2", "20.000", None, "13", "whole number"),
        (COIN, "100", "2", "20.0005", None, "99", "tick"),
        (COIN, "100", "2", None, None, "99", "Price(44)"),
        (COIN, "100", "3", "20.000", None, "99", "OrdType(40)"),
        (COIN, "100", "2", "20.000", "4", "99", "TimeInForce(59)"),
    ],
)
def test_bad_orders_are_rejected_with_a_reason_and_text(
    clients: tuple[SimFixClient, SimFixClient],
    cid: Callable[[str], str],
    symbol: str,
    qty: str,
    ord_type: str,
    price: str | None,
    tif: str | None,
    reason: str,
    words: str,
) -> None:
    a, _ = clients
    a.send(new_order(cid("X1"), symbol, "1", qty, ord_type, price, tif))
    rejected = a.report(cid("X1"), "8")
    assert fields(rejected, 39, 103, 151, 14) == ("8", reason, "0", "0")
    assert words in (get(rejected, 58) or "")


def test_a_reused_clordid_is_rejected_as_a_duplicate(
    clients: tuple[SimFixClient, SimFixClient], cid: Callable[[str], str]
) -> None:
    a, _ = clients
    a.send(new_order(cid("D1"), COIN, "1", "100", "2", "19.000"))
    a.report(cid("D1"), "0")
    a.send(new_order(cid("D1"), COIN, "1", "100", "2", "19.000"))
    assert fields(a.report(cid("D1"), "8"), 39, 103) == ("8", "6")


def test_cancel_of_an_unknown_or_finished_order_is_refused(
    clients: tuple[SimFixClient, SimFixClient], cid: Callable[[str], str]
) -> None:
    a, _ = clients
    a.send(cancel(cid("C1"), cid("NEVER"), COIN, "1"))
    unknown = a.wait_for(lambda m: get(m, 35) == "9" and get(m, 11) == cid("C1"))
    assert fields(unknown, 434, 102, 41) == ("1", "1", cid("NEVER"))
    a.send(new_order(cid("O1"), COIN, "1", "100", "2", "19.000"))
    a.send(cancel(cid("C2"), cid("O1"), COIN, "1"))
    a.report(cid("C2"), "4")
    a.send(cancel(cid("C3"), cid("C2"), COIN, "1"))
    late = a.wait_for(lambda m: get(m, 35) == "9" and get(m, 11) == cid("C3"))
    assert fields(late, 434, 102, 39) == ("1", "0", "4")


def test_order_status_requests_report_the_order_as_it_stands(
    clients: tuple[SimFixClient, SimFixClient], cid: Callable[[str], str]
) -> None:
    a, b = clients
    a.send(new_order(cid("Q1"), COIN, "2", "100", "2", "20.100"))
    a.report(cid("Q1"), "0")
    b.send(new_order(cid("B1"), COIN, "1", "30", "1"))
    a.report(cid("Q1"), "F")
    a.send(status(cid("Q1"), COIN, "2"))
    assert fields(a.report(cid("Q1"), "I"), 39, 14, 151, 44) == ("1", "30", "70", "20.100")
    a.send(status(cid("NOPE"), COIN, "2"))
    assert get(a.report(cid("NOPE"), "I"), 39) == "8"


def test_an_unsupported_message_type_gets_a_business_message_reject(
    clients: tuple[SimFixClient, SimFixClient],
    cid: Callable[[str], str],
) -> None:
    a, _ = clients
    request = fix44.TradingSessionStatusRequest()
    request.setField(335, cid("T1"))
    request.setField(263, "0")
    a.send(request)
    reject = a.wait_for(lambda m: get(m, 35) == "j")
    assert fields(reject, 372, 380) == ("g", "3")


def test_a_market_data_request_for_an_unknown_symbol_is_rejected(
    clients: tuple[SimFixClient, SimFixClient], cid: Callable[[str], str]
) -> None:
    a, _ = clients
    a.send(market_data_request(cid("BAD"), ["NOPE"], 5))
    reject = a.wait_for(lambda m: get(m, 35) == "Y")
    assert fields(reject, 262, 281) == (cid("BAD"), "0")
    assert "NOPE" in (get(reject, 58) or "")
