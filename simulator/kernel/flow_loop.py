"""The background flow and the matching loop, compiled: one call runs a symbol's market up to a time.

Four independent event sources share the book: noise takers' market orders (their own random stream, timed
by activity only, so paired runs with and without our metaorder see the same background takers), liquidity
providers' limit orders and cancels (queue-reactive: a thinned side refills faster), a one-second grid that
moves the fundamental price and the volatility/activity factor, and scheduled events (news jumps, our child
orders, quote and snapshot sampling). Market makers quote around a reference = fundamental × flow lean, pull
quotes the reference has moved through, and lean on the signed market volume they have seen: that reaction,
plus the liquidity our orders consume, is the price impact. Model and sources: simulator/FLOW_MODEL.md.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.kernel import matching
from simulator.kernel.book_state import F64, BookState
from simulator.kernel.flow_config import (
    P_ADV,
    P_CANCEL_HAZARD,
    P_CHILD_DT,
    P_CHILD_LOTS,
    P_CHILD_N,
    P_CHILD_SIDE,
    P_DAILY_VOL,
    P_FAST_WEIGHT,
    P_GRID,
    P_HALF_SPREAD,
    P_IMPACT_FLOOR,
    P_IMPACT_Y,
    P_INVENTORY_SCALE,
    P_JUMP_RATE,
    P_JUMP_SIGMA,
    P_LIMIT_MU,
    P_LIMIT_RATE,
    P_LOG_KEEP,
    P_LOT,
    P_MARKET_MU,
    P_MARKET_RATE,
    P_PULL_FRACTION,
    P_QUOTE_DT,
    P_RECORD_ORDERS,
    P_REFILL_BOOST,
    P_SESSION0,
    P_SIGMA_S,
    P_SIZE_SIGMA,
    P_SNAP_DT,
    P_SNAP_LEVELS,
    P_TARGET_COUNT,
    P_TAU_FAST,
    P_TAU_SLOW,
    P_TICK,
    P_VALUE_BIAS,
    P_VOL_ETA,
    P_VOL_TAU,
)
from simulator.kernel.jit import kernel
from simulator.kernel.layout import (
    ASK,
    BASE,
    BEST_BID,
    BID,
    COUNT_ASK,
    COUNT_BID,
    FLOW,
    FLOW_BID,
    FREE_COUNT,
    HEAD,
    NEXT,
    NFILL,
    NFLOW,
    NONE,
    OWNER,
    PRICE,
    SIDE,
    SIZE,
    WIDTH,
)
from simulator.kernel.recorder import C_CANCELS, C_LIMITS, C_MARKETS, C_ORDERS, C_QUOTES, C_SNAPS, Recorder

# Rows of the packed schedule (see `pack_schedule`).
S_TIMES, S_VOL, S_SPREAD, S_DEPTH_BID, S_DEPTH_ASK, S_ACTIVITY, S_DRIFT = range(7)

# The flow's running state (`state` array).
(
    X_T, X_LOGF, X_H, X_S_FAST, X_S_SLOW, X_T_MEMORY, X_T_MARKET, X_T_BOOK, X_T_GRID, X_T_QUOTE, X_T_SNAP,
    X_T_CHILD, X_CHILD_K, X_JUMP_I, X_BID_THRESHOLD, X_ASK_THRESHOLD, X_NEXT_OID, X_SEG, X_REF, X_CENTER,
    X_INVENTORY,
) = range(21)  # fmt: skip
X_LEN = 21

# What `run_flow` stopped for.
DONE, FULL, NEED_POOL, NEED_WINDOW = range(4)

OURS = 1
"""Owner code of our metaorder's children in the session runner."""

# tape.OrderKind codes
_LIMIT, _MARKET, _CANCEL = 0, 1, 2


@kernel
def segment_at(sched: F64, t: float) -> int:
    """Index of the schedule segment holding `t` seconds since the session start (0 before it)."""
    times = sched[S_TIMES]
    k = int(np.searchsorted(times, t, side="right")) - 1
    return max(k, 0)


@kernel
def flow_lean(p: F64, x: F64, vol_mult: float) -> float:
    """Log-price lean of market makers' fair value on the signed market volume they remember."""
    w = p[P_FAST_WEIGHT]
    s = w * x[X_S_FAST] + (1.0 - w) * x[X_S_SLOW]
    floor = p[P_IMPACT_FLOOR]
    size = math.sqrt((floor + abs(s)) / p[P_ADV]) - math.sqrt(floor / p[P_ADV])
    return math.copysign(p[P_IMPACT_Y] * p[P_DAILY_VOL] * vol_mult * size, s)


