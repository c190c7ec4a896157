"""OrderMassStatusRequest (AF) over real FIX sessions: one validated ExecutionReport per working order."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sim_fix_client import (
    COIN,
    START,
    Fields,
    SimFixClient,
    cancel,
    fields,
    get,
    mass_status,
    new_order,
    replace,
    start_venue,
)

from simulator.clock import SimClock
from simulator.fix_venue import VenueServer
from simulator.flow import QuietFlow
from simulator.instruments import DEFAULT_UNIVERSE
from simulator.market import Market

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[VenueServer, SimFixClient, SimFixClient]]:
    root = tmp_path_factory.mktemp("mass_status")
    venue = start_venue(root, Market(DEFAULT_UNIVERSE, QuietFlow(), start_time=START), SimClock(START))
    a = SimFixClient(venue.port, root / "clients", "FOOTPRINT")
    b = SimFixClient(venue.port, root / "clients", "TRADER2")
    a.start()
    b.start()
    yield venue, a, b
    a.stop()
    b.stop()
    venue.stop()


def answers(client: SimFixClient, req_id: str, count: int) -> list[Fields]:
    """The first `count` ExecutionReports answering a mass status request, in arrival order."""
    return [client.wait_for(lambda m: get(m, 35) == "8" and get(m, 584) == req_id) for _ in range(count)]


def test_every_working_order_is_reported_under_its_current_clordid_with_quantity_and_price(
    sessions: tuple[VenueServer, SimFixClient, SimFixClient],
) -> None:
    _, a, b = sessions
    a.send(new_order("W1", COIN, "1", "100", "2", "19.900"))
    a.send(new_order("W2", COIN, "1", "200", "2", "19.800"))
    a.send(new_order("W3", COIN, "2", "50", "2", "20.500"))
    a.report("W3", "0")
    a.send(replace("W2b", "W2", COIN, "1", "250", "19.850"))
    a.report("W2b", "5")
    a.send(cancel("W1x", "W1", COIN, "1"))
    a.report("W1x", "4")
    b.send(new_order("B1", COIN, "1", "20", "1"))  # takes 20 of W3
    a.report("W3", "F")

    a.send(mass_status("MS1"))
    first, last = answers(a, "MS1", 2)
    assert fields(first, 150, 11, 37, 39, 38, 44, 14, 151, 911, 912) == (
        "I", "W2b", get(first, 37), "0", "250", "19.850", "0", "250", "2", "N",
    )  # fmt: skip
    assert fields(last, 150, 11, 39, 38, 44, 14, 151, 54, 911, 912) == (
        "I", "W3", "1", "50", "20.500", "20", "30", "2", "2", "Y",
    )  # fmt: skip
    with pytest.raises(TimeoutError):
        answers(a, "MS1", 1)  # nothing for the cancelled order

    a.send(mass_status("MS2", "1", "ACME"))  # by security: none in ACME
    [none] = answers(a, "MS2", 1)
    assert fields(none, 11, 37, 39, 911, 912, 58, 55) == ("NONE", "NONE", "8", "0", "Y", "no working orders", "ACME")

    b.send(mass_status("MS3"))  # another session sees only its own orders: B's market order is done
    [nothing] = answers(b, "MS3", 1)
    assert fields(nothing, 150, 11, 37, 39, 911, 912, 14, 151) == ("I", "NONE", "NONE", "8", "0", "Y", "0", "0")

    for cl_ord_id, orig in (("W2c", "W2b"), ("W3c", "W3")):
        a.send(cancel(cl_ord_id, orig, COIN, "1"))
        a.report(cl_ord_id, "4")


def test_a_mass_status_the_venue_cannot_serve_is_rejected_naming_the_tag(
    sessions: tuple[VenueServer, SimFixClient, SimFixClient],
) -> None:
    _, a, _ = sessions
    a.send(mass_status("BAD8", "8"))  # by party: not served
    reject = a.wait_for(lambda m: get(m, 35) == "3" and get(m, 372) == "AF")
    assert fields(reject, 371, 373) == ("585", "5")  # SessionRejectReason 5: value is incorrect
    a.send(mass_status("BAD1", "1"))  # by security without the security
    reject = a.wait_for(lambda m: get(m, 35) == "j" and get(m, 372) == "AF")
    assert fields(reject, 380) == ("5",)  # BusinessRejectReason 5: conditionally required field missing
    assert "55" in (get(reject, 58) or "")
    a.send(mass_status("OK", "7"))  # the session carries on
    a.wait_for(lambda m: get(m, 35) == "8" and get(m, 584) == "OK")
