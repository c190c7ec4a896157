"""The venue's News over a real FIX session reaches the agent: the simulator publishes its feed as News (35=B), the
agent's venue session reads the headline, time, sentiment score and on-chain amount, and the engine journals it and
keeps it in the symbol's market view."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fix_stack import start_agent

from agent.config import load_config
from agent.demo import free_port
from agent.journal.journal import Journal, journal_path
from simulator.clock import SimClock
from simulator.feed_events import FeedEvent, FeedKind
from simulator.fix_venue import VenueServer
from simulator.flow import QuietFlow
from simulator.instruments import DEFAULT_UNIVERSE
from simulator.market import Market
from strategies.types import News

pytestmark = pytest.mark.e2e

START = 1_700_000_000.0
COIN = "CRYPTOALPHA"
HEADLINE = FeedEvent(START + 5.0, COIN, FeedKind.HEADLINE, 0.6234, "CRYPTOALPHA: scheduled release in 10m")
ONCHAIN = FeedEvent(START + 7.5, COIN, FeedKind.ONCHAIN, -0.6, "CRYPTOALPHA: 120,000 moved to exchanges", 120_000)


def journaled_news(state: Path, count: int, timeout: float = 15.0) -> list[News]:
    deadline = time.time() + timeout
    found: list[News] = []
    while time.time() < deadline:
        with Journal.open(journal_path(state), readonly=True) as journal:
            found = [r.item for r in journal.records(types=("News",)) if isinstance(r.item, News)]
        if len(found) >= count:
            break
        time.sleep(0.1)
    return found


def test_news_from_the_venue_is_journaled_and_in_the_market_view(tmp_path: Path) -> None:
    state = tmp_path
    clock = SimClock(START)
    market = Market(DEFAULT_UNIVERSE, QuietFlow(), start_time=START, feed=[HEADLINE, ONCHAIN])
    venue = VenueServer(state / "sim", port=free_port(), clock=clock, market=market, tick_interval=0.02)
    venue.start()
    cfg = load_config(oms_port=free_port(), venue_port=venue.port, state_dir=state / "agent")
    cfg = cfg.model_copy(update={"impact": cfg.impact.model_copy(update={"pretrade_on_new": False})})
    agent = start_agent(cfg)
    try:
        # Subscribed once its first market data (the book's snapshot) has reached the engine.
        deadline = time.time() + 20
        while (agent.runtime.engine is None or COIN not in agent.runtime.engine.quotes) and time.time() < deadline:
            time.sleep(0.05)
        assert agent.runtime.engine is not None and COIN in agent.runtime.engine.quotes, "no market data"
        clock.advance(10.0)
        news = journaled_news(state / "agent", 2)
        assert news == [News(COIN, START + 5.0, HEADLINE.text, 0.6234, None),
                        News(COIN, START + 7.5, ONCHAIN.text, -0.6, 120_000)]
        engine = agent.runtime.engine
        assert engine is not None
        view = engine.views[COIN]
        assert [n.headline for n in view.news(60.0, START + 10.0)] == [HEADLINE.text, ONCHAIN.text]
    finally:
        agent.shutdown()
        venue.stop()
