"""The market: one book per symbol plus the background flow, driven forward in simulated time. No I/O."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence

import numpy as np

from simulator.book_events import Accepted, BookEvent, Cancelled, Fill, Rejected, RejectReason, Replaced
from simulator.feed_events import FeedEvent
from simulator.flow import OrderFlow, QuietFlow
from simulator.instruments import DEFAULT_UNIVERSE, SymbolSpec
from simulator.kernel.flow_config import FlowConfig
from simulator.kernel.kernel_flow import KernelFlow
from simulator.kernel.layout import F_AGGRESSOR, F_MAKER_OID, F_MAKER_OWNER, F_PRICE, F_QTY, FLOW
from simulator.market_data import BookDepth, Level, Trade
from simulator.order_book import FLOW_OWNER, FillBatch, OrderBook
from simulator.order_state import OrderRefused, OrderState, OrderStatus, OrderUpdate, UpdateKind
from simulator.orders import OrderType, Side, TimeInForce
from simulator.regime import RegimeSchedule

__all__ = ["FLOW_OWNER", "Market", "simulated_market"]


class _ClientOrder:
    """The venue's running record of one client order."""

    __slots__ = (
        "cum_qty",
        "notional_ticks",
        "order_id",
        "order_type",
        "owner",
        "price",
        "price_ticks",
        "qty",
        "side",
        "status",
        "symbol",
        "tick_size",
        "tif",
    )

    def __init__(
        self,
        order_id: int,
        owner: str,
        symbol: str,
        side: Side,
        order_type: OrderType,
        tif: TimeInForce,
        qty: int,
        price: float | None,
        price_ticks: int | None,
        tick_size: float,
    ) -> None:
        self.order_id = order_id
        self.owner = owner
        self.symbol = symbol
        self.side = side
        self.order_type = order_type
        self.tif = tif
        self.qty = qty
        self.price = price
        self.price_ticks = price_ticks
        self.tick_size = tick_size
        self.cum_qty = 0
        self.notional_ticks = 0
        self.status = OrderStatus.NEW

    def state(self) -> OrderState:
        avg = self.notional_ticks / self.cum_qty * self.tick_size if self.cum_qty else 0.0
        return OrderState(
            order_id=self.order_id,
            owner=self.owner,
            symbol=self.symbol,
            side=self.side,
            order_type=self.order_type,
            tif=self.tif,
            qty=self.qty,
            price=self.price,
            cum_qty=self.cum_qty,
            avg_price=avg,
            status=self.status,
        )


