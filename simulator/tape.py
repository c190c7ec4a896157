"""What a simulated session leaves behind: trades, sampled quotes, book snapshots, order events and feed events.

Columnar numpy arrays (one array per column), cheap to build in the kernel, cheap to measure and to
export to Parquet (`simulator/tape_export.py`). Times are epoch seconds of the simulated clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
B = npt.NDArray[np.bool_]
Strs = npt.NDArray[np.object_]


class OrderKind:
    """Codes of `OrderEvents.kind`."""

    LIMIT = 0
    MARKET = 1
    CANCEL = 2


@dataclass(frozen=True)
class Trades:
    """Every execution. aggressor: +1 a buyer took liquidity, -1 a seller. ours: one side was our order."""

    time: F64
    price: F64
    qty: I64
    aggressor: I8
    ours: B


@dataclass(frozen=True)
class Quotes:
    """Top of book sampled every `Tape.quote_interval_s` (NaN price when a side is empty)."""

    time: F64
    bid: F64
    ask: F64
    bid_qty: I64
    ask_qty: I64

    @property
    def mid(self) -> F64:
        return (self.bid + self.ask) / 2.0


@dataclass(frozen=True)
class Snapshots:
    """Book depth every `Tape.snapshot_interval_s`, long format: one row per (time, side, level)."""

    time: F64
    side: I8  # +1 bid, -1 ask
    level: I64  # 0 = best
    price: F64
    qty: I64


@dataclass(frozen=True)
class OrderEvents:
    """Background order arrivals and cancels (kind: OrderKind), for sizes, inter-arrivals, cancel ratio."""

    time: F64
    kind: I8
    side: I8
    price: F64  # NaN for a market order
    qty: I64


class FeedCode:
    """Codes of `Feed.kind` (`simulator.feed_events.FeedKind.code`)."""

    HEADLINE = 0
    ONCHAIN = 1
    IMPLIED_VOL = 2
    CALENDAR = 3


@dataclass(frozen=True)
class Feed:
    """The scenario's published events (`simulator.feed_events.FeedEvent`), in time order."""

    time: F64
    kind: I8  # FeedCode
    score: F64  # sentiment in [-1, 1]
    amount: I64  # units an on-chain event moved; 0 for a headline
    text: Strs  # str objects


@dataclass(frozen=True)
class Tape:
    symbol: str
    start: float
    end: float
    quote_interval_s: float
    snapshot_interval_s: float
    trades: Trades
    quotes: Quotes
    snapshots: Snapshots
    orders: OrderEvents | None = None  # recorded only on request: it is the largest table
    feed: Feed | None = None  # a scenario's feed events (possibly none); None for a tape of no scenario
