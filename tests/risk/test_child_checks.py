"""The risk engine's checks on each child before it leaves: every one refuses with its reason, and what is
inside every limit passes."""

from __future__ import annotations

import pytest

from risk.child_market import ChildMarket, OwnOrder
from risk.risk_engine import RiskEngine, RiskLimits, SymbolLimits
from strategies.types import (
    CancelChild,
    ChildAction,
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
COIN = Instrument("CRYPTOALPHA", 0.001, 1)
QUOTE = Quote(COIN.symbol, 19.990, 500, 20.010, 500, T0)  # mid 20.000
DAY, IOC = ChildTif.DAY, ChildTif.IOC


def risk(**limits: object) -> RiskEngine:
    symbol = {k: limits.pop(k) for k in ("collar_bps", "max_child_qty") if k in limits}
    return RiskEngine(RiskLimits(symbols={COIN.symbol: SymbolLimits(**symbol)},  # type: ignore[arg-type]
                                 **limits))  # type: ignore[arg-type]


def parent(side: Side = Side.BUY, *, limit: float | None = None, cap: float | None = None,
           children: tuple[WorkingChild, ...] = (), qty: int = 10_000, pid: str = "P1") -> ParentView:
    return ParentView(pid, COIN, side, qty, 0, limit, T0, T0 + 600, T0, 0, cap, children)


def market(quote: Quote | None = QUOTE, own: tuple[OwnOrder, ...] = (), open_children: int = 0) -> ChildMarket:
    return ChildMarket(quote, own, open_children)


@pytest.mark.parametrize(("limits", "view", "action", "mkt", "reason"), [
    ({"collar_bps": 50}, parent(), PlaceChild(100, 20.110, DAY, ""), market(),
     "buy at 20.110 is +55.0 bps from the reference mid 20.000, outside the 50 bps collar"),
    ({"collar_bps": 50}, parent(Side.SELL), PlaceChild(100, 19.880, DAY, ""), market(),
     "sell at 19.880 is -60.0 bps from the reference mid 20.000, outside the 50 bps collar"),
    ({"collar_bps": 4}, parent(), PlaceChild(100, None, IOC, ""), market(),
     "market buy (far touch 20.010) is +5.0 bps from the reference mid 20.000, outside the 4 bps collar"),
    ({"collar_bps": 50}, parent(), PlaceChild(100, 20.0, DAY, ""), market(Quote(COIN.symbol, None, 0, 20.01, 5, T0)),
     "no reference price for CRYPTOALPHA (book not two-sided): the collar cannot be checked"),
    ({"collar_bps": 50}, parent(children=(WorkingChild("C1", 20.0, 100, DAY, False),)),
     ReplaceChild("C1", 100, 20.200, ""), market(),
     "buy at 20.200 is +100.0 bps from the reference mid 20.000, outside the 50 bps collar"),
    ({}, parent(limit=20.005), PlaceChild(100, 20.006, DAY, ""), market(), "buy at 20.006 is above the limit 20.005"),
    ({"max_child_qty": 500}, parent(), PlaceChild(501, 20.0, DAY, ""), market(),
     "child qty 501 exceeds the CRYPTOALPHA child limit of 500"),
    ({"max_child_notional": 10_000.0}, parent(), PlaceChild(600, 20.0, DAY, ""), market(),
     "child notional 12,000 exceeds the limit of 10,000"),
    ({"max_child_notional": 10_000.0}, parent(), PlaceChild(500, None, IOC, ""), market(),
     "child notional 10,005 exceeds the limit of 10,000"),
    ({"max_open_children_per_parent": 3}, parent(), PlaceChild(100, 20.0, DAY, ""), market(open_children=3),
     "3 children already open for this parent (limit 3)"),
    ({}, parent(), PlaceChild(100, 20.002, DAY, ""), market(own=(OwnOrder("P2", Side.SELL, 20.002),)),
     "buy at 20.002 would trade against our own sell at 20.002 (parent P2)"),
    ({}, parent(Side.SELL), PlaceChild(100, None, IOC, ""), market(own=(OwnOrder("P2", Side.BUY, 19.5),)),
     "sell at market would trade against our own buy at 19.500 (parent P2)"),
    ({}, parent(), PlaceChild(100, 19.0, DAY, ""), market(own=(OwnOrder("P2", Side.SELL, None),)),
     "buy at 19.000 would trade against our own sell at market (parent P2)"),
])
def test_each_child_check_refuses_with_its_reason(limits: dict[str, object], view: ParentView, action: ChildAction,
                                                  mkt: ChildMarket, reason: str) -> None:
    verdict = risk(**limits).check_child(view, action, mkt, T0)
    assert (verdict.ok, verdict.reason) == (False, reason)


def test_a_child_inside_every_limit_passes() -> None:
    r = risk(collar_bps=50, max_child_qty=500, max_child_notional=10_000.0, max_open_children_per_parent=3,
             venue_orders_per_second=10.0, venue_order_burst=5)
    own = (OwnOrder("P2", Side.SELL, 20.003), OwnOrder("P3", Side.BUY, 30.0))  # a buy of ours is no self-trade
    assert r.check_child(parent(), PlaceChild(499, 20.002, DAY, ""), market(own=own, open_children=2), T0).ok
    assert r.check_child(parent(), PlaceChild(400, 20.099, DAY, ""), market(), T0).ok  # 49.5 bps: inside


def test_the_venue_throttle_counts_new_orders_and_replaces_but_never_cancels() -> None:
    r = risk(venue_orders_per_second=10.0, venue_order_burst=5)
    working = parent(children=(WorkingChild("C1", 20.0, 100, DAY, False),))
    verdicts = [r.check_child(parent(), PlaceChild(100, 20.0, DAY, ""), market(), T0) for _ in range(4)]
    verdicts.append(r.check_child(working, ReplaceChild("C1", 100, 20.001, ""), market(), T0))
    assert all(v.ok for v in verdicts)
    refused = r.check_child(parent(), PlaceChild(100, 20.0, DAY, ""), market(), T0)
    assert refused.reason == "venue order rate over 10/s (burst 5): throttled"
    assert all(r.check_child(working, CancelChild("C1", ""), market(), T0).ok for _ in range(50))
    assert r.check_child(parent(), PlaceChild(100, 20.0, DAY, ""), market(), T0 + 0.25).ok  # tokens come back
    # A child refused by another check spends no token.
    r2 = risk(venue_orders_per_second=1.0, venue_order_burst=1, collar_bps=10)
    assert not r2.check_child(parent(), PlaceChild(100, 25.0, DAY, ""), market(), T0).ok
    assert r2.check_child(parent(), PlaceChild(100, 20.0, DAY, ""), market(), T0).ok


def test_participation_in_the_rolling_window_follows_participation_rate_849() -> None:
    r = risk(participation_window_s=60.0)
    capped = parent(cap=0.10)
    vol = 100_000
    for i in range(7):  # the market trades 1,000 every 10 s
        r.on_quote(Quote(COIN.symbol, 19.99, 500, 20.01, 500, T0 + 10 * i, vol + 1_000 * i), T0 + 10 * i)
    now = T0 + 60
    # 6,000 traded in the last 60 s: 10 % is 600. Filled 450 in the window, so a child of 150 fits, 151 not.
    r.on_fill("P1", 200, T0 - 30)  # outside the window: not counted
    r.on_fill("P1", 450, T0 + 40)
    assert r.check_child(capped, PlaceChild(150, 20.0, DAY, ""), market(), now).ok
    refused = r.check_child(capped, PlaceChild(151, 20.0, DAY, ""), market(), now)
    assert refused.reason == ("participation: 601 (filled 450 in the last 60 s, working and this child) is over "
                              "10% of the 6,000 the market traded in that window")
    assert r.check_child(parent(), PlaceChild(5_000, 20.0, DAY, ""), market(), now).ok  # no 849: no cap
    # What is working counts; a replace that does not add to it always passes.
    busy = parent(cap=0.10, children=(WorkingChild("C1", 20.0, 150, DAY, False),))
    assert not r.check_child(busy, PlaceChild(1, 20.0, DAY, ""), market(), now).ok
    assert r.check_child(busy, ReplaceChild("C1", 100, 20.0, ""), market(), now).ok
    # The fill ages out of the window and room comes back.
    r.on_quote(Quote(COIN.symbol, 19.99, 500, 20.01, 500, T0 + 110, vol + 11_000), T0 + 110)
    assert r.check_child(capped, PlaceChild(500, 20.0, DAY, ""), market(), T0 + 110).ok


def test_a_duplicate_cl_ord_id_is_refused() -> None:
    verdict = RiskEngine.check_cl_ord_id("P1-C3", {"P1-C1": 1, "P1-C3": 2})
    assert (verdict.ok, verdict.reason) == (False, "ClOrdID P1-C3 is already in use")
    assert RiskEngine.check_cl_ord_id("P1-C4", {"P1-C1": 1, "P1-C3": 2}).ok
