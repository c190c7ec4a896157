"""What a strategy sees of one symbol's market: more than the top of book.

The view is kept from the quotes the engine already receives (live from the venue's market data, in backtests from
the simulator), so it is the same object in every host. It holds the book's top levels, and over recent windows the
traded volume, the signed volume and the realised volatility of the mid; and the venue's news about the symbol
(News, 35=B: headlines with a sentiment score, on-chain transfers with their amount) over the same memory, and the
latest value of the venue's implied-volatility feed (News carrying it, however old: the venue publishes changes), and
the venue's calendar of scheduled releases (the known events ahead: `next_event`).

Trade signs: FIX 4.4 market data does not say which side was the aggressor, so each sampling interval's volume is
signed by bulk volume classification (Easley, López de Prado & O'Hara 2012, "Flow toxicity and liquidity in a
high-frequency world", RFS 25(5)): the buy share of an interval is Φ(Δ log mid / σ), σ the standard deviation of
the interval's mid returns. Samples are taken on a fixed grid (`sample_s`), so the estimates do not depend on how
often quotes arrive. A venue that does say (AggressorSide, 2446, on its trade entries, as crypto venues publish the
taker's side) gives the exact figure too: `WindowStats.aggressor_signed_volume`, kept beside the classified one.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from strategies.types import News, Quote

DAY_S = 86_400.0


@dataclass(frozen=True)
class WindowStats:
    """One look-back window: volume traded, its signed part (buy minus sell, by classification), the mid's
    realised volatility scaled to one day of `day_s` seconds (a fraction, 0.01 = 1%), how much of the window
    the view has seen (1.0 once the view is that old), and the volume bought minus sold by the aggressor as the venue
    reported it (None when its quotes did not say)."""

    window_s: float
    volume: float
    signed_volume: float
    realised_vol_daily: float | None
    coverage: float
    aggressor_signed_volume: float | None = None

    @property
    def imbalance(self) -> float:
        """Signed over total volume, in [-1, 1]; 0 without volume."""
        return self.signed_volume / self.volume if self.volume > 0 else 0.0


@dataclass(frozen=True)
class _Sample:
    time: float
    log_mid: float
    volume: float  # the venue's cumulative traded volume at the sample
    signed: float  # cumulative signed volume since the view began
    aggressed: float | None = None  # the venue's cumulative aggressor-signed volume at the sample, when it reports it


class MarketView:
    """One symbol's market as the engine has seen it: the latest quote with its depth, and samples of the mid and
    the traded volume on a `sample_s` grid over the last `memory_s` seconds."""

    def __init__(self, symbol: str, *, sample_s: float = 10.0, memory_s: float = 3_600.0,
                 day_s: float = DAY_S) -> None:  # fmt: skip
        if not sample_s > 0:
            raise ValueError(f"sample_s must be > 0, got {sample_s}")
        if not memory_s >= sample_s:
            raise ValueError(f"memory_s must be >= sample_s, got {memory_s} < {sample_s}")
        if not 0 < day_s <= DAY_S:
            raise ValueError(f"day_s must be in (0, {DAY_S:.0f}], got {day_s}")
        self.symbol = symbol
        self.sample_s = sample_s
        self.memory_s = memory_s
        self.day_s = day_s
        self.quote: Quote | None = None
        self.first_time: float | None = None
        self._samples: deque[_Sample] = deque()
        self._signed = 0.0
        self._news: deque[News] = deque()
        # The venue's latest implied-volatility update as (time, annualised value); it publishes only changes, so
        # the latest is kept however old.
        self.implied_vol: tuple[float, float] | None = None
        # The venue's calendar: release time -> its entry's headline, kept until a memory past the release.
        self._calendar: dict[float, str] = {}

    def on_quote(self, quote: Quote) -> None:
        """Take a quote of this symbol; a quote without both sides updates the book but not the samples."""
        if quote.symbol != self.symbol:
            raise ValueError(f"view of {self.symbol} got a quote of {quote.symbol}")
        self.quote = quote
        mid = quote.mid
        if mid is None or mid <= 0:
            return
        if self.first_time is None:
            self.first_time = quote.timestamp
        last = self._samples[-1] if self._samples else None
        if last is not None and quote.timestamp < last.time + self.sample_s:
            return
        log_mid = math.log(mid)
        if last is not None:
            traded = max(0.0, quote.volume - last.volume)
            self._signed += traded * self._buy_share_minus_sell(log_mid - last.log_mid)
        aggressed = None if quote.signed_volume is None else float(quote.signed_volume)
        self._samples.append(_Sample(quote.timestamp, log_mid, float(quote.volume), self._signed, aggressed))
        horizon = quote.timestamp - self.memory_s - self.sample_s
        while self._samples and self._samples[0].time < horizon:
            self._samples.popleft()

    def on_news(self, news: News) -> None:
        """Take a news item about this symbol; items older than the memory (by the newest one's time) are dropped.
        An implied-volatility update becomes `implied_vol` when it is the newest, a calendar entry goes on the
        calendar; neither is kept as news."""
        if news.symbol != self.symbol:
            raise ValueError(f"view of {self.symbol} got news of {news.symbol}")
        if news.event_time is not None:
            self._calendar[news.event_time] = news.headline
        for due in [t for t in self._calendar if t < news.time - self.memory_s]:
            del self._calendar[due]
        if news.implied_vol is not None and (self.implied_vol is None or news.time >= self.implied_vol[0]):
            self.implied_vol = (news.time, news.implied_vol)
        if (news.implied_vol is not None or news.event_time is not None) and news.score is None and news.amount is None:
            return
        self._news.append(news)
        newest = max(n.time for n in self._news)
        while self._news and self._news[0].time < newest - self.memory_s:
            self._news.popleft()

    def news(self, window_s: float, now: float) -> list[News]:
        """The news items published in the `window_s` seconds up to `now`, oldest first."""
        if not window_s > 0:
            raise ValueError(f"window_s must be > 0, got {window_s}")
        return sorted((n for n in self._news if now - window_s <= n.time <= now), key=lambda n: n.time)

    def calendar(self, now: float) -> list[tuple[float, str]]:
        """The scheduled releases due at or after `now`, soonest first, as (time, the calendar entry's headline)."""
        return sorted((t, h) for t, h in self._calendar.items() if t >= now)

    def next_event(self, now: float) -> float | None:
        """Seconds from `now` to the next scheduled release on the venue's calendar; None when none is known."""
        upcoming = self.calendar(now)
        return upcoming[0][0] - now if upcoming else None

    def sentiment(self, window_s: float, now: float) -> float:
        """The mean sentiment score of the scored items in the window, in [-1, 1]; 0 when there is none."""
        scores = [n.score for n in self.news(window_s, now) if n.score is not None]
        return sum(scores) / len(scores) if scores else 0.0

    def window(self, window_s: float) -> WindowStats:
        """Volume, signed volume and realised volatility over the last `window_s` seconds of samples."""
        inside = self._inside(window_s)
        if not inside:
            return WindowStats(window_s, 0.0, 0.0, None, 0.0)
        first, last = inside[0], inside[-1]
        span = last.time - first.time
        returns = [b.log_mid - a.log_mid for a, b in itertools.pairwise(inside)]
        vol = math.sqrt(sum(r * r for r in returns) * self.day_s / span) if span > 0 and returns else None
        aggressed = (last.aggressed - first.aggressed
                     if first.aggressed is not None and last.aggressed is not None else None)
        return WindowStats(window_s, last.volume - first.volume, last.signed - first.signed, vol,
                           min(1.0, span / window_s), aggressed)

    def mid_change(self, window_s: float) -> float:
        """Log change of the mid over the last `window_s` seconds of samples (over what the view has seen when it
        is younger); 0 without two samples."""
        inside = self._inside(window_s)
        return inside[-1].log_mid - inside[0].log_mid if len(inside) > 1 else 0.0

    def realised_vol(self, window_s: float, step_s: float = 60.0) -> float | None:
        """Realised volatility of the mid, scaled to one day, from returns over `step_s` (at least the sampling
        interval) in the last `window_s` seconds: coarser returns than the grid's carry less of the book's own
        noise (quotes flickering around the price), so the estimate is steadier. None without two returns."""
        returns, span = self._step_returns(window_s, step_s)
        if len(returns) < 2:
            return None
        return math.sqrt(sum(r * r for r in returns) * self.day_s / span)

    def bipower_vol(self, window_s: float, step_s: float = 60.0) -> float | None:
        """The jump-robust counterpart of `realised_vol`: bipower variation, (π/2) Σ |r_i| |r_{i-1}| over the same
        returns, scaled to one day (Barndorff-Nielsen & Shephard 2004, "Power and bipower variation with stochastic
        volatility and jumps", J. Financial Econometrics 2(1)). A single jump enters only through products with its
        neighbours, so a crash or a news gap moves it far less than the sum of squares: it estimates the diffusive
        volatility the book is trading in. None without three returns."""
        returns, span = self._step_returns(window_s, step_s)
        if len(returns) < 3:
            return None
        products = sum(abs(a) * abs(b) for a, b in itertools.pairwise(returns))
        # Scaled by n / (n − 1): the n − 1 products estimate what n squared returns would.
        return math.sqrt(math.pi / 2.0 * products * len(returns) / (len(returns) - 1) * self.day_s / span)

    def _step_returns(self, window_s: float, step_s: float) -> tuple[list[float], float]:
        """Log returns of the mid over `step_s` (samples at least that far apart) in the last `window_s` seconds,
        and the seconds they span."""
        if not step_s > 0:
            raise ValueError(f"step_s must be > 0, got {step_s}")
        picked: list[_Sample] = []
        for s in self._inside(window_s):
            if not picked or s.time >= picked[-1].time + step_s - 1e-9:
                picked.append(s)
        if len(picked) < 2:
            return [], 0.0
        return [b.log_mid - a.log_mid for a, b in itertools.pairwise(picked)], picked[-1].time - picked[0].time

    def _inside(self, window_s: float) -> list[_Sample]:
        if not window_s > 0:
            raise ValueError(f"window_s must be > 0, got {window_s}")
        if not self._samples:
            return []
        last = self._samples[-1].time
        return [s for s in self._samples if s.time >= last - window_s]

    def depth(self, levels: int, far: bool, buy: bool) -> float:
        """Quantity on the first `levels` levels of one side: the side a buy would cross to when `far` (the asks),
        else its own (the bids); for a sell the other way round."""
        q = self.quote
        if q is None:
            return 0.0
        asks = far == buy
        book = q.asks if asks else q.bids
        if book:
            return float(sum(size for _, size in book[:levels]))
        return float(q.ask_qty if asks else q.bid_qty)

    def snapshot(self) -> dict[str, Any]:
        """Everything the view holds as plain JSON values (the admin endpoint serves it; `from_snapshot` reads it)."""
        q = self.quote
        return {
            "symbol": self.symbol, "sample_s": self.sample_s, "memory_s": self.memory_s, "day_s": self.day_s,
            "first_time": self.first_time, "signed": self._signed,
            "quote": None if q is None else {
                "bid_px": q.bid_px, "bid_qty": q.bid_qty, "ask_px": q.ask_px, "ask_qty": q.ask_qty,
                "timestamp": q.timestamp, "volume": q.volume, "bids": [list(x) for x in q.bids],
                "asks": [list(x) for x in q.asks], "signed_volume": q.signed_volume},
            # [time, log mid, volume, signed]; a fifth value, the aggressor-signed volume, when the venue reports it
            "samples": [[s.time, s.log_mid, s.volume, s.signed] + ([] if s.aggressed is None else [s.aggressed])
                        for s in self._samples],
            "news": [{"time": n.time, "headline": n.headline, "score": n.score, "amount": n.amount}
                     for n in self._news],
            "implied_vol": None if self.implied_vol is None else list(self.implied_vol),
            "calendar": [[t, h] for t, h in sorted(self._calendar.items())],
        }

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> MarketView:
        """The view a `snapshot` describes; ValueError naming the field when it is not one."""
        try:
            view = cls(str(data["symbol"]), sample_s=float(data["sample_s"]), memory_s=float(data["memory_s"]),
                       day_s=float(data["day_s"]))
            q = data["quote"]
            if q is not None:
                view.quote = Quote(view.symbol, _opt_float(q["bid_px"]), int(q["bid_qty"]), _opt_float(q["ask_px"]),
                                   int(q["ask_qty"]), float(q["timestamp"]), int(q["volume"]),
                                   tuple((float(p), int(n)) for p, n in q["bids"]),
                                   tuple((float(p), int(n)) for p, n in q["asks"]),
                                   _opt_int(q.get("signed_volume")))
            view.first_time = _opt_float(data["first_time"])
            view._signed = float(data["signed"])
            view._samples.extend(_sample(row) for row in data["samples"])
            view._news.extend(News(view.symbol, float(n["time"]), str(n["headline"]), _opt_float(n["score"]),
                                   None if n["amount"] is None else int(n["amount"]))
                              for n in data.get("news", ()))
            if (iv := data.get("implied_vol")) is not None:
                when, value = float(iv[0]), float(iv[1])
                if not (math.isfinite(value) and value > 0.0):
                    raise ValueError(f"implied_vol must be > 0, got {value}")
                view.implied_vol = (when, value)
            view._calendar.update((float(t), str(h)) for t, h in data.get("calendar", ()))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a market view snapshot: {type(exc).__name__} {exc}") from exc
        return view

    def _buy_share_minus_sell(self, log_return: float) -> float:
        """2Φ(r/σ) − 1 for one interval's mid return r, σ the recent intervals' return dispersion."""
        sigma = self._interval_sigma()
        if sigma <= 0:
            return 0.0 if log_return == 0 else math.copysign(1.0, log_return)
        return math.erf(log_return / (sigma * math.sqrt(2.0)))

    def _interval_sigma(self) -> float:
        samples = list(self._samples)[-181:]
        returns = [b.log_mid - a.log_mid for a, b in itertools.pairwise(samples)]
        if len(returns) < 2:
            return 0.0
        return math.sqrt(sum(r * r for r in returns) / len(returns))


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _sample(row: Any) -> _Sample:
    """A snapshot's sample: [time, log mid, volume, signed] and, when the venue reported it, the aggressor-signed
    volume."""
    if len(row) not in (4, 5):
        raise ValueError(f"a sample is [time, log_mid, volume, signed] or those and the aggressor-signed volume, got "
                         f"{len(row)} values")
    return _Sample(float(row[0]), float(row[1]), float(row[2]), float(row[3]),
                   float(row[4]) if len(row) == 5 else None)
