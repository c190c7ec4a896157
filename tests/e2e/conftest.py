"""Fixtures for the e2e tests: one stack per module, a fresh OMS session per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fix_stack import Stack, start_agent

from agent.config import load_config
from agent.demo import free_port
from agent.fix.oms_client import OmsClient
from simulator.fix_venue import VenueServer
from strategies.twap import TwapConfig


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    state = tmp_path_factory.mktemp("e2e")
    venue_port, oms_port = free_port(), free_port()
    venue = VenueServer(state / "sim", port=venue_port, seed=7)
    venue.start()
    cfg = load_config(
        oms_port=oms_port,
        venue_port=venue_port,
        state_dir=state / "agent",
        decision_interval_s=0.1,
        twap=TwapConfig(slice_interval_s=1.0, catch_up_slices=0.5, final_window_s=1.5, reprice_ticks=1),
    )
    agent = start_agent(cfg)
    try:
        yield Stack(venue, agent, oms_port, venue_port, state)
    finally:
        agent.shutdown()
        venue.stop()


@pytest.fixture
def oms(stack: Stack) -> Iterator[OmsClient]:
    client = stack.client()
    client.start()
    assert client.wait_logged_on(30), "OMS client could not log on to the agent"
    try:
        yield client
    finally:
        client.stop()