@kernel
def _buy_probability(p: F64, x: F64, sched: F64) -> float:
    # Value traders lean against the makers' flow lean: they sell into a price pushed above the fundamental.
    # Intermediaries among them trade their own net position back towards flat (their sides alone, never ours).
    prob = 0.5
    if p[P_INVENTORY_SCALE] > 0:
        prob -= 0.5 * math.tanh(x[X_INVENTORY] / (p[P_INVENTORY_SCALE] * _market_rate(p, x, sched)))
    lean = math.log(x[X_REF] * p[P_TICK]) - x[X_LOGF]
    scale = p[P_IMPACT_Y] * p[P_DAILY_VOL] * sched[S_VOL, int(x[X_SEG])] * 0.1
    if scale > 0:
        prob -= p[P_VALUE_BIAS] * math.tanh(lean / scale)
    return float(min(max(prob, 0.0), 1.0))


@kernel
def _remember(p: F64, x: F64, t: float, signed_qty: float) -> None:
    # Decay both memories to `t`, then add what just traded.
    dt = t - x[X_T_MEMORY]
    if dt > 0:
        x[X_S_FAST] *= math.exp(-dt / p[P_TAU_FAST])
        x[X_S_SLOW] *= math.exp(-dt / p[P_TAU_SLOW])
        x[X_T_MEMORY] = t
    x[X_S_FAST] += signed_qty
    x[X_S_SLOW] += signed_qty


@kernel
def remember_trade(p: F64, x: F64, t: float, signed_qty: float) -> None:
    """A client's order took `signed_qty` (+ bought, - sold) from the book at `t`: makers remember it like
    any market order, and their fair value leans on it at the next flow step."""
    _remember(p, x, max(t, x[X_T_MEMORY]), signed_qty)


@kernel
def _reference(p: F64, x: F64, sched: F64) -> float:
    seg = int(x[X_SEG])
    ref = math.exp(x[X_LOGF] + flow_lean(p, x, sched[S_VOL, seg])) / p[P_TICK]
    x[X_REF] = ref
    return float(ref)


@kernel
def _record_order(p: F64, rec: Recorder, t: float, kind: int, side: int, price: int, qty: int) -> None:
    if p[P_RECORD_ORDERS] > 0:
        n = rec.counts[C_ORDERS]
        rec.o_time[n] = t
        rec.o_vals[n, 0] = kind
        rec.o_vals[n, 1] = side
        rec.o_vals[n, 2] = price
        rec.o_vals[n, 3] = qty
        rec.counts[C_ORDERS] = n + 1


@kernel
def _touch(p: F64, x: F64, sched: F64, side: int) -> int:
    # Where market makers put their best quote on `side` around the reference.
    half = p[P_HALF_SPREAD] * sched[S_SPREAD, int(x[X_SEG])]
    if side == BID:
        return math.floor(float(x[X_REF] - half + 0.5))
    return math.floor(float(x[X_REF] + half + 0.5))


@kernel
def _quote(book: BookState, p: F64, x: F64, rec: Recorder, t: float, side: int, price: int, qty: int) -> None:
    # A background limit order, unless its price falls outside the book's window.
    if price > 0 and matching.in_window(book, price):
        oid = int(x[X_NEXT_OID])
        x[X_NEXT_OID] -= 1
        matching.submit(book, oid, FLOW, side, qty, price, True, t)
        rec.counts[C_LIMITS] += 1
        _record_order(p, rec, t, _LIMIT, side, price, qty)


@kernel
def _distance(p: F64, rng: np.random.Generator) -> int:
    # Ticks behind the touch: geometric, so depth decays away from the touch.
    if p[P_LOG_KEEP] == -math.inf:
        return 0
    return int(math.log(1.0 - rng.random()) / p[P_LOG_KEEP])


