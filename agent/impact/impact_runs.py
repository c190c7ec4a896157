"""One training record of the impact model: a parent worked by the real engine in a scenario's market, and the same
market without it.

A run builds the scenario's market from its seed, lets it trade for a lead-in so the market view has a history,
reads the arrival features (`strategies.impact.features.impact_features`, the function serving calls), works the
parent with the backtester (the real engine, strategy and risk gate), and follows the mid for a reversion window
after the parent ends. The same seed is then run again without our order: because the market is deterministic in its
seed, the difference between the two paths is our impact, net of what the market would have done anyway.

Outcomes, in bps of the arrival mid a, cost positive for either side (s = +1 buy, −1 sell), over the filled
quantity (q_i at p_i, time t_i):

- `total_bps`: implementation shortfall, s·(AvgPx − a)/a;
- `temporary_bps`: the fills against the contemporaneous mid m(t_i) of our own run, s·Σq_i(p_i − m(t_i))/(Σq_i·a);
- `permanent_bps`: s·(m(T + R) − a)/a, the mid a reversion window R after the parent's end T;
- `impact_bps`: the counterfactual total, the fills against the mid m₀(t_i) of the run without us,
  s·Σq_i(p_i − m₀(t_i))/(Σq_i·a) (so total = impact + what the market's own drift cost us);
- `permanent_impact_bps`: s·(m(T + R) − m₀(T + R))/a.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from agent.backtest.backtest import BacktestOrder, quiet_engine, run_backtest, with_market_instruments
from agent.backtest.sim_venue import SimVenue
from agent.config import AgentConfig, load_config
from simulator.market import Market
from simulator.scenario import compile_scenario, load_scenario
from simulator.scenario_compiler import CompiledScenario
from simulator.scenario_market import scenario_market
from strategies.impact.features import FEATURE_NAMES, OrderSpec, SymbolHistory, impact_features
from strategies.market_view import MarketView
from strategies.twap import AGGRESSIONS, with_aggression
from strategies.types import Side

SIDES = {"buy": "1", "sell": "2"}
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ImpactRun:
    """One record to make: picklable, so any worker (a process, a Ray task) rebuilds the market from the scenario's
    name and the seed."""

    run_id: int
    scenario: str
    seed: int
    side: str  # "buy" or "sell"
    q_over_adv: float
    horizon_s: float
    start_s: float  # the parent's start, seconds after the scenario's start (after the lead-in)
    strategy: str  # TWAP, VWAP or IS
    aggression: str  # one of AGGRESSIONS
    urgency: float  # IS's κT (0 for the other schedules)
    reversion_s: float = 900.0

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"side must be buy or sell, got {self.side!r}")
        if self.aggression not in AGGRESSIONS:
            raise ValueError(f"aggression must be one of {', '.join(AGGRESSIONS)}, got {self.aggression!r}")
        for name in ("q_over_adv", "horizon_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if self.start_s < 0 or self.reversion_s < 0:
            raise ValueError(f"start_s and reversion_s must be >= 0, got {self.start_s}, {self.reversion_s}")


def history_of(compiled: CompiledScenario, cfg: AgentConfig) -> SymbolHistory:
    """The symbol's history as a desk would know it: the scenario symbol's ADV and daily volatility, and its session
    from the agent's configuration."""
    spec = compiled.symbol
    instrument = next((i for i in cfg.instruments if i.symbol == spec.symbol), None)
    return SymbolHistory(float(spec.adv), spec.daily_vol, instrument.trading_session() if instrument else None)


def run_config(run: ImpactRun, market: Market) -> AgentConfig:
    """The packaged agent configuration with the run's schedule as the default, its aggression and urgency."""
    cfg = with_market_instruments(load_config(default_strategy=run.strategy), market)
    return cfg.model_copy(update={
        # The data must not depend on a model trained from it: no pre-trade estimates in these runs.
        "impact": cfg.impact.model_copy(update={"pretrade_on_new": False}),
        "twap": with_aggression(cfg.twap, run.aggression),
        "implementation_shortfall": cfg.implementation_shortfall.model_copy(update={"urgency": run.urgency}),
    })


def order_spec(run: ImpactRun, qty: int, cfg: AgentConfig) -> OrderSpec:
    return OrderSpec(Side(SIDES[run.side]), float(qty), run.horizon_s, run.strategy, cfg.twap.catch_up_slices,
                     run.urgency)


