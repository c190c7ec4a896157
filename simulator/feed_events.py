"""What a market publishes besides prices: headlines, on-chain events, its implied volatility and its calendar of
scheduled releases, each a `FeedEvent`.

A scenario compiles its events (`simulator/scenario_feed.py`); the in-process market hands them out as their time
passes (`Market.drain_feed`), the FIX venue sends each as News (35=B, `simulator/fix_news_desk.py`) and a scenario's
tape records them (`Tape.feed`, `feed.parquet`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from simulator.tape import Feed, FeedCode


class FeedKind(StrEnum):
    """What an event reports; `code` is its number in the tape's `kind` column."""

    HEADLINE = "headline"
    ONCHAIN = "onchain"
    IMPLIED_VOL = "implied_vol"
    CALENDAR = "calendar"

    @property
    def code(self) -> int:
        return _CODES[self]


_CODES = {FeedKind.HEADLINE: FeedCode.HEADLINE, FeedKind.ONCHAIN: FeedCode.ONCHAIN,
          FeedKind.IMPLIED_VOL: FeedCode.IMPLIED_VOL, FeedKind.CALENDAR: FeedCode.CALENDAR}


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One published event. `time` is epoch seconds in a market, seconds since the session start in a compiled
    scenario. `score` is a sentiment in [-1, 1] (> 0: good for the price; only a headline or an on-chain event has
    one, the others' is 0); `amount` the units an on-chain event moved (None otherwise); `implied_vol` the
    annualised implied volatility an update publishes, a fraction (0.76 = 76%; None otherwise); `event_time` when a
    calendar entry's release is due (on the same clock as `time`; None otherwise)."""

    time: float
    symbol: str
    kind: FeedKind
    score: float
    text: str
    amount: int | None = None
    implied_vol: float | None = None
    event_time: float | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.time):
            raise ValueError(f"time must be finite, got {self.time}")
        if not -1.0 <= self.score <= 1.0:
            raise ValueError(f"score must be in [-1, 1], got {self.score}")
        if self.kind is FeedKind.ONCHAIN and (self.amount is None or self.amount <= 0):
            raise ValueError(f"an on-chain event moves an amount > 0, got {self.amount}")
        if self.kind is not FeedKind.ONCHAIN and self.amount is not None:
            raise ValueError(f"{self.kind.value} events carry no amount")
        if self.kind in (FeedKind.IMPLIED_VOL, FeedKind.CALENDAR) and self.score != 0.0:
            raise ValueError(f"{self.kind.value} events carry no sentiment, got {self.score}")
        if self.kind is FeedKind.IMPLIED_VOL:
            if self.implied_vol is None or not math.isfinite(self.implied_vol) or self.implied_vol <= 0.0:
                raise ValueError(f"an implied-volatility update publishes a volatility > 0, got {self.implied_vol}")
        elif self.implied_vol is not None:
            raise ValueError(f"{self.kind.value} events carry no implied volatility")
        if self.kind is FeedKind.CALENDAR:
            if self.event_time is None or not math.isfinite(self.event_time) or self.event_time < self.time:
                raise ValueError(f"a calendar entry's release is due at or after its publication, got "
                                 f"{self.event_time}")
        elif self.event_time is not None:
            raise ValueError(f"{self.kind.value} events carry no event time")

    def shifted(self, seconds: float) -> FeedEvent:
        """The same event `seconds` later (a scenario's offset onto a market's clock)."""
        return dataclasses.replace(self, time=self.time + seconds,
                                   event_time=None if self.event_time is None else self.event_time + seconds)


def feed_table(events: Iterable[FeedEvent]) -> Feed:
    """The events as the tape's columnar table, in time order (amount 0 for a headline)."""
    ordered = sorted(events, key=lambda e: e.time)
    return Feed(
        time=np.array([e.time for e in ordered], dtype=np.float64),
        kind=np.array([e.kind.code for e in ordered], dtype=np.int8),
        score=np.array([e.score for e in ordered], dtype=np.float64),
        amount=np.array([e.amount or 0 for e in ordered], dtype=np.int64),
        text=np.array([e.text for e in ordered], dtype=np.object_),
    )