@kernel
def _move_level(book: BookState, p: F64, x: F64, sched: F64, rec: Recorder, rng: np.random.Generator, t: float,
                side: int, price: int) -> bool:  # fmt: skip
    # Market makers move their quotes at `price` back behind the new touch; client orders stay. True: any moved.
    slot = book.levels[side, price - book.meta[BASE], HEAD]
    touch = _touch(p, x, sched, side)
    step = -1 if side == BID else 1
    moved = False
    orders = book.orders
    while slot != NONE:
        nxt = orders[slot, NEXT]
        if orders[slot, OWNER] == FLOW:
            qty = matching.cancel(book, slot)
            rec.counts[C_CANCELS] += 1
            _record_order(p, rec, t, _CANCEL, side, price, qty)
            _quote(book, p, x, rec, t, side, touch + step * _distance(p, rng), qty)
            moved = True
        slot = nxt
    return moved


@kernel
def _pull_side(book: BookState, p: F64, x: F64, sched: F64, rec: Recorder, rng: np.random.Generator, t: float,
               side: int, threshold: int) -> None:  # fmt: skip
    # Quotes priced at or through `threshold` (bids >=, asks <=) are stale: re-quote them behind the touch.
    meta = book.meta
    while True:
        best = meta[BEST_BID + side]
        if best == NONE or (best < threshold if side == BID else best > threshold):
            return
        if not _move_level(book, p, x, sched, rec, rng, t, side, best) or meta[BEST_BID + side] == best:
            # Client orders at this level stay; quotes behind them are not stale from the reference's view.
            return


@kernel
def _requote(book: BookState, p: F64, x: F64, sched: F64, rec: Recorder, rng: np.random.Generator,
             t: float) -> None:  # fmt: skip
    # The reference moved: re-quote what it moved through, and follow it with the far side's best quotes.
    ref = _reference(p, x, sched)
    half = p[P_HALF_SPREAD] * sched[S_SPREAD, int(x[X_SEG])]
    band = max(min(half * p[P_PULL_FRACTION], half - 0.5), 0.0)
    bid_threshold = math.floor(ref - band) + 1
    ask_threshold = math.ceil(ref + band) - 1
    if bid_threshold < x[X_BID_THRESHOLD]:
        _pull_side(book, p, x, sched, rec, rng, t, BID, bid_threshold)
    if ask_threshold > x[X_ASK_THRESHOLD]:
        _pull_side(book, p, x, sched, rec, rng, t, ASK, ask_threshold)
    x[X_BID_THRESHOLD] = bid_threshold
    x[X_ASK_THRESHOLD] = ask_threshold
    lag = max(1.0, half)
    meta = book.meta
    for side in range(2):
        best = meta[BEST_BID + side]
        touch = _touch(p, x, sched, side)
        if best != NONE and (best < touch - lag if side == BID else best > touch + lag):
            _move_level(book, p, x, sched, rec, rng, t, side, best)


@kernel
def _size(rng: np.random.Generator, mu: float, sigma: float, lot: float) -> int:
    lots = round(math.exp(mu + sigma * rng.standard_normal()) / lot)
    return int(max(lots, 1) * lot)


@kernel
def _market_rate(p: F64, x: F64, sched: F64) -> float:
    return float(p[P_MARKET_RATE] * sched[S_ACTIVITY, int(x[X_SEG])] * _activity_factor(p, x))


@kernel
def _activity_factor(p: F64, x: F64) -> float:
    # exp(H) normalised to mean 1: busy and volatile periods come together.
    eta = p[P_VOL_ETA]
    return math.exp(x[X_H] + eta * eta / 2.0)


@kernel
def _side_limit_rate(book: BookState, p: F64, x: F64, sched: F64, side: int) -> float:
    depth = sched[S_DEPTH_BID + side, int(x[X_SEG])]
    target = p[P_TARGET_COUNT] * depth
    resting = book.meta[FLOW_BID + side]
    boost = 1.0 + p[P_REFILL_BOOST] * max(0.0, 1.0 - resting / target)
    return float(p[P_LIMIT_RATE] * depth * boost)


@kernel
def _book_rates(book: BookState, p: F64, x: F64, sched: F64) -> tuple[float, float, float]:
    scale = sched[S_ACTIVITY, int(x[X_SEG])] * _activity_factor(p, x)
    bid = _side_limit_rate(book, p, x, sched, BID) * scale
    ask = _side_limit_rate(book, p, x, sched, ASK) * scale
    cancel = p[P_CANCEL_HAZARD] * book.meta[NFLOW] * scale
    return bid, ask, cancel


