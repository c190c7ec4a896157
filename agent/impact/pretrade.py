"""Pre-trade estimates: what a parent will cost under each way of working it, from the served impact model.

One `PreTrade` serves the `footprint pretrade` command and the live agent alike: the features come from the same
market view and the same `impact_features` as in training, and every row of a request goes through the model in one
batched call. Cost is in bps of the arrival mid, positive when it hurts, for either side.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from strategies.impact import SHIPPED_MODEL
from strategies.impact.features import STRATEGY_NAMES, FeatureError, OrderSpec, SymbolHistory, impact_features
from strategies.impact.inference import ImpactInference, ImpactModelError
from strategies.impact.quantile_model import COMPONENTS, ServedLayout
from strategies.impact.quantiles import exceed_probability
from strategies.market_view import MarketView
from strategies.twap import AGGRESSIONS
from strategies.types import Side

if TYPE_CHECKING:
    from agent.config import AgentConfig
    from agent.core.parent_order import ParentOrder

log = logging.getLogger("footprint.pretrade")

THRESHOLD_BPS = 10.0


@dataclass(frozen=True)
class Estimate:
    """One way of working the parent and what the model expects it to cost."""

    strategy: str
    temporary_bps: float
    permanent_bps: float
    total_bps: float
    p_exceed_10bps: float
    q05_bps: float
    q50_bps: float
    q95_bps: float

    def as_text(self) -> str:
        """The estimate in one line, as the New ExecutionReport's Text carries it."""
        return (f"pre-trade {self.strategy}: total {self.total_bps:.1f} bps (5-95% {self.q05_bps:.1f} to "
                f"{self.q95_bps:.1f}), temporary {self.temporary_bps:.1f}, permanent {self.permanent_bps:.1f}, "
                f"P(>10 bps) {self.p_exceed_10bps:.2f}")

    def as_json(self) -> dict[str, float | str]:
        return asdict(self)


@dataclass(frozen=True)
class Way:
    """A named way of working a parent: schedule, the tactic's catch-up (aggression) and IS's urgency."""

    name: str
    strategy: str
    catch_up_slices: float
    urgency: float = 0.0


def standard_ways(default_strategy: str, urgency: float) -> tuple[Way, ...]:
    """The rows a trader compares: the default schedule worked aggressively, balanced and passively, then each
    schedule at the balanced aggression (IS at the configured urgency)."""
    balanced = AGGRESSIONS["balanced"]
    return (
        Way("aggressive", default_strategy, AGGRESSIONS["aggressive"], urgency),
        Way("balanced", default_strategy, balanced, urgency),
        Way("passive", default_strategy, AGGRESSIONS["passive"], urgency),
        Way("TWAP", "TWAP", balanced),
        Way("VWAP", "VWAP", balanced),
        Way("IS", "IS", balanced, urgency),
    )


RANGE_SLACK = 0.005
"""How far past the training range's edge, as a share of its width, a feature goes before pre-trade warns."""


def _digits_to_tell(value: float, low: float, high: float) -> int:
    """Significant digits (4 at least) that print the range's edges apart and `value` outside them."""
    for digits in range(4, 17):
        lo, hi, v = (float(f"{x:.{digits}g}") for x in (low, high, value))
        if lo < hi and (v > hi or v < lo):
            return digits
    return 17


