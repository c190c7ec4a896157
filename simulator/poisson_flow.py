"""Background order flow: Poisson arrivals of limit, market and cancel events around a random-walk reference."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.flow import FlowVenue
from simulator.instruments import SymbolSpec
from simulator.orders import Side

# Random numbers are drawn in blocks: one numpy call per block instead of one per event.
_BLOCK = 4096
# The top-10 book depth in SymbolSpec is what the flow calibrates against.
_CALIBRATION_LEVELS = 10


@dataclass(frozen=True, slots=True)
class PoissonFlowConfig:
    """Shape of the background flow shared by all symbols.

    `order_lifetime` is the mean seconds a background limit order rests before it is cancelled: it sets how
    fast the book refills after a sweep. `level_decay` is the share of limit orders that join the touch; the
    rest step back a geometric number of ticks. Background quotes the reference moves to within
    `pull_fraction` of the half-spread are pulled, as market makers pull quotes that went stale.
    """

    order_lifetime: float = 3.0
    level_decay: float = 0.15
    size_sigma: float = 0.8
    market_size_ratio: float = 0.5
    pull_fraction: float = 0.5

    def __post_init__(self) -> None:
        if not self.order_lifetime > 0:
            raise ValueError(f"order_lifetime must be > 0, got {self.order_lifetime}")
        if not 0 < self.level_decay <= 1:
            raise ValueError(f"level_decay must be in (0, 1], got {self.level_decay}")
        if not self.size_sigma >= 0:
            raise ValueError(f"size_sigma must be >= 0, got {self.size_sigma}")
        if not 0 <= self.pull_fraction < 1:
            raise ValueError(f"pull_fraction must be in [0, 1), got {self.pull_fraction}")
        if not self.market_size_ratio > 0:
            raise ValueError(f"market_size_ratio must be > 0, got {self.market_size_ratio}")


class _Draws:
    """One kind of random number, drawn a block at a time and handed out one by one."""

    __slots__ = ("_draw", "_next", "_values")

    def __init__(self, draw: Callable[[int], npt.NDArray[np.generic]]) -> None:
        self._draw = draw
        self._values: list[float] = []
        self._next = 0

    def take(self) -> float:
        if self._next == len(self._values):
            self._values = self._draw(_BLOCK).tolist()
            self._next = 0
        value = self._values[self._next]
        self._next += 1
        return value


class _SymbolFlow:
    """The event stream of one symbol, with its own generator so symbols do not disturb each other."""

    def __init__(self, spec: SymbolSpec, config: PoissonFlowConfig, rng: np.random.Generator, start: float) -> None:
        self.spec = spec
        self.time = start
        self._last_time = start
        self.ref_ticks = float(spec.ref_ticks)
        self._half_spread = spec.base_spread_bps * 1e-4 * spec.ref_price / spec.tick_size / 2.0
        # New quotes sit at least half a tick (rounding) beyond half the spread from the reference; quotes the
        # reference has moved to within `_pull_band` of are pulled, so fresh quotes never cross stale ones.
        self._pull_band = max(min(self._half_spread * config.pull_fraction, self._half_spread - 0.5), 0.0)
        self._bid_threshold = math.floor(self.ref_ticks - self._pull_band) + 1
        self._ask_threshold = math.ceil(self.ref_ticks + self._pull_band) - 1
        self._lot = spec.lot_size
        self._cancel_hazard = 1.0 / config.order_lifetime
        self._vol_per_sqrt_s = spec.daily_vol / math.sqrt(spec.session_seconds)

        # Equilibrium: resting orders per side = arrival rate x lifetime, and the top 10 levels hold a
        # 1 - (1 - p)^10 share of them when distances from the touch are geometric.
        side_units = spec.book_depth / (1.0 - (1.0 - config.level_decay) ** _CALIBRATION_LEVELS)
        self._limit_rate = side_units / spec.typical_order_size * self._cancel_hazard
        market_mean = max(spec.typical_order_size * config.market_size_ratio, float(spec.lot_size))
        self._market_rate = spec.adv / spec.session_seconds / market_mean

        sigma = config.size_sigma
        limit_mu = math.log(spec.typical_order_size) - sigma * sigma / 2.0
        market_mu = math.log(market_mean) - sigma * sigma / 2.0
        self._uniform = _Draws(lambda n: rng.random(n))
        self._exponential = _Draws(lambda n: rng.standard_exponential(n))
        self._normal = _Draws(lambda n: rng.standard_normal(n))
        self._distance = _Draws(lambda n: rng.geometric(config.level_decay, n) - 1)
        self._limit_size = _Draws(lambda n: rng.lognormal(limit_mu, sigma, n))
        self._market_size = _Draws(lambda n: rng.lognormal(market_mu, sigma, n))
        self._schedule(resting=0)

    def fire(self, venue: FlowVenue) -> None:
        """Move the reference to the event time, carry out one event, schedule the next."""
        symbol = self.spec.symbol
        self._walk(self.time - self._last_time)
        self._pull_stale_quotes(venue)
        resting = venue.flow_order_count(symbol)
        limit = self._limit_rate
        market = self._market_rate
        cancel = self._cancel_hazard * resting
        pick = self._uniform.take() * (2.0 * limit + market + cancel)
        if pick < 2.0 * limit:
            side = Side.BUY if pick < limit else Side.SELL
            price = self._limit_price(side)
            if price > 0:
                venue.place_flow_order(symbol, side, self._size(self._limit_size), price)
        elif pick < 2.0 * limit + market:
            side = Side.BUY if pick < 2.0 * limit + market / 2.0 else Side.SELL
            venue.place_flow_order(symbol, side, self._size(self._market_size), None)
        elif resting:
            # The leftover of the pick is uniform over the cancel band: reuse it to choose the victim.
            index = int((pick - 2.0 * limit - market) / cancel * resting)
            venue.cancel_flow_order(symbol, min(index, resting - 1))
        self._schedule(resting)

    def _schedule(self, resting: int) -> None:
        # The cancel rate uses the resting count seen at this event: one event moves it by about one order in
        # hundreds, and the next pick uses the fresh count to choose what happens.
        rate = 2.0 * self._limit_rate + self._market_rate + self._cancel_hazard * resting
        self._last_time = self.time
        self.time += self._exponential.take() / rate

    def _walk(self, dt: float) -> None:
        if dt > 0 and self._vol_per_sqrt_s > 0:
            step = self._vol_per_sqrt_s * math.sqrt(dt)
            self.ref_ticks *= math.exp(step * self._normal.take() - step * step / 2.0)

    def _pull_stale_quotes(self, venue: FlowVenue) -> None:
        # Flow bids sit below the bid threshold and asks above the ask threshold after every event (new quotes
        # are placed that way), so only a threshold moving towards the quotes can leave any of them stale.
        bid_threshold = math.floor(self.ref_ticks - self._pull_band) + 1
        ask_threshold = math.ceil(self.ref_ticks + self._pull_band) - 1
        if bid_threshold < self._bid_threshold:
            venue.cancel_flow_orders_through(self.spec.symbol, Side.BUY, bid_threshold)
        if ask_threshold > self._ask_threshold:
            venue.cancel_flow_orders_through(self.spec.symbol, Side.SELL, ask_threshold)
        self._bid_threshold = bid_threshold
        self._ask_threshold = ask_threshold

    def _limit_price(self, side: Side) -> int:
        distance = int(self._distance.take())
        if side is Side.BUY:
            return math.floor(self.ref_ticks - self._half_spread + 0.5) - distance
        return math.floor(self.ref_ticks + self._half_spread + 0.5) + distance

    def _size(self, draws: _Draws) -> int:
        lots = round(draws.take() / self._lot)
        return max(lots, 1) * self._lot


class PoissonFlow:
    """Limit orders at geometric distances from a moving reference, market orders that trade about ADV a day
    pro rata, and cancels that give each background order an exponential lifetime."""

    def __init__(
        self,
        universe: Mapping[str, SymbolSpec],
        seed: int,
        start_time: float = 0.0,
        config: PoissonFlowConfig | None = None,
    ) -> None:
        config = config or PoissonFlowConfig()
        symbols = sorted(universe)
        children = np.random.SeedSequence(seed).spawn(len(symbols))
        self._symbols = [
            _SymbolFlow(universe[symbol], config, np.random.default_rng(child), start_time)
            for symbol, child in zip(symbols, children, strict=True)
        ]
        self._due: _SymbolFlow | None = None

    def next_time(self) -> float:
        if not self._symbols:
            return math.inf
        self._due = min(self._symbols, key=_event_time)
        return self._due.time

    def fire(self, venue: FlowVenue) -> None:
        if self._due is None:
            self.next_time()
        assert self._due is not None
        due, self._due = self._due, None
        due.fire(venue)

    def reference_price(self, symbol: str) -> float:
        """Where the flow currently centres `symbol`'s quotes, as a price."""
        for flow in self._symbols:
            if flow.spec.symbol == symbol:
                return flow.ref_ticks * flow.spec.tick_size
        raise KeyError(symbol)


def _event_time(flow: _SymbolFlow) -> float:
    return flow.time
