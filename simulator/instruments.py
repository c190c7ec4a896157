"""Instruments the venue lists: tick and lot grids plus the market character the background flow targets."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Session = Literal["24h", "equity"]

# An equity session (09:30-16:00) is 6.5 hours; ADV is spread over it, a 24h market spreads it over the day.
_SESSION_SECONDS: dict[str, float] = {"24h": 86_400.0, "equity": 23_400.0}


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """One listed symbol: its grids, reference price, daily volume, spread, volatility and resting depth.

    `adv` is units per day, `daily_vol` a fraction (0.04 = 4%), `typical_order_size` the mean background order
    size. `book_depth` is what the background flow supplies to the top 10 levels per side; stale-quote pulls and
    trading keep the realised depth below it (about 70% for CRYPTOALPHA, 90% for ACME).
    """

    symbol: str
    tick_size: float
    lot_size: int
    ref_price: float
    adv: int
    base_spread_bps: float
    daily_vol: float
    session: Session
    book_depth: int
    typical_order_size: int

    def __post_init__(self) -> None:
        if not self.symbol:
            raise ValueError("symbol must not be empty")
        if not (math.isfinite(self.tick_size) and self.tick_size > 0):
            raise ValueError(f"{self.symbol}: tick_size must be > 0, got {self.tick_size}")
        if self.lot_size <= 0:
            raise ValueError(f"{self.symbol}: lot_size must be > 0, got {self.lot_size}")
        if not (math.isfinite(self.ref_price) and self.ref_price > 0):
            raise ValueError(f"{self.symbol}: ref_price must be > 0, got {self.ref_price}")
        if self.price_to_ticks(self.ref_price) is None:
            raise ValueError(f"{self.symbol}: ref_price {self.ref_price} is not on tick {self.tick_size}")
        if self.adv <= 0:
            raise ValueError(f"{self.symbol}: adv must be > 0, got {self.adv}")
        if not self.base_spread_bps > 0:
            raise ValueError(f"{self.symbol}: base_spread_bps must be > 0, got {self.base_spread_bps}")
        if not self.daily_vol >= 0:
            raise ValueError(f"{self.symbol}: daily_vol must be >= 0, got {self.daily_vol}")
        if self.session not in _SESSION_SECONDS:
            raise ValueError(f"{self.symbol}: session must be one of {sorted(_SESSION_SECONDS)}")
        if self.book_depth <= 0:
            raise ValueError(f"{self.symbol}: book_depth must be > 0, got {self.book_depth}")
        if self.typical_order_size < self.lot_size:
            raise ValueError(f"{self.symbol}: typical_order_size must be >= lot_size {self.lot_size}")

    @property
    def price_decimals(self) -> int:
        """Decimals that print any price on this tick grid exactly."""
        text = f"{self.tick_size:.10f}".rstrip("0")
        return len(text.split(".")[1])

    @property
    def session_seconds(self) -> float:
        """Trading seconds per day over which ADV is traded."""
        return _SESSION_SECONDS[self.session]

    @property
    def ref_ticks(self) -> int:
        """The reference price in ticks."""
        ticks = self.price_to_ticks(self.ref_price)
        assert ticks is not None  # checked in __post_init__
        return ticks

    def price_to_ticks(self, price: float) -> int | None:
        """Tick index of a price, or None when the price is not on the tick grid."""
        exact = price / self.tick_size
        ticks = round(exact)
        # Prices arrive as decimal text turned into floats; allow float noise, nothing more.
        return ticks if abs(exact - ticks) < 1e-6 else None

    def ticks_to_price(self, ticks: int) -> float:
        """Price of a tick index, rounded to the grid's decimals."""
        return round(ticks * self.tick_size, self.price_decimals)

    def format_price(self, price: float) -> str:
        """A price as wire text with the tick's decimals."""
        return f"{price:.{self.price_decimals}f}"


CRYPTOALPHA = SymbolSpec(
    symbol="CRYPTOALPHA",
    tick_size=0.001,
    lot_size=1,
    ref_price=20.00,
    adv=2_000_000,
    base_spread_bps=5.0,
    daily_vol=0.04,
    session="24h",
    book_depth=55_000,
    typical_order_size=400,
)

ACME = SymbolSpec(
    symbol="ACME",
    tick_size=0.01,
    lot_size=100,
    ref_price=50.00,
    adv=5_000_000,
    base_spread_bps=3.0,
    daily_vol=0.015,
    session="equity",
    book_depth=50_000,
    typical_order_size=500,
)

DEFAULT_UNIVERSE: dict[str, SymbolSpec] = {spec.symbol: spec for spec in (CRYPTOALPHA, ACME)}