class RecordFeatures:
    """The current features module's row for a record made earlier, from the arrival view it keeps: what lets a
    changed `FEATURE_NAMES` learn from the same runs without simulating them again. Each scenario's history (its
    ADV, volatility and session, as `run_impact` read them) is built once.

    A view kept before the venue published implied volatility (its snapshot has no `implied_vol`) is given the
    scenario's last implied-volatility update at or before the record's start: the feed is the scenario's, the same
    for every seed, and publishing it changes nothing in the market, so the view would have held exactly that."""

    def __init__(self) -> None:
        self._history: dict[str, tuple[SymbolHistory, float, list[tuple[float, float]]]] = {}

    def _scenario(self, scenario: str, seed: int) -> tuple[SymbolHistory, float, list[tuple[float, float]]]:
        """The scenario's history, its market's start time and its implied-volatility updates (session seconds)."""
        if scenario not in self._history:
            compiled = compile_scenario(load_scenario(scenario))
            market = scenario_market(compiled, seed)
            updates = [(e.time, e.implied_vol) for e in compiled.published if e.implied_vol is not None]
            self._history[scenario] = (history_of(compiled, with_market_instruments(load_config(), market)),
                                       market.now, updates)
        return self._history[scenario]

    def row(self, record: Mapping[str, Any]) -> F64:
        """FEATURE_NAMES for one record (a mapping with the ImpactRun fields, qty, catch_up_slices and
        arrival_view); ValueError naming what is missing or unreadable."""
        try:
            snapshot = json.loads(str(record["arrival_view"]))
            view = MarketView.from_snapshot(snapshot)
            history, t0, updates = self._scenario(str(record["scenario"]), int(record["seed"]))
            start = float(record["start_s"])
            if "implied_vol" not in snapshot:
                published = [(t, v) for t, v in updates if t <= start]
                view.implied_vol = (t0 + published[-1][0], published[-1][1]) if published else None
            order = OrderSpec(_record_side(record["side"]), float(record["qty"]), float(record["horizon_s"]),
                              str(record["strategy"]), float(record["catch_up_slices"]), float(record["urgency"]))
            return impact_features(order, history, view, t0 + start)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"record {record.get('run_id', '?')}: cannot rebuild its features ({exc})") from exc


def _record_side(value: object) -> Side:
    """A record's side: the feature's +1 buy / −1 sell (it shares the run field's name), or "buy" / "sell"."""
    if isinstance(value, str) and value in SIDES:
        return Side(SIDES[value])
    sign = float(value)  # type: ignore[arg-type]
    if sign not in (1.0, -1.0):
        raise ValueError(f"side must be buy, sell, +1 or -1, got {value!r}")
    return Side.BUY if sign > 0 else Side.SELL


def lead_in(market: Market, view: MarketView, until: float, step_s: float) -> None:
    """Run the market to `until`, showing the view a quote every `step_s` (the market's path does not depend on
    how often it is advanced)."""
    venue = SimVenue(market)
    t = market.now
    while t < until:
        t = min(t + step_s, until)
        market.advance(t)
        if market.feed_up(view.symbol):
            view.on_quote(venue.quote(view.symbol))
        for news in venue.take_news():
            if news.symbol == view.symbol:
                view.on_news(news)


def mid_of(market: Market, symbol: str) -> float | None:
    top = market.depth(symbol, 1)
    if not top.bids or not top.asks:
        return None
    return (top.bids[0].price + top.asks[0].price) / 2.0


