"""Replay a market-by-order capture through our `OrderBook` and check its top of book against the feed's own book.

Creations are submitted as limit orders at their price (a crossing one trades in our book), volume changes are
checked against what our matching already did and corrected when it differs, deletions cancel. After every
exchange-timestamp group (the venue's matching step) our best bid/ask is compared with the `RecordedBook`.

Three data quirks get an explicit rule, each counted:
- an order that crosses our book, is not a recorded taker and is deleted in the same exchange millisecond was
  refused by the venue (maker-or-cancel / fill-or-kill): it never enters our book;
- an order that crosses our book, is not a recorded taker and stays live proves that the resting orders it
  crosses are already gone at the venue (the REST snapshot holds orders whose deletion the stream never sent):
  those are evicted from both books before it is submitted;
- a recorded taker skips resting orders ahead of the makers it hit (better price, or same price and earlier):
  those are gone at the venue too and are evicted before it is submitted;
- a recorded taker created at price 0 (a sell) or volume 0 (a buy by notional) is a market order: submitted as
  one, for its stated volume or, when that is 0, for the quantity the venue's trade prints give it;
- other zero-volume or zero-price creations cannot rest in our book and are skipped with their later events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from simulator.book_events import Fill
from simulator.order_book import OrderBook
from simulator.orders import OrderType, Side, TimeInForce
from simulator.replay.bitstamp_capture import CHANGED, CREATED, TICK_USD, BitstampCapture, RecordedTrades
from simulator.replay.recorded_book import RecordedBook
from simulator.tape import Quotes, Snapshots

OWNER = "bitstamp"
QUOTE_INTERVAL_S = 1.0
SNAPSHOT_INTERVAL_S = 10.0
SNAPSHOT_LEVELS = 500  # 500 one-dollar levels reach past 50 bps of a ~78,000 USD price

# Each capture row lands in exactly one of these buckets.
ROW_BUCKETS = (
    "created_submitted",
    "created_market",
    "created_empty",
    "created_unpriced",
    "created_refused_at_once",
    "changed_as_our_matching",
    "changed_taker_walk",
    "changed_corrected",
    "changed_after_our_fill",
    "changed_not_live",
    "deleted_cancelled",
    "deleted_filled_at_venue_only",
    "deleted_after_our_fill",
    "deleted_evicted",
    "deleted_skipped",
    "deleted_unknown",
)


@dataclass(frozen=True)
class ReplayReport:
    """Row accounting, data quirks, top-of-book agreement and fills of one replay, plus the sampled book."""

    rows: int
    counts: dict[str, int]
    quirks: dict[str, int]
    checks: int
    matches: int
    recorded_trades: int
    our_fills: int
    fills_matched: int
    quotes: Quotes
    snapshots: Snapshots
    mismatches: list[tuple[int, int | None, int | None, int | None, int | None]] = field(default_factory=list)
    fills_ours_only: list[tuple[int, int, int, int]] = field(default_factory=list)  # (maker, taker, price, qty)
    fills_recorded_only: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def match_rate(self) -> float:
        """Share of checks where our best bid and best ask both equal the feed's."""
        return self.matches / self.checks if self.checks else float("nan")


