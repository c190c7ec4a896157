"""Feed events over real FIX sessions: News (35=B) to the sessions subscribed to the symbol, custom tags as set."""

from __future__ import annotations

import configparser
import time
from pathlib import Path

import pytest
from sim_fix_client import COIN, START, SimFixClient, fields, get, market_data_request, start_venue

import fix_config
from simulator.clock import SimClock
from simulator.feed_events import FeedEvent, FeedKind
from simulator.fix_venue import VenueServer
from simulator.flow import QuietFlow
from simulator.instruments import DEFAULT_UNIVERSE
from simulator.market import Market

pytestmark = pytest.mark.e2e

HEADLINE = FeedEvent(START + 5.0, COIN, FeedKind.HEADLINE, 0.6234, "CRYPTOALPHA: scheduled release in 10m, "
                     "sentiment +0.62")
ONCHAIN = FeedEvent(START + 7.5, COIN, FeedKind.ONCHAIN, -0.6, "CRYPTOALPHA: 120,000 moved to exchanges", 120_000)
ABOUT_ACME = FeedEvent(START + 6.0, "ACME", FeedKind.HEADLINE, -0.4, "ACME: scheduled release, sentiment -0.40")


def agent_venue_validation() -> dict[str, str]:
    """How the agent's venue session validates what it receives (fix_config/agent-venue.cfg)."""
    parser = configparser.ConfigParser(strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(fix_config.path("agent-venue.cfg").read_text())
    keys = ("UseDataDictionary", "ValidateUserDefinedFields", "AllowUnknownMsgFields")
    return {key: parser["DEFAULT"][key] for key in keys if key in parser["DEFAULT"]}


def news_market() -> Market:
    return Market(DEFAULT_UNIVERSE, QuietFlow(), start_time=START, feed=[ONCHAIN, ABOUT_ACME, HEADLINE])


def test_subscribers_get_each_event_as_news_with_the_score_and_amount_in_custom_tags(tmp_path: Path) -> None:
    clock = SimClock(START)
    venue = start_venue(tmp_path, news_market(), clock)
    # The agent's own validation settings: it must take the News, custom tags and all, without a session Reject.
    a = SimFixClient(venue.port, tmp_path / "clients", "FOOTPRINT", settings=agent_venue_validation())
    b = SimFixClient(venue.port, tmp_path / "clients", "TRADER2")  # no market data asked for: no news
    try:
        a.start()
        b.start()
        a.send(market_data_request("MD1", [COIN], 1))
        a.send(market_data_request("MD2", [COIN], 5))  # a second subscription to the symbol: still one News each
        a.wait_for(lambda m: get(m, 35) == "W" and get(m, 262) == "MD2")
        clock.advance(5.0)
        headline = a.wait_for(lambda m: get(m, 35) == "B")
        assert fields(headline, 148, 42, 146, 55, 33, 58, 20101) == (
            HEADLINE.text, "20231114-22:13:25.000", "1", COIN, "1", HEADLINE.text, "0.6234")
        assert get(headline, 20102) is None and get(headline, 61) is None
        clock.advance(5.0)
        onchain = a.wait_for(lambda m: get(m, 35) == "B")
        assert fields(onchain, 148, 42, 55, 20101, 20102) == (
            ONCHAIN.text, "20231114-22:13:27.500", COIN, "-0.6000", "120000")
        time.sleep(0.3)  # a few more ticks: nothing else may come
        news = [m for m in a.snapshot_of_messages() if get(m, 35) == "B"]
        assert len(news) == 2, "one News per event, however many subscriptions cover the symbol"
        assert not [m for m in a.snapshot_of_messages() if get(m, 35) == "3"]
        assert not [m for m in b.snapshot_of_messages() if get(m, 35) == "B"]
    finally:
        a.stop()
        b.stop()
        venue.stop()


def test_the_custom_tags_are_the_settings_files(tmp_path: Path) -> None:
    clock = SimClock(START)
    venue = start_venue(tmp_path, news_market(), clock,
                        overrides={"SentimentScoreTag": "20555", "OnChainAmountTag": "9001"})
    a = SimFixClient(venue.port, tmp_path / "clients", "FOOTPRINT", settings=agent_venue_validation())
    try:
        a.start()
        a.send(market_data_request("MD1", [COIN, "ACME"], 1))
        a.wait_for(lambda m: get(m, 35) == "W")
        clock.advance(10.0)
        news = [a.wait_for(lambda m: get(m, 35) == "B") for _ in range(3)]
        assert [get(m, 55) for m in news] == [COIN, "ACME", COIN]  # in time order, each to its symbol's subscriber
        assert [(get(m, 20555), get(m, 9001)) for m in news] == [("0.6234", None), ("-0.4000", None),
                                                                 ("-0.6000", "120000")]
        assert all(get(m, 20101) is None for m in news)
    finally:
        a.stop()
        venue.stop()


def test_implied_volatility_and_the_calendar_go_out_in_their_own_tags_without_a_score(tmp_path: Path) -> None:
    clock = SimClock(START)
    implied = FeedEvent(START + 2.0, COIN, FeedKind.IMPLIED_VOL, 0.0, "CRYPTOALPHA: implied volatility 91.70%",
                        implied_vol=0.917)
    entry = FeedEvent(START + 3.0, COIN, FeedKind.CALENDAR, 0.0, "CRYPTOALPHA: scheduled release in 2h",
                      event_time=START + 7203.0)
    market = Market(DEFAULT_UNIVERSE, QuietFlow(), start_time=START, feed=[implied, entry])
    venue = start_venue(tmp_path, market, clock, overrides={"ImpliedVolTag": "20777", "ScheduledTimeTag": "20778"})
    a = SimFixClient(venue.port, tmp_path / "clients", "FOOTPRINT", settings=agent_venue_validation())
    try:
        a.start()
        a.send(market_data_request("MD1", [COIN], 1))
        a.wait_for(lambda m: get(m, 35) == "W")
        clock.advance(5.0)
        news = a.wait_for(lambda m: get(m, 35) == "B")
        assert fields(news, 148, 55, 20777) == (implied.text, COIN, "0.9170")
        assert get(news, 20101) is None and get(news, 20103) is None
        calendar = a.wait_for(lambda m: get(m, 35) == "B" and get(m, 20778) is not None)
        assert fields(calendar, 148, 20778) == (entry.text, "20231115-00:13:23.000")
        assert get(calendar, 20101) is None
        assert not [m for m in a.snapshot_of_messages() if get(m, 35) == "3"]  # the agent's session takes it
    finally:
        a.stop()
        venue.stop()


@pytest.mark.parametrize(("overrides", "message"), [
    ({"SentimentScoreTag": "58"}, r"SentimentScoreTag: must be a whole number >= 5000 \(a user-defined tag\), "
                                  r"got '58'"),
    ({"OnChainAmountTag": "x"}, r"OnChainAmountTag: must be a whole number >= 5000"),
    ({"OnChainAmountTag": "20101"}, r"OnChainAmountTag: 20101 is already SentimentScoreTag"),
    ({"ImpliedVolTag": "20102"}, r"ImpliedVolTag: 20102 is already OnChainAmountTag"),
])
def test_a_bad_custom_tag_is_refused_naming_the_key(tmp_path: Path, overrides: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        VenueServer(tmp_path / "venue", market=news_market(), overrides=overrides)