@kernel
def _book_event(book: BookState, p: F64, x: F64, sched: F64, rec: Recorder, rng: np.random.Generator,
                t: float) -> None:  # fmt: skip
    # One liquidity provider event: a limit order on either side, or a cancel of a random flow order.
    bid, ask, cancel = _book_rates(book, p, x, sched)
    total = bid + ask + cancel
    pick = rng.random() * total
    if pick < bid + ask:
        side = BID if pick < bid else ASK
        step = -1 if side == BID else 1
        price = _touch(p, x, sched, side) + step * _distance(p, rng)
        _quote(book, p, x, rec, t, side, price, _size(rng, p[P_LIMIT_MU], p[P_SIZE_SIGMA], p[P_LOT]))
    elif book.meta[NFLOW] > 0:
        n = book.meta[NFLOW]
        index = min(int((pick - bid - ask) / cancel * n), n - 1)
        slot = book.flow[index]
        side = book.orders[slot, SIDE]
        price = book.orders[slot, PRICE]
        qty = matching.cancel(book, slot)
        rec.counts[C_CANCELS] += 1
        _record_order(p, rec, t, _CANCEL, side, price, qty)


@kernel
def _take(book: BookState, p: F64, x: F64, sched: F64, rec: Recorder, rng: np.random.Generator, t: float,
          side: int, qty: int, owner: int) -> None:  # fmt: skip
    # A market order; makers remember the signed volume it traded and re-quote.
    leaves = matching.match(book, side, qty, NONE, int(x[X_NEXT_OID]), owner, t)
    x[X_NEXT_OID] -= 1
    traded = qty - leaves
    _remember(p, x, t, float(traded if side == BID else -traded))
    _requote(book, p, x, sched, rec, rng, t)


@kernel
def _grid_step(book: BookState, p: F64, x: F64, sched: F64, jumps_t: F64, jumps_bps: F64, rec: Recorder,
               rng: np.random.Generator, rng_makers: np.random.Generator, t: float) -> None:  # fmt: skip
    # Move the fundamental and the volatility factor one grid step; apply scheduled news due by now.
    dt = p[P_GRID]
    x[X_SEG] = segment_at(sched, t - p[P_SESSION0])
    seg = int(x[X_SEG])
    vol_mult = sched[S_VOL, seg]
    eta = p[P_VOL_ETA]
    tau = p[P_VOL_TAU]
    x[X_H] += (-eta * eta - x[X_H]) * dt / tau + eta * math.sqrt(2.0 * dt / tau) * rng.standard_normal()
    sigma = p[P_SIGMA_S] * vol_mult * math.exp(x[X_H])
    step = sigma * math.sqrt(dt)
    x[X_LOGF] += step * rng.standard_normal() - step * step / 2.0 + sched[S_DRIFT, seg] * 1e-4 * dt / 3600.0
    if rng.random() < p[P_JUMP_RATE] * dt:
        x[X_LOGF] += p[P_JUMP_SIGMA] * vol_mult * rng.standard_normal()
    k = int(x[X_JUMP_I])
    while k < len(jumps_t) and p[P_SESSION0] + jumps_t[k] <= t:
        x[X_LOGF] += math.log1p(jumps_bps[k] * 1e-4)
        k += 1
    x[X_JUMP_I] = k
    _remember(p, x, t, 0.0)
    _requote(book, p, x, sched, rec, rng_makers, t)
    ref = x[X_REF]
    base = book.meta[BASE]
    margin = book.meta[WIDTH] // 8
    if ref - base < margin or base + book.meta[WIDTH] - ref < margin:
        x[X_CENTER] = ref


@kernel
def _sample_quote(book: BookState, rec: Recorder, t: float) -> None:
    n = rec.counts[C_QUOTES]
    meta = book.meta
    rec.q_time[n] = t
    for side in range(2):
        best = meta[BEST_BID + side]
        rec.q_vals[n, side] = best
        rec.q_vals[n, 2 + side] = 0 if best == NONE else book.levels[side, best - meta[BASE], SIZE]
    rec.counts[C_QUOTES] = n + 1


@kernel
def _sample_snapshot(book: BookState, p: F64, rec: Recorder, t: float) -> None:
    levels = int(p[P_SNAP_LEVELS])
    prices = np.empty(levels, dtype=np.int64)
    sizes = np.empty(levels, dtype=np.int64)
    for side in range(2):
        k = matching.top_levels(book, side, levels, prices, sizes)
        n = rec.counts[C_SNAPS]
        for i in range(k):
            rec.s_time[n + i] = t
            rec.s_vals[n + i, 0] = 1 - 2 * side
            rec.s_vals[n + i, 1] = i
            rec.s_vals[n + i, 2] = prices[i]
            rec.s_vals[n + i, 3] = sizes[i]
        rec.counts[C_SNAPS] = n + k