class PreTrade:
    """Estimates from one served model: a batch of (way, order) rows in, one inference call, estimates out."""

    def __init__(self, inference: ImpactInference) -> None:
        self.inference = inference
        try:
            self.layout = ServedLayout.from_metadata(inference.metadata)
        except ValueError as exc:
            raise ImpactModelError(str(exc)) from exc
        self.levels = list(self.layout.levels)
        # Each feature's range in the training rows (absent in a model exported by other means).
        self.ranges: dict[str, list[float]] = json.loads(inference.metadata.get("feature_ranges", "{}"))
        if set(self.layout.components) != set(COMPONENTS) or not {0.05, 0.5, 0.95} <= set(self.levels):
            raise ImpactModelError(f"the model must have the components {', '.join(COMPONENTS)} at the 5, 50 and "
                                   f"95% quantiles at least; it has {self.layout.components} at {self.levels}")

    @classmethod
    def from_file(cls, path: Path = SHIPPED_MODEL, device: str = "cpu") -> PreTrade:
        return cls(ImpactInference.from_file(path, device=device))  # type: ignore[arg-type]

    def features(self, requests: Sequence[tuple[Way, OrderSpec]], history: SymbolHistory, view: MarketView,
                 now: float) -> np.ndarray:
        """The model's input rows for these requests against the market `view` shows at `now`; FeatureError when
        the view cannot give them."""
        return np.vstack([impact_features(order, history, view, now) for _, order in requests])

    def estimate(self, requests: Sequence[tuple[Way, OrderSpec]], history: SymbolHistory, view: MarketView,
                 now: float) -> list[Estimate]:
        """One estimate per (way, order), in one inference call; FeatureError when the view cannot give the model
        its inputs."""
        if not requests:
            return []
        return self.from_rows([way for way, _ in requests], self.features(requests, history, view, now))

    def from_rows(self, ways: Sequence[Way], rows: np.ndarray) -> list[Estimate]:
        quantiles = self.layout.finish(self.inference.predict(rows), rows)
        return [self._estimate(way.name, {t: q[i] for t, q in quantiles.items()}) for i, way in enumerate(ways)]

    def outside_training(self, rows: np.ndarray) -> list[str]:
        """The features of these rows outside the range the model learnt from: there it extrapolates (its trees
        hold their edge values), and a trader should know. A value past an edge by less than `RANGE_SLACK` of the
        range's width is not worth a warning; the note gives the value to the digits that show it is outside."""
        notes = []
        for i, name in enumerate(self.inference.feature_names):
            if name not in self.ranges:
                continue
            low, high = self.ranges[name]
            slack = max(RANGE_SLACK * (high - low), 1e-9 * max(1.0, abs(low), abs(high)))  # 1e-9: the JSON trip
            worst = rows[:, i].max() if rows[:, i].max() > high else rows[:, i].min()
            if worst > high + slack or worst < low - slack:
                digits = _digits_to_tell(worst, low, high)
                notes.append(f"{name} {worst:.{digits}g} is outside the training range [{low:.{digits}g}, "
                             f"{high:.{digits}g}]")
        return notes

    def _estimate(self, name: str, q: Mapping[str, np.ndarray]) -> Estimate:
        levels = self.levels
        median = levels.index(0.5)
        total = q["total"]
        p = float(exceed_probability(total[None, :], levels, THRESHOLD_BPS)[0])
        return Estimate(name, float(q["temporary"][median]), float(q["permanent"][median]), float(total[median]), p,
                        float(total[levels.index(0.05)]), float(total[median]), float(total[levels.index(0.95)]))


def way_orders(ways: Sequence[Way], side: Side, qty: float, horizon_s: float) -> list[tuple[Way, OrderSpec]]:
    return [(w, OrderSpec(side, qty, horizon_s, w.strategy, w.catch_up_slices, w.urgency)) for w in ways]


def arrival_text(pretrade: PreTrade, way: Way, order: OrderSpec, history: SymbolHistory, view: MarketView,
                 now: float) -> str | None:
    """The New ExecutionReport's estimate for a parent, or None (logged) when the market view cannot give one."""
    try:
        (estimate,) = pretrade.estimate([(way, order)], history, view, now)
    except FeatureError as exc:
        log.info("no pre-trade estimate: %s", exc)
        return None
    return estimate.as_text()


ArrivalEstimate = Callable[["ParentOrder", MarketView | None, float], str | None]


@functools.lru_cache(maxsize=4)
def _loaded(path: Path, device: str) -> PreTrade:
    """One served model per file and device in a process (backtests build many engines)."""
    return PreTrade.from_file(path, device)


