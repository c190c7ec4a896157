"""The fundamental (efficient) price, drawn ahead of time so that informed traders can know its future.

Log random walk on a grid with stochastic volatility (log-vol the sum of three OU factors, several time scales so
that |r| stays autocorrelated over hours: Cont 2001; Borland & Bouchaud's multi-timescale volatility), a drift
from the schedule, and Poisson news jumps. Each grid step's move is drawn `P_FUND_STEPS` steps before it is
applied, into a ring buffer: the market still sees it only when its time comes; an informed trader may read
what lies ahead (`ahead`, `jump_ahead`). Drawing ahead consumes the same random stream in the same order
whatever the clients do, so paired runs share the fundamental path.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.kernel.book_state import F64
from simulator.kernel.flow_config import (
    P_FUND_STEPS,
    P_GRID,
    P_JUMP_RATE,
    P_JUMP_SIGMA,
    P_SESSION0,
    P_SIGMA_S,
    P_VOL_ETA,
    P_VOL_TAU,
    P_VOL_TAU_MID,
    P_VOL_TAU_SLOW,
)
from simulator.kernel.jit import kernel

# Rows of the ring buffer: the diffusive move (drift included), the random jump (0: none), the log-vol.
F_MOVE, F_JUMP, F_LOGVOL = range(3)
F_ROWS = 3

# Schedule rows used here (flow_loop's S_TIMES, S_VOL and S_DRIFT).
_S_TIMES, _S_VOL, _S_DRIFT = 0, 1, 6


@kernel
def _segment(sched: F64, t: float) -> int:
    k = int(np.searchsorted(sched[_S_TIMES], t, side="right")) - 1
    return max(k, 0)


@kernel
def draw(p: F64, h: F64, sched: F64, fund: F64, rng: np.random.Generator, step: int, t: float) -> None:
    """Draw grid step `step` (at epoch `t`) into its ring slot; `h` holds the three log-vol factors, moved on."""
    dt = p[P_GRID]
    seg = _segment(sched, t - p[P_SESSION0])
    vol_mult = sched[_S_VOL, seg]
    # Three log-vol factors share eta^2: each OU with mean -eta^2/3, so exp(2 H) has mean one.
    share = p[P_VOL_ETA] * p[P_VOL_ETA] / 3.0
    for k in range(3):
        tau = p[P_VOL_TAU] if k == 0 else (p[P_VOL_TAU_MID] if k == 1 else p[P_VOL_TAU_SLOW])
        a = min(dt / tau, 1.0)
        h[k] += (-share - h[k]) * a + math.sqrt(2.0 * share * a) * rng.standard_normal()
    log_vol = h[0] + h[1] + h[2]
    sigma = p[P_SIGMA_S] * vol_mult * math.exp(log_vol)
    move = sigma * math.sqrt(dt)
    slot = step % int(p[P_FUND_STEPS])
    fund[F_MOVE, slot] = move * rng.standard_normal() - move * move / 2.0 + sched[_S_DRIFT, seg] * 1e-4 * dt / 3600.0
    fund[F_JUMP, slot] = 0.0
    if rng.random() < p[P_JUMP_RATE] * dt:
        fund[F_JUMP, slot] = p[P_JUMP_SIGMA] * vol_mult * rng.standard_normal()
    fund[F_LOGVOL, slot] = log_vol


@kernel
def ahead(p: F64, fund: F64, step: int, steps: int) -> float:
    """The fundamental's log move over the `steps` grid steps from `step` on (at most the buffer's length)."""
    n = int(p[P_FUND_STEPS])
    total = 0.0
    for k in range(step, step + min(steps, n)):
        total += fund[F_MOVE, k % n] + fund[F_JUMP, k % n]
    return total


@kernel
def jump_ahead(p: F64, fund: F64, step: int) -> float:
    """The random jump drawn for grid step `step` (0: none); `step` must lie within the buffer."""
    return float(fund[F_JUMP, step % int(p[P_FUND_STEPS])])
