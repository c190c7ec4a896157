"""Compiling a scenario: its timeline becomes the piecewise-constant RegimeSchedule the flow kernel reads.

Segments are `segment_s` long, plus a boundary at every step, ramp end and implied-vol lead point so that
steps land exactly; a ramp's value in a segment is its value at the segment's midpoint (its mean there).
Consecutive identical segments are merged. Same scenario, same arrays: news jumps are drawn from the seed.
Headlines and on-chain events become feed events and scheduled flows; the implied-volatility column is published
as feed events too (`CompiledScenario.published`, `simulator/scenario_feed.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.feed_events import FeedEvent
from simulator.instruments import SymbolSpec
from simulator.kernel.activity_profile import session_activity_profile
from simulator.orders import Side
from simulator.regime import FloatArray, Participants, RegimeSchedule
from simulator.scenario_feed import calendar, compile_feeds, implied_vol_updates
from simulator.scenario_schema import CHANNEL_BASE, Scenario, TimelineStep, annualised_vol
from simulator.scheduled_flow import ScheduledFlow

# Boundaries closer than this are one boundary: offsets are written to the second, arithmetic adds noise.
_TIME_EPS = 1e-6
# News draws use their own stream of the scenario's seed so that the flow, seeded alike, never shares draws.
_NEWS_STREAM = 0x6E657773


@dataclass(frozen=True, slots=True)
class ScenarioOrder:
    """The scenario's test parent; times are seconds since the session start."""

    side: Side
    qty: int
    start_s: float
    end_s: float
    strategy: str
    limit_price: float | None


@dataclass(frozen=True, slots=True)
class CompiledScenario:
    """Everything a backtest needs to run a scenario: the symbol, its regime schedule, seed, clock and order; its
    headlines and on-chain events (`feed`), the flows its on-chain events and metaorders schedule, its calendar of
    scheduled releases (times: seconds since the session start). What its market publishes is `published`: the feed, the
    calendar and the implied-volatility updates."""

    name: str
    description: str
    symbol: SymbolSpec
    regime: RegimeSchedule
    seed: int
    start_epoch: float
    duration_s: float
    order: ScenarioOrder | None
    outages: tuple[tuple[float, float], ...] = ()  # market data outages: (from, until), seconds since the start
    feed: tuple[FeedEvent, ...] = ()  # in time order
    scheduled_flows: tuple[ScheduledFlow, ...] = ()
    calendar: tuple[FeedEvent, ...] = ()

    @property
    def published(self) -> tuple[FeedEvent, ...]:
        """Every event the scenario's market publishes, in time order: `feed`, `calendar` and the regime's
        implied-volatility updates (`implied_vol_updates`)."""
        return tuple(sorted((*self.feed, *self.calendar, *implied_vol_updates(self.regime, self.symbol)),
                            key=lambda e: e.time))


