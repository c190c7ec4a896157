"""One symbol's compiled background flow as a Python object: its parameters, random streams and running state.

`run(book, until)` drives the compiled loop to `until`, growing the pool, moving the price window and
emptying full buffers between calls; the same object serves the wall-clock market and the session runner.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulator.instruments import SymbolSpec
from simulator.kernel import fundamental, institutions, latent_book, predators
from simulator.kernel.book_state import F64, I64
from simulator.kernel.flow_config import (
    P_CHILD_DT,
    P_CHILD_JITTER,
    P_CHILD_LOTS,
    P_CHILD_N,
    P_CHILD_SIDE,
    P_FUND_STEPS,
    P_GRID,
    P_INST_CHILD_DT,
    P_INST_CHILD_MEAN,
    P_INST_RATE,
    P_LOT,
    P_NEWS_LEAD,
    P_NEWS_PROB,
    P_NEWS_QTY,
    P_PREDATOR,
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
    X_CHILD_LEFT,
    X_CHILD_RNG,
    X_H,
    X_H_MID,
    X_H_SLOW,
    X_INST_ROW,
    X_LATENT,
    X_LEN,
    X_LOGF,
    X_NEXT_OID,
    X_REF,
    X_T,
    X_T_ARRIVE,
    X_T_BOOK,
    X_T_CHILD,
    X_T_GRID,
    X_T_INST,
    X_T_MARKET,
    X_T_PRED,
    X_T_QUOTE,
    X_T_SNAP,
    remember_trade,
    run_flow,
    watch_print,
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
from simulator.regime import Participants, RegimeSchedule

_CHUNK = 65_536
# How far back metaorders still working at the start may have begun.
_BURN_IN_S = 86_400.0


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
    """`count` evenly spaced market orders of `side` (+1 buy, -1 sell) from `start`, `lots` lots in all; with
    `jitter` j > 0 each child's size and the gap to the next are drawn within +-j of the even ones."""

    side: int
    lots: int
    count: int
    start: float
    interval_s: float
    jitter: float = 0.0


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
        schedule = schedule or RegimeSchedule.calm()
        self.spec = spec
        self.params = pack_params(spec, config, session_start)
        self.sched, self.jump_times, self.jump_bps = pack_schedule(schedule)
        self.session_start = session_start
        # Institutions and informed traders draw from their own streams (the first three are as before).
        takers, makers, fund_rng, inst, news = (np.random.default_rng(s) for s in seed.spawn(5))
        self._rngs = (takers, makers, fund_rng, inst, news)
        self._participants(schedule.participants)
        self.institutions = np.zeros((institutions.SLOTS, institutions.I_COLUMNS), dtype=np.float64)
        self.predators = np.zeros((2, predators.ROWS, predators.R_COLUMNS), dtype=np.float64)
        self._jitter_seed = float(seed.generate_state(1)[0] % 2**31)
        x = np.zeros(X_LEN, dtype=np.float64)
        x[X_T] = x[X_T_GRID] = x[X_LATENT + latent_book.L_T] = start
        x[X_T_MARKET] = x[X_T_BOOK] = x[X_T_CHILD] = x[X_T_QUOTE] = x[X_T_SNAP] = math.inf
        x[X_T_ARRIVE] = x[X_T_INST] = x[X_T_PRED] = math.inf
        x[X_INST_ROW] = -1
        x[X_LOGF] = math.log(spec.ref_price)
        x[X_REF] = spec.ref_ticks
        share = config.vol_eta**2 / 3.0
        for k in (X_H, X_H_MID, X_H_SLOW):
            x[k] = -share + math.sqrt(share) * fund_rng.standard_normal()
        # The fundamental's path is drawn an hour ahead (`fundamental`): the first hour now.
        steps = int(self.params[P_FUND_STEPS])
        self.fund = np.zeros((fundamental.F_ROWS, steps), dtype=np.float64)
        for k in range(steps):
            fundamental.draw(self.params, x[X_H:X_H_SLOW + 1], self.sched, self.fund, fund_rng, k,
                             start + k * self.params[P_GRID])
        x[X_BID_THRESHOLD], x[X_ASK_THRESHOLD] = math.inf, -math.inf
        x[X_NEXT_OID] = -1
        self.state = x
        self._working_metaorders(start, inst)
        self._scheduled_metaorders(schedule.participants.scheduled_flows)
        row, when = institutions.next_child(self.institutions)
        x[X_INST_ROW], x[X_T_INST] = row, when
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
        """Market makers' fair value now (where the remaining latent liquidity begins), as a price."""
        return float(self.state[X_REF] * self.params[P_TICK])

    def run(self, book: OrderBook, until: float) -> list[FillBatch]:
        """Run the flow on `book` up to `until`; return the trades it made, oldest first."""
        batches: list[FillBatch] = []
        while True:
            takers, makers, fund_rng, inst, news = self._rngs
            status = run_flow(book.state, self.params, self.state, self.sched, self.jump_times, self.jump_bps,
                              self.recorder, self.fund, self.institutions, self.predators, takers, makers,
                              fund_rng, inst, news,
                              until)  # fmt: skip
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

    def client_traded(self, t: float, buy: bool, printed: int, from_background: int) -> None:
        """A client's market or marketable order printed `printed` units at `t` (`buy`: it was a buy), of which it
        took `from_background` from the background's liquidity: that consumed latent liquidity exactly as the flow's
        own takers do, and predators saw the print like any other."""
        remember_trade(self.params, self.state, t, float(from_background if buy else -from_background))
        watch_print(self.params, self.state, self.predators, BID if buy else 1, printed, t)

    def events(self) -> tuple[int, int, int]:
        """Background limit orders, market orders and cancels processed so far."""
        counts = self.recorder.counts
        return int(counts[C_LIMITS]), int(counts[C_MARKETS]), int(counts[C_CANCELS])

    def _working_metaorders(self, start: float, rng: np.random.Generator) -> None:
        # The market did not begin at `start`: metaorders that arrived in the day before and are still working
        # (at calm pace, children of the mean market size) carry on from where they would be.
        p = self.params
        rate = p[P_INST_RATE]
        if rate <= 0:
            return
        gap = p[P_INST_CHILD_DT]
        for age in np.cumsum(rng.standard_exponential(int(rate * _BURN_IN_S * 2) + 16) / rate):
            if age > _BURN_IN_S:
                break
            qty = institutions.parent_size(p, rng)
            duration = institutions.duration(p, qty, p[P_INST_CHILD_MEAN])
            if age < duration:
                remaining = math.ceil(qty * (1.0 - age / duration) / p[P_LOT]) * p[P_LOT]
                side = 0 if rng.random() < 0.5 else 1
                if not institutions.start(self.institutions, start + rng.standard_exponential() * gap, side,
                                          int(remaining), gap, False):
                    break

    def _scheduled_metaorders(self, flows: tuple[tuple[float, float, int, int], ...]) -> None:
        # Selling (or buying) the scenario schedules: worked evenly from its start to its end, like an institution.
        p = self.params
        for start_s, duration_s, side, qty in flows:
            lots = max(round(qty / p[P_LOT]), 1)
            gap = duration_s / max(lots * p[P_LOT] / p[P_INST_CHILD_MEAN], 1.0)
            institutions.start(self.institutions, self.session_start + start_s, BID if side > 0 else 1,
                               int(lots * p[P_LOT]), gap, True)

    def _participants(self, who: Participants) -> None:
        p = self.params
        p[P_NEWS_PROB] = who.informed_probability
        p[P_NEWS_LEAD] = who.informed_lead_s
        p[P_NEWS_QTY] = who.informed_size_adv * self.spec.adv
        p[P_PREDATOR] = who.predator_strength

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
        p[P_CHILD_JITTER] = children.jitter
        self.state[X_T_CHILD] = children.start
        self.state[X_CHILD_LEFT] = children.lots
        self.state[X_CHILD_RNG] = self._jitter_seed

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