def arrival_estimator(cfg: AgentConfig) -> ArrivalEstimate | None:
    """What the engine calls for a new parent's estimate, or None when the configuration turns estimates off.
    ImpactModelError when the configured model cannot be served (missing, corrupt, or CUDA asked and absent): an
    agent told to estimate refuses to start without its model rather than run without it unnoticed."""
    if not cfg.impact.pretrade_on_new:
        return None
    pretrade = _loaded(cfg.impact.model or SHIPPED_MODEL, cfg.impact.device)
    instruments = {i.symbol: i for i in cfg.instruments}
    catch_up, urgency = cfg.twap.catch_up_slices, cfg.implementation_shortfall.urgency

    def estimate(parent: ParentOrder, view: MarketView | None, now: float) -> str | None:
        symbol = parent.instrument.symbol
        inst = instruments.get(symbol)
        if view is None or inst is None or inst.adv is None or inst.daily_vol is None:
            log.debug("no pre-trade estimate for %s: no market view, or no adv and daily_vol configured", symbol)
            return None
        if parent.strategy not in STRATEGY_NAMES:
            return None
        try:
            history = SymbolHistory(float(inst.adv), inst.daily_vol, inst.trading_session())
            kappa = parent.urgency if parent.urgency is not None else urgency
            order = OrderSpec(parent.side, float(parent.order_qty), max(1.0, parent.end - max(parent.start, now)),
                              parent.strategy, catch_up, kappa if parent.strategy == "IS" else 0.0)
            return arrival_text(pretrade, Way(parent.strategy, parent.strategy, catch_up, order.urgency), order,
                                history, view, now)
        except Exception:  # an estimate is advice: it must never stop a parent from being accepted
            log.exception("pre-trade estimate for parent %s failed", parent.order_id)
            return None

    return estimate


class PreTradeError(ValueError):
    """A pre-trade request that cannot be answered; the message names the argument."""


LEAD_IN_S = 1_200.0
"""Market history a scenario's estimate waits for: the lead-in the training data gives every parent."""


def _request(side: str, qty: float, horizon: str) -> tuple[Side, float]:
    """The side and horizon in seconds of a pre-trade request; PreTradeError naming the bad argument."""
    from agent.schedule_cli import ScheduleArgumentError, parse_horizon

    if side not in ("buy", "sell"):
        raise PreTradeError(f"--side must be buy or sell, got {side!r}")
    if not (qty > 0 and qty < float("inf")):
        raise PreTradeError(f"--qty must be > 0, got {qty}")
    try:
        horizon_s, _ = parse_horizon(horizon)
    except ScheduleArgumentError as exc:
        raise PreTradeError(str(exc)) from exc
    return (Side.BUY if side == "buy" else Side.SELL), horizon_s


def _every_way(model: Path, device: str, cfg: AgentConfig, history: SymbolHistory, view: MarketView, side: Side,
               qty: float, horizon_s: float) -> tuple[list[Estimate], PreTrade]:
    try:
        pretrade = _loaded(model, device)
    except ImpactModelError as exc:
        raise PreTradeError(f"--model: {exc}") from exc
    ways = standard_ways(cfg.default_strategy, cfg.implementation_shortfall.urgency)
    now = view.quote.timestamp if view.quote is not None else 0.0
    requests = way_orders(ways, side, qty, horizon_s)
    try:
        rows = pretrade.features(requests, history, view, now)
    except FeatureError as exc:
        raise PreTradeError(str(exc)) from exc
    estimates = pretrade.from_rows(ways, rows)
    for note in pretrade.outside_training(rows):
        log.warning("extrapolating: %s", note)
    return estimates, pretrade