def compile_scenario(scenario: Scenario, segment_s: float = 60.0) -> CompiledScenario:
    """Discretise the scenario's timeline into `segment_s` segments and draw its news jumps from the seed."""
    if not segment_s > 0:
        raise ValueError(f"segment_s must be > 0, got {segment_s}")
    spec = scenario.symbol.to_spec()
    duration = scenario.duration
    lead = scenario.implied_vol.lead
    times = _boundaries(scenario, segment_s)
    ends = np.append(times[1:], duration)
    mids = (times + ends) / 2

    path = {name: _channel(scenario.timeline, name, mids, spec.base_spread_bps) for name in CHANNEL_BASE}
    activity = path["activity_mult"]
    if spec.session == "equity":
        _, profile = session_activity_profile(spec, segment_s)
        activity = activity * profile[np.minimum((mids // segment_s).astype(np.int64), len(profile) - 1)]
    base_iv = scenario.implied_vol.base or annualised_vol(spec.daily_vol, spec.session)
    implied = base_iv * _leading_max(path["vol_mult"], times, ends, lead) * path["implied_vol_mult"]

    columns = {"vol_mult": path["vol_mult"], "spread_mult": path["spread_mult"],
               "depth_mult_bid": path["depth_mult_bid"], "depth_mult_ask": path["depth_mult_ask"],
               "activity_mult": activity, "drift_bps_per_hour": path["drift_bps_per_hour"], "implied_vol": implied}
    keep = _changes(list(columns.values()))
    jumps = _news(scenario)
    jump_times = np.array([when for when, _, _ in jumps.values()], dtype=np.float64)
    jump_bps = np.array([sign * size for _, sign, size in jumps.values()], dtype=np.float64)
    feed, flows = compile_feeds(scenario, spec, {index: sign for index, (_, sign, _) in jumps.items()})
    regime = RegimeSchedule(
        times=times[keep],
        vol_mult=columns["vol_mult"][keep],
        spread_mult=columns["spread_mult"][keep],
        depth_mult_bid=columns["depth_mult_bid"][keep],
        depth_mult_ask=columns["depth_mult_ask"][keep],
        activity_mult=columns["activity_mult"][keep],
        drift_bps_per_hour=columns["drift_bps_per_hour"][keep],
        implied_vol=columns["implied_vol"][keep],
        jump_times=jump_times,
        jump_bps=jump_bps,
        participants=_participants(scenario, flows),
    )
    return CompiledScenario(
        name=scenario.name,
        description=scenario.description,
        symbol=spec,
        regime=regime,
        seed=scenario.seed,
        start_epoch=scenario.start_epoch(),
        duration_s=duration,
        order=_order(scenario),
        outages=tuple((step.at, step.at + step.market_data_outage) for step in scenario.timeline
                      if step.market_data_outage is not None),
        feed=feed,
        scheduled_flows=flows,
        calendar=calendar(scenario, spec),
    )


def _boundaries(scenario: Scenario, segment_s: float) -> FloatArray:
    duration, lead = scenario.duration, scenario.implied_vol.lead
    knots = [t for step in scenario.timeline for t in (step.at, step.end_s)]
    # The implied feed moves `lead` before each knot; a boundary there keeps its lead exact.
    knots += [t - lead for t in knots] if lead > 0 else []
    points = np.concatenate([np.arange(0.0, duration, segment_s), np.array(knots, dtype=np.float64)])
    points = np.unique(np.round(points[(points >= 0) & (points < duration)], 6))
    # Drop boundaries closer than _TIME_EPS to the one before (np.unique only drops exact duplicates).
    keep = np.append(True, np.diff(points) > _TIME_EPS)
    return np.ascontiguousarray(points[keep], dtype=np.float64)


def _channel(timeline: tuple[TimelineStep, ...], name: str, mids: FloatArray, base_spread_bps: float) -> FloatArray:
    """One channel's value per segment: steps apply in order; a ramp moves linearly from the value before it."""
    values = np.full(len(mids), CHANNEL_BASE[name])
    current = CHANNEL_BASE[name]
    for step in timeline:
        target = step.targets(base_spread_bps).get(name)
        if target is None:
            continue
        if step.ramp_s > 0:
            fraction = np.clip((mids - step.at) / step.ramp_s, 0.0, 1.0)
            values = np.where(mids >= step.at, current + (target - current) * fraction, values)
        else:
            values = np.where(mids >= step.at, target, values)
        current = target
    return values


def _leading_max(vol: FloatArray, times: FloatArray, ends: FloatArray, lead: float) -> FloatArray:
    """Per segment, the highest vol_mult from its start to `lead` past its end: the feed prices a rise `lead`
    early, and falls only when realised volatility does (implied volatility is never crushed before the news)."""
    reach = np.searchsorted(times, ends + lead - _TIME_EPS, side="left")
    return np.array([vol[i:max(int(hi), i + 1)].max() for i, hi in enumerate(reach)], dtype=np.float64)


def _changes(columns: list[FloatArray]) -> npt.NDArray[np.intp]:
    """Indices of the segments that differ from the one before (the first always counts)."""
    differs = np.zeros(len(columns[0]), dtype=bool)
    differs[0] = True
    for column in columns:
        differs[1:] |= column[1:] != column[:-1]
    return np.flatnonzero(differs)


def _news(scenario: Scenario) -> dict[int, tuple[float, float, float]]:
    """Per news step (by timeline index, in time order): its time, jump direction (+1/-1) and size in bps."""
    jumps: dict[int, tuple[float, float, float]] = {}
    for index, step in enumerate(scenario.timeline):
        if step.news is None:
            continue
        # One stream per step: editing one release's direction leaves the other releases' sizes alone.
        rng = np.random.default_rng([scenario.seed, _NEWS_STREAM, index])
        size = abs(float(rng.normal(step.news.jump_bps_mean, step.news.jump_bps_std)))
        coin = float(rng.random())
        sign = {"up": 1.0, "down": -1.0, "random": 1.0 if coin < 0.5 else -1.0}[step.news.direction]
        jumps[index] = (step.at, sign, size)
    return jumps


def _participants(scenario: Scenario, flows: tuple[ScheduledFlow, ...]) -> Participants:
    informed, predators, default = scenario.informed, scenario.predators, Participants()
    return Participants(
        informed_probability=informed.probability if informed else 0.0,
        informed_lead_s=informed.lead if informed else default.informed_lead_s,
        informed_size_adv=informed.size_adv if informed else default.informed_size_adv,
        predator_strength=predators.strength if predators else 0.0,
        scheduled_flows=tuple((f.start_s, f.duration_s, f.side, f.qty) for f in flows),
    )


def _order(scenario: Scenario) -> ScenarioOrder | None:
    order = scenario.order
    if order is None:
        return None
    return ScenarioOrder(order.side, order.qty, order.start, order.end_s(scenario.duration), order.strategy,
                         order.limit)
