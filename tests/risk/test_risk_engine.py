"""The risk engine: each parent limit refuses with a reason naming it, the trading states gate child actions,
and a cancel always passes."""

from __future__ import annotations

import pytest

from risk.child_market import ChildMarket
from risk.risk_engine import RiskEngine, RiskLimits, SymbolLimits
from risk.trading_state import TradingState
from strategies.types import (
    CancelChild,
    ChildTif,
    Instrument,
    ParentView,
    PlaceChild,
    Quote,
    ReplaceChild,
    Side,
    WorkingChild,
)

T0 = 1_800_000_000.0
COIN = "CRYPTOALPHA"
MARKET = ChildMarket(Quote(COIN, 19.99, 500, 20.01, 500, T0))


def engine(**limits: object) -> RiskEngine:
    symbols = {COIN: SymbolLimits(max_order_qty=1_000_000, adv=2_000_000, max_adv_fraction=0.25)}
    return RiskEngine(RiskLimits(symbols=symbols, **limits))  # type: ignore[arg-type]


@pytest.mark.parametrize(("qty", "px", "limits", "reason"), [
    (1_000_001, 20.0, {}, "OrderQty 1,000,001 exceeds the CRYPTOALPHA limit of 1,000,000"),
    (600_000, 20.0, {}, "OrderQty 600,000 is 30.0% of CRYPTOALPHA's ADV 2,000,000 (limit 25%)"),
    (100_000, 20.0, {"max_order_notional": 1_000_000.0}, "notional 2,000,000 exceeds the per-order limit of 1,000,000"),
])
def test_parent_limits_refuse_with_the_limit_named(qty: int, px: float, limits: dict[str, object],
                                                   reason: str) -> None:
    verdict = engine(**limits).check_parent("S", COIN, qty, px, 0, T0)
    assert not verdict.ok and verdict.reason == reason


def test_daily_notional_per_session_and_symbol() -> None:
    risk = engine(max_session_notional_per_day=3_000_000.0, max_symbol_notional_per_day=5_000_000.0)
    for _ in range(3):
        assert risk.check_parent("A", COIN, 50_000, 20.0, 0, T0).ok
        risk.on_parent_accepted("A", COIN, 50_000, 20.0, T0)
    refused = risk.check_parent("A", COIN, 50_000, 20.0, 0, T0)
    assert not refused.ok and "today's session total to 4,000,000, over the limit of 3,000,000" in refused.reason
    assert risk.check_parent("B", COIN, 50_000, 20.0, 0, T0).ok
    risk.on_parent_accepted("B", COIN, 50_000, 20.0, T0)
    risk.on_parent_accepted("B", COIN, 50_000, 20.0, T0)
    refused = risk.check_parent("B", COIN, 50_000, 20.0, 0, T0)
    assert not refused.ok and "CRYPTOALPHA total to 6,000,000" in refused.reason
    assert risk.check_parent("A", COIN, 50_000, 20.0, 0, T0 + 86_400).ok  # a new day


def test_live_parents_per_session() -> None:
    risk = engine(max_live_parents_per_session=3)
    assert risk.check_parent("A", COIN, 100, 20.0, 2, T0).ok
    refused = risk.check_parent("A", COIN, 100, 20.0, 3, T0)
    assert not refused.ok and refused.reason == "3 parents already working for this session (limit 3)"


def test_new_order_rate_is_throttled_per_session() -> None:
    risk = engine(new_orders_per_second=10.0, new_order_burst=20)
    verdicts = [risk.check_parent("A", COIN, 100, 20.0, 0, T0).ok for _ in range(50)]  # a burst of 50
    assert verdicts.count(True) == 20 and verdicts[20:] == [False] * 30
    assert risk.check_parent("B", COIN, 100, 20.0, 0, T0).ok  # another session has its own bucket
    assert [risk.check_parent("A", COIN, 100, 20.0, 0, T0 + 0.5).ok for _ in range(6)] == [True] * 5 + [False]


def view(children: tuple[WorkingChild, ...] = ()) -> ParentView:
    return ParentView("P1", Instrument(COIN, 0.001, 1), Side.BUY, 1000, 0, None, T0, T0 + 60, T0, 0, None,
                      children)


def test_trading_states_gate_child_actions_but_never_cancels() -> None:
    risk = engine()
    child = WorkingChild("C1", 20.0, 100, ChildTif.DAY, pending=False)
    place = PlaceChild(100, 20.0, ChildTif.DAY, "test")
    down = ReplaceChild("C1", 50, 20.0, "test")
    up = ReplaceChild("C1", 200, 20.0, "test")
    cancel = CancelChild("C1", "test")
    assert risk.check_child(view((child,)), place, MARKET, T0).ok
    risk.set_state(TradingState.REDUCING, COIN)
    assert risk.state(COIN) is TradingState.REDUCING and risk.state("ACME") is TradingState.ACTIVE
    assert not risk.check_child(view((child,)), place, MARKET, T0).ok
    assert not risk.check_child(view((child,)), up, MARKET, T0).ok
    assert risk.check_child(view((child,)), down, MARKET, T0).ok
    assert risk.check_child(view((child,)), cancel, MARKET, T0).ok
    risk.set_state(TradingState.HALTED)  # global halt: stricter than the symbol's REDUCING
    assert risk.state(COIN) is TradingState.HALTED and risk.state("ACME") is TradingState.HALTED
    assert not risk.check_child(view((child,)), down, MARKET, T0).ok
    assert risk.check_child(view((child,)), cancel, MARKET, T0).ok
    refused = risk.check_parent("A", COIN, 100, 20.0, 0, T0)
    assert not refused.ok and refused.reason == "trading in CRYPTOALPHA is HALTED: no new orders"
