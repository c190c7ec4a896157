"""The venue's News over a real FIX session reaches the agent: the simulator publishes its feed as News (35=B), the
agent's venue session reads the headline, time, sentiment score and on-chain amount, and the engine journals it and
keeps it in the symbol's market view."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


@contextmanager
def agent_on_venue(state: Path, market: Market, clock: SimClock) -> Iterator[Any]:
    """A real venue on `market` and an agent connected to it, once the agent's engine has its first market data
    (the book's snapshot, so it is subscribed); both stopped after."""
    venue = VenueServer(state / "sim", port=free_port(), clock=clock, market=market, tick_interval=0.02)
    venue.start()
    cfg = load_config(oms_port=free_port(), venue_port=venue.port, state_dir=state / "agent")
    cfg = cfg.model_copy(update={"impact": cfg.impact.model_copy(update={"pretrade_on_new": False})})
    agent = start_agent(cfg)
    try:
        deadline = time.time() + 20
        while (agent.runtime.engine is None or COIN not in agent.runtime.engine.quotes) and time.time() < deadline:
            time.sleep(0.05)
        assert agent.runtime.engine is not None and COIN in agent.runtime.engine.quotes, "no market data"
        yield agent
    finally:
        agent.shutdown()
        venue.stop()


def test_news_from_the_venue_is_journaled_and_in_the_market_view(tmp_path: Path) -> None:
    state = tmp_path
    clock = SimClock(START)
    market = Market(DEFAULT_UNIVERSE, QuietFlow(), start_time=START, feed=[HEADLINE, ONCHAIN])
    with agent_on_venue(state, market, clock) as agent:
        clock.advance(10.0)
        news = journaled_news(state / "agent", 2)
        assert news == [News(COIN, START + 5.0, HEADLINE.text, 0.6234, None),
                        News(COIN, START + 7.5, ONCHAIN.text, -0.6, 120_000)]
        engine = agent.runtime.engine
        assert engine is not None
        view = engine.views[COIN]
        assert [n.headline for n in view.news(60.0, START + 10.0)] == [HEADLINE.text, ONCHAIN.text]


def test_the_takers_side_reaches_the_agents_market_view(tmp_path: Path) -> None:
    """Over the real venue session, every trade's AggressorSide(2446) reaches the agent's book: while the clock
    stands still nothing trades, so the volume and the aggressor-signed volume the agent counted over a stretch of
    simulated flow are exactly the venue's own, and the market view's quote carries them."""
    from simulator.market import simulated_market

    clock = SimClock(START)
    market = simulated_market(seed=3, start_time=START)
    with agent_on_venue(tmp_path, market, clock) as agent:
        book = agent.runtime.book

        def settled(volume: int) -> tuple[int, int | None]:
            """The agent's count once it has `volume` (or after 15 s), with its signed part."""
            deadline = time.time() + 15
            while book.traded_volume.get(COIN, 0) < volume and time.time() < deadline:
                time.sleep(0.05)
            return book.traded_volume.get(COIN, 0), book.signed_volume.get(COIN)

        clock.advance(5.0)
        time.sleep(0.5)  # the subscription's first stretch: whatever reached the agent of it, it is counted from here
        volume0, signed0 = market.traded_volume(COIN), market.signed_volume(COIN)
        seen0 = settled(0)
        time.sleep(0.3)
        assert settled(0) == seen0, "trades still arriving while the clock stands still"
        for _ in range(40):
            clock.advance(1.0)
            time.sleep(0.01)
        traded, signed = market.traded_volume(COIN) - volume0, market.signed_volume(COIN) - signed0
        assert traded > 0 and signed != 0
        seen = settled(seen0[0] + traded)
        assert seen[0] - seen0[0] == traded
        assert seen[1] is not None and seen[1] - (seen0[1] or 0) == signed
        engine = agent.runtime.engine
        deadline = time.time() + 5
        while engine.views[COIN].quote.signed_volume != seen[1] and time.time() < deadline:  # type: ignore[union-attr]
            time.sleep(0.05)
        assert engine.views[COIN].quote.signed_volume == seen[1]  # type: ignore[union-attr]
