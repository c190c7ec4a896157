"""The risk engine: a stateful component the execution engine is given. It decides which parents are accepted
and which child actions may leave, and holds the trading states (ACTIVE / REDUCING / HALTED, global and per
symbol). Pure: no I/O, no clock of its own (times are passed in), so a journal replay rebuilds its state."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from risk.child_limits import check_child_action
from risk.trading_state import TradingState
from risk.verdict import RiskVerdict
from strategies.types import CancelChild, ChildAction, ParentView, ReplaceChild

GLOBAL = "*"


@dataclass(frozen=True)
class SymbolLimits:
    """Per-symbol caps; None means no cap of that kind."""

    max_order_qty: int | None = None
    adv: int | None = None  # average daily volume, the base of `max_adv_fraction`
    max_adv_fraction: float | None = None


@dataclass(frozen=True)
class RiskLimits:
    """Every limit the risk engine applies to parents on arrival."""

    symbols: dict[str, SymbolLimits] = field(default_factory=dict)
    max_order_notional: float | None = None
    max_session_notional_per_day: float | None = None
    max_symbol_notional_per_day: float | None = None
    max_live_parents_per_session: int | None = None
    new_orders_per_second: float | None = None  # per session: a token bucket refilled at this rate...
    new_order_burst: int = 1  # ...holding at most this many


@dataclass
class _Bucket:
    tokens: float
    at: float


class RiskEngine:
    """Pre-trade limits on parents, the gate on every child action, and the trading states."""

    def __init__(self, limits: RiskLimits) -> None:
        self.limits = limits
        self._states: dict[str, TradingState] = {GLOBAL: TradingState.ACTIVE}
        self._buckets: dict[str, _Bucket] = {}
        self._notional: dict[tuple[str, str], float] = defaultdict(float)  # (day, "session:X" | "symbol:Y")

    # ------------------------------------------------------------------ trading states

    def set_state(self, state: TradingState, symbol: str | None = None) -> None:
        """Set the global state (symbol None) or one symbol's."""
        self._states[symbol or GLOBAL] = state

    def state(self, symbol: str | None = None) -> TradingState:
        """The effective state: the stricter of the symbol's own and the global one."""
        own = self._states.get(symbol, TradingState.ACTIVE) if symbol else TradingState.ACTIVE
        return max(own, self._states[GLOBAL])

    def states(self) -> dict[str, TradingState]:
        return dict(self._states)

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
        if not self._take_token(session, now):
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

    def _take_token(self, session: str, now: float) -> bool:
        rate = self.limits.new_orders_per_second
        if rate is None:
            return True
        burst = max(self.limits.new_order_burst, 1)
        bucket = self._buckets.get(session)
        if bucket is None:
            bucket = self._buckets[session] = _Bucket(float(burst), now)
        bucket.tokens = min(float(burst), bucket.tokens + max(now - bucket.at, 0.0) * rate)
        bucket.at = now
        if bucket.tokens < 1.0:
            return False
        bucket.tokens -= 1.0
        return True

    # ------------------------------------------------------------------ children

    def check_child(self, parent: ParentView, action: ChildAction) -> RiskVerdict:
        """May this child action leave? Cancels always may; the trading state, then the child limits."""
        if isinstance(action, CancelChild):
            return check_child_action(parent, action)
        state = self.state(parent.instrument.symbol)
        if state is TradingState.HALTED:
            return RiskVerdict.refuse(f"trading in {parent.instrument.symbol} is HALTED: cancels only")
        if state is TradingState.REDUCING:
            child = next((c for c in parent.children if c.child_id == getattr(action, "child_id", None)), None)
            if not (isinstance(action, ReplaceChild) and child is not None and action.qty <= child.leaves_qty):
                return RiskVerdict.refuse(f"trading in {parent.instrument.symbol} is REDUCING: only orders that "
                                          "reduce what is working")
        return check_child_action(parent, action)


def _day(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.UTC).date().isoformat()