def scenario_pretrade(symbol: str, side: str, qty: float, horizon: str, scenario: str | None, seed: int | None,
                      model: Path, device: str) -> tuple[list[Estimate], str]:
    """`footprint pretrade` in a scenario's market: the estimates of every standard way, and what they are as of."""
    from agent.backtest.backtest import with_market_instruments
    from agent.config import load_config
    from agent.impact.impact_runs import history_of, lead_in
    from simulator.scenario import ScenarioError, compile_scenario, list_scenarios, load_scenario
    from simulator.scenario_market import scenario_market

    order_side, horizon_s = _request(side, qty, horizon)
    try:
        if scenario is None:
            trading = [c for c in (compile_scenario(load_scenario(n)) for n in list_scenarios())
                       if c.symbol.symbol == symbol]
            if not trading:
                raise PreTradeError(f"--symbol {symbol}: no built-in scenario trades it; give --scenario FILE")
            # An estimate should not assume someone else's block is working the same hours: the first built-in
            # with no scheduled flow (no other desk's metaorder, no on-chain selling), else the first.
            scenario = next((c.name for c in trading if not c.scheduled_flows), trading[0].name)
        compiled = compile_scenario(load_scenario(scenario))
    except ScenarioError as exc:
        raise PreTradeError(f"--scenario: {exc}") from exc
    if compiled.symbol.symbol != symbol:
        raise PreTradeError(f"--symbol {symbol}: scenario {compiled.name} trades {compiled.symbol.symbol}")
    market = scenario_market(compiled, seed)
    cfg = with_market_instruments(load_config(), market)
    history = history_of(compiled, cfg)
    view = MarketView(symbol, day_s=history.trading_day_s)
    lead_in(market, view, market.now + LEAD_IN_S, view.sample_s)
    estimates, pretrade = _every_way(model, device, cfg, history, view, order_side, qty, horizon_s)
    mid = view.quote.mid if view.quote is not None else None
    return estimates, (f"scenario {compiled.name} (seed {compiled.seed if seed is None else seed}) after its first "
                       f"{LEAD_IN_S / 60:.0f} minutes, mid {mid:.4f}; ADV {history.adv:,.0f}, daily vol "
                       f"{history.daily_vol * 100:.2f}%; model served on {pretrade.inference.provider_in_use}")


def agent_pretrade(symbol: str, side: str, qty: float, horizon: str, url: str, cfg: AgentConfig, model: Path,
                   device: str) -> tuple[list[Estimate], str]:
    """`footprint pretrade --agent URL`: the estimates in the market the live agent sees now (its admin endpoint's
    market view of the symbol), with the symbol's ADV, daily volatility and session from the agent's config."""
    import urllib.error
    import urllib.parse
    import urllib.request

    order_side, horizon_s = _request(side, qty, horizon)
    inst = next((i for i in cfg.instruments if i.symbol == symbol), None)
    if inst is None or inst.adv is None or inst.daily_vol is None:
        raise PreTradeError(f"--symbol {symbol}: the config needs an [[instruments]] entry with adv and daily_vol")
    address = f"{url.rstrip('/')}/market/{urllib.parse.quote(symbol)}"
    try:
        with urllib.request.urlopen(address, timeout=5.0) as response:
            body = json.loads(response.read())
        view = MarketView.from_snapshot(body["view"])
    except urllib.error.HTTPError as exc:
        raise PreTradeError(f"--agent: {address} answered {exc.code}: {exc.read().decode(errors='replace')}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise PreTradeError(f"--agent: cannot reach {address}: {exc}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise PreTradeError(f"--agent: {address} did not answer with a market view: {exc}") from exc
    history = SymbolHistory(float(inst.adv), inst.daily_vol, inst.trading_session())
    estimates, pretrade = _every_way(model, device, cfg, history, view, order_side, qty, horizon_s)
    mid = view.quote.mid if view.quote is not None else None
    return estimates, (f"the live agent at {url}, mid {mid if mid is None else f'{mid:.4f}'}; ADV {history.adv:,.0f}, "
                       f"daily vol {history.daily_vol * 100:.2f}%; model served on "
                       f"{pretrade.inference.provider_in_use}")
