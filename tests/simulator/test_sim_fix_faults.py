"""Faults and reconnects over real FIX sessions: settings per TargetCompID, sequence numbers kept across logons."""

from __future__ import annotations

from pathlib import Path

import pytest
from sim_fix_client import COIN, START, SimFixClient, cancel, fields, get, mass_status, new_order, start_venue

from simulator.clock import SimClock
from simulator.fix_venue import VenueServer
from simulator.flow import QuietFlow
from simulator.instruments import DEFAULT_UNIVERSE
from simulator.market import Market
from simulator.venue_faults import VenueFaults

pytestmark = pytest.mark.e2e


def quiet_market() -> Market:
    return Market(DEFAULT_UNIVERSE, QuietFlow(), start_time=START)


def test_faults_apply_to_the_session_they_are_set_for_only(tmp_path: Path) -> None:
    clock = SimClock(START)
    faults = {"FOOTPRINT": VenueFaults(drop_cancels=1.0, delay_acks=1.0, max_delay_s=0.5)}
    venue = start_venue(tmp_path, quiet_market(), clock, faults=faults)
    a = SimFixClient(venue.port, tmp_path / "clients", "FOOTPRINT")
    b = SimFixClient(venue.port, tmp_path / "clients", "TRADER2")
    try:
        a.start()
        b.start()
        a.send(new_order("A1", COIN, "1", "100", "2", "19.900"))
        with pytest.raises(TimeoutError):
            a.report("A1", "0", timeout=0.3)  # held: the venue's clock has not moved
        clock.advance(0.5)
        assert fields(a.report("A1", "0"), 39, 151) == ("0", "100")
        a.send(cancel("A2", "A1", COIN, "1"))
        with pytest.raises(TimeoutError):
            a.wait_for(lambda m: get(m, 11) == "A2", timeout=0.5)
        clock.advance(1.0)
        with pytest.raises(TimeoutError):
            a.wait_for(lambda m: get(m, 11) == "A2", timeout=0.3)
        [record] = venue.ledger("FIX.4.4:SIMVENUE->FOOTPRINT")
        assert (record.cl_ord_ids, record.working, record.qty) == (("A1",), True, 100)  # the cancel never arrived

        b.send(new_order("B1", COIN, "2", "100", "2", "20.900"))
        b.report("B1", "0", timeout=2.0)  # TRADER2 plays no faults
        b.send(cancel("B2", "B1", COIN, "2"))
        b.report("B2", "4", timeout=2.0)
    finally:
        a.stop()
        b.stop()
        venue.stop()


def test_faults_for_a_comp_id_the_venue_does_not_accept_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"faults for NOBODY: no such session \(sessions: FOOTPRINT, TRADER2\)"):
        VenueServer(tmp_path, extra_targets=["TRADER2"], market=quiet_market(), clock=SimClock(START),
                    faults={"NOBODY": VenueFaults(drop_cancels=0.5)})


def test_reports_sent_while_a_session_was_away_arrive_after_its_next_logon(tmp_path: Path) -> None:
    """Sequence numbers survive a logon (ResetOnLogon=N), so a fill during a disconnect is resent."""
    venue = start_venue(tmp_path, Market(DEFAULT_UNIVERSE, QuietFlow(), start_time=START), SimClock(START),
                        cancel_on_disconnect=False)
    b = SimFixClient(venue.port, tmp_path / "clients", "TRADER2")
    a = SimFixClient(venue.port, tmp_path / "clients", "FOOTPRINT", reset_on_logon=False)
    try:
        b.start()
        a.start()
        a.send(new_order("K1", COIN, "1", "100", "2", "19.900"))
        a.report("K1", "0")
        a.stop()
        b.send(new_order("S1", COIN, "2", "40", "1"))
        b.report("S1", "F")
        a = SimFixClient(venue.port, tmp_path / "clients", "FOOTPRINT", reset_on_logon=False)
        a.start()
        fill = a.report("K1", "F")
        assert fields(fill, 32, 14, 151, 43) == ("40", "40", "60", "Y")
        a.send(mass_status("MS"))
        state = a.wait_for(lambda m: get(m, 35) == "8" and get(m, 584) == "MS")
        assert fields(state, 11, 39, 14, 151, 912) == ("K1", "1", "40", "60", "Y")
    finally:
        a.stop()
        b.stop()
        venue.stop()
