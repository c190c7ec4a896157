"""Parents whose children rest on the simulator, and the `footprint` command as a process: what the operator
control tests (kill switch, SIGTERM drain) build on."""

from __future__ import annotations

import math
import subprocess
import sys
import time

from agent.fix.oms_client import OmsClient, Received
from simulator.fix_venue import VenueServer

CLI = [sys.executable, "-m", "agent.cli"]
ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef"
TICKS = {"CRYPTOALPHA": 0.001, "ACME": 0.01}


def footprint(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60, env=env)


def resting_limit(mid: float, side: str, symbol: str) -> str:
    """A limit 1% on the passive side of the mid: the TWAP child rests at it and does not cross."""
    tick = TICKS[symbol]
    ticks = mid * (0.99 if side == "1" else 1.01) / tick
    return f"{(math.floor(ticks) if side == '1' else math.ceil(ticks)) * tick:.{2 if tick == 0.01 else 3}f}"


def rest_parents(venue: VenueServer, oms: OmsClient, specs: list[tuple[str, str, int]],
                 duration_s: float = 90) -> dict[str, str]:
    """Parents (symbol, side, qty) with their children resting on the venue: ClOrdID -> OrderID."""
    ids: dict[str, str] = {}
    for symbol, side, qty in specs:
        mid = venue.depth(symbol, 1).mid
        assert mid is not None
        cl = oms.new_order(symbol, side, qty, ord_type="2", price=resting_limit(mid, side, symbol), tif="6",
                           expire_time=time.time() + duration_s)
        new = oms.wait_for(lambda m, cl=cl: m.get(11) == cl and m.get(150) in ("0", "8"), 10)
        assert new is not None and new.get(150) == "0", new and new.raw
        ids[cl] = new.get(37) or ""
    deadline = time.time() + 15
    while time.time() < deadline and set(working_children(venue).values()) != set(ids.values()):
        time.sleep(0.05)
    assert set(working_children(venue).values()) == set(ids.values()), "children did not rest in time"
    return ids


def working_children(venue: VenueServer) -> dict[str, str]:
    """Every agent child working at the venue: its first ClOrdID -> its parent's OrderID."""
    return {r.cl_ord_ids[0]: r.cl_ord_ids[0].rpartition("-C")[0] for r in venue.ledger()
            if r.working and r.session.endswith("FOOTPRINT")}


def wait_gone(venue: VenueServer, children: set[str], timeout: float = 10) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline and children & working_children(venue).keys():
        time.sleep(0.02)
    assert not children & working_children(venue).keys(), "children still working at the venue"
    states = {r.cl_ord_ids[0]: r.ord_status for r in venue.ledger() if r.cl_ord_ids[0] in children}
    assert set(states.values()) <= {"4", "2"}, states  # cancelled (or filled just before)


def final(oms: OmsClient, cl: str, timeout: float = 10) -> Received:
    done = oms.wait_done([cl], timeout)
    assert done is not None, f"no final state for {cl}"
    return done
