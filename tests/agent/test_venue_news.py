"""The venue's News (35=B) reaches the agent: read from FIX (score, amount and implied volatility in configured custom
tags), into the engine, into the symbol's market view; in backtests the in-process venue publishes the scenario's feed
the same way."""

from __future__ import annotations

import pytest
import quickfix as fix
from engine_harness import Harness

import fix_config
from agent.backtest.sim_venue import SimVenue
from agent.fix.venue_messages import parse_news
from agent.journal.codec import decode, encode
from simulator.feed_events import FeedEvent, FeedKind
from simulator.fix_messages import to_quickfix
from simulator.fix_news_desk import news_record
from simulator.fix_settings import FeedTags
from simulator.scenario import load_scenario
from simulator.scenario_compiler import compile_scenario
from simulator.scenario_market import scenario_market
from strategies.types import News

T = 1_700_000_000.0
HEADLINE = FeedEvent(T, "CRYPTOALPHA", FeedKind.HEADLINE, 0.6234, "CRYPTOALPHA: release in 10m")
ONCHAIN = FeedEvent(T + 2.5, "CRYPTOALPHA", FeedKind.ONCHAIN, -0.6, "CRYPTOALPHA: 120,000 moved", 120_000)
IMPLIED = FeedEvent(T + 5.0, "CRYPTOALPHA", FeedKind.IMPLIED_VOL, 0.0, "CRYPTOALPHA: implied volatility 91.70%",
                    implied_vol=0.917)
CALENDAR = FeedEvent(T + 6.0, "CRYPTOALPHA", FeedKind.CALENDAR, 0.0, "CRYPTOALPHA: scheduled release in 2h",
                     event_time=T + 7206.0)


def wire(event: FeedEvent, tags: FeedTags | None = None) -> fix.Message:
    """The message the simulator's FIX venue sends for `event`, parsed back from its text as QuickFIX receives it."""
    sent = to_quickfix(news_record(event, tags or FeedTags()))
    return fix.Message(sent.toString(), fix.DataDictionary(str(fix_config.quickfix_spec("FIX44"))), False)


def test_headline_and_onchain_event_are_read_with_score_and_amount() -> None:
    (headline,) = parse_news(wire(HEADLINE), T + 99, 20101, 20102)
    assert headline == News("CRYPTOALPHA", T, HEADLINE.text, 0.6234, None)
    (onchain,) = parse_news(wire(ONCHAIN), T + 99, 20101, 20102)
    assert onchain == News("CRYPTOALPHA", T + 2.5, ONCHAIN.text, -0.6, 120_000)


def test_an_implied_volatility_update_is_read_from_its_tag_and_carries_no_score() -> None:
    msg = wire(IMPLIED)
    assert msg.isSetField(20103) and not msg.isSetField(20101)
    (implied,) = parse_news(msg, T + 99, 20101, 20102, 20103)
    assert implied == News("CRYPTOALPHA", T + 5.0, IMPLIED.text, None, None, 0.917)
    (unread,) = parse_news(wire(IMPLIED), T, 20101, 20102)  # the tag not configured: the value is not read
    assert unread.implied_vol is None
    (moved,) = parse_news(wire(IMPLIED, FeedTags(implied_vol=20777)), T, 20101, 20102, 20777)
    assert moved.implied_vol == 0.917


def test_a_calendar_entry_is_read_with_its_release_time() -> None:
    msg = wire(CALENDAR)
    assert msg.isSetField(20104) and not msg.isSetField(20101)
    (entry,) = parse_news(msg, T + 99, 20101, 20102, 20103, 20104)
    assert entry == News("CRYPTOALPHA", T + 6.0, CALENDAR.text, event_time=T + 7206.0)
    (unread,) = parse_news(wire(CALENDAR), T, 20101, 20102, 20103)
    assert unread.event_time is None


def test_without_the_data_dictionary_the_symbol_is_still_read() -> None:
    raw = to_quickfix(news_record(HEADLINE, FeedTags())).toString()
    plain = fix.Message()
    plain.setString(raw, False)
    assert [n.symbol for n in parse_news(plain, T, 20101, 20102)] == ["CRYPTOALPHA"]


