"""The agent's copy of each venue book, kept from MarketDataSnapshot (W) and IncrementalRefresh (X)."""

from __future__ import annotations

from dataclasses import dataclass

from strategies.types import QUOTE_LEVELS, Quote


@dataclass(frozen=True)
class MdEntry:
    """One market data entry: MDUpdateAction(279) (0 new, 1 change, 2 delete; None in a snapshot)."""

    symbol: str
    entry_type: str  # MDEntryType(269): 0 bid, 1 offer, 2 trade
    price: float
    size: int
    action: str | None = None
    aggressor: int | None = None  # a trade's AggressorSide(2446): +1 the buyer took liquidity, -1 the seller


@dataclass(frozen=True)
class MdUpdate:
    snapshot: bool
    symbol: str | None  # the snapshot's symbol; incrementals carry it per entry
    entries: tuple[MdEntry, ...]
    timestamp: float


class MarketDataBook:
    """Price levels per symbol and side; volume traded since start, and of it the aggressor-signed part (bought
    minus sold by the side that took liquidity) once the venue's trade entries carry AggressorSide(2446)."""

    def __init__(self) -> None:
        self._levels: dict[tuple[str, str], dict[float, int]] = {}
        self.traded_volume: dict[str, int] = {}
        self.last_trade: dict[str, float] = {}
        self.signed_volume: dict[str, int] = {}

    def apply(self, update: MdUpdate) -> set[str]:
        """Apply one message; return the symbols whose book changed."""
        touched: set[str] = set()
        if update.snapshot and update.symbol is not None:
            self._levels[(update.symbol, "0")] = {}
            self._levels[(update.symbol, "1")] = {}
            touched.add(update.symbol)
        for e in update.entries:
            touched.add(e.symbol)
            if e.entry_type == "2":
                if e.action in (None, "0"):
                    self.traded_volume[e.symbol] = self.traded_volume.get(e.symbol, 0) + e.size
                    if e.aggressor is not None:
                        self.signed_volume[e.symbol] = self.signed_volume.get(e.symbol, 0) + e.aggressor * e.size
                    self.last_trade[e.symbol] = e.price
                continue
            if e.entry_type not in ("0", "1"):
                continue
            side = self._levels.setdefault((e.symbol, e.entry_type), {})
            if e.action == "2" or e.size <= 0:
                side.pop(e.price, None)
            else:
                side[e.price] = e.size
        return touched

    def levels(self, symbol: str, entry_type: str) -> list[tuple[float, int]]:
        """Best first."""
        side = self._levels.get((symbol, entry_type), {})
        return sorted(side.items(), reverse=(entry_type == "0"))

    def quote(self, symbol: str, timestamp: float) -> Quote:
        """The top of book with its best `QUOTE_LEVELS` levels a side, and the volume traded so far."""
        bids = self.levels(symbol, "0")[:QUOTE_LEVELS]
        asks = self.levels(symbol, "1")[:QUOTE_LEVELS]
        bid, bid_qty = bids[0] if bids else (None, 0)
        ask, ask_qty = asks[0] if asks else (None, 0)
        return Quote(symbol, bid, bid_qty, ask, ask_qty, timestamp, self.traded_volume.get(symbol, 0),
                     tuple(bids), tuple(asks), self.signed_volume.get(symbol))
