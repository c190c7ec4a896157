"""The matching engine for one symbol: price-time priority over integer tick prices."""

from __future__ import annotations

from simulator.book_events import (
    Accepted,
    BookEvent,
    Cancelled,
    CancelReason,
    Fill,
    Rejected,
    RejectReason,
    Replaced,
)
from simulator.book_side import BookSide
from simulator.orders import OrderType, Side, TimeInForce
from simulator.owner_index import OwnerIndex
from simulator.price_level import RestingOrder


class OrderBook:
    """Limit, market and IOC orders, cancel and cancel/replace; every call returns what happened, in order."""

    __slots__ = ("_asks", "_bids", "_orders", "_owners", "lot_size", "symbol")

    def __init__(self, symbol: str, lot_size: int = 1) -> None:
        if lot_size <= 0:
            raise ValueError(f"lot_size must be > 0, got {lot_size}")
        self.symbol = symbol
        self.lot_size = lot_size
        self._bids = BookSide(is_bid=True)
        self._asks = BookSide(is_bid=False)
        self._orders: dict[int, RestingOrder] = {}
        self._owners = OwnerIndex()

    # -- order entry -------------------------------------------------------------------------------

    def submit(
        self,
        order_id: int,
        owner: str,
        side: Side,
        qty: int,
        order_type: OrderType = OrderType.LIMIT,
        price_ticks: int | None = None,
        tif: TimeInForce = TimeInForce.DAY,
    ) -> list[BookEvent]:
        """Match a new order against the other side, then rest, or cancel the remainder of a market/IOC order."""
        if order_id in self._orders:
            raise ValueError(f"order id {order_id} is already resting in {self.symbol}")
        problem = self._quantity_problem(qty)
        if problem is None and order_type is OrderType.LIMIT:
            problem = _price_problem(price_ticks)
        if problem is not None:
            reason, text = problem
            return [Rejected(order_id, owner, reason, text)]

        events: list[BookEvent] = [Accepted(order_id, owner)]
        limit = price_ticks if order_type is OrderType.LIMIT else None
        leaves = self._match(order_id, owner, side, qty, limit, events)
        if leaves == 0:
            return events
        if order_type is OrderType.MARKET:
            events.append(Cancelled(order_id, owner, leaves, CancelReason.NO_LIQUIDITY))
        elif tif is TimeInForce.IOC:
            events.append(Cancelled(order_id, owner, leaves, CancelReason.IOC_REMAINDER))
        else:
            assert limit is not None
            order = RestingOrder(order_id, owner, side, limit, qty)
            order.filled = qty - leaves
            self._rest(order)
        return events

    def cancel(self, order_id: int) -> list[BookEvent]:
        """Pull a resting order; an order that is not resting is rejected as unknown."""
        order = self._orders.get(order_id)
        if order is None:
            return [_not_resting(order_id)]
        self._unrest(order)
        return [Cancelled(order_id, order.owner, order.leaves, CancelReason.REQUESTED)]

    def replace(self, order_id: int, qty: int, price_ticks: int) -> list[BookEvent]:
        """Give a resting order a new total quantity and price.

        Same price with less or equal quantity keeps time priority; anything else re-enters at the back and may trade.
        """
        order = self._orders.get(order_id)
        if order is None:
            return [_not_resting(order_id)]
        problem = self._quantity_problem(qty) or _price_problem(price_ticks)
        if problem is None and qty <= order.filled:
            problem = (
                RejectReason.INVALID_QUANTITY,
                f"new quantity {qty} must exceed the {order.filled} already filled",
            )
        if problem is not None:
            reason, text = problem
            return [Rejected(order_id, order.owner, reason, text)]

        side = self._side(order.side)
        if price_ticks == order.price_ticks and qty <= order.qty:
            side.levels[price_ticks].size -= order.qty - qty
            order.qty = qty
            return [Replaced(order_id, order.owner, qty, price_ticks, kept_priority=True)]

        side.remove(order)
        order.qty = qty
        order.price_ticks = price_ticks
        events: list[BookEvent] = [Replaced(order_id, order.owner, qty, price_ticks, kept_priority=False)]
        leaves = self._match(order_id, order.owner, order.side, order.leaves, price_ticks, events)
        order.filled = qty - leaves
        if leaves:
            side.add(order)
        else:
            del self._orders[order_id]
            self._owners.remove(order.owner, order_id)
        return events

    # -- reading -----------------------------------------------------------------------------------

    def best_bid(self) -> int | None:
        """Highest bid in ticks, or None."""
        return self._bids.best()

    def best_ask(self) -> int | None:
        """Lowest ask in ticks, or None."""
        return self._asks.best()

    def top(self, side: Side, levels: int) -> list[tuple[int, int]]:
        """The best `levels` price levels of one side as (price in ticks, size), best first."""
        return self._side(side).top(levels)

    def queue(self, side: Side, price_ticks: int) -> list[int]:
        """Ids of the orders at one price in priority order (empty when the level is empty)."""
        level = self._side(side).levels.get(price_ticks)
        return [order.order_id for order in level.orders] if level else []

    def resting(self, order_id: int) -> RestingOrder | None:
        """A resting order by id (read it, don't change it), or None."""
        return self._orders.get(order_id)

    def resting_count(self, owner: str) -> int:
        """How many orders an owner has resting."""
        return self._owners.count(owner)

    def resting_at(self, owner: str, index: int) -> int:
        """The id of an owner's `index`-th resting order (0 <= index < resting_count)."""
        return self._owners.at(owner, index)

    def resting_ids(self, owner: str) -> list[int]:
        """Ids of all of an owner's resting orders."""
        return self._owners.ids(owner)

    def resting_through(self, side: Side, price_ticks: int, owner: str) -> list[int]:
        """Ids of an owner's orders on `side` priced at or through `price_ticks` (bids >=, asks <=)."""
        book_side = self._side(side)
        best = book_side.best()
        if best is None or (best < price_ticks if side is Side.BUY else best > price_ticks):
            return []
        through = [
            price for price in book_side.levels if (price >= price_ticks if side is Side.BUY else price <= price_ticks)
        ]
        return [order.order_id for price in through for order in book_side.levels[price].orders if order.owner == owner]

    # -- internals ---------------------------------------------------------------------------------

    def _side(self, side: Side) -> BookSide:
        return self._bids if side is Side.BUY else self._asks

    def _rest(self, order: RestingOrder) -> None:
        self._side(order.side).add(order)
        self._orders[order.order_id] = order
        self._owners.add(order.owner, order.order_id)

    def _unrest(self, order: RestingOrder) -> None:
        self._side(order.side).remove(order)
        del self._orders[order.order_id]
        self._owners.remove(order.owner, order.order_id)

    def _quantity_problem(self, qty: int) -> tuple[RejectReason, str] | None:
        if qty <= 0:
            return RejectReason.INVALID_QUANTITY, f"quantity must be > 0, got {qty}"
        if qty % self.lot_size:
            return RejectReason.INVALID_QUANTITY, f"quantity {qty} is not a multiple of the lot size {self.lot_size}"
        return None

    def _match(
        self, taker_id: int, taker_owner: str, side: Side, qty: int, limit: int | None, events: list[BookEvent]
    ) -> int:
        """Trade `qty` against the opposite side up to `limit` (None: any price); return what is left."""
        opposite = self._asks if side is Side.BUY else self._bids
        buying = side is Side.BUY
        leaves = qty
        while leaves:
            best = opposite.best()
            if best is None or (limit is not None and (best > limit if buying else best < limit)):
                break
            level = opposite.levels[best]
            queue = level.orders
            while leaves and queue:
                maker = queue[0]
                traded = min(leaves, maker.qty - maker.filled)
                maker.filled += traded
                level.size -= traded
                leaves -= traded
                events.append(Fill(maker.order_id, maker.owner, taker_id, taker_owner, side, best, traded))
                if maker.filled == maker.qty:
                    queue.popleft()
                    del self._orders[maker.order_id]
                    self._owners.remove(maker.owner, maker.order_id)
            if not queue:
                opposite.drop_level(best)
        return leaves


def _price_problem(price_ticks: int | None) -> tuple[RejectReason, str] | None:
    if price_ticks is None:
        return RejectReason.INVALID_PRICE, "a limit order needs a price"
    if price_ticks <= 0:
        return RejectReason.INVALID_PRICE, f"price must be > 0, got {price_ticks} ticks"
    return None


def _not_resting(order_id: int) -> Rejected:
    return Rejected(order_id, "", RejectReason.UNKNOWN_ORDER, f"order {order_id} is not resting")
