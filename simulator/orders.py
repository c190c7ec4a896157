"""Order vocabulary shared by the book, the market and the FIX front."""

from __future__ import annotations

from enum import Enum


class Side(Enum):
    """Which way an order trades."""

    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(Enum):
    """Limit orders carry a price; market orders take whatever the other side offers."""

    LIMIT = "limit"
    MARKET = "market"


class TimeInForce(Enum):
    """DAY and GTC rest until cancelled (the venue has no session end); IOC never rests."""

    DAY = "day"
    GTC = "gtc"
    IOC = "ioc"
