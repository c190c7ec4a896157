"""Checks on a child action against the market and our own other orders: the price collar around a reference
price, the size caps, self-trade prevention and participation in a rolling window. Pure functions; the
stateful parts (volume and fill windows, throttles) live in the risk engine, which passes in what they know."""

from __future__ import annotations

from dataclasses import dataclass

from risk.verdict import RiskVerdict
from strategies.types import ChildAction, Instrument, ParentView, PlaceChild, Quote, ReplaceChild, Side


@dataclass(frozen=True)
class OwnOrder:
    """One of our working child orders, of any parent, as self-trade prevention sees it."""

    parent_id: str
    side: Side
    price: float | None  # None: a market order, which trades at any price


@dataclass(frozen=True)
class ChildMarket:
    """What the engine knows of the market and of our other orders when a child action is judged."""

    quote: Quote | None
    own_orders: tuple[OwnOrder, ...] = ()  # our working orders in the same symbol, every parent
    open_children: int = 0  # the parent's live children, pending ones included


@dataclass(frozen=True)
class ChildCaps:
    """Per-symbol child limits; None means no cap of that kind."""

    collar_bps: float | None = None
    max_child_qty: int | None = None
    max_child_notional: float | None = None
    max_open_children: int | None = None


def check_collar(instrument: Instrument, side: Side, price: float | None, quote: Quote | None,
                 collar_bps: float | None) -> RiskVerdict:
    """A child price must lie within `collar_bps` of the reference price (the mid); a market child is judged at
    the far touch it would trade at. Without a two-sided book there is no reference and nothing may leave."""
    if collar_bps is None:
        return RiskVerdict.allow()
    mid = quote.mid if quote is not None else None
    if mid is None or not mid > 0:
        return RiskVerdict.refuse(f"no reference price for {instrument.symbol} (book not two-sided): "
                                  "the collar cannot be checked")
    assert quote is not None
    at = price if price is not None else quote.far_touch(side)
    assert at is not None  # a two-sided book has both touches
    off_bps = (at / mid - 1.0) * 1e4
    # A millionth of a basis point absorbs float noise at the band's edge.
    if abs(off_bps) > collar_bps + 1e-6:
        fmt = instrument.format_price
        what = f"{side.name.lower()} at {fmt(at)}" if price is not None else f"market {side.name.lower()} " \
            f"(far touch {fmt(at)})"
        return RiskVerdict.refuse(f"{what} is {off_bps:+.1f} bps from the reference mid {fmt(mid)}, outside the "
                                  f"{collar_bps:g} bps collar")
    return RiskVerdict.allow()


def check_size(parent: ParentView, action: PlaceChild | ReplaceChild, quote: Quote | None,
               caps: ChildCaps) -> RiskVerdict:
    """Child quantity and notional caps (a market child's notional at the far touch)."""
    if caps.max_child_qty is not None and action.qty > caps.max_child_qty:
        return RiskVerdict.refuse(f"child qty {action.qty:,} exceeds the {parent.instrument.symbol} child limit of "
                                  f"{caps.max_child_qty:,}")
    if caps.max_child_notional is not None:
        px = action.price if action.price is not None else (quote.far_touch(parent.side) if quote else None)
        if px is None:
            return RiskVerdict.refuse("market child with no price on the far side: notional cannot be checked")
        notional = action.qty * px
        if notional > caps.max_child_notional:
            return RiskVerdict.refuse(f"child notional {notional:,.0f} exceeds the limit of "
                                      f"{caps.max_child_notional:,.0f}")
    return RiskVerdict.allow()


def check_self_trade(parent: ParentView, price: float | None, own_orders: tuple[OwnOrder, ...]) -> RiskVerdict:
    """No child may be able to trade against a working order of another of our parents."""
    for other in own_orders:
        if other.side is parent.side:
            continue
        if price is None or other.price is None or (price - other.price) * parent.side.sign >= 0:
            fmt = parent.instrument.format_price
            theirs = "market" if other.price is None else fmt(other.price)
            ours = "market" if price is None else fmt(price)
            return RiskVerdict.refuse(f"{parent.side.name.lower()} at {ours} would trade against our own "
                                      f"{other.side.name.lower()} at {theirs} (parent {other.parent_id})")
    return RiskVerdict.allow()


def check_participation(parent: ParentView, action: ChildAction, filled_in_window: int, market_in_window: int,
                        window_s: float) -> RiskVerdict:
    """With ParticipationRate(849), what the parent filled in the window plus what it has working may not exceed
    that share of the market's volume in the window. Actions that do not add to what is working always pass."""
    cap = parent.participation_cap
    if cap is None:
        return RiskVerdict.allow()
    if isinstance(action, PlaceChild):
        added = action.qty
    elif isinstance(action, ReplaceChild):
        old = next((c.leaves_qty for c in parent.children if c.child_id == action.child_id), 0)
        added = action.qty - old
    else:
        return RiskVerdict.allow()
    if added <= 0:
        return RiskVerdict.allow()
    projected = filled_in_window + parent.working_qty + added
    allowed = cap * market_in_window
    if projected > allowed:
        return RiskVerdict.refuse(f"participation: {projected:,} (filled {filled_in_window:,} in the last "
                                  f"{window_s:g} s, working and this child) is over {cap:.0%} of the "
                                  f"{market_in_window:,} the market traded in that window")
    return RiskVerdict.allow()
