"""The risk engine: a stateful component the execution engine is given. It decides which parents are accepted
and which child actions may leave, and holds the trading states (ACTIVE / REDUCING / HALTED, global and per
symbol). Pure: no I/O, no clock of its own (times are passed in), so a journal replay rebuilds its state."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Container
from dataclasses import dataclass, field

from risk.breakers import BreakerBoard, BreakersConfig
from risk.child_limits import check_child_action
from risk.child_market import (
    ChildCaps,
    ChildMarket,
    check_collar,
    check_participation,
    check_self_trade,
    check_size,
)
from risk.trading_state import TradingState
from risk.verdict import RiskVerdict
from strategies.types import CancelChild, ChildAction, ParentView, PlaceChild, Quote, ReplaceChild

GLOBAL = "*"


@dataclass(frozen=True)
class SymbolLimits:
    """Per-symbol caps; None means no cap of that kind."""

    max_order_qty: int | None = None
    adv: int | None = None  # average daily volume, the base of `max_adv_fraction`
    max_adv_fraction: float | None = None
    collar_bps: float | None = None  # a child's price within this of the mid
    max_child_qty: int | None = None


@dataclass(frozen=True)
class RiskLimits:
    """Every limit the risk engine applies: to parents on arrival, and to each child before it leaves."""

    symbols: dict[str, SymbolLimits] = field(default_factory=dict)
    max_order_notional: float | None = None
    max_session_notional_per_day: float | None = None
    max_symbol_notional_per_day: float | None = None
    max_live_parents_per_session: int | None = None
    new_orders_per_second: float | None = None  # per session: a token bucket refilled at this rate...
    new_order_burst: int = 1  # ...holding at most this many
    max_child_notional: float | None = None
    max_open_children_per_parent: int | None = None
    participation_window_s: float = 60.0  # the rolling window ParticipationRate(849) is measured over
    venue_orders_per_second: float | None = None  # new orders and replaces per venue session (cancels are free)
    venue_order_burst: int = 1


@dataclass
class _Bucket:
    tokens: float
    at: float


class RiskEngine:
    """Pre-trade limits on parents, the gate on every child action, and the trading states."""

    def __init__(self, limits: RiskLimits, breakers: BreakerBoard | None = None) -> None:
        self.limits = limits
        # Circuit breakers add their own trading states: the effective state is the strictest of all.
        self.breakers = breakers if breakers is not None else BreakerBoard(BreakersConfig())
        self._states: dict[str, TradingState] = {GLOBAL: TradingState.ACTIVE}
        self._buckets: dict[str, _Bucket] = {}
        self._notional: dict[tuple[str, str], float] = defaultdict(float)  # (day, "session:X" | "symbol:Y")
        # Rolling windows for participation: the market's cumulative volume per symbol, our fills per parent.
        self._volume: dict[str, deque[tuple[float, int]]] = {}
        self._fills: dict[str, deque[tuple[float, int]]] = {}

    # ------------------------------------------------------------------ trading states

    def set_state(self, state: TradingState, symbol: str | None = None) -> None:
        """Set the global state (symbol None) or one symbol's; a symbol set ACTIVE follows the global state again."""
        if symbol and state is TradingState.ACTIVE:
            self._states.pop(symbol, None)
        else:
            self._states[symbol or GLOBAL] = state

    def state(self, symbol: str | None = None) -> TradingState:
        """The effective state: the strictest of the symbol's own, the global one and a tripped breaker's."""
        own = self._states.get(symbol, TradingState.ACTIVE) if symbol else TradingState.ACTIVE
        return max(own, self._states[GLOBAL], self.breakers.state(symbol))

    def states(self) -> dict[str, TradingState]:
        return dict(self._states)

    def replace_limits(self, limits: RiskLimits) -> None:
        """New limits from now on (an operator's change); counters and token buckets carry on."""
        self.limits = limits

    # ------------------------------------------------------------------ parents

    def check_parent(self, session: str, symbol: str, qty: int, reference_px: float, live_parents: int,
                     now: float) -> RiskVerdict:
        """May this new parent be accepted? `reference_px` prices its notional (its limit, else the mid)."""
        state = self.state(symbol)
        if state is not TradingState.ACTIVE:
            return RiskVerdict.refuse(f"trading in {symbol} is {state.name}: no new orders")
        lim = self.limits
        sym = lim.symbols.get(symbol, SymbolLimits())
        if sym.max_order_qty is not None and qty > sym.max_order_qty:
            return RiskVerdict.refuse(f"OrderQty {qty:,} exceeds the {symbol} limit of {sym.max_order_qty:,}")
        if sym.adv and sym.max_adv_fraction is not None and qty > sym.max_adv_fraction * sym.adv:
            return RiskVerdict.refuse(f"OrderQty {qty:,} is {qty / sym.adv:.1%} of {symbol}'s ADV {sym.adv:,} "
                                      f"(limit {sym.max_adv_fraction:.0%})")
        notional = qty * reference_px
        if lim.max_order_notional is not None and notional > lim.max_order_notional:
            return RiskVerdict.refuse(f"notional {notional:,.0f} exceeds the per-order limit of "
                                      f"{lim.max_order_notional:,.0f}")
        day = _day(now)
        for key, cap, what in ((f"session:{session}", lim.max_session_notional_per_day, "session"),
                               (f"symbol:{symbol}", lim.max_symbol_notional_per_day, f"{symbol}")):
            if cap is not None and self._notional[(day, key)] + notional > cap:
                return RiskVerdict.refuse(f"notional {notional:,.0f} would take today's {what} total to "
                                          f"{self._notional[(day, key)] + notional:,.0f}, over the limit of {cap:,.0f}")
        if lim.max_live_parents_per_session is not None and live_parents >= lim.max_live_parents_per_session:
            return RiskVerdict.refuse(f"{live_parents} parents already working for this session "
                                      f"(limit {lim.max_live_parents_per_session})")
        if not self._take_token(f"session:{session}", lim.new_orders_per_second, lim.new_order_burst, now):
            return RiskVerdict.refuse(f"new-order rate over {lim.new_orders_per_second:g}/s "
                                      f"(burst {lim.new_order_burst}) for this session: throttled")
        return RiskVerdict.allow()

    def on_parent_accepted(self, session: str, symbol: str, qty: int, reference_px: float, now: float) -> None:
        """Count an accepted parent against today's notional limits."""
        day = _day(now)
        self._notional[(day, f"session:{session}")] += qty * reference_px
        self._notional[(day, f"symbol:{symbol}")] += qty * reference_px
        for key in [k for k in self._notional if k[0] != day]:
            del self._notional[key]  # yesterday's totals are done with

    def _take_token(self, key: str, rate: float | None, burst: int, now: float) -> bool:
        """A token bucket per key, refilled at `rate` per second, holding at most `burst`."""
        if rate is None:
            return True
        burst = max(burst, 1)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(burst), now)
        bucket.tokens = min(float(burst), bucket.tokens + max(now - bucket.at, 0.0) * rate)
        bucket.at = now
        if bucket.tokens < 1.0:
            return False
        bucket.tokens -= 1.0
        return True

    # ------------------------------------------------------------------ children

    def on_quote(self, quote: Quote, now: float) -> None:
        """Keep the market's volume over the participation window."""
        window = self._volume.setdefault(quote.symbol, deque())
        if window and quote.volume < window[-1][1]:
            window.clear()  # the feed started counting again (a reconnect): the old base means nothing now
        window.append((now, quote.volume))
        _trim(window, now - self.limits.participation_window_s)

    def on_fill(self, parent_id: str, qty: int, now: float) -> None:
        """Count a parent's fill in its participation window."""
        window = self._fills.setdefault(parent_id, deque())
        window.append((now, qty))
        _trim(window, now - self.limits.participation_window_s, keep_base=False)

    def forget_parent(self, parent_id: str) -> None:
        self._fills.pop(parent_id, None)

    def check_child(self, parent: ParentView, action: ChildAction, market: ChildMarket, now: float) -> RiskVerdict:
        """May this child action leave? Cancels always may. Then the trading state, the parent's own limits
        (grids, limit price, no overfill), the market checks, and last the venue's order-rate throttle, so that
        a refused action spends no token."""
        if isinstance(action, CancelChild):
            return check_child_action(parent, action)
        symbol = parent.instrument.symbol
        state = self.state(symbol)
        if state is TradingState.HALTED:
            return RiskVerdict.refuse(f"trading in {symbol} is HALTED: cancels only")
        if state is TradingState.REDUCING:
            child = next((c for c in parent.children if c.child_id == getattr(action, "child_id", None)), None)
            if not (isinstance(action, ReplaceChild) and child is not None and action.qty <= child.leaves_qty):
                return RiskVerdict.refuse(f"trading in {symbol} is REDUCING: only orders that "
                                          "reduce what is working")
        verdict = check_child_action(parent, action)
        if not verdict.ok:
            return verdict
        lim = self.limits
        caps = self.child_caps(symbol)
        for verdict in (
            check_size(parent, action, market.quote, caps),
            check_collar(parent.instrument, parent.side, action.price, market.quote, caps.collar_bps),
            check_self_trade(parent, action.price, market.own_orders),
            self._check_open_children(action, market, caps),
            check_participation(parent, action, self._filled_in_window(parent.parent_id, now),
                                self._market_in_window(symbol), lim.participation_window_s),
        ):
            if not verdict.ok:
                return verdict
        if not self._take_token("venue", lim.venue_orders_per_second, lim.venue_order_burst, now):
            return RiskVerdict.refuse(f"venue order rate over {lim.venue_orders_per_second:g}/s "
                                      f"(burst {lim.venue_order_burst}): throttled")
        return RiskVerdict.allow()

    @staticmethod
    def check_cl_ord_id(cl_ord_id: str, in_use: Container[str]) -> RiskVerdict:
        """A ClOrdID may name one order only: a second use would make the venue reject, or worse, mix two orders."""
        if cl_ord_id in in_use:
            return RiskVerdict.refuse(f"ClOrdID {cl_ord_id} is already in use")
        return RiskVerdict.allow()

    def child_caps(self, symbol: str) -> ChildCaps:
        sym = self.limits.symbols.get(symbol, SymbolLimits())
        return ChildCaps(sym.collar_bps, sym.max_child_qty, self.limits.max_child_notional,
                         self.limits.max_open_children_per_parent)

    @staticmethod
    def _check_open_children(action: PlaceChild | ReplaceChild, market: ChildMarket, caps: ChildCaps) -> RiskVerdict:
        if isinstance(action, PlaceChild) and caps.max_open_children is not None \
                and market.open_children >= caps.max_open_children:
            return RiskVerdict.refuse(f"{market.open_children} children already open for this parent "
                                      f"(limit {caps.max_open_children})")
        return RiskVerdict.allow()

    def _filled_in_window(self, parent_id: str, now: float) -> int:
        window = self._fills.get(parent_id)
        if not window:
            return 0
        _trim(window, now - self.limits.participation_window_s, keep_base=False)
        return sum(qty for _, qty in window)

    def _market_in_window(self, symbol: str) -> int:
        window = self._volume.get(symbol)
        return window[-1][1] - window[0][1] if window else 0


def _trim(window: deque[tuple[float, int]], start: float, keep_base: bool = True) -> None:
    """Drop samples from before `start`. A cumulative series keeps the last one before it as the window's base."""
    while window and window[0][0] < start and (not keep_base or (len(window) > 1 and window[1][0] <= start)):
        window.popleft()


def _day(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.UTC).date().isoformat()
