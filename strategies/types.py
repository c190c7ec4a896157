"""Plain types shared by strategies, risk and the engine. No I/O here."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum


class Side(StrEnum):
    """FIX Side(54) values we trade."""

    BUY = "1"
    SELL = "2"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1


class ChildTif(StrEnum):
    """How long a child order rests on the venue."""

    DAY = "0"
    IOC = "3"


@dataclass(frozen=True)
class Instrument:
    """Reference data: the tick and lot grids every price and quantity must sit on."""

    symbol: str
    tick_size: float
    lot_size: int

    def __post_init__(self) -> None:
        if not self.symbol:
            raise ValueError("symbol must not be empty")
        if not (self.tick_size > 0 and math.isfinite(self.tick_size)):
            raise ValueError(f"{self.symbol}: tick_size must be > 0, got {self.tick_size}")
        if self.lot_size <= 0:
            raise ValueError(f"{self.symbol}: lot_size must be > 0, got {self.lot_size}")

    @property
    def price_decimals(self) -> int:
        """Decimals needed to print a price on this tick grid exactly."""
        text = f"{self.tick_size:.12f}".rstrip("0")
        return len(text.split(".")[1]) if "." in text else 0

    def to_ticks(self, price: float) -> int:
        """Nearest tick index of a price."""
        return round(price / self.tick_size)

    def from_ticks(self, ticks: int) -> float:
        return round(ticks * self.tick_size, self.price_decimals)

    def snap(self, price: float, side: Side, passive: bool = True) -> float:
        """Round a price onto the tick grid; passive rounds away from the market (down for a buy)."""
        exact = price / self.tick_size
        nearest = round(exact)
        if abs(exact - nearest) < 1e-9:
            return self.from_ticks(nearest)
        down = side is Side.BUY if passive else side is Side.SELL
        return self.from_ticks(math.floor(exact) if down else math.ceil(exact))

    def on_tick(self, price: float) -> bool:
        exact = price / self.tick_size
        return abs(exact - round(exact)) < 1e-9

    def format_price(self, price: float) -> str:
        return f"{price:.{self.price_decimals}f}"

    def round_lots_down(self, qty: int) -> int:
        return (qty // self.lot_size) * self.lot_size


QUOTE_LEVELS = 5
"""Book levels a side that quotes carry: what the market view's depth features read."""


@dataclass(frozen=True)
class News:
    """A venue's news item about one symbol: its headline, when it was published (epoch seconds), the sentiment
    score the venue attaches (in [-1, 1], > 0 good for the price; None when it sends none), for an on-chain event
    the amount it moved, for an update of the venue's implied-volatility feed, the annualised implied volatility
    (a fraction, 0.76 = 76%; None otherwise) and, for an entry of the venue's calendar, when the scheduled release
    is due (epoch seconds; None otherwise)."""

    symbol: str
    time: float
    headline: str
    score: float | None = None
    amount: int | None = None
    implied_vol: float | None = None
    event_time: float | None = None


@dataclass(frozen=True)
class Quote:
    """Top of book as the engine last saw it. Prices are None when that side is empty."""

    symbol: str
    bid_px: float | None
    bid_qty: int
    ask_px: float | None
    ask_qty: int
    timestamp: float
    volume: int = 0  # traded on the venue since its feed began, as the feed reported it (participation's base)
    # The book's best levels, best first, as (price, size); the top level repeats bid/ask. Empty when the host
    # only knows the top.
    bids: tuple[tuple[float, int], ...] = ()
    asks: tuple[tuple[float, int], ...] = ()
    # Of `volume`, bought minus sold by the aggressor (the side that took liquidity), when the venue's trade
    # reports say which side that was (AggressorSide 2446); None when they do not.
    signed_volume: int | None = None

    @property
    def mid(self) -> float | None:
        if self.bid_px is None or self.ask_px is None:
            return None
        return (self.bid_px + self.ask_px) / 2.0

    def touch(self, side: Side) -> float | None:
        """Our own side of the book: the bid for a buy, the ask for a sell."""
        return self.bid_px if side is Side.BUY else self.ask_px

    def far_touch(self, side: Side) -> float | None:
        """The side we would cross to: the ask for a buy, the bid for a sell."""
        return self.ask_px if side is Side.BUY else self.bid_px


@dataclass(frozen=True)
class WorkingChild:
    """A child order still live at the venue (or in flight to it)."""

    child_id: str
    price: float | None  # None for a market order
    leaves_qty: int  # quantity that can still fill; for a pending replace, the larger of old and new
    tif: ChildTif
    pending: bool  # a new, cancel or replace is in flight: strategies must leave it alone


@dataclass(frozen=True)
class ParentView:
    """What a strategy may know about a parent order."""

    parent_id: str
    instrument: Instrument
    side: Side
    order_qty: int
    cum_qty: int
    limit_px: float | None  # the hard limit, Price(44); None for a market parent
    start: float  # epoch seconds the schedule starts (EffectiveTime or arrival)
    end: float  # epoch seconds the parent must be done by (ExpireTime or default horizon)
    plan_start: float  # when the current plan began (start, or the last replace)
    plan_cum_qty: int  # CumQty when the current plan began
    participation_cap: float | None = None  # ParticipationRate(849), fraction of volume
    children: tuple[WorkingChild, ...] = field(default_factory=tuple)
    start_volume: int | None = None  # the venue's traded volume (Quote.volume) when the schedule began
    urgency: float | None = None  # IS's κT if the order gave one (else the strategy's configured one)
    participation: float | None = None  # POV's share of volume if the order gave one

    @property
    def leaves_qty(self) -> int:
        return self.order_qty - self.cum_qty

    @property
    def working_qty(self) -> int:
        return sum(c.leaves_qty for c in self.children)

    @property
    def uncommitted_qty(self) -> int:
        """Leaves not yet out in a child: the most a new child may carry."""
        return self.leaves_qty - self.working_qty


@dataclass(frozen=True)
class PlaceChild:
    qty: int
    price: float | None  # None: market order
    tif: ChildTif
    reason: str


@dataclass(frozen=True)
class CancelChild:
    child_id: str
    reason: str


@dataclass(frozen=True)
class ReplaceChild:
    child_id: str
    qty: int  # new total quantity of the child's remaining leaves
    price: float
    reason: str


ChildAction = PlaceChild | CancelChild | ReplaceChild
