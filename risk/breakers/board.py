"""The breaker board: every circuit breaker's measurement, threshold and state, fed observations by the engine.

Pure and deterministic: observations arrive with their time (the engine's clock), nothing else is read, so a
journal replay rebuilds the same trips. The board decides what is tripped; the engine's breaker watch applies
each trip's action to the parents in its scope, and the trading states of reducing and halted trips are read
through `state` by the risk engine.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from risk.breakers.config import Action, BreakersConfig
from risk.breakers.measures import EventWindow, SymbolMarket
from risk.trading_state import TradingState
from strategies.types import Quote, Side

log = logging.getLogger("footprint.breakers")

_HISTORY = 1_000  # trips and clears kept for the admin view and reports
_STATE_OF: dict[Action, TradingState] = {"reducing": TradingState.REDUCING, "halted": TradingState.HALTED}
_TAKES_FROM = {Side.SELL: "bid", Side.BUY: "ask"}  # the touch a parent on that side trades against


@dataclass(frozen=True)
class Scope:
    """What a breaker covers: one symbol (None: every symbol), optionally only parents on one side or one parent."""

    symbol: str | None
    side: Side | None = None
    parent_id: str | None = None

    def covers(self, symbol: str, side: Side, parent_id: str) -> bool:
        return (self.symbol in (None, symbol) and self.side in (None, side)
                and self.parent_id in (None, parent_id))

    def __str__(self) -> str:
        if self.parent_id is not None:
            return f"parent {self.parent_id}"
        where = self.symbol or "all symbols"
        return f"{where} {'buyers' if self.side is Side.BUY else 'sellers'}" if self.side else where


@dataclass
class Trip:
    """A tripped breaker: what it measured against which threshold, and since when things are normal again."""

    breaker: str
    scope: Scope
    action: Action
    value: float
    threshold: float
    unit: str
    text: str
    since: float
    worst: float
    normal_since: float | None = None

    @property
    def key(self) -> tuple[str, Scope]:
        return self.breaker, self.scope

    @property
    def hold_key(self) -> str:
        """The key of the hold it puts on a parent."""
        return f"breaker {self.breaker} {self.scope}"

    @property
    def state(self) -> TradingState | None:
        """The trading state it imposes on its symbol (or everything), if any."""
        return _STATE_OF.get(self.action) if self.scope.parent_id is None else None

    def as_dict(self) -> dict[str, Any]:
        return {"breaker": self.breaker, "scope": str(self.scope), "symbol": self.scope.symbol,
                "action": self.action, "value": self.value, "threshold": self.threshold, "unit": self.unit,
                "worst": self.worst, "since": self.since, "normal_since": self.normal_since, "text": self.text}


@dataclass(frozen=True)
class BreakerChange:
    """One trip or clear, as logged and reported."""

    at: float
    breaker: str
    scope: Scope
    tripped: bool
    action: Action
    value: float
    threshold: float
    unit: str
    text: str

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at, "breaker": self.breaker, "scope": str(self.scope), "symbol": self.scope.symbol,
                "event": "tripped" if self.tripped else "cleared", "action": self.action, "value": self.value,
                "threshold": self.threshold, "unit": self.unit, "text": self.text}


class BreakerBoard:
    """Circuit breakers over market data, venue rejects, fills, strategy failures and decision time."""

    def __init__(self, config: BreakersConfig) -> None:
        self.config = config
        self._markets: dict[str, SymbolMarket] = {}
        self._trips: dict[tuple[str, Scope], Trip] = {}
        self._windows: dict[tuple[str, Scope], EventWindow] = {}
        self._feed_since: float | None = None  # when the venue session (so the market data) last came up
        self._feed_down = False
        self.history: deque[BreakerChange] = deque(maxlen=_HISTORY)
        self.last_clear: dict[tuple[str, Scope], BreakerChange] = {}

    # ------------------------------------------------------------------ what the board is told

    def on_quote(self, quote: Quote, now: float) -> None:
        """A quote: update the symbol's readings, then judge the market breakers on it."""
        if not self.config.enabled:
            return
        symbol = quote.symbol
        market = self._markets.get(symbol)
        if market is None:
            c = self.config
            market = self._markets[symbol] = SymbolMarket(
                c.baseline_half_life_s, c.volatility.window_s, c.gap.window_s, c.spread.fast_half_life_s,
                c.depth.fast_half_life_s)
        market.observe(quote, now)
        self._judge_market(symbol, market, now)
        self._judge_stale(symbol, market, now)
        calm_mid = not (self._tripped("volatility", Scope(symbol)) or self._tripped("gap", Scope(symbol)))
        market.learn(mid=calm_mid, spread=not self._tripped("spread", Scope(symbol)),
                     depth={s: not self._tripped("depth", Scope(symbol, s)) for s in Side})

    def on_tick(self, now: float, feed_up: bool) -> None:
        """Time passed: stale market data (only while the venue session is up), and count breakers' windows."""
        if not self.config.enabled:
            return
        if not feed_up:
            self._feed_down, self._feed_since = True, None
        elif self._feed_down or self._feed_since is None:
            self._feed_down, self._feed_since = False, now
        for symbol, market in self._markets.items():
            self._judge_stale(symbol, market, now)
        for key, trip in list(self._trips.items()):
            window = self._windows.get(key)
            if window is not None:
                self._judge_count(trip.breaker, trip.scope, window, now)
            elif trip.breaker == "fill_anomaly":
                self._maybe_clear(trip, now, self.config.fill_anomaly.resume_after_s)

    def on_child_reject(self, symbol: str, text: str, now: float) -> None:
        """The venue rejected one of our child orders."""
        cfg = self.config.reject_storm
        if not (self.config.enabled and cfg.enabled):
            return
        why = f": last {text}" if text else ""

        def describe(limit: int) -> Callable[[int], str]:
            return lambda n: f"{n} child orders rejected by the venue within {cfg.window_s:g} s (limit {limit}){why}"

        for scope, limit, action in ((Scope(symbol), cfg.max_rejects, cfg.action),
                                     (Scope(None), cfg.venue_max_rejects, cfg.venue_action)):
            self._count("reject_storm", scope, action, cfg.window_s, limit, "rejects", now, describe(limit))

    def on_fill(self, symbol: str, side: Side, qty: int, px: float, limit_px: float | None, child_left: int,
                parent_left: int, quote: Quote | None, now: float) -> None:
        """A fill of one of our children: priced off the book, or past its quantity, trips the fill breaker.
        `child_left` and `parent_left` are what the child and its parent could still fill before this one."""
        cfg = self.config.fill_anomaly
        if not (self.config.enabled and cfg.enabled):
            return
        problem: tuple[float, float, str, str] | None = None
        over = max(qty - child_left, qty - parent_left)
        if over > 0:
            problem = (float(over), 0.0, "units over",
                       f"fill of {qty} is {over} past the quantity left ({child_left} on the child, "
                       f"{parent_left} on the parent)")
        elif limit_px is not None and (px - limit_px) * side.sign > 1e-9 * limit_px:
            beyond = abs(px - limit_px) / limit_px * 1e4
            problem = (beyond, 0.0, "bps", f"fill of {qty} @ {px:g} is {beyond:.1f} bps beyond its child's limit "
                                           f"{limit_px:g}")
        elif quote is not None and quote.bid_px is not None and quote.ask_px is not None:
            mid = (quote.bid_px + quote.ask_px) / 2.0
            outside = max(quote.bid_px - px, px - quote.ask_px, 0.0) / mid * 1e4
            if outside > cfg.max_outside_touch_bps:
                problem = (outside, cfg.max_outside_touch_bps, "bps",
                           f"fill of {qty} @ {px:g} is {outside:.1f} bps outside the touch {quote.bid_px:g}/"
                           f"{quote.ask_px:g} (limit {cfg.max_outside_touch_bps:g} bps)")
        if problem is not None:
            value, threshold, unit, text = problem
            trip = self._trip("fill_anomaly", Scope(symbol), cfg.action, value, threshold, unit, text, now,
                              higher_is_worse=True)
            trip.normal_since = now  # one bad fill: normal again from the next moment, unless another comes

    def on_strategy_failure(self, symbol: str, parent_id: str, strategy: str, problem: str, now: float) -> None:
        """A strategy (or the fallback) failed on a parent."""
        cfg = self.config.strategy_failure
        if not (self.config.enabled and cfg.enabled):
            return
        self._count("strategy_failure", Scope(symbol), cfg.action, cfg.window_s, cfg.max_failures, "failures", now,
                    lambda n: f"{n} strategy failures within {cfg.window_s:g} s (limit {cfg.max_failures}), last "
                              f"{strategy} on parent {parent_id}: {problem}")

    def on_decision_overrun(self, symbol: str, parent_id: str, elapsed_s: float, now: float) -> None:
        """A parent's decision took longer than the strategy time budget; counted across every parent."""
        cfg = self.config.decision_overrun
        if not (self.config.enabled and cfg.enabled):
            return
        self._count("decision_overrun", Scope(None), cfg.action, cfg.window_s, cfg.max_overruns, "overruns", now,
                    lambda n: f"{n} decisions over budget within {cfg.window_s:g} s (limit {cfg.max_overruns}), "
                              f"the last took {elapsed_s * 1e3:.1f} ms")

    def _count(self, breaker: str, scope: Scope, action: Action, window_s: float, limit: int, unit: str,
               now: float, describe: Callable[[int], str]) -> None:
        """One more event in the breaker's window; trips it at `limit` within `window_s` (text: `describe(n)`)."""
        count = self._window(breaker, scope, window_s, limit).add(now)
        if count >= limit:
            self._trip(breaker, scope, action, count, limit, unit, describe(count), now, higher_is_worse=True)

    # ------------------------------------------------------------------ operator

    def clear(self, now: float, symbol: str | None = None, breaker: str | None = None,
              reason: str = "operator resume") -> list[BreakerChange]:
        """Clear tripped breakers, halted ones included: all of them (symbol None), or those of one symbol, or
        only one breaker. The market readings they judged are taken as the new normal, so they do not trip again
        at once on the condition the operator has accepted."""
        changes = []
        for key, trip in list(self._trips.items()):
            if (symbol is not None and trip.scope.symbol != symbol) or breaker not in (None, trip.breaker):
                continue
            changes.append(self._clear(trip, now, f"cleared by {reason}"))
            self._windows.pop(key, None)
            market = self._markets.get(trip.scope.symbol or "")
            if market is not None:
                market.rebase()
        return changes

    # ------------------------------------------------------------------ reading

    def trips(self) -> list[Trip]:
        """Every tripped breaker, oldest first."""
        return list(self._trips.values())

    def state(self, symbol: str | None) -> TradingState:
        """The strictest trading state a tripped breaker imposes on `symbol` (None: on everything)."""
        states = [t.state for t in self._trips.values()
                  if t.state is not None and t.scope.symbol in (None, symbol)]
        return max(states, default=TradingState.ACTIVE)

    def snapshot(self, recent: int = 50) -> dict[str, Any]:
        """Plain data for the admin endpoint: tripped breakers, recent trips and clears, each symbol's readings."""
        return {
            "enabled": self.config.enabled,
            "tripped": [t.as_dict() for t in self._trips.values()],
            "recent": [c.as_dict() for c in list(self.history)[-recent:]],
            "symbols": {symbol: self._readings(m) for symbol, m in self._markets.items()},
        }

    # ------------------------------------------------------------------ judging

    def _judge_market(self, symbol: str, m: SymbolMarket, now: float) -> None:
        c = self.config
        warm = m.seen_for(now) >= c.warmup_s
        scope = Scope(symbol)
        cfg_v = c.volatility
        ratio = m.vol_ratio(now)
        if cfg_v.enabled and ratio is not None:
            self._judge("volatility", scope, cfg_v.action, cfg_v.resume_after_s, warm and ratio > cfg_v.max_ratio,
                        ratio, cfg_v.max_ratio, "x baseline",
                        f"realised volatility over {cfg_v.window_s:g} s is {ratio:.1f}x its baseline "
                        f"(limit {cfg_v.max_ratio:g}x)", now, higher_is_worse=True)
        cfg_g = c.gap
        sigma = m.baseline_sigma_bps()
        if cfg_g.enabled and sigma is not None:
            move = m.gap_bps()
            limit = max(cfg_g.min_bps, cfg_g.max_sigmas * sigma * math.sqrt(cfg_g.window_s))
            self._judge("gap", scope, cfg_g.action, cfg_g.resume_after_s, warm and move > limit, move, limit, "bps",
                        f"mid moved {move:.1f} bps within {cfg_g.window_s:g} s (limit {limit:.1f} bps: "
                        f"{cfg_g.max_sigmas:g} baseline sigmas, at least {cfg_g.min_bps:g})", now,
                        higher_is_worse=True)
        cfg_s = c.spread
        if cfg_s.enabled and m.spread_bps.ready:
            spread, base = m.spread_bps.value, m.spread_base.value
            limit = cfg_s.max_multiple * base if warm else math.inf
            if cfg_s.max_bps is not None:
                limit = min(limit, cfg_s.max_bps)
            self._judge("spread", scope, cfg_s.action, cfg_s.resume_after_s, spread > limit, spread, limit, "bps",
                        f"spread {spread:.1f} bps is over its limit {limit:.1f} bps ({spread / base:.1f}x its "
                        f"baseline {base:.1f} bps, limit {cfg_s.max_multiple:g}x"
                        + (f", cap {cfg_s.max_bps:g} bps)" if cfg_s.max_bps is not None else ")"), now,
                        higher_is_worse=True)
        cfg_d = c.depth
        if cfg_d.enabled:
            for side in Side:
                depth, depth_base = m.depth(side), m.depth_baseline(side)
                if depth is None or depth_base is None or not depth_base > 0:
                    continue
                base = depth_base
                limit = cfg_d.min_fraction * base
                self._judge("depth", Scope(symbol, side), cfg_d.action, cfg_d.resume_after_s, warm and depth < limit,
                            depth, limit, "qty",
                            f"{_TAKES_FROM[side]} depth at the touch {depth:,.0f} is {depth / base:.2f} of its "
                            f"baseline {base:,.0f} (limit {cfg_d.min_fraction:g})", now, higher_is_worse=False)

    def _judge_stale(self, symbol: str, m: SymbolMarket, now: float) -> None:
        cfg = self.config.stale
        if not cfg.enabled or m.last_at is None or self._feed_down:
            return  # no market data is expected while the venue session is down
        fresh = m.last_at if self._feed_since is None else max(m.last_at, self._feed_since)
        age = now - fresh
        self._judge("stale", Scope(symbol), cfg.action, cfg.resume_after_s, age >= cfg.stale_after_s, age,
                    cfg.stale_after_s, "s", f"no quote for {age:.1f} s (limit {cfg.stale_after_s:g} s)", now,
                    higher_is_worse=True)

    def _judge_count(self, breaker: str, scope: Scope, window: EventWindow, now: float) -> None:
        trip = self._trips[(breaker, scope)]
        limit = trip.threshold
        resume = {"reject_storm": self.config.reject_storm.resume_after_s,
                  "strategy_failure": self.config.strategy_failure.resume_after_s,
                  "decision_overrun": self.config.decision_overrun.resume_after_s}[breaker]
        if window.count(now) < limit:
            trip.normal_since = window.under_limit_since()
            self._maybe_clear(trip, now, resume)
        else:
            trip.normal_since = None

    def _judge(self, breaker: str, scope: Scope, action: Action, resume_after_s: float, abnormal: bool, value: float,
               threshold: float, unit: str, text: str, now: float, *, higher_is_worse: bool) -> None:
        if abnormal:
            self._trip(breaker, scope, action, value, threshold, unit, text, now, higher_is_worse=higher_is_worse)
            return
        trip = self._trips.get((breaker, scope))
        if trip is not None:
            self._maybe_clear(trip, now, resume_after_s)

    def _trip(self, breaker: str, scope: Scope, action: Action, value: float, threshold: float, unit: str,
              text: str, now: float, *, higher_is_worse: bool) -> Trip:
        trip = self._trips.get((breaker, scope))
        if trip is not None:
            trip.normal_since = None
            trip.worst = max(trip.worst, value) if higher_is_worse else min(trip.worst, value)
            return trip
        trip = self._trips[(breaker, scope)] = Trip(breaker, scope, action, value, threshold, unit, text, now, value)
        self._record(BreakerChange(now, breaker, scope, True, action, value, threshold, unit, text))
        level = logging.ERROR if action == "halted" else logging.WARNING
        log.log(level, "circuit breaker %s tripped for %s: %s; action %s", breaker, scope, text, action)
        return trip

    def _maybe_clear(self, trip: Trip, now: float, resume_after_s: float) -> None:
        if trip.action == "halted":
            return  # an operator resumes it
        if trip.normal_since is None:
            trip.normal_since = now
        if now - trip.normal_since >= resume_after_s:
            self._clear(trip, now, f"cleared: normal for {now - trip.normal_since:.0f} s")

    def _clear(self, trip: Trip, now: float, why: str) -> BreakerChange:
        del self._trips[trip.key]
        change = BreakerChange(now, trip.breaker, trip.scope, False, trip.action, trip.worst, trip.threshold,
                               trip.unit, f"{why} (tripped {now - trip.since:.0f} s, worst {trip.worst:.4g} "
                                          f"{trip.unit})")
        self._record(change)
        self.last_clear[trip.key] = change
        log.warning("circuit breaker %s for %s %s", trip.breaker, trip.scope, change.text)
        return change

    def _record(self, change: BreakerChange) -> None:
        self.history.append(change)

    def _tripped(self, breaker: str, scope: Scope) -> bool:
        return (breaker, scope) in self._trips

    def _window(self, breaker: str, scope: Scope, window_s: float, limit: int) -> EventWindow:
        window = self._windows.get((breaker, scope))
        if window is None:
            window = self._windows[(breaker, scope)] = EventWindow(window_s, limit)
        return window

    def _readings(self, m: SymbolMarket) -> dict[str, Any]:
        now = m.last_at if m.last_at is not None else 0.0
        return {
            "last_quote_at": m.last_at,
            "vol_ratio": m.vol_ratio(now),
            "sigma_1s_bps": m.baseline_sigma_bps(),
            "spread_bps": m.spread_bps.value if m.spread_bps.ready else None,
            "spread_baseline_bps": m.spread_base.value if m.spread_base.ready else None,
            "bid_depth": m.depth(Side.SELL),
            "bid_depth_baseline": m.depth_baseline(Side.SELL),
            "ask_depth": m.depth(Side.BUY),
            "ask_depth_baseline": m.depth_baseline(Side.BUY),
        }
