"""What the market publishes: price levels, depth snapshots and trades."""

from __future__ import annotations

from dataclasses import dataclass

from simulator.orders import Side


@dataclass(frozen=True, slots=True)
class Level:
    """Total resting size at one price."""

    price: float
    size: int


@dataclass(frozen=True, slots=True)
class BookDepth:
    """The best levels of both sides of one symbol, best first."""

    symbol: str
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]

    @property
    def best_bid(self) -> float | None:
        return self.bids[0].price if self.bids else None

    @property
    def best_ask(self) -> float | None:
        return self.asks[0].price if self.asks else None

    @property
    def mid(self) -> float | None:
        """Midpoint of the touch, or None when a side is empty."""
        if not (self.bids and self.asks):
            return None
        return (self.bids[0].price + self.asks[0].price) / 2.0


@dataclass(frozen=True, slots=True)
class Trade:
    """One print on the tape; `aggressor` is the side of the incoming order."""

    time: float
    symbol: str
    price: float
    qty: int
    aggressor: Side