class MidPath:
    """Mids at increasing times; `at(t)` is the last one at or before t."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.mids: list[float] = []

    def add(self, t: float, mid: float | None) -> None:
        if mid is not None:
            self.times.append(t)
            self.mids.append(mid)

    def at(self, t: float) -> float:
        i = bisect.bisect_right(self.times, t + 1e-9) - 1
        if i < 0:
            raise ValueError(f"no mid at or before {t}")
        return self.mids[i]


def fill_cost_bps(fills: Sequence[tuple[float, float, float]], arrival: float, sign: int,
                  mid_at: Callable[[float], float] | None = None) -> float:
    """What fills (time, qty, price) cost in bps of the arrival mid, positive when it hurts: against the arrival
    mid, or against `mid_at` each fill's time (the contemporaneous mid, or the counterfactual's)."""
    filled = sum(q for _, q, _ in fills)
    paid = sum(q * (p - (arrival if mid_at is None else mid_at(t))) for t, q, p in fills)
    return sign * paid / (filled * arrival) * 1e4


def run_impact(run: ImpactRun) -> dict[str, Any]:
    """Make one record: the run's fields, the arrival features (FEATURE_NAMES) and the outcomes."""
    wall0 = time.perf_counter()
    compiled = compile_scenario(load_scenario(run.scenario))
    symbol = compiled.symbol.symbol
    market = scenario_market(compiled, run.seed)
    cfg = run_config(run, market)
    history = history_of(compiled, cfg)
    view = MarketView(symbol, day_s=history.trading_day_s)
    t0 = market.now
    start = t0 + run.start_s
    lead_in(market, view, start, view.sample_s)
    qty = cfg.instrument_map()[symbol].round_lots_down(round(run.q_over_adv * history.adv))
    if qty <= 0:
        raise ValueError(f"run {run.run_id}: Q/ADV {run.q_over_adv} is less than one lot of {symbol}")
    features = impact_features(order_spec(run, qty, cfg), history, view, start)

    live = MidPath()
    order = BacktestOrder(symbol, SIDES[run.side], qty, run.horizon_s)
    with quiet_engine():
        result = run_backtest(cfg, market, order, on_quote=lambda q: live.add(q.timestamp, q.mid))
    end = result.finished if result.finished is not None else market.now
    market.advance(max(market.now, end + run.reversion_s))
    live_after = mid_of(market, symbol)

    counterfactual = _counterfactual(compiled, run.seed, start, end + run.reversion_s, cfg.decision_interval_s,
                                     symbol)
    record: dict[str, Any] = dataclasses.asdict(run)
    record.update({"symbol": symbol, "qty": qty, "adv": history.adv, "daily_vol": history.daily_vol})
    record.update(dict(zip(FEATURE_NAMES, (float(x) for x in features), strict=True)))
    # The view itself, so a later features module can be fitted on the same runs without simulating them again.
    record["arrival_view"] = json.dumps(view.snapshot(), separators=(",", ":"))
    record.update(_outcomes(result.fills, qty, result.arrival_mid, Side(SIDES[run.side]).sign, live, live_after,
                            counterfactual, end + run.reversion_s))
    record.update({"status": result.status, "children": result.children_sent, "end_s": end - t0,
                   "wall_s": time.perf_counter() - wall0})
    return record


def _counterfactual(compiled: CompiledScenario, seed: int, start: float, until: float, step_s: float,
                    symbol: str) -> MidPath:
    """The same seed's market without our order: its mid from the parent's start on a `step_s` grid."""
    market = scenario_market(compiled, seed)
    market.advance(start)
    path = MidPath()
    path.add(start, mid_of(market, symbol))
    steps = math.ceil((until - start) / step_s)
    for k in range(1, steps + 1):
        t = min(start + k * step_s, until)
        market.advance(t)
        path.add(t, mid_of(market, symbol))
    return path


def _outcomes(fills: tuple[tuple[float, int, float], ...], qty: int, arrival: float | None, sign: int,
              live: MidPath, live_after: float | None, counterfactual: MidPath, after_t: float) -> dict[str, Any]:
    filled = sum(q for _, q, _ in fills)
    nan = float("nan")
    out: dict[str, Any] = {"filled": filled / qty, "arrival_mid": arrival if arrival is not None else nan}
    if not filled or not arrival:
        return out | dict.fromkeys(("total_bps", "temporary_bps", "permanent_bps", "impact_bps",
                                    "permanent_impact_bps", "arrival_matches_counterfactual"), nan)
    after_cf = counterfactual.at(after_t)
    out.update({
        "total_bps": fill_cost_bps(fills, arrival, sign),
        "temporary_bps": fill_cost_bps(fills, arrival, sign, live.at),
        "permanent_bps": sign * ((live_after if live_after is not None else nan) - arrival) / arrival * 1e4,
        "impact_bps": fill_cost_bps(fills, arrival, sign, counterfactual.at),
        "permanent_impact_bps": sign * ((live_after if live_after is not None else nan) - after_cf) / arrival * 1e4,
        # The two runs share the market until our first order: their arrival mids must agree exactly.
        "arrival_matches_counterfactual": float(counterfactual.mids[0] == arrival),
    })
    return out