def replay_capture(capture: BitstampCapture, keep_mismatches: int = 20) -> ReplayReport:
    """Run every row of `capture` through a fresh `OrderBook`; see the module docstring for the rules."""
    ids = capture.order_id.tolist()
    exchange_ms = capture.exchange_ms.tolist()
    prices = capture.price_ticks.tolist()
    volumes = capture.volume_lots.tolist()
    actions = capture.action.tolist()
    bids = capture.is_bid.tolist()
    trades = capture.trades
    takers = _TakerPrints.collect(trades)
    deletion = {ids[i]: (exchange_ms[i], volumes[i]) for i in range(len(ids)) if actions[i] not in (CREATED, CHANGED)}

    book = OrderBook("BTCUSD")
    recorded = RecordedBook()
    ours: dict[int, int] = {}  # venue id -> our id
    venue_of: list[int] = [0]  # our id -> venue id (our ids start at 1)
    skipped: set[int] = set()
    evicted: set[int] = set()
    walking: dict[int, int] = {}  # recorded taker id -> its creation time (exchange ms)
    counts: Counter[str] = Counter({bucket: 0 for bucket in ROW_BUCKETS})
    quirks: Counter[str] = Counter()
    fills: Counter[tuple[int, int, int, int]] = Counter()
    sampler = _BookSampler(exchange_ms[0] / 1000.0)
    checks = matches = 0
    mismatches: list[tuple[int, int | None, int | None, int | None, int | None]] = []

    def evict(stale_ids: list[int], quirk: str) -> None:
        for stale in stale_ids:
            book.cancel(stale)
            recorded.remove(venue_of[stale])
            evicted.add(venue_of[stale])
            quirks[quirk] += 1

    n = len(ids)
    for i in range(n):
        oid, now, price, volume, action, is_bid = ids[i], exchange_ms[i], prices[i], volumes[i], actions[i], bids[i]
        if i and now < exchange_ms[i - 1]:
            quirks["exchange_time_backwards"] += 1
        sampler.before(now / 1000.0, book)
        side = Side.BUY if is_bid else Side.SELL
        our = ours.get(oid)
        resting = book.resting(our) if our is not None else None

        if action == CREATED:
            prints = takers.get(oid)
            market = prints is not None and (volume <= 0 or price <= 0)
            opposite = book.best_ask() if is_bid else book.best_bid()
            crosses = opposite is not None and (price >= opposite if is_bid else price <= opposite)
            if not market and (volume <= 0 or price <= 0):
                counts["created_empty" if volume <= 0 else "created_unpriced"] += 1
                skipped.add(oid)
            elif prints is None and crosses and deletion.get(oid) == (now, volume):
                counts["created_refused_at_once"] += 1
                skipped.add(oid)
            else:
                if prints is not None:
                    walking[oid] = now
                    evict(prints.skipped_ahead(book, side.opposite, venue_of), "stale_skipped_by_taker")
                elif crosses:
                    evict(_through(book, side.opposite, price), "stale_crossed_by_resting_order")
                our = len(venue_of)
                venue_of.append(oid)
                ours[oid] = our
                if market:
                    assert prints is not None
                    qty, order_type, limit = volume if volume > 0 else prints.qty, OrderType.MARKET, None
                else:
                    qty, order_type, limit = volume, OrderType.LIMIT, price
                    recorded.add(oid, is_bid, price, volume)
                for event in book.submit(our, OWNER, side, qty, order_type, limit, TimeInForce.DAY):
                    if isinstance(event, Fill):
                        fills[(venue_of[event.maker_id], oid, event.price_ticks, event.qty)] += 1
                counts["created_market" if market else "created_submitted"] += 1

        elif action == CHANGED:
            recorded.set_volume(oid, volume)
            if resting is not None:
                leaves = resting.qty - resting.filled
                if walking.get(oid) == now and volume >= leaves:
                    # The venue narrates a taker's walk one print at a time; our submit already walked it all.
                    counts["changed_taker_walk"] += 1
                elif leaves == volume:
                    counts["changed_as_our_matching"] += 1
                else:
                    counts["changed_corrected"] += 1
                    if volume == 0:
                        book.cancel(resting.order_id)
                    else:
                        book.replace(resting.order_id, resting.filled + volume, resting.price_ticks)
            elif our is not None:
                counts["changed_after_our_fill"] += 1
            else:
                counts["changed_not_live"] += 1

        else:
            recorded.remove(oid)
            if resting is not None:
                if price != resting.price_ticks:
                    quirks["deleted_at_another_price"] += 1
                book.cancel(resting.order_id)
                counts["deleted_cancelled" if volume > 0 else "deleted_filled_at_venue_only"] += 1
            elif oid in evicted:
                counts["deleted_evicted"] += 1
            elif our is not None:
                counts["deleted_after_our_fill"] += 1
                if volume > 0:
                    quirks["deleted_with_volume_after_our_fill"] += 1
            elif oid in skipped:
                counts["deleted_skipped"] += 1
            else:
                counts["deleted_unknown"] += 1

        if i == n - 1 or exchange_ms[i + 1] != now:
            checks += 1
            ours_top = (book.best_bid(), book.best_ask())
            feed_top = (recorded.best(True), recorded.best(False))
            if ours_top == feed_top:
                matches += 1
            elif len(mismatches) < keep_mismatches:
                mismatches.append((i, *ours_top, *feed_top))

    received = capture.received_ms
    quirks["received_time_backwards"] = int(np.count_nonzero(np.diff(received) < 0))
    recorded_fills: Counter[tuple[int, int, int, int]] = Counter(
        zip(
            np.where(trades.taker_buys, trades.sell_order_id, trades.buy_order_id).tolist(),
            np.where(trades.taker_buys, trades.buy_order_id, trades.sell_order_id).tolist(),
            trades.price_ticks.tolist(),
            trades.qty_lots.tolist(),
            strict=True,
        )
    )
    return ReplayReport(
        rows=n,
        counts=dict(counts),
        quirks=dict(quirks),
        checks=checks,
        matches=matches,
        recorded_trades=len(trades),
        our_fills=sum(fills.values()),
        fills_matched=sum((fills & recorded_fills).values()),
        quotes=sampler.quotes(),
        snapshots=sampler.snapshots(),
        mismatches=mismatches,
        fills_ours_only=sorted((fills - recorded_fills).elements()),
        fills_recorded_only=sorted((recorded_fills - fills).elements()),
    )