class Market:
    """Books for a universe and a background flow; clients submit, cancel and replace in simulated time.

    The flow is either the compiled `KernelFlow` (it runs straight on the books' arrays) or any Python
    `OrderFlow`, fired one event at a time. Same flow seed and the same client requests at the same times give
    the same tape. Every call that can change a client order returns the updates it caused, for every owner.
    `feed` holds the headlines and on-chain events the market publishes (epoch times): `drain_feed` hands out
    each once, after the market's time has reached it.
    """

    def __init__(
        self,
        universe: Mapping[str, SymbolSpec] = DEFAULT_UNIVERSE,
        flow: OrderFlow | KernelFlow | None = None,
        *,
        start_time: float = 0.0,
        tape_limit: int = 100_000,
        max_events_per_advance: int = 10_000_000,
        feed_outages: Mapping[str, Sequence[tuple[float, float]]] | None = None,
        feed: Sequence[FeedEvent] = (),
    ) -> None:
        self._specs = dict(universe)
        self._feed = sorted(feed, key=lambda event: event.time)
        self._feed_next = 0  # index of the first event not yet drained
        # Per symbol, [from, until) epoch times when the venue publishes no market data (trading goes on).
        self._outages = {symbol: tuple(windows) for symbol, windows in (feed_outages or {}).items()}
        self._books = {
            symbol: OrderBook(symbol, spec.lot_size, center_ticks=spec.ref_ticks)
            for symbol, spec in self._specs.items()
        }
        self._flow: OrderFlow | KernelFlow = flow if flow is not None else QuietFlow()
        self._max_events = max_events_per_advance
        self._clients: dict[int, _ClientOrder] = {}
        self._open: dict[str, set[int]] = {}
        self._pending: list[OrderUpdate] = []
        # Undrained trades beyond the limit drop oldest first: a backtest that never reads the tape stays bounded.
        self._tape: deque[Trade] = deque(maxlen=tape_limit)
        self._volume: dict[str, int] = dict.fromkeys(self._specs, 0)  # traded since the start, per symbol
        self._signed: dict[str, int] = dict.fromkeys(self._specs, 0)  # of it, bought minus sold by the aggressor
        self._last_id = 0
        # Flow events scheduled before the start (a warm-up) build the opening book; their trades are not news.
        self._now = min(start_time, self._flow.next_time())
        self._run_flow(start_time)
        self._now = start_time
        self._tape.clear()
        self._pending.clear()
        self._volume = dict.fromkeys(self._specs, 0)
        self._signed = dict.fromkeys(self._specs, 0)

    # -- reading -----------------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """Simulated time of the last event or advance, epoch seconds."""
        return self._now

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self._specs)

    def spec(self, symbol: str) -> SymbolSpec:
        """The listed symbol's spec; KeyError when it is not listed."""
        return self._specs[symbol]

    def book(self, symbol: str) -> OrderBook:
        """The symbol's book, for reading."""
        return self._books[symbol]

    def depth(self, symbol: str, levels: int) -> BookDepth:
        """The best `levels` levels per side."""
        book = self._books[symbol]
        spec = self._specs[symbol]
        return BookDepth(
            symbol=symbol,
            bids=tuple(Level(spec.ticks_to_price(p), s) for p, s in book.top(Side.BUY, levels)),
            asks=tuple(Level(spec.ticks_to_price(p), s) for p, s in book.top(Side.SELL, levels)),
        )

    def feed_up(self, symbol: str) -> bool:
        """Whether the venue publishes market data for `symbol` now (False during a scenario's outage)."""
        return not any(start <= self._now < until for start, until in self._outages.get(symbol, ()))

    def traded_volume(self, symbol: str) -> int:
        """Quantity traded in `symbol` since the start (the warm-up excluded)."""
        return self._volume[symbol]

    def signed_volume(self, symbol: str) -> int:
        """Of `traded_volume`, the quantity whose aggressor bought minus the quantity whose aggressor sold."""
        return self._signed[symbol]

    def drain_trades(self) -> list[Trade]:
        """Trades since the last drain, oldest first."""
        trades = list(self._tape)
        self._tape.clear()
        return trades

    def drain_feed(self) -> list[FeedEvent]:
        """Feed events published since the last drain (their time <= `now`), oldest first; each is handed out once."""
        first = self._feed_next
        while self._feed_next < len(self._feed) and self._feed[self._feed_next].time <= self._now:
            self._feed_next += 1
        return self._feed[first:self._feed_next]

    def status(self, owner: str, order_id: int) -> OrderState:
        """A client order as it stands; OrderRefused when the owner has no such order."""
        return self._owned(owner, order_id).state()

    def open_orders(self, owner: str) -> list[OrderState]:
        """An owner's orders that can still trade, oldest first."""
        return [self._clients[order_id].state() for order_id in sorted(self._open.get(owner, ()))]

    # -- time --------------------------------------------------------------------------------------

    def advance(self, to_time: float) -> list[OrderUpdate]:
        """Run the background flow up to `to_time`; return updates to client orders it caused."""
        if to_time < self._now:
            raise ValueError(f"cannot advance back from {self._now} to {to_time}")
        self._run_flow(to_time)
        self._now = to_time
        updates, self._pending = self._pending, []
        return updates

    # -- client requests ---------------------------------------------------------------------------

    def submit(
        self,
        owner: str,
        symbol: str,
        side: Side,
        qty: int,
        order_type: OrderType = OrderType.LIMIT,
        price: float | None = None,
        tif: TimeInForce = TimeInForce.DAY,
    ) -> list[OrderUpdate]:
        """Enter a new order now. The first update is its NEW or REJECTED; fills and a cancel may follow."""
        self._check_owner(owner)
        self._last_id += 1
        order_id = self._last_id
        spec = self._specs.get(symbol)
        limit_price = price if order_type is OrderType.LIMIT else None
        price_ticks = None
        problem: tuple[RejectReason, str] | None = None
        if spec is None:
            problem = RejectReason.UNKNOWN_SYMBOL, f"unknown symbol {symbol!r}"
        elif limit_price is not None:
            price_ticks, problem = _to_ticks(spec, limit_price)
            if price_ticks is not None:
                limit_price = spec.ticks_to_price(price_ticks)
        order = _ClientOrder(
            order_id, owner, symbol, side, order_type, tif, qty, limit_price, price_ticks,
            spec.tick_size if spec else 0.0,
        )  # fmt: skip
        self._clients[order_id] = order
        if problem is not None:
            order.status = OrderStatus.REJECTED
            reason, text = problem
            return [OrderUpdate(UpdateKind.REJECTED, order.state(), self._now, reject_reason=reason, text=text)]
        self._open.setdefault(owner, set()).add(order_id)
        events = self._books[symbol].submit(order_id, owner, side, qty, order_type, price_ticks, tif, self._now)
        self._tell_flow(symbol, events)
        updates: list[OrderUpdate] = []
        self._apply(symbol, events, updates)
        return updates

    def cancel(self, owner: str, order_id: int) -> list[OrderUpdate]:
        """Cancel a working order; OrderRefused (UNKNOWN_ORDER or TOO_LATE) otherwise."""
        order = self._working(owner, order_id)
        updates: list[OrderUpdate] = []
        self._apply(order.symbol, self._books[order.symbol].cancel(order_id), updates)
        return updates

    def replace(self, owner: str, order_id: int, qty: int, price: float | None = None) -> list[OrderUpdate]:
        """Give a working limit order a new total quantity and, optionally, a new price."""
        order = self._working(owner, order_id)
        spec = self._specs[order.symbol]
        price_ticks = order.price_ticks
        if price is not None:
            price_ticks, problem = _to_ticks(spec, price)
            if problem is not None:
                raise OrderRefused(problem[0], problem[1], order.state())
        assert price_ticks is not None  # only limit orders work
        events = self._books[order.symbol].replace(order_id, qty, price_ticks, self._now)
        self._tell_flow(order.symbol, events)
        first = events[0]
        if isinstance(first, Rejected):
            raise OrderRefused(first.reason, first.text, order.state())
        updates: list[OrderUpdate] = []
        self._apply(order.symbol, events, updates)
        return updates

    def cancel_all(self, owner: str) -> list[OrderUpdate]:
        """Cancel every working order of an owner (cancel-on-disconnect)."""
        updates: list[OrderUpdate] = []
        for order_id in sorted(self._open.get(owner, ())):
            updates.extend(self.cancel(owner, order_id))
        return updates

    # -- the flow's side door (FlowVenue) ----------------------------------------------------------

    def place_flow_order(self, symbol: str, side: Side, qty: int, price_ticks: int | None) -> None:
        self._last_id += 1
        order_type = OrderType.MARKET if price_ticks is None else OrderType.LIMIT
        events = self._books[symbol].submit(
            self._last_id, FLOW_OWNER, side, qty, order_type, price_ticks, time=self._now
        )
        self._apply(symbol, events, self._pending)

    def flow_order_count(self, symbol: str) -> int:
        return self._books[symbol].resting_count(FLOW_OWNER)

    def cancel_flow_order(self, symbol: str, index: int) -> None:
        book = self._books[symbol]
        book.cancel(book.resting_at(FLOW_OWNER, index))

    def cancel_flow_orders_through(self, symbol: str, side: Side, price_ticks: int) -> None:
        book = self._books[symbol]
        for order_id in book.resting_through(side, price_ticks, FLOW_OWNER):
            book.cancel(order_id)

    # -- internals ---------------------------------------------------------------------------------

    def _tell_flow(self, symbol: str, events: list[BookEvent]) -> None:
        """The background flow sees what a client order printed, and what it took from the background's own
        liquidity (another client's resting order was not latent liquidity)."""
        if not isinstance(self._flow, KernelFlow):
            return
        fills = [e for e in events if isinstance(e, Fill) and e.taker_owner != FLOW_OWNER]
        if not fills:
            return
        printed = sum(e.qty for e in fills)
        taken = sum(e.qty for e in fills if e.maker_owner == FLOW_OWNER)
        self._flow.client_traded(symbol, self._now, fills[0].aggressor is Side.BUY, printed, taken)

    def _run_flow(self, until: float) -> None:
        flow = self._flow
        if isinstance(flow, KernelFlow):
            self._run_kernel_flow(flow, until)
            return
        for _ in range(self._max_events):
            when = flow.next_time()
            if when > until:
                return
            self._now = when
            flow.fire(self)
        raise RuntimeError(f"the flow fired over {self._max_events} events before t={until}; check its rates")

    def _run_kernel_flow(self, flow: KernelFlow, until: float) -> None:
        """Run every symbol's compiled flow to `until`, then report its trades across symbols in time order."""
        symbols: list[str] = []
        batches: list[FillBatch] = []
        for symbol, book in self._books.items():
            for batch in flow.run(symbol, book, until):
                symbols.append(symbol)
                batches.append(batch)
        if not batches:
            return
        times = np.concatenate([b.time for b in batches])
        which = np.concatenate([np.full(len(b.time), i) for i, b in enumerate(batches)])
        rows = np.concatenate([b.rows for b in batches])
        for k in np.argsort(times, kind="stable").tolist():
            self._now = float(times[k])
            symbol = symbols[which[k]]
            maker_oid, maker_owner, aggressor, price_ticks, qty = (
                int(v) for v in rows[k, [F_MAKER_OID, F_MAKER_OWNER, F_AGGRESSOR, F_PRICE, F_QTY]]
            )
            price = self._specs[symbol].ticks_to_price(price_ticks)
            self._tape.append(Trade(self._now, symbol, price, qty, Side.BUY if aggressor == 0 else Side.SELL))
            self._volume[symbol] += qty
            self._signed[symbol] += qty if aggressor == 0 else -qty
            if maker_owner != FLOW:
                self._pending.append(self._fill(maker_oid, qty, price_ticks, price))

    def _apply(self, symbol: str, events: list[BookEvent], updates: list[OrderUpdate]) -> None:
        """Record trades on the tape and turn events on client orders into updates."""
        spec = self._specs[symbol]
        for event in events:
            if type(event) is Fill:
                price = spec.ticks_to_price(event.price_ticks)
                self._tape.append(Trade(self._now, symbol, price, event.qty, event.aggressor))
                self._volume[symbol] += event.qty
                self._signed[symbol] += event.qty if event.aggressor is Side.BUY else -event.qty
                if event.maker_owner != FLOW_OWNER:
                    updates.append(self._fill(event.maker_id, event.qty, event.price_ticks, price))
                if event.taker_owner != FLOW_OWNER:
                    updates.append(self._fill(event.taker_id, event.qty, event.price_ticks, price))
                continue
            assert not isinstance(event, Fill)
            if event.owner == FLOW_OWNER:
                continue
            order = self._clients[event.order_id]
            if isinstance(event, Accepted):
                updates.append(OrderUpdate(UpdateKind.NEW, order.state(), self._now))
            elif isinstance(event, Cancelled):
                self._close(order, OrderStatus.CANCELED)
                updates.append(OrderUpdate(UpdateKind.CANCELED, order.state(), self._now, text=event.reason.value))
            elif isinstance(event, Replaced):
                order.qty = event.qty
                order.price_ticks = event.price_ticks
                order.price = spec.ticks_to_price(event.price_ticks)
                updates.append(OrderUpdate(UpdateKind.REPLACED, order.state(), self._now))
            else:
                self._close(order, OrderStatus.REJECTED)
                updates.append(
                    OrderUpdate(
                        UpdateKind.REJECTED, order.state(), self._now, reject_reason=event.reason, text=event.text
                    )
                )

    def _fill(self, order_id: int, qty: int, price_ticks: int, price: float) -> OrderUpdate:
        order = self._clients[order_id]
        order.cum_qty += qty
        order.notional_ticks += qty * price_ticks
        if order.cum_qty == order.qty:
            self._close(order, OrderStatus.FILLED)
        else:
            order.status = OrderStatus.PARTIALLY_FILLED
        return OrderUpdate(UpdateKind.TRADE, order.state(), self._now, last_qty=qty, last_price=price)

    def _close(self, order: _ClientOrder, status: OrderStatus) -> None:
        order.status = status
        self._open.get(order.owner, set()).discard(order.order_id)

    def _owned(self, owner: str, order_id: int) -> _ClientOrder:
        order = self._clients.get(order_id)
        if order is None or order.owner != owner:
            raise OrderRefused(RejectReason.UNKNOWN_ORDER, f"no order {order_id} for {owner}")
        return order

    def _working(self, owner: str, order_id: int) -> _ClientOrder:
        order = self._owned(owner, order_id)
        if order.status.is_done:
            raise OrderRefused(
                RejectReason.TOO_LATE, f"order {order_id} is already {order.status.value}", order.state()
            )
        return order

    @staticmethod
    def _check_owner(owner: str) -> None:
        if not owner or owner == FLOW_OWNER:
            raise ValueError(f"owner must be a non-empty key other than {FLOW_OWNER!r}, got {owner!r}")