@kernel
def _child_qty(p: F64, k: int) -> int:
    n = int(p[P_CHILD_N])
    lots = int(p[P_CHILD_LOTS])
    return int((lots // n + (1 if k < lots % n else 0)) * p[P_LOT])


@kernel
def _room(book: BookState, p: F64, rec: Recorder) -> int:
    # Stop before an event could overrun a buffer: one event fills at most every resting order.
    meta = book.meta
    if meta[FREE_COUNT] < 2:
        return NEED_POOL
    if meta[NFILL] + meta[COUNT_BID] + meta[COUNT_ASK] + 2 > len(book.fills):
        return FULL
    if rec.counts[C_QUOTES] + 1 > len(rec.q_time) and p[P_QUOTE_DT] < math.inf:
        return FULL
    if rec.counts[C_SNAPS] + 2 * p[P_SNAP_LEVELS] > len(rec.s_time) and p[P_SNAP_DT] < math.inf:
        return FULL
    # A re-quote records a cancel and a new limit for every flow order it moves.
    if p[P_RECORD_ORDERS] > 0 and rec.counts[C_ORDERS] + 2 * meta[NFLOW] + 2 > len(rec.o_time):
        return FULL
    return DONE


@kernel
def run_flow(book: BookState, p: F64, x: F64, sched: F64, jumps_t: F64, jumps_bps: F64, rec: Recorder,
             rng_takers: np.random.Generator, rng_makers: np.random.Generator, rng_fundamental: np.random.Generator,
             until: float) -> int:  # fmt: skip
    """Run every event due at or before `until`; return DONE, or why it stopped early (state is kept)."""
    while True:
        if x[X_CENTER] > 0:
            return NEED_WINDOW
        status = _room(book, p, rec)
        if status != DONE:
            return status
        t_market, t_book, t_grid = x[X_T_MARKET], x[X_T_BOOK], x[X_T_GRID]
        t_quote, t_snap, t_child = x[X_T_QUOTE], x[X_T_SNAP], x[X_T_CHILD]
        t = min(t_market, t_book, t_grid, t_quote, t_snap, t_child)
        if t > until:
            x[X_T] = until
            return DONE
        x[X_T] = t
        if t == t_grid:
            _grid_step(book, p, x, sched, jumps_t, jumps_bps, rec, rng_fundamental, rng_makers, t)
            x[X_T_GRID] = t + p[P_GRID]
            # Rates changed: exponential clocks are memoryless, so both streams draw afresh.
            x[X_T_MARKET] = t + rng_takers.standard_exponential() / _market_rate(p, x, sched)
            bid, ask, cancel = _book_rates(book, p, x, sched)
            x[X_T_BOOK] = t + rng_makers.standard_exponential() / (bid + ask + cancel)
        elif t == t_market:
            side = BID if rng_takers.random() < _buy_probability(p, x, sched) else ASK
            qty = _size(rng_takers, p[P_MARKET_MU], p[P_SIZE_SIGMA], p[P_LOT])
            x[X_INVENTORY] += qty if side == BID else -qty
            _take(book, p, x, sched, rec, rng_makers, t, side, qty, FLOW)
            rec.counts[C_MARKETS] += 1
            _record_order(p, rec, t, _MARKET, side, NONE, qty)
            x[X_T_MARKET] = t + rng_takers.standard_exponential() / _market_rate(p, x, sched)
        elif t == t_book:
            _book_event(book, p, x, sched, rec, rng_makers, t)
            bid, ask, cancel = _book_rates(book, p, x, sched)
            x[X_T_BOOK] = t + rng_makers.standard_exponential() / (bid + ask + cancel)
        elif t == t_child:
            k = int(x[X_CHILD_K])
            _take(book, p, x, sched, rec, rng_makers, t, int(p[P_CHILD_SIDE]), _child_qty(p, k), OURS)
            x[X_CHILD_K] = k + 1
            x[X_T_CHILD] = t + p[P_CHILD_DT] if k + 1 < p[P_CHILD_N] else math.inf
        elif t == t_quote:
            _sample_quote(book, rec, t)
            x[X_T_QUOTE] = t + p[P_QUOTE_DT]
        else:
            _sample_snapshot(book, p, rec, t)
            x[X_T_SNAP] = t + p[P_SNAP_DT]
