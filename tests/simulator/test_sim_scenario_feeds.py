"""A scenario's feeds: headline and on-chain fields, their compiled events and flows, the implied-volatility updates,
and where they are published (the in-process market, the recorded tape)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from simulator.feed_events import FeedEvent, FeedKind
from simulator.scenario import CompiledScenario, ScenarioError, compile_scenario, load_scenario
from simulator.scenario_feed import HEADLINE_SCORE_RANGE, implied_vol_updates
from simulator.scenario_market import scenario_market, scenario_session
from simulator.scheduled_flow import ScheduledFlow
from simulator.tape import FeedCode
from simulator.tape_export import read_tape, write_tape

HEAD = "name: t\ndescription: d\nseed: {seed}\nduration: {duration}\nsymbol: {symbol}\n"


def write(tmp_path: Path, body: str, *, seed: int = 7, duration: str = "1h", symbol: str = "CRYPTOALPHA") -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(HEAD.format(seed=seed, duration=duration, symbol=symbol) + body)
    return path


def compiled(tmp_path: Path, body: str, **head: object) -> CompiledScenario:
    return compile_scenario(load_scenario(write(tmp_path, body, **head)))  # type: ignore[arg-type]


def error_of(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


NEWS_AT_30M = "timeline:\n  - at: 30m\n    news:\n      jump_bps_mean: 50\n      headline: {headline}\n"


# -- the fields ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("headline", "message"), [
    ("{lead: 40m, accuracy: 0.8}", "timeline[0].news.headline.lead: 40m before the release at 30m is before the "
                                   "session start (line 10)"),
    ("{lead: soon, accuracy: 0.8}", "timeline[0].news.headline.lead: 'soon' is not a duration"),
    ("{lead: 5m, accuracy: 1.5}", "timeline[0].news.headline.accuracy: must be <= 1, got 1.5"),
    ("{lead: 5m, accuracy: -0.1}", "timeline[0].news.headline.accuracy: must be >= 0, got -0.1"),
    ("{lead: 5m}", "timeline[0].news.headline.accuracy: required"),
    ("{leed: 5m, accuracy: 0.8}", "timeline[0].news.headline.leed: unknown field; did you mean lead?"),
])
def test_a_bad_headline_names_its_field(tmp_path: Path, headline: str, message: str) -> None:
    path = write(tmp_path, NEWS_AT_30M.format(headline=headline))
    assert f"{path}: {message}" in error_of(path)


@pytest.mark.parametrize(("step", "message"), [
    ("onchain: {amount: 1000, lead: 20m, pressure: 20m}", "timeline[0].onchain.pressure: the selling ends at 1h10m, "
                                                          "after the end of the scenario (1h)"),
    ("onchain: {amount: 1000, lead: 30m, pressure: 20m}", "timeline[0].onchain.lead: the selling would start at 1h, "
                                                          "not before the end of the scenario (1h)"),
    ("onchain: {amount: 1000, pressure: 0}", "timeline[0].onchain.pressure: must be > 0: the selling takes some time"),
    ("onchain: {amount: 0, pressure: 5m}", "timeline[0].onchain.amount: must be > 0, got 0"),
    ("onchain: {amount: 1000}", "timeline[0].onchain.pressure: required"),
    ("metaorder: {side: sell, amount: 1000, over: 40m}", "timeline[0].metaorder.over: the block ends at 1h10m, after "
                                                         "the end of the scenario (1h)"),
    ("metaorder: {side: sell, amount: 1000, over: 0}", "timeline[0].metaorder.over: must be > 0: the block takes "
                                                       "some time"),
    ("metaorder: {side: short, amount: 1000, over: 5m}", "timeline[0].metaorder.side: "),
    ("metaorder: {side: buy, amount: 0, over: 5m}", "timeline[0].metaorder.amount: must be > 0, got 0"),
    ("metaorder: {side: buy, amount: 1000}", "timeline[0].metaorder.over: required"),
])
def test_a_bad_onchain_event_or_metaorder_names_its_field(tmp_path: Path, step: str, message: str) -> None:
    path = write(tmp_path, f"timeline:\n  - at: 30m\n    {step}\n")
    assert f"{path}: {message}" in error_of(path)


def test_an_onchain_amount_off_the_lot_grid_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "timeline:\n  - {at: 5m, onchain: {amount: 1005, pressure: 5m}}\n",
                 symbol="{name: CRYPTOALPHA, lot: 10}")
    assert f"{path}: timeline[0].onchain.amount: 1005 is not a multiple of the lot size 10" in error_of(path)


def test_an_equity_symbol_has_no_onchain_events(tmp_path: Path) -> None:
    path = write(tmp_path, "timeline:\n  - {at: 5m, onchain: {amount: 1000, pressure: 5m}}\n", symbol="ACME")
    assert (f"{path}: timeline[0].onchain: on-chain events need a 24h (crypto) symbol; ACME trades an equity "
            "session (line 7)") in error_of(path)


# -- headlines ----------------------------------------------------------------------------------------------------


def test_a_headline_is_published_lead_before_its_release_with_a_score_and_text(tmp_path: Path) -> None:
    scenario = compiled(tmp_path, NEWS_AT_30M.format(headline="{lead: 10m, accuracy: 1}"))
    (event,) = scenario.feed
    sign = np.sign(scenario.regime.jump_bps[0])
    assert (event.time, event.symbol, event.kind, event.amount) == (1200.0, "CRYPTOALPHA", FeedKind.HEADLINE, None)
    assert np.sign(event.score) == sign and HEADLINE_SCORE_RANGE[0] <= abs(event.score) <= HEADLINE_SCORE_RANGE[1]
    assert event.text == f"CRYPTOALPHA: scheduled release in 10m, sentiment {event.score:+.2f}"
    assert scenario.scheduled_flows == ()


def test_a_headline_without_lead_comes_with_the_release(tmp_path: Path) -> None:
    (event,) = compiled(tmp_path, NEWS_AT_30M.format(headline="{accuracy: 0.5}")).feed
    assert event.time == 1800.0
    assert event.text == f"CRYPTOALPHA: scheduled release, sentiment {event.score:+.2f}"


def test_same_scenario_and_seed_same_headlines_another_seed_others(tmp_path: Path) -> None:
    body = NEWS_AT_30M.format(headline="{lead: 10m, accuracy: 0.7}")
    first, again = compiled(tmp_path, body), compiled(tmp_path, body)
    assert first.feed == again.feed
    scores = {compiled(tmp_path, body, seed=seed).feed[0].score for seed in range(10)}
    assert len(scores) == 10


def test_a_headline_leaves_the_jumps_alone_and_each_step_has_its_own_draws(tmp_path: Path) -> None:
    def two_releases(first: str, second: str) -> CompiledScenario:
        steps = [("20m", first), ("40m", second)]
        body = "timeline:\n" + "".join(
            f"  - at: {at}\n    news:\n      jump_bps_mean: 50\n      jump_bps_std: 10\n"
            + (f"      headline: {headline}\n" if headline else "") for at, headline in steps)
        return compiled(tmp_path, body)

    bare = two_releases("", "")
    both = two_releases("{lead: 5m, accuracy: 0.8}", "{lead: 5m, accuracy: 0.8}")
    edited = two_releases("{lead: 5m, accuracy: 0.8}", "{lead: 1m, accuracy: 0.3}")
    assert bare.feed == ()
    assert both.regime.jump_bps.tolist() == bare.regime.jump_bps.tolist() == edited.regime.jump_bps.tolist()
    assert both.feed[0] == edited.feed[0]
    assert edited.feed[1].time == 39 * 60


@pytest.mark.parametrize("accuracy", [0.0, 0.5, 0.8, 1.0])
def test_over_many_releases_the_headline_points_the_jumps_way_as_often_as_its_accuracy(
        tmp_path: Path, accuracy: float) -> None:
    steps = "".join(f"  - {{at: {m}m, news: {{jump_bps_mean: 30, jump_bps_std: 10, headline: {{lead: 1m, "
                    f"accuracy: {accuracy}}}}}}}\n" for m in range(1, 400))
    agree, sizes = [], []
    for seed in range(3):
        scenario = compiled(tmp_path, "timeline:\n" + steps, seed=seed, duration="7h")
        scores = np.array([event.score for event in scenario.feed])
        agree.extend(np.sign(scores) == np.sign(scenario.regime.jump_bps))
        sizes.extend(np.abs(scores))
    assert len(agree) == 3 * 399
    # The binomial standard error is at most 0.0145 here: 0.045 is three of them.
    assert np.mean(agree) == pytest.approx(accuracy, abs=0.045)
    assert min(sizes) >= 0.3 and max(sizes) <= 1.0
    assert np.mean(sizes) == pytest.approx(0.65, abs=0.03)  # Uniform(0.3, 1)


# -- on-chain events ----------------------------------------------------------------------------------------------


def test_an_onchain_event_is_published_at_its_step_and_schedules_the_selling(tmp_path: Path) -> None:
    scenario = compiled(tmp_path, "timeline:\n  - {at: 10m, onchain: {amount: 120000, lead: 5m, pressure: 30m}}\n"
                                  "  - {at: 20m, onchain: {amount: 600000, pressure: 10m}}\n")
    assert scenario.feed == (
        FeedEvent(600.0, "CRYPTOALPHA", FeedKind.ONCHAIN, -0.6, "CRYPTOALPHA: 120,000 moved to exchanges", 120_000),
        FeedEvent(1200.0, "CRYPTOALPHA", FeedKind.ONCHAIN, -1.0, "CRYPTOALPHA: 600,000 moved to exchanges", 600_000),
    )
    assert scenario.scheduled_flows == (ScheduledFlow(900.0, 1800.0, -1, 120_000), ScheduledFlow(1200.0, 600.0, -1,
                                                                                                 600_000))
    # Feeds only: the regime is calm.
    assert scenario.regime.times.tolist() == [0.0] and len(scenario.regime.jump_times) == 0


def test_the_feed_is_in_publication_order(tmp_path: Path) -> None:
    body = ("timeline:\n  - {at: 10m, onchain: {amount: 1000, pressure: 5m}}\n"
            "  - {at: 20m, news: {jump_bps_mean: 10, headline: {lead: 15m, accuracy: 1}}}\n")
    assert [(e.time, e.kind) for e in compiled(tmp_path, body).feed] == [(300.0, FeedKind.HEADLINE),
                                                                         (600.0, FeedKind.ONCHAIN)]


# -- where the feed is published ----------------------------------------------------------------------------------

SHORT = ("timeline:\n  - {at: 2m, news: {jump_bps_mean: 20, headline: {lead: 1m, accuracy: 1}}}\n"
         "  - {at: 3m, onchain: {amount: 5000, lead: 1m, pressure: 2m}}\n")


def test_the_scenario_market_publishes_the_feed_on_its_clock(tmp_path: Path) -> None:
    scenario = compiled(tmp_path, SHORT, duration="10m")
    start = 1_800_000_000.0
    market = scenario_market(scenario, start_time=start)
    (implied,) = market.drain_feed()  # the implied volatility, published from the start
    assert implied == scenario.published[0].shifted(start) and implied.kind is FeedKind.IMPLIED_VOL
    assert market.drain_feed() == []
    market.advance(start + 60.0)
    (headline,) = market.drain_feed()
    assert headline == scenario.feed[0].shifted(start) and headline.time == start + 60.0
    market.advance(start + 179.0)
    assert market.drain_feed() == []
    market.advance(start + 600.0)
    assert market.drain_feed() == [scenario.feed[1].shifted(start)]


def test_the_scenario_tape_records_the_feed_and_exports_it(tmp_path: Path) -> None:
    scenario = compiled(tmp_path, SHORT, duration="10m")
    tape = scenario_session(scenario, 3)
    assert tape.feed is not None
    start = scenario.start_epoch
    assert tape.feed.time.tolist() == [start, start + 60.0, start + 180.0]
    assert tape.feed.kind.tolist() == [FeedCode.IMPLIED_VOL, FeedCode.HEADLINE, FeedCode.ONCHAIN]
    assert tape.feed.score.tolist() == [0.0, *(e.score for e in scenario.feed)]
    assert tape.feed.amount.tolist() == [0, 0, 5000]
    assert tape.feed.text.tolist() == [e.text for e in scenario.published]
    assert tape.feed.text[0] == "CRYPTOALPHA: implied volatility 76.42%"
    paths = write_tape(tape, tmp_path / "tape")
    assert tmp_path / "tape" / "feed.parquet" in paths
    back = read_tape(tmp_path / "tape").feed
    assert back is not None and back.text.tolist() == tape.feed.text.tolist()
    assert back.time.tolist() == tape.feed.time.tolist()


def test_a_scenario_without_headlines_records_only_its_implied_volatility(tmp_path: Path) -> None:
    tape = scenario_session(compiled(tmp_path, "", duration="2m"), 3)
    assert tape.feed is not None and tape.feed.kind.tolist() == [FeedCode.IMPLIED_VOL]
    assert tape.feed.text.dtype == object


def test_the_implied_volatility_is_published_at_the_start_and_at_each_change() -> None:
    surge = compile_scenario(load_scenario("volatility_surge_before_news"))
    updates = implied_vol_updates(surge.regime, surge.symbol)
    regime = surge.regime
    assert updates[0].time == 0.0 and updates[0].implied_vol == round(float(regime.implied_vol[0]), 4)
    assert all(a.implied_vol != b.implied_vol for a, b in itertools.pairwise(updates))
    times = np.array([u.time for u in updates])
    for t in np.arange(0.0, surge.duration_s, 30.0):  # the latest update is the regime's value, any time
        latest = updates[int(np.searchsorted(times, t, side="right")) - 1]
        assert latest.implied_vol == round(float(regime.implied_vol[regime.segment(t)]), 4)
    # It leads the realised volatility: up from an hour before the release (lead 30m before the 1h30 rise).
    assert max(u.implied_vol for u in updates if u.time < 3600.0) == updates[0].implied_vol  # type: ignore[type-var]
    assert any(u.time == 3600.0 for u in updates)
    assert all(u.kind is FeedKind.IMPLIED_VOL and u.score == 0.0 and "implied volatility" in u.text for u in updates)
    assert surge.published == tuple(sorted((*surge.feed, *surge.calendar, *updates), key=lambda e: e.time))


def test_a_scheduled_release_is_on_the_calendar_from_the_start_and_a_crash_is_not(tmp_path: Path) -> None:
    surge = compile_scenario(load_scenario("volatility_surge_before_news"))
    (entry,) = surge.calendar
    assert (entry.time, entry.kind, entry.event_time, entry.score) == (0.0, FeedKind.CALENDAR, 7200.0, 0.0)
    assert entry.text == "CRYPTOALPHA: scheduled release in 2h"
    assert entry in surge.published and entry.shifted(100.0).event_time == 7300.0
    assert compile_scenario(load_scenario("flash_crash")).calendar == ()
    two = compiled(tmp_path, "timeline:\n  - at: 20m\n    news: {jump_bps_mean: 50, scheduled: true}\n"
                             "  - at: 30m\n    news: {jump_bps_mean: 50}\n"
                             "  - at: 40m\n    news: {jump_bps_mean: 50, scheduled: true}\n")
    assert [e.event_time for e in two.calendar] == [1200.0, 2400.0]  # the unscheduled one is not on it
    assert "timeline[0].news.scheduled" in error_of(write(tmp_path, "timeline:\n  - at: 40m\n    news: "
                                                                 "{jump_bps_mean: 50, scheduled: soon}\n"))


# -- the records --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "score", "amount", "implied", "message"), [
    (FeedKind.HEADLINE, 1.2, None, None, r"score must be in \[-1, 1\]"),
    (FeedKind.HEADLINE, 0.5, 100, None, "headline events carry no amount"),
    (FeedKind.ONCHAIN, -1.0, None, None, "an on-chain event moves an amount > 0"),
    (FeedKind.HEADLINE, 0.5, None, 0.7, "headline events carry no implied volatility"),
    (FeedKind.IMPLIED_VOL, 0.0, None, None, "publishes a volatility > 0, got None"),
    (FeedKind.IMPLIED_VOL, 0.0, None, float("nan"), "publishes a volatility > 0, got nan"),
    (FeedKind.IMPLIED_VOL, 0.3, None, 0.7, "implied_vol events carry no sentiment, got 0.3"),
    (FeedKind.IMPLIED_VOL, 0.0, 100, 0.7, "implied_vol events carry no amount"),
])
def test_a_feed_event_refuses_what_no_feed_publishes(kind: FeedKind, score: float, amount: int | None,
                                                     implied: float | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FeedEvent(0.0, "CRYPTOALPHA", kind, score, "text", amount, implied)


@pytest.mark.parametrize(("kind", "score", "event_time", "message"), [
    (FeedKind.CALENDAR, 0.0, None, "release is due at or after its publication, got None"),
    (FeedKind.CALENDAR, 0.0, -5.0, "release is due at or after its publication, got -5.0"),
    (FeedKind.CALENDAR, 0.5, 60.0, "calendar events carry no sentiment, got 0.5"),
    (FeedKind.HEADLINE, 0.5, 60.0, "headline events carry no event time"),
])
def test_a_calendar_entry_refuses_what_no_calendar_publishes(kind: FeedKind, score: float, event_time: float | None,
                                                             message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FeedEvent(0.0, "CRYPTOALPHA", kind, score, "text", event_time=event_time)


@pytest.mark.parametrize(("args", "message"), [
    ((0.0, 60.0, 0, 100), "side must be"), ((0.0, 60.0, -1, 0), "qty must be"), ((0.0, 0.0, -1, 100), "duration_s"),
])
def test_a_scheduled_flow_refuses_nonsense(args: tuple[float, float, int, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ScheduledFlow(*args)


# -- metaorders ---------------------------------------------------------------------------------------------------


def test_an_unannounced_metaorder_is_a_flow_and_no_feed_event_on_any_session(tmp_path: Path) -> None:
    scenario = compiled(tmp_path, "timeline:\n  - {at: 10m, metaorder: {side: buy, amount: 20000, over: 30m}}\n",
                        symbol="ACME", duration="2h")
    assert scenario.feed == ()
    assert scenario.scheduled_flows == (ScheduledFlow(600.0, 1800.0, 1, 20000),)


def test_a_metaorder_shows_on_the_tape_as_takers_on_its_side() -> None:
    """The built-in `competing_seller`: while its block sells, the volume whose aggressor sold outweighs the rest,
    and the market counts it (`Market.signed_volume`) as the tape shows it."""
    scenario = compile_scenario(load_scenario("competing_seller"))
    market = scenario_market(scenario)
    symbol = scenario.symbol.symbol
    start = market.now
    market.advance(start + 1800.0)
    before_volume, before_signed = market.traded_volume(symbol), market.signed_volume(symbol)
    market.drain_trades()
    market.advance(start + 3600.0)
    trades = market.drain_trades()
    volume = market.traded_volume(symbol) - before_volume
    signed = market.signed_volume(symbol) - before_signed
    assert signed == sum(t.qty if t.aggressor.name == "BUY" else -t.qty for t in trades)
    assert volume == sum(t.qty for t in trades)
    assert signed < -0.3 * volume