def test_unconfigured_or_other_tags_leave_the_score_out() -> None:
    (news,) = parse_news(wire(ONCHAIN, FeedTags(sentiment_score=20555, onchain_amount=20556)), T, 20101, 20102)
    assert news.score is None and news.amount is None
    (news,) = parse_news(wire(ONCHAIN), T, None, None)
    assert news.score is None and news.amount is None and news.headline == ONCHAIN.text


@pytest.mark.parametrize(("tag", "value", "message"), [
    (20101, "1.5", "20101 (sentiment score) must be a number in [-1, 1], got '1.5'"),
    (20101, "up", "20101 (sentiment score) must be a number in [-1, 1], got 'up'"),
    (20101, "nan", "20101 (sentiment score)"),
    (20102, "-3", "20102 (on-chain amount) must be a whole number > 0, got '-3'"),
    (20103, "0", "20103 (implied volatility) must be a number > 0, got '0'"),
    (20103, "high", "20103 (implied volatility) must be a number > 0, got 'high'"),
    (20103, "inf", "20103 (implied volatility) must be a number > 0, got 'inf'"),
    (20104, "at noon", "20104 (scheduled time) is not a UTCTimestamp: 'at noon'"),
    (42, "yesterday", "OrigTime(42) is not a UTCTimestamp: 'yesterday'"),
])
def test_a_bad_score_amount_or_time_names_its_tag(tag: int, value: str, message: str) -> None:
    msg = wire(ONCHAIN)
    msg.setField(tag, value)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       .replace("]", r"\]")):
        parse_news(msg, T, 20101, 20102, 20103, 20104)


def test_news_reaches_the_symbols_view_and_the_journal_round_trips_it() -> None:
    h = Harness()
    news = News("CRYPTOALPHA", h.clock.now() - 60, "CRYPTOALPHA: release in 10m", 0.5)
    h.send(news)
    h.send(News("CRYPTOALPHA", h.clock.now() - 30, "CRYPTOALPHA: 120,000 moved", -0.3, 120_000))
    view = h.engine.views["CRYPTOALPHA"]
    assert [n.headline for n in view.news(300.0, h.clock.now())] == ["CRYPTOALPHA: release in 10m",
                                                                      "CRYPTOALPHA: 120,000 moved"]
    assert view.sentiment(300.0, h.clock.now()) == pytest.approx(0.1)
    assert view.sentiment(45.0, h.clock.now()) == pytest.approx(-0.3)
    assert decode(*encode(news)) == news  # a journaled event: replay sees it again
    implied = News("CRYPTOALPHA", h.clock.now() - 10, "CRYPTOALPHA: implied volatility 91.70%", None, None, 0.917)
    h.send(implied)
    assert view.implied_vol == (h.clock.now() - 10, 0.917)
    assert len(view.news(300.0, h.clock.now())) == 2  # an update of the feed's value is not a headline
    assert decode(*encode(implied)) == implied
    entry = News("CRYPTOALPHA", h.clock.now() - 5, "CRYPTOALPHA: scheduled release in 2h", event_time=h.clock.now() + 60)
    h.send(entry)
    assert view.next_event(h.clock.now()) == pytest.approx(60.0)
    assert len(view.news(300.0, h.clock.now())) == 2  # a calendar entry is not a headline either
    assert decode(*encode(entry)) == entry


def test_a_backtest_venue_publishes_the_scenarios_feed_once() -> None:
    compiled = compile_scenario(load_scenario("volatility_surge_before_news"))
    market = scenario_market(compiled, compiled.seed)
    venue = SimVenue(market)
    market.advance(market.now + compiled.duration_s)
    news = venue.take_news()
    (headline,) = [n for n in news if n.implied_vol is None and n.event_time is None]
    assert headline.symbol == compiled.symbol.symbol and headline.score is not None
    assert "scheduled release" in headline.headline
    implied = [n for n in news if n.implied_vol is not None]
    published = [e for e in compiled.published if e.implied_vol is not None]
    assert [n.implied_vol for n in implied] == [e.implied_vol for e in published] and len(implied) > 10
    assert all(n.score is None for n in implied)
    (entry,) = [n for n in news if n.event_time is not None]  # the release, on the calendar from the start
    assert entry.event_time == compiled.start_epoch + 7200.0 and entry.time == compiled.start_epoch
    assert venue.take_news() == []  # each event once