def simulated_market(
    seed: int,
    universe: Mapping[str, SymbolSpec] = DEFAULT_UNIVERSE,
    *,
    start_time: float = 0.0,
    warmup: float = 60.0,
    config: FlowConfig | None = None,
    schedules: Mapping[str, RegimeSchedule] | None = None,
    feed_outages: Mapping[str, Sequence[tuple[float, float]]] | None = None,
    feed: Sequence[FeedEvent] = (),
) -> Market:
    """A market with the compiled background flow whose book has been building for `warmup` seconds at start.

    `schedules` gives a symbol a regime timeline whose time 0 is `start_time` (calm for symbols not named),
    `feed_outages` its market data outages, (from, until) seconds on the same time line, and `feed` the events it
    publishes, their times on that line too.
    """
    flow = KernelFlow(universe, seed, start_time - warmup, start_time, config, schedules)
    outages = {symbol: [(start_time + a, start_time + b) for a, b in windows]
               for symbol, windows in (feed_outages or {}).items()}
    return Market(universe, flow, start_time=start_time, feed_outages=outages,
                  feed=[event.shifted(start_time) for event in feed])


def _to_ticks(spec: SymbolSpec, price: float) -> tuple[int | None, tuple[RejectReason, str] | None]:
    if not (math.isfinite(price) and price > 0):
        return None, (RejectReason.INVALID_PRICE, f"price must be > 0, got {price}")
    ticks = spec.price_to_ticks(price)
    if ticks is None:
        return None, (RejectReason.INVALID_PRICE, f"price {price} is not a multiple of the tick {spec.tick_size}")
    return ticks, None
