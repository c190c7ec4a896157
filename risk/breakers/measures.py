"""What the market breakers measure, per symbol, from the quotes as they come: time-decayed averages (a slow
baseline and a fast reading) and short windows of mid returns. Times are the caller's; nothing here reads a
clock."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from strategies.types import Quote, Side

_LN2 = math.log(2.0)


@dataclass
class DecayingMean:
    """A time-weighted exponential average: a value held for `dt` seconds weighs 1 - 2^(-dt / half_life).

    The weights are normalised by their sum, so the average is unbiased from the first sample on."""

    half_life_s: float
    _num: float = 0.0
    _den: float = 0.0

    def add(self, value: float, dt: float) -> None:
        keep = math.exp(-_LN2 * max(dt, 0.0) / self.half_life_s)
        self._num = self._num * keep + value * (1.0 - keep)
        self._den = self._den * keep + (1.0 - keep)

    def reset(self, value: float) -> None:
        """Start again from `value`, as if it had always been the reading."""
        self._num, self._den = value, 1.0

    @property
    def ready(self) -> bool:
        return self._den > 0.0

    @property
    def value(self) -> float:
        return self._num / self._den if self._den > 0.0 else math.nan


@dataclass
class SymbolMarket:
    """One symbol's market readings, updated quote by quote.

    `observe` takes a quote into the fast readings and the windows; `learn` then lets the slow baselines take it
    too, unless the breaker judging that baseline has tripped (a tripped breaker must not learn its own anomaly).
    Depth is averaged in logs: touch sizes are heavy-tailed, and a geometric mean is not dragged by one big order.
    """

    baseline_half_life_s: float
    vol_window_s: float
    gap_window_s: float
    spread_half_life_s: float
    depth_half_life_s: float
    first_at: float | None = None
    last_at: float | None = None  # the last quote of any kind (staleness)
    _mid: float | None = None
    _mid_at: float | None = None
    _returns: deque[tuple[float, float]] = field(default_factory=deque)  # (time, squared return in bps²)
    _returns_sum: float = 0.0
    _largest: deque[tuple[float, float]] = field(default_factory=deque)  # decreasing r², for the window's max
    _mids: deque[tuple[float, float]] = field(default_factory=deque)  # (time, mid) within the gap window
    _pending: dict[str, tuple[float, float]] = field(default_factory=dict)  # baseline samples not yet learnt
    variance: DecayingMean = field(init=False)  # baseline variance of mid returns, bps² per second
    spread_bps: DecayingMean = field(init=False)
    spread_base: DecayingMean = field(init=False)
    log_depth: dict[Side, DecayingMean] = field(init=False)  # liquidity a parent on that side takes, in logs
    log_depth_base: dict[Side, DecayingMean] = field(init=False)

    def __post_init__(self) -> None:
        self.variance = DecayingMean(self.baseline_half_life_s)
        self.spread_bps = DecayingMean(self.spread_half_life_s)
        self.spread_base = DecayingMean(self.baseline_half_life_s)
        self.log_depth = {side: DecayingMean(self.depth_half_life_s) for side in Side}
        self.log_depth_base = {side: DecayingMean(self.baseline_half_life_s) for side in Side}

    # ------------------------------------------------------------------ readings

    def seen_for(self, now: float) -> float:
        """Seconds since this symbol's first quote."""
        return 0.0 if self.first_at is None else now - self.first_at

    def vol_ratio(self, now: float) -> float | None:
        """Realised volatility over the window, its largest return left out (one jump is the gap breaker's
        business), against the baseline; both per √s. None before there is a baseline."""
        if not self.variance.ready or self.variance.value <= 0.0 or self.first_at is None:
            return None
        span = min(self.vol_window_s, max(now - self.first_at, 1e-9))
        largest = self._largest[0][1] if self._largest else 0.0
        return math.sqrt(max(self._returns_sum - largest, 0.0) / span / self.variance.value)

    def baseline_sigma_bps(self) -> float | None:
        """The baseline standard deviation of the mid over one second, in bps."""
        return math.sqrt(self.variance.value) if self.variance.ready else None

    def gap_bps(self) -> float:
        """The largest move between the latest mid and any mid of the gap window, in bps."""
        if self._mid is None or not self._mids:
            return 0.0
        return max(abs(math.log(self._mid / m)) for _, m in self._mids) * 1e4

    def depth(self, side: Side) -> float | None:
        """Touch quantity a parent on `side` takes (the bid for a seller): the fast reading."""
        reading = self.log_depth[side]
        return math.exp(reading.value) if reading.ready else None

    def depth_baseline(self, side: Side) -> float | None:
        reading = self.log_depth_base[side]
        return math.exp(reading.value) if reading.ready else None

    # ------------------------------------------------------------------ updates

    def observe(self, quote: Quote, now: float) -> None:
        """Take one quote at `now` into the fast readings and the windows."""
        dt = 0.0 if self.last_at is None else now - self.last_at
        if self.first_at is None:
            self.first_at = now
        self.last_at = now
        self._pending = {}
        mid = quote.mid
        if mid is None or mid <= 0.0:
            return
        assert quote.bid_px is not None and quote.ask_px is not None
        self._observe_mid(mid, now)
        spread = (quote.ask_px - quote.bid_px) / mid * 1e4
        self.spread_bps.add(spread, dt)
        self._pending["spread"] = (spread, dt)
        for side, qty in ((Side.SELL, quote.bid_qty), (Side.BUY, quote.ask_qty)):
            value = math.log1p(max(qty, 0))
            self.log_depth[side].add(value, dt)
            self._pending[f"depth {side.name}"] = (value, dt)

    def learn(self, *, mid: bool, spread: bool, depth: dict[Side, bool]) -> None:
        """Let the baselines take the last quote, where told."""
        todo = [("variance", mid, self.variance), ("spread", spread, self.spread_base)]
        todo += [(f"depth {side.name}", depth[side], self.log_depth_base[side]) for side in Side]
        for key, wanted, baseline in todo:
            sample = self._pending.get(key)
            if wanted and sample is not None:
                baseline.add(*sample)
        self._pending = {}

    def _observe_mid(self, mid: float, now: float) -> None:
        while self._mids and self._mids[0][0] < now - self.gap_window_s:
            self._mids.popleft()
        if self._mid is not None and self._mid_at is not None and now > self._mid_at:
            r = math.log(mid / self._mid) * 1e4
            dt = now - self._mid_at
            self._returns.append((now, r * r))
            self._returns_sum += r * r
            while self._largest and self._largest[-1][1] <= r * r:
                self._largest.pop()
            self._largest.append((now, r * r))
            self._pending["variance"] = (r * r / dt, dt)
        while self._returns and self._returns[0][0] <= now - self.vol_window_s:
            self._returns_sum -= self._returns.popleft()[1]
        while self._largest and self._largest[0][0] <= now - self.vol_window_s:
            self._largest.popleft()
        if not self._returns:
            self._returns_sum = 0.0  # no float residue once the window is empty
        if self._mid_at is None or now > self._mid_at:
            if self._mid is not None and self._mid_at is not None:
                self._mids.append((self._mid_at, self._mid))
            self._mid, self._mid_at = mid, now
        else:
            self._mid = mid  # same instant: the later quote stands, its return is counted with the next one

    def rebase(self) -> None:
        """Take the current readings as the new normal (after an operator resumes a tripped breaker)."""
        if self._returns and self.first_at is not None and self.last_at is not None:
            span = min(self.vol_window_s, max(self.last_at - self.first_at, 1e-9))
            self.variance.reset(self._returns_sum / span)
        if self.spread_bps.ready:
            self.spread_base.reset(self.spread_bps.value)
        for side in Side:
            if self.log_depth[side].ready:
                self.log_depth_base[side].reset(self.log_depth[side].value)


@dataclass
class EventWindow:
    """Times of events (rejects, failures, overruns) within a sliding window; the last `limit` are kept even once
    out of it, so when the count fell under the limit follows from the events alone, not from when it was seen."""

    window_s: float
    limit: int
    times: deque[float] = field(default_factory=deque)

    def add(self, now: float) -> int:
        self.times.append(now)
        while len(self.times) > self.limit and self.times[0] <= now - self.window_s:
            self.times.popleft()
        return self.count(now)

    def count(self, now: float) -> int:
        return sum(1 for t in self.times if t > now - self.window_s)

    def under_limit_since(self) -> float:
        """When the count fell under the limit: the limit-th latest event left the window."""
        return self.times[-self.limit] + self.window_s if len(self.times) >= self.limit else -math.inf
