"""One symbol's compiled background flow as a Python object: its parameters, random streams and running state.

`run(book, until)` drives the compiled loop to `until`, growing the pool, moving the price window and
emptying full buffers between calls; the same object serves the wall-clock market and the session runner.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulator.instruments import SymbolSpec
from simulator.kernel.book_state import F64, I64
from simulator.kernel.flow_config import (
    P_CHILD_DT,
    P_CHILD_LOTS,
    P_CHILD_N,
    P_CHILD_SIDE,
    P_QUOTE_DT,
    P_RECORD_ORDERS,
    P_SNAP_DT,
    P_SNAP_LEVELS,
    P_TICK,
    FlowConfig,
    pack_params,
)
from simulator.kernel.flow_loop import (
    DONE,
    NEED_POOL,
    NEED_WINDOW,
    X_ASK_THRESHOLD,
    X_BID_THRESHOLD,
    X_CENTER,
    X_H,
    X_LEN,
    X_LOGF,
    X_NEXT_OID,
    X_REF,
    X_T,
    X_T_BOOK,
    X_T_CHILD,
    X_T_GRID,
    X_T_MARKET,
    X_T_MEMORY,
    X_T_QUOTE,
    X_T_SNAP,
    remember_trade,
    run_flow,
)
from simulator.kernel.layout import BID
from simulator.kernel.recorder import (
    C_CANCELS,
    C_LIMITS,
    C_MARKETS,
    C_ORDERS,
    C_QUOTES,
    C_SNAPS,
    Recorder,
    new_recorder,
)
from simulator.order_book import FillBatch, OrderBook
from simulator.regime import RegimeSchedule

_CHUNK = 65_536


@dataclass(frozen=True, slots=True)
class Recording:
    """What to sample into a tape (intervals in seconds; inf: not at all) from `from_time` on."""

    from_time: float
    quote_interval_s: float = math.inf
    snapshot_interval_s: float = math.inf
    snapshot_levels: int = 10
    orders: bool = False


@dataclass(frozen=True, slots=True)
class ChildOrders:
    """`count` evenly spaced market orders of `side` (+1 buy, -1 sell) from `start`, `lots` lots in all."""

    side: int
    lots: int
    count: int
    start: float
    interval_s: float


def pack_schedule(schedule: RegimeSchedule) -> tuple[F64, F64, F64]:
    """The schedule as the compiled loop reads it: a (7 × segments) array, jump times and jump sizes."""
    rows = np.vstack([
        schedule.times, schedule.vol_mult, schedule.spread_mult, schedule.depth_mult_bid, schedule.depth_mult_ask,
        schedule.activity_mult, schedule.drift_bps_per_hour,
    ]).astype(np.float64)  # fmt: skip
    order = np.argsort(schedule.jump_times, kind="stable")
    return (
        np.ascontiguousarray(rows),
        np.ascontiguousarray(schedule.jump_times[order], dtype=np.float64),
        np.ascontiguousarray(schedule.jump_bps[order], dtype=np.float64),
    )


class SymbolFlow:
    """The background flow of one symbol from `start` on; schedule times count from `session_start`."""

    def __init__(
        self,
        spec: SymbolSpec,
        seed: np.random.SeedSequence,
        start: float,
        session_start: float,
        config: FlowConfig | None = None,
        schedule: RegimeSchedule | None = None,
        recording: Recording | None = None,
        children: ChildOrders | None = None,
    ) -> None:
        config = config or FlowConfig()
        self.spec = spec
        self.params = pack_params(spec, config, session_start)
        self.sched, self.jump_times, self.jump_bps = pack_schedule(schedule or RegimeSchedule.calm())
        takers, makers, fundamental = (np.random.default_rng(s) for s in seed.spawn(3))
        self._rngs = (takers, makers, fundamental)
        x = np.zeros(X_LEN, dtype=np.float64)
        x[X_T] = x[X_T_GRID] = x[X_T_MEMORY] = start
        x[X_T_MARKET] = x[X_T_BOOK] = x[X_T_CHILD] = x[X_T_QUOTE] = x[X_T_SNAP] = math.inf
        x[X_LOGF] = math.log(spec.ref_price)
        x[X_REF] = spec.ref_ticks
        x[X_H] = -(config.vol_eta**2) + config.vol_eta * fundamental.standard_normal()
        x[X_BID_THRESHOLD], x[X_ASK_THRESHOLD] = math.inf, -math.inf
        x[X_NEXT_OID] = -1
        self.state = x
        self._recording = recording
        if recording is not None:
            self._record(recording)
        if children is not None:
            self._schedule_children(children)
        self.recorder: Recorder = new_recorder(
            _CHUNK if x[X_T_QUOTE] < math.inf else 0,
            _CHUNK if x[X_T_SNAP] < math.inf else 0,
            _CHUNK if recording is not None and recording.orders else 0,
        )
        self.quote_chunks: list[tuple[F64, I64]] = []
        self.snapshot_chunks: list[tuple[F64, I64]] = []
        self.order_chunks: list[tuple[F64, I64]] = []

    @property
    def time(self) -> float:
        """Where the flow's clock stands."""
        return float(self.state[X_T])

    @property
    def fundamental(self) -> float:
        """The fundamental price now."""
        return math.exp(self.state[X_LOGF])

    @property
    def reference(self) -> float:
        """Market makers' fair value now (fundamental leaned on the order flow they have seen), as a price."""
        return float(self.state[X_REF] * self.params[P_TICK])

    def run(self, book: OrderBook, until: float) -> list[FillBatch]:
        """Run the flow on `book` up to `until`; return the trades it made, oldest first."""
        batches: list[FillBatch] = []
        while True:
            status = run_flow(book.state, self.params, self.state, self.sched, self.jump_times, self.jump_bps,
                              self.recorder, *self._rngs, until)  # fmt: skip
            batch = book.take_fills()
            if len(batch.time):
                batches.append(batch)
            self._keep_records()
            if status == DONE:
                return batches
            if status == NEED_POOL:
                book.grow()
            elif status == NEED_WINDOW:
                book.recenter(int(self.state[X_CENTER]))
                self.state[X_CENTER] = 0.0

    def client_traded(self, t: float, signed_qty: int) -> None:
        """A client order took liquidity: the makers react to it exactly as to the flow's own takers."""
        remember_trade(self.params, self.state, t, float(signed_qty))

    def events(self) -> tuple[int, int, int]:
        """Background limit orders, market orders and cancels processed so far."""
        counts = self.recorder.counts
        return int(counts[C_LIMITS]), int(counts[C_MARKETS]), int(counts[C_CANCELS])

    def _record(self, recording: Recording) -> None:
        p, x = self.params, self.state
        p[P_QUOTE_DT] = recording.quote_interval_s
        p[P_SNAP_DT] = recording.snapshot_interval_s
        p[P_SNAP_LEVELS] = recording.snapshot_levels
        p[P_RECORD_ORDERS] = 1.0 if recording.orders else 0.0
        if recording.quote_interval_s < math.inf:
            x[X_T_QUOTE] = recording.from_time
        if recording.snapshot_interval_s < math.inf:
            x[X_T_SNAP] = recording.from_time

    def _schedule_children(self, children: ChildOrders) -> None:
        p = self.params
        p[P_CHILD_N] = children.count
        p[P_CHILD_DT] = children.interval_s
        p[P_CHILD_LOTS] = children.lots
        p[P_CHILD_SIDE] = BID if children.side > 0 else 1
        self.state[X_T_CHILD] = children.start

    def _keep_records(self) -> None:
        rec = self.recorder
        counts = rec.counts
        for count, times, values, chunks in (
            (C_QUOTES, rec.q_time, rec.q_vals, self.quote_chunks),
            (C_SNAPS, rec.s_time, rec.s_vals, self.snapshot_chunks),
            (C_ORDERS, rec.o_time, rec.o_vals, self.order_chunks),
        ):
            n = int(counts[count])
            if n:
                chunks.append((times[:n].copy(), values[:n].copy()))
                counts[count] = 0
