"""The matching engine for one symbol: a thin Python face over the compiled kernel (`simulator.kernel`).

The same `BookState` arrays serve client requests (one compiled call each) and the compiled background flow,
so there is one book and one matching engine behind FIX, in backtests and in the fast session runner.
The kernel keeps a dense window of price levels; the rare order priced outside it waits in `FarOrders` and the
window moves over it when matching reaches its price.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
from simulator.far_orders import FarOrder, FarOrders
from simulator.kernel import matching
from simulator.kernel.book_state import F64, I64, BookState, grow_pool, new_book, shift_window
from simulator.kernel.layout import (
    ASK,
    BASE,
    BEST_BID,
    BID,
    F_AGGRESSOR,
    F_MAKER_LEAVES,
    F_MAKER_OID,
    F_MAKER_OWNER,
    F_PRICE,
    F_QTY,
    F_TAKER_OID,
    F_TAKER_OWNER,
    FILLED,
    FLOW,
    FREE_COUNT,
    HEAD,
    NEXT,
    NFILL,
    NFLOW,
    NONE,
    OID,
    OWNER,
    PRICE,
    QTY,
    SIDE,
    WIDTH,
)
from simulator.orders import OrderType, Side, TimeInForce
from simulator.owner_index import OwnerIndex
from simulator.resting_order import RestingOrder

FLOW_OWNER = "flow"
"""Owner key of background orders (kernel owner code 0); clients use any other key."""

_SIDE_CODE = {Side.BUY: BID, Side.SELL: ASK}
_CODE_SIDE = (Side.BUY, Side.SELL)


@dataclass(frozen=True, slots=True)
class FillBatch:
    """Trades taken from the kernel: `time` per row and `rows` (n × FILL_COLUMNS, see kernel.layout)."""

    time: F64
    rows: I64


class OrderBook:
    """Limit, market and IOC orders, cancel and cancel/replace; every call returns what happened, in order."""

    __slots__ = ("_far", "_owner_codes", "_owner_names", "_owners", "_slots", "lot_size", "state", "symbol")

    def __init__(self, symbol: str, lot_size: int = 1, *, center_ticks: int = 0, width: int = 4096) -> None:
        if lot_size <= 0:
            raise ValueError(f"lot_size must be > 0, got {lot_size}")
        self.symbol = symbol
        self.lot_size = lot_size
        self.state: BookState = new_book(1024, max(0, center_ticks - width // 2), width)
        # Orders that entered through this wrapper and rest in the window, by id (kernel-born flow orders have
        # negative ids and are not listed); those outside the window are in `_far`.
        self._slots: dict[int, int] = {}
        self._far = FarOrders()
        self._owners = OwnerIndex()
        self._owner_codes: dict[str, int] = {FLOW_OWNER: FLOW}
        self._owner_names: list[str] = [FLOW_OWNER]

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
        time: float = 0.0,
    ) -> list[BookEvent]:
        """Match a new order against the other side, then rest, or cancel the remainder of a market/IOC order."""
        if order_id in self._slots or self._far.get(order_id) is not None:
            raise ValueError(f"order id {order_id} is already resting in {self.symbol}")
        is_limit = order_type is OrderType.LIMIT
        problem = self._problem(qty, is_limit, price_ticks)
        if problem is not None:
            return [Rejected(order_id, owner, *problem)]
        limit = price_ticks if is_limit and price_ticks is not None else NONE
        code = self.owner_code(owner)
        events: list[BookEvent] = [Accepted(order_id, owner)]
        leaves = self._match(order_id, code, _SIDE_CODE[side], qty, limit, time, events)
        if leaves and is_limit and tif is not TimeInForce.IOC:
            self._rest(FarOrder(order_id, code, _SIDE_CODE[side], limit, qty, qty - leaves))
        elif leaves:
            reason = CancelReason.NO_LIQUIDITY if order_type is OrderType.MARKET else CancelReason.IOC_REMAINDER
            events.append(Cancelled(order_id, owner, leaves, reason))
        return events

    def cancel(self, order_id: int) -> list[BookEvent]:
        """Pull a resting order; an order that is not resting is rejected as unknown."""
        order = self._lift(order_id)
        if order is None:
            return [_not_resting(order_id)]
        owner = self._owner_names[order.owner]
        self._untrack(order_id, owner)
        return [Cancelled(order_id, owner, order.qty - order.filled, CancelReason.REQUESTED)]

    def replace(self, order_id: int, qty: int, price_ticks: int, time: float = 0.0) -> list[BookEvent]:
        """Give a resting order a new total quantity and price.

        Same price with less or equal quantity keeps time priority; anything else re-enters at the back and may trade.
        """
        order = self._view(order_id)
        if order is None:
            return [_not_resting(order_id)]
        owner = self._owner_names[order.owner]
        problem = self._problem(qty, True, price_ticks)
        if problem is None and qty <= order.filled:
            problem = RejectReason.INVALID_QUANTITY, f"new quantity {qty} must exceed the {order.filled} already filled"
        if problem is not None:
            return [Rejected(order_id, owner, *problem)]
        keeps = price_ticks == order.price and qty <= order.qty
        events: list[BookEvent] = [Replaced(order_id, owner, qty, price_ticks, kept_priority=keeps)]
        slot = self._slots.get(order_id)
        if keeps:
            if slot is None:
                far = self._far.get(order_id)
                assert far is not None
                far.qty = qty
            else:
                matching.replace(self.state, slot, qty, price_ticks, time)
            return events
        self._lift(order_id)
        leaves = self._match(order_id, order.owner, order.side, qty - order.filled, price_ticks, time, events)
        if leaves:
            self._rest(FarOrder(order_id, order.owner, order.side, price_ticks, qty, qty - leaves))
        else:
            self._untrack(order_id, owner)
        return events

    # -- reading -----------------------------------------------------------------------------------

    def best_bid(self) -> int | None:
        """Highest bid in ticks, or None."""
        return self._best(BID)

    def best_ask(self) -> int | None:
        """Lowest ask in ticks, or None."""
        return self._best(ASK)

    def top(self, side: Side, levels: int) -> list[tuple[int, int]]:
        """The best `levels` price levels of one side as (price in ticks, size), best first."""
        code = _SIDE_CODE[side]
        prices = np.empty(levels, dtype=np.int64)
        sizes = np.empty(levels, dtype=np.int64)
        n = matching.top_levels(self.state, code, levels, prices, sizes)
        inside = list(zip(prices[:n].tolist(), sizes[:n].tolist(), strict=True))
        if not len(self._far):
            return inside
        merged = inside + self._far.levels(code, levels)
        merged.sort(key=lambda level: -level[0] if code == BID else level[0])
        return merged[:levels]

    def queue(self, side: Side, price_ticks: int) -> list[int]:
        """Ids of the orders at one price in priority order (empty when the level is empty)."""
        code = _SIDE_CODE[side]
        if self._in_window(price_ticks):
            return [int(self.state.orders[slot, OID]) for slot in self._queue_slots(code, price_ticks)]
        return [order.order_id for order in self._far.queue(code, price_ticks)]

    def resting(self, order_id: int) -> RestingOrder | None:
        """A copy of a resting order by id, or None."""
        order = self._view(order_id)
        if order is None:
            return None
        copy = RestingOrder(order_id, self._owner_names[order.owner], _CODE_SIDE[order.side], order.price, order.qty)
        copy.filled = order.filled
        return copy

    def resting_count(self, owner: str) -> int:
        """How many orders an owner has resting (for the flow: inside the kernel's window)."""
        return int(self.state.meta[NFLOW]) if owner == FLOW_OWNER else self._owners.count(owner)

    def resting_at(self, owner: str, index: int) -> int:
        """The id of an owner's `index`-th resting order (0 <= index < resting_count)."""
        if owner == FLOW_OWNER:
            return int(self.state.orders[self.state.flow[index], OID])
        return self._owners.at(owner, index)

    def resting_ids(self, owner: str) -> list[int]:
        """Ids of all of an owner's resting orders."""
        if owner == FLOW_OWNER:
            return [self.resting_at(owner, i) for i in range(self.resting_count(owner))]
        return self._owners.ids(owner)

    def resting_through(self, side: Side, price_ticks: int, owner: str) -> list[int]:
        """Ids of an owner's orders on `side` priced at or through `price_ticks` (bids >=, asks <=)."""
        code = self._owner_codes.get(owner)
        ids: list[int] = []
        for price, _ in self.top(side, len(self._slots) + len(self._far) + int(self.state.meta[NFLOW]) + 1):
            if price < price_ticks if side is Side.BUY else price > price_ticks:
                break
            ids.extend(i for i in self.queue(side, price) if self._owner_of(i) == code)
        return ids

    # -- the kernel's side -------------------------------------------------------------------------

    def owner_code(self, owner: str) -> int:
        """The kernel's integer for an owner key (the flow is 0; clients get 1, 2, ... in order of arrival)."""
        code = self._owner_codes.get(owner)
        if code is None:
            code = self._owner_codes[owner] = len(self._owner_names)
            self._owner_names.append(owner)
        return code

    def owner_name(self, code: int) -> str:
        """The owner key of a kernel owner code."""
        return self._owner_names[code]

    def take_fills(self) -> FillBatch:
        """Trades since the last take (left by the compiled flow), with this wrapper's records brought up to date."""
        meta = self.state.meta
        n = int(meta[NFILL])
        batch = FillBatch(self.state.fill_time[:n].copy(), self.state.fills[:n].copy())
        meta[NFILL] = 0
        rows = batch.rows
        done = (rows[:, F_MAKER_LEAVES] == 0) & (rows[:, F_MAKER_OID] > 0)
        for oid, code in rows[done][:, [F_MAKER_OID, F_MAKER_OWNER]].tolist():
            if oid in self._slots:
                del self._slots[oid]
                self._untrack(oid, self._owner_names[code])
        return batch

    def grow(self) -> None:
        """Double the order pool."""
        self.state = grow_pool(self.state)

    def recenter(self, center: int) -> None:
        """Move the price window to centre on `center` ticks; orders it leaves behind wait outside it."""
        width = int(self.state.meta[WIDTH])
        base = max(0, center - width // 2)
        old = int(self.state.meta[BASE])
        if base == old:
            return
        levels = self.state.levels
        for side in (BID, ASK):
            occupied = np.nonzero(levels[side, :, 0] != NONE)[0] + old
            for price in occupied[(occupied < base) | (occupied >= base + width)].tolist():
                for slot in self._queue_slots(side, price):
                    self._far.add(self._pull_slot(slot))
        self.state = shift_window(self.state, base)
        for order in self._far.take_between(base, base + width):
            self._rest_inside(order)

    # -- internals ---------------------------------------------------------------------------------

    def _match(self, oid: int, owner: int, side: int, qty: int, limit: int, time: float,
               events: list[BookEvent]) -> int:  # fmt: skip
        # Trade against the kernel's window; when the best opposite price waits outside it, move the window there.
        opposite = 1 - side
        leaves = qty
        while leaves:
            far = self._far.best(opposite)
            if far is not None and _beats(opposite, far, int(self.state.meta[BEST_BID + opposite])):
                if limit != NONE and (far > limit if side == BID else far < limit):
                    break
                self.recenter(far)
            leaves = matching.match(self.state, side, leaves, limit, oid, owner, time)
            events.extend(self._fill_events())
            far = self._far.best(opposite)
            if far is None or (limit != NONE and (far > limit if side == BID else far < limit)):
                break
        return leaves

    def _rest(self, order: FarOrder) -> None:
        # Rest inside the window, or outside it unless it would be the best price of its side.
        if not self._in_window(order.price) and _beats(order.side, order.price, self._best_code(order.side)):
            self.recenter(order.price)
        if self._in_window(order.price):
            self._rest_inside(order)
        else:
            self._far.add(order)
        if order.owner != FLOW:
            self._owners.add(self._owner_names[order.owner], order.order_id)

    def _rest_inside(self, order: FarOrder) -> None:
        if self.state.meta[FREE_COUNT] < 2:
            self.grow()
        slot = matching.rest(self.state, order.order_id, order.owner, order.side, order.price, order.qty,
                             order.filled)  # fmt: skip
        if order.order_id > 0:
            self._slots[order.order_id] = slot

    def _pull_slot(self, slot: int) -> FarOrder:
        # Take a kernel order out of the window, as a far order.
        row = self.state.orders[slot].tolist()
        order = FarOrder(row[OID], row[OWNER], row[SIDE], row[PRICE], row[QTY], row[FILLED])
        matching.cancel(self.state, slot)
        self._slots.pop(order.order_id, None)
        return order

    def _view(self, order_id: int) -> FarOrder | None:
        slot = self._slots.get(order_id)
        if slot is None:
            return self._far.get(order_id)
        row = self.state.orders[slot].tolist()
        return FarOrder(order_id, row[OWNER], row[SIDE], row[PRICE], row[QTY], row[FILLED])

    def _lift(self, order_id: int) -> FarOrder | None:
        # Take a resting order out of the book, wherever it rests.
        slot = self._slots.get(order_id)
        if slot is not None:
            return self._pull_slot(slot)
        order = self._far.get(order_id)
        if order is not None:
            self._far.remove(order)
        return order

    def _best(self, side: int) -> int | None:
        best = self._best_code(side)
        return None if best == NONE else best

    def _best_code(self, side: int) -> int:
        inside = int(self.state.meta[BEST_BID + side])
        far = self._far.best(side)
        return far if far is not None and _beats(side, far, inside) else inside

    def _in_window(self, price: int) -> bool:
        return bool(matching.in_window(self.state, price))

    def _problem(self, qty: int, is_limit: bool, price: int | None) -> tuple[RejectReason, str] | None:
        code = matching.order_problem(qty, self.lot_size, is_limit, NONE if price is None else price)
        if code == matching.BAD_QTY:
            return RejectReason.INVALID_QUANTITY, f"quantity must be > 0, got {qty}"
        if code == matching.BAD_LOT:
            return RejectReason.INVALID_QUANTITY, f"quantity {qty} is not a multiple of the lot size {self.lot_size}"
        if code == matching.BAD_PRICE:
            if price is None:
                return RejectReason.INVALID_PRICE, "a limit order needs a price"
            return RejectReason.INVALID_PRICE, f"price must be > 0, got {price} ticks"
        return None

    def _fill_events(self) -> list[Fill]:
        batch = self.take_fills()
        names = self._owner_names
        return [
            Fill(row[F_MAKER_OID], names[row[F_MAKER_OWNER]], row[F_TAKER_OID], names[row[F_TAKER_OWNER]],
                 _CODE_SIDE[row[F_AGGRESSOR]], row[F_PRICE], row[F_QTY])
            for row in batch.rows.tolist()
        ]  # fmt: skip

    def _queue_slots(self, side: int, price: int) -> list[int]:
        state = self.state
        if not self._in_window(price):
            return []
        slots = []
        slot = int(state.levels[side, price - int(state.meta[BASE]), HEAD])
        while slot != NONE:
            slots.append(slot)
            slot = int(state.orders[slot, NEXT])
        return slots

    def _owner_of(self, order_id: int) -> int:
        order = self._view(order_id)
        return NONE if order is None else order.owner

    def _untrack(self, order_id: int, owner: str) -> None:
        if owner != FLOW_OWNER:
            self._owners.remove(owner, order_id)


def _beats(side: int, price: int, than: int) -> bool:
    """True when `price` is a better price than `than` (NONE: no price) on `side`."""
    return than == NONE or (price > than if side == BID else price < than)


def _not_resting(order_id: int) -> Rejected:
    return Rejected(order_id, "", RejectReason.UNKNOWN_ORDER, f"order {order_id} is not resting")