def _through(book: OrderBook, side: Side, price: int) -> list[int]:
    """Our ids of every order on `side` priced at or through `price` (bids >= price, asks <= price)."""
    out: list[int] = []
    for level, _ in _levels_through(book, side, price):
        out.extend(book.queue(side, level))
    return out


def _levels_through(book: OrderBook, side: Side, price: int) -> list[tuple[int, int]]:
    """The levels of `side` at or better than `price`, best first."""
    depth = 8
    while True:
        levels = book.top(side, depth)
        inside = [lvl for lvl in levels if (lvl[0] >= price if side is Side.BUY else lvl[0] <= price)]
        if len(inside) < len(levels) or len(levels) < depth:
            return inside
        depth *= 4


@dataclass
class _TakerPrints:
    """What the venue's prints say one taker did: the makers it hit, its worst price, its total quantity."""

    buys: bool
    makers: set[int]
    worst_price: int
    qty: int

    @staticmethod
    def collect(trades: RecordedTrades) -> dict[int, _TakerPrints]:
        """One entry per taker id of the recorded trades."""
        out: dict[int, _TakerPrints] = {}
        for buys, buy_id, sell_id, price, qty in zip(
            trades.taker_buys.tolist(),
            trades.buy_order_id.tolist(),
            trades.sell_order_id.tolist(),
            trades.price_ticks.tolist(),
            trades.qty_lots.tolist(),
            strict=True,
        ):
            taker, maker = (buy_id, sell_id) if buys else (sell_id, buy_id)
            seen = out.get(taker)
            if seen is None:
                out[taker] = _TakerPrints(buys, {maker}, price, qty)
                continue
            seen.makers.add(maker)
            seen.qty += qty
            seen.worst_price = max(seen.worst_price, price) if buys else min(seen.worst_price, price)
        return out

    def skipped_ahead(self, book: OrderBook, maker_side: Side, venue_of: list[int]) -> list[int]:
        """Our ids of resting orders the taker must have hit first had they been live, but did not."""
        stale: list[int] = []
        for level, _ in _levels_through(book, maker_side, self.worst_price):
            queue = book.queue(maker_side, level)
            hit = [k for k, order in enumerate(queue) if venue_of[order] in self.makers]
            # At the worst price the taker may stop part-way: only orders ahead of its last maker were skipped.
            ahead = queue if level != self.worst_price else queue[: hit[-1] if hit else 0]
            stale.extend(order for order in ahead if venue_of[order] not in self.makers)
        return stale


class _BookSampler:
    """Our book on a regular clock: quotes every QUOTE_INTERVAL_S, depth every SNAPSHOT_INTERVAL_S (as a Tape has)."""

    def __init__(self, start: float) -> None:
        self._next_quote = start
        self._next_snapshot = start
        self._quotes: list[tuple[float, float, float, int, int]] = []
        self._snapshots: list[tuple[float, int, int, float, int]] = []

    def before(self, now: float, book: OrderBook) -> None:
        """Record the book as it stood before `now` at every sampling time passed."""
        while self._next_quote < now:
            bid = book.top(Side.BUY, 1)
            ask = book.top(Side.SELL, 1)
            self._quotes.append(
                (
                    self._next_quote,
                    bid[0][0] * TICK_USD if bid else float("nan"),
                    ask[0][0] * TICK_USD if ask else float("nan"),
                    bid[0][1] if bid else 0,
                    ask[0][1] if ask else 0,
                )
            )
            self._next_quote += QUOTE_INTERVAL_S
        while self._next_snapshot < now:
            for sign, side in ((1, Side.BUY), (-1, Side.SELL)):
                for level, (price, qty) in enumerate(book.top(side, SNAPSHOT_LEVELS)):
                    self._snapshots.append((self._next_snapshot, sign, level, price * TICK_USD, qty))
            self._next_snapshot += SNAPSHOT_INTERVAL_S

    def quotes(self) -> Quotes:
        time, bid, ask, bid_qty, ask_qty = _columns(self._quotes, 5)
        return Quotes(
            time=np.array(time, dtype=np.float64),
            bid=np.array(bid, dtype=np.float64),
            ask=np.array(ask, dtype=np.float64),
            bid_qty=np.array(bid_qty, dtype=np.int64),
            ask_qty=np.array(ask_qty, dtype=np.int64),
        )

    def snapshots(self) -> Snapshots:
        time, side, level, price, qty = _columns(self._snapshots, 5)
        return Snapshots(
            time=np.array(time, dtype=np.float64),
            side=np.array(side, dtype=np.int8),
            level=np.array(level, dtype=np.int64),
            price=np.array(price, dtype=np.float64),
            qty=np.array(qty, dtype=np.int64),
        )


def _columns(rows: Sequence[tuple[float, ...]], width: int) -> list[list[float]]:
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]
