"""OMS session loss over real FIX: the agent keeps working, or cancels after the grace, by configuration; what it
reported while the OMS was away reaches the OMS, by QuickFIX resend, when it logs on again."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fix_stack import Stack, start_agent

from agent.config import load_config
from agent.demo import free_port
from agent.fix.oms_client import OmsClient
from simulator.fix_venue import VenueServer
from strategies.twap import TwapConfig

pytestmark = pytest.mark.e2e

KEEP_SEQUENCE = {"ResetOnLogon": "N"}


def make_stack(state: Path, policy: str) -> Stack:
    venue_port, oms_port = free_port(), free_port()
    venue = VenueServer(state / "sim", port=venue_port, seed=11)
    venue.start()
    cfg = load_config(oms_port=oms_port, venue_port=venue_port, state_dir=state / "agent", decision_interval_s=0.1,
                      twap=TwapConfig(slice_interval_s=1.0, catch_up_slices=0.5, final_window_s=1.5,
                                      reprice_ticks=1),
                      orders={"oms_disconnect": policy, "oms_disconnect_grace_s": 2.0})
    return Stack(venue, start_agent(cfg), oms_port, venue_port, state)


@pytest.fixture
def stack_for(tmp_path: Path) -> Iterator[list[Stack]]:
    made: list[Stack] = []
    yield made
    for stack in made:
        stack.agent.shutdown()
        stack.venue.stop()


def logged_on(stack: Stack) -> OmsClient:
    client = OmsClient(stack.oms_port, stack.state / "oms", overrides=KEEP_SEQUENCE)
    client.start()
    assert client.wait_logged_on(30), "the OMS could not log on"
    return client


def test_parents_are_cancelled_after_the_grace_and_the_oms_hears_it_on_return(tmp_path: Path,
                                                                              stack_for: list[Stack]) -> None:
    stack = make_stack(tmp_path, "cancel")
    stack_for.append(stack)
    first = logged_on(stack)
    cl = first.new_order("CRYPTOALPHA", "1", 400_000, expire_time=time.time() + 120, target_strategy="1000")
    assert first.wait_for(lambda m: m.get(11) == cl and m.get(150) == "0", 10) is not None
    first.stop()  # the OMS goes away with its parent working
    time.sleep(4.0)  # beyond the 2 s grace
    assert not stack.agent_orders_at_venue(), "children still working after the grace"
    second = logged_on(stack)
    try:
        done = second.wait_done([cl], 15)
        assert done is not None, "the Canceled report did not reach the returning OMS"
        assert done.get(39) == "4" and "OMS session lost" in (done.get(58) or "")
        assert done.get(151) == "0" and done.as_int(14) < 400_000
        assert done.get(43) == "Y", "the Canceled report was not the one sent while the OMS was away (resent)"
    finally:
        second.stop()


def test_parents_keep_working_and_the_oms_gets_every_fill_on_return(tmp_path: Path, stack_for: list[Stack]) -> None:
    stack = make_stack(tmp_path, "keep_working")
    stack_for.append(stack)
    first = logged_on(stack)
    cl = first.new_order("CRYPTOALPHA", "2", 3_000, expire_time=time.time() + 6, target_strategy="1000")
    assert first.wait_for(lambda m: m.get(11) == cl and m.get(150) == "0", 10) is not None
    seen_before = len([m for m in first.reports_for([cl]) if m.get(150) == "F"])
    first.stop()
    time.sleep(8.0)  # the parent runs to its end while the OMS is away
    second = logged_on(stack)
    try:
        done = second.wait_done([cl], 15)
        assert done is not None and done.get(39) == "2", f"not filled: {done and done.raw}"
        fills = [m for m in first.reports_for([cl]) + second.reports_for([cl]) if m.get(150) == "F"]
        assert len(fills) > seen_before, "no fill reached the OMS after it came back"
        assert sum(m.as_int(32) for m in fills) == 3_000 == done.as_int(14)
        exec_ids = [m.get(17) for m in fills]
        assert len(exec_ids) == len(set(exec_ids))
    finally:
        second.stop()
