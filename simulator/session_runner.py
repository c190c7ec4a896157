"""The fast in-process runner: one symbol's session, flow and matching compiled end to end, into a `Tape`.

Used for realism reports and paired impact runs (same seed with and without our metaorder). Same arguments
give the same tape, bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulator.instruments import SymbolSpec
from simulator.kernel.activity_profile import default_schedule
from simulator.kernel.book_state import F64, I64
from simulator.kernel.flow_config import FlowConfig
from simulator.kernel.flow_loop import OURS
from simulator.kernel.layout import BID, F_AGGRESSOR, F_MAKER_OWNER, F_PRICE, F_QTY, F_TAKER_OWNER, FILL_COLUMNS, NONE
from simulator.kernel.symbol_flow import ChildOrders, Recording, SymbolFlow
from simulator.order_book import OrderBook
from simulator.regime import RegimeSchedule
from simulator.tape import I8, OrderEvents, Quotes, Snapshots, Tape, Trades


@dataclass(frozen=True, slots=True)
class Metaorder:
    """Our order: `qty` (+1 buy / -1 sell `side`) as evenly spaced child market orders every `child_interval_s`
    over `duration_s`, the first `start_offset_s` after the session start; `jitter` j > 0 randomises it at the same
    pace: each child's size and the gap to the next drawn within +-j of the even ones."""

    side: int
    qty: int
    start_offset_s: float
    duration_s: float
    child_interval_s: float
    jitter: float = 0.0

    def __post_init__(self) -> None:
        if self.side not in (1, -1):
            raise ValueError(f"side must be +1 (buy) or -1 (sell), got {self.side}")
        if self.qty <= 0:
            raise ValueError(f"qty must be > 0, got {self.qty}")
        if not self.start_offset_s >= 0:
            raise ValueError(f"start_offset_s must be >= 0, got {self.start_offset_s}")
        if not 0 < self.child_interval_s <= self.duration_s:
            raise ValueError(f"need 0 < child_interval_s <= duration_s, got {self.child_interval_s}")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"jitter must be in [0, 1), got {self.jitter}")

    def children(self, spec: SymbolSpec, session_start: float) -> ChildOrders:
        """The child orders on `spec`'s lot grid; fewer lots than slots spread the lots evenly over the duration."""
        if self.qty % spec.lot_size:
            raise ValueError(f"qty {self.qty} is not a multiple of the lot size {spec.lot_size}")
        lots = self.qty // spec.lot_size
        slots = max(1, math.floor(self.duration_s / self.child_interval_s + 1e-9))
        if lots >= slots:
            return ChildOrders(self.side, lots, slots, session_start + self.start_offset_s, self.child_interval_s,
                               self.jitter)
        return ChildOrders(self.side, lots, lots, session_start + self.start_offset_s, self.duration_s / lots,
                           self.jitter)


def simulate_session(
    spec: SymbolSpec,
    schedule: RegimeSchedule | None,
    seed: int | np.random.SeedSequence,
    start: float,
    duration_s: float,
    *,
    metaorder: Metaorder | None = None,
    quote_interval_s: float = 1.0,
    snapshot_interval_s: float = 60.0,
    snapshot_levels: int = 10,
    record_orders: bool = False,
    warmup_s: float = 300.0,
    config: FlowConfig | None = None,
) -> Tape:
    """Simulate `duration_s` seconds of `spec` from epoch `start` (schedule time 0) after a `warmup_s` warm-up.

    `schedule` None is `default_schedule(spec)`: calm, with the session's intraday activity profile.
    """
    if not duration_s > 0:
        raise ValueError(f"duration_s must be > 0, got {duration_s}")
    if not (quote_interval_s > 0 and snapshot_interval_s > 0 and warmup_s >= 0):
        raise ValueError("quote and snapshot intervals must be > 0 and warmup_s >= 0")
    book = OrderBook(spec.symbol, spec.lot_size, center_ticks=spec.ref_ticks)
    recording = Recording(start, quote_interval_s, snapshot_interval_s, snapshot_levels, record_orders)
    children = metaorder.children(spec, start) if metaorder is not None else None
    seeds = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    flow = SymbolFlow(spec, seeds, start - warmup_s, start, config,
                      schedule if schedule is not None else default_schedule(spec), recording, children)  # fmt: skip
    end = start + duration_s
    batches = flow.run(book, end)
    times = np.concatenate([np.zeros(0)] + [b.time for b in batches])
    rows = np.concatenate([np.zeros((0, FILL_COLUMNS), dtype=np.int64)] + [b.rows for b in batches])
    keep = times >= start
    return Tape(
        symbol=spec.symbol,
        start=start,
        end=end,
        quote_interval_s=quote_interval_s,
        snapshot_interval_s=snapshot_interval_s,
        trades=_trades(spec, times[keep], rows[keep]),
        quotes=_quotes(spec, *_joined(flow.quote_chunks)),
        snapshots=_snapshots(spec, *_joined(flow.snapshot_chunks)),
        orders=_orders(spec, *_joined(flow.order_chunks)) if record_orders else None,
    )


def _joined(chunks: list[tuple[F64, I64]]) -> tuple[F64, I64]:
    if not chunks:
        return np.zeros(0), np.zeros((0, 4), dtype=np.int64)
    return np.concatenate([c[0] for c in chunks]), np.concatenate([c[1] for c in chunks])


def _prices(spec: SymbolSpec, ticks: I64) -> F64:
    prices = np.round(ticks * spec.tick_size, spec.price_decimals)
    return np.where(ticks == NONE, np.nan, prices)


def _signs(sides: I64) -> I8:
    return np.where(sides == BID, 1, -1).astype(np.int8)


def _trades(spec: SymbolSpec, times: F64, rows: I64) -> Trades:
    ours = (rows[:, F_MAKER_OWNER] == OURS) | (rows[:, F_TAKER_OWNER] == OURS)
    return Trades(times, _prices(spec, rows[:, F_PRICE]), rows[:, F_QTY].copy(), _signs(rows[:, F_AGGRESSOR]), ours)


def _quotes(spec: SymbolSpec, times: F64, vals: I64) -> Quotes:
    return Quotes(times, _prices(spec, vals[:, 0]), _prices(spec, vals[:, 1]), vals[:, 2].copy(), vals[:, 3].copy())


def _snapshots(spec: SymbolSpec, times: F64, vals: I64) -> Snapshots:
    return Snapshots(times, vals[:, 0].astype(np.int8), vals[:, 1].copy(), _prices(spec, vals[:, 2]), vals[:, 3].copy())


def _orders(spec: SymbolSpec, times: F64, vals: I64) -> OrderEvents:
    kinds = vals[:, 0].astype(np.int8)
    return OrderEvents(times, kinds, _signs(vals[:, 1]), _prices(spec, vals[:, 2]), vals[:, 3].copy())
