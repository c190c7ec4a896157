"""A scenario's feeds: each news step's headline, and each on-chain step's event and the selling it announces.

Headline: published `lead` before its release. Its sentiment score s is in [-1, 1]: |s| ~ Uniform(0.3, 1), and
its sign is the release's jump direction with probability `accuracy`, the opposite otherwise. The draws come from
their own stream of the scenario's seed, one per step, so the same scenario and seed publish the same headlines,
adding a headline leaves every jump alone, and editing one step's headline leaves the others alone.
Text: "CRYPTOALPHA: scheduled release in 10m, sentiment +0.62".

On-chain: a transfer of `amount` units to exchanges, published at the step's `at` with the score
-min(1, amount / (10% of ADV)) (a tenth of a day's volume or more is the strongest sell signal); it announces
`ScheduledFlow(at + lead, pressure, -1, amount)`, selling the background flow is to trade.
Text: "CRYPTOALPHA: 250,000 moved to exchanges".

Calendar: a `scheduled` release is on the venue's calendar from the session start: an entry published at time 0
with the release's time. Text: "CRYPTOALPHA: scheduled release in 2h".

Implied volatility: the regime's implied-volatility feed (`RegimeSchedule.implied_vol`, annualised; it leads the
realised volatility by the scenario's `implied_vol.lead`), published at the session start and at every segment where
its value (rounded to 4 decimals) changes. Text: "CRYPTOALPHA: implied volatility 76.42%".

Scores are rounded to 4 decimals, as the FIX venue sends them. Times are seconds since the session start.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from simulator.feed_events import FeedEvent, FeedKind
from simulator.instruments import SymbolSpec
from simulator.regime import RegimeSchedule
from simulator.scenario_offsets import format_offset
from simulator.scenario_schema import HeadlineSpec, OnChainSpec, Scenario
from simulator.scheduled_flow import ScheduledFlow

# Headline draws use their own stream of the scenario's seed: the news jumps and the flow never share them.
_HEADLINE_STREAM = 0x68656164
HEADLINE_SCORE_RANGE = (0.3, 1.0)
"""|score| of a headline is uniform on this range."""
ONCHAIN_FULL_SCALE_ADV = 0.1
"""An on-chain transfer of this fraction of ADV, or more, scores -1."""
_DECIMALS = 4


def headline_score(seed: int, step_index: int, jump_sign: float, accuracy: float) -> float:
    """The sentiment of the headline for timeline step `step_index`, whose release jumps in `jump_sign`'s direction."""
    rng = np.random.default_rng([seed, _HEADLINE_STREAM, step_index])
    right = float(rng.random()) < accuracy
    size = float(rng.uniform(*HEADLINE_SCORE_RANGE))
    return round((jump_sign if right else -jump_sign) * size, _DECIMALS)


def onchain_score(amount: int, adv: int) -> float:
    """The sentiment of a transfer of `amount` units to exchanges: -1 from a tenth of ADV up, less below."""
    return round(-min(1.0, amount / (ONCHAIN_FULL_SCALE_ADV * adv)), _DECIMALS)


def compile_feeds(scenario: Scenario, spec: SymbolSpec, jump_signs: Mapping[int, float]
                  ) -> tuple[tuple[FeedEvent, ...], tuple[ScheduledFlow, ...]]:
    """The scenario's feed events in time order and the flows its on-chain events and metaorders schedule;
    `jump_signs` maps the index of each news step to the direction of its drawn jump (+1 up, -1 down)."""
    events: list[FeedEvent] = []
    flows: list[ScheduledFlow] = []
    for index, step in enumerate(scenario.timeline):
        headline = step.news.headline if step.news is not None else None
        if headline is not None:
            events.append(_headline(scenario.seed, index, step.at, spec, headline, jump_signs[index]))
        if step.onchain is not None:
            events.append(_onchain(step.at, spec, step.onchain))
            flows.append(ScheduledFlow(step.at + step.onchain.lead, step.onchain.pressure, -1, step.onchain.amount))
        if step.metaorder is not None:  # unannounced: a flow and no feed event
            flows.append(ScheduledFlow(step.at, step.metaorder.over, step.metaorder.sign, step.metaorder.amount))
    events.sort(key=lambda e: e.time)
    return tuple(events), tuple(flows)


def calendar(scenario: Scenario, spec: SymbolSpec) -> tuple[FeedEvent, ...]:
    """The venue's calendar: an entry at the session start for each scheduled release, in the releases' order."""
    steps = sorted(step.at for step in scenario.timeline if step.news is not None and step.news.scheduled)
    return tuple(FeedEvent(0.0, spec.symbol, FeedKind.CALENDAR, 0.0,
                           f"{spec.symbol}: scheduled release in {format_offset(at)}", event_time=at) for at in steps)


def implied_vol_updates(regime: RegimeSchedule, spec: SymbolSpec) -> list[FeedEvent]:
    """The implied-volatility feed as events: its value at the session start and each change after it."""
    events: list[FeedEvent] = []
    last = None
    for start, value in zip(regime.times.tolist(), regime.implied_vol.tolist(), strict=True):
        rounded = round(float(value), _DECIMALS)
        if rounded != last and rounded > 0.0:
            events.append(FeedEvent(float(start), spec.symbol, FeedKind.IMPLIED_VOL, 0.0,
                                    f"{spec.symbol}: implied volatility {rounded:.2%}", implied_vol=rounded))
            last = rounded
    return events


def _headline(seed: int, index: int, at: float, spec: SymbolSpec, headline: HeadlineSpec, sign: float) -> FeedEvent:
    score = headline_score(seed, index, sign, headline.accuracy)
    when = f" in {format_offset(headline.lead)}" if headline.lead > 0 else ""
    text = f"{spec.symbol}: scheduled release{when}, sentiment {score:+.2f}"
    return FeedEvent(at - headline.lead, spec.symbol, FeedKind.HEADLINE, score, text)


def _onchain(at: float, spec: SymbolSpec, onchain: OnChainSpec) -> FeedEvent:
    text = f"{spec.symbol}: {onchain.amount:,} moved to exchanges"
    return FeedEvent(at, spec.symbol, FeedKind.ONCHAIN, onchain_score(onchain.amount, spec.adv), text, onchain.amount)
