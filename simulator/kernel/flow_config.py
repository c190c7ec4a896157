"""Parameters of the background order flow, and their packing into the array the compiled loop reads.

See `simulator/FLOW_MODEL.md` for the model, the stylized facts it targets, and where each value comes from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from simulator.instruments import SymbolSpec
from simulator.kernel.book_state import F64

# The top-10 book depth in SymbolSpec is what liquidity providers calibrate against.
CALIBRATION_LEVELS = 10


@dataclass(frozen=True, slots=True)
class FlowConfig:
    """Shape of the background flow shared by all symbols (rates and levels come from each SymbolSpec).

    Liquidity providers: `order_lifetime` s mean resting time, `level_decay` share joining the touch (the rest
    step back a geometric number of ticks), quotes within `pull_fraction` of the half-spread of their reference
    are pulled, and a side below its usual order count is refilled up to `refill_boost` times faster.
    Noise takers: lognormal sizes (`size_sigma`), market orders `market_size_ratio` of the typical size.
    Fundamental: log random walk with stochastic volatility (log-OU, `vol_eta`, `vol_tau_s`) and Poisson news
    jumps (`jump_rate_per_hour`, carrying `jump_var_share` of the variance). Market makers' fair value leans on
    the signed market-order volume they have seen: `impact_y` σ_daily √(|S|/ADV), S a mix of a fast
    (`memory_fast_s`, weight `memory_fast_weight`) and a slow (`memory_slow_s`) exponential memory. Value
    traders among the takers lean against that: P(buy) = 1/2 - `value_bias` tanh(lean / lean at 1% of ADV).
    Noise takers are intermediaries: their own net position I mean-reverts, P(buy) also falls by
    tanh(I / I₀)/2 with I₀ their mean volume over `taker_reversion_s` (0 switches it off).
    """

    order_lifetime: float = 10.0
    level_decay: float = 0.15
    refill_boost: float = 4.0
    size_sigma: float = 0.8
    market_size_ratio: float = 0.5
    pull_fraction: float = 0.5
    vol_eta: float = 0.4
    # 10 min: long enough that |r| clusters over 1-10 min, short enough that the volatility factor averages out
    # within 15 min, so kurtosis falls 1 -> 5 -> 15 min (at 1800 s it stayed flat from 5 to 15 min on ACME).
    vol_tau_s: float = 600.0
    jump_rate_per_hour: float = 4.0
    jump_var_share: float = 0.2
    impact_y: float = 0.8
    # 3e-5 (was 2e-4): under one typical market order; a larger floor made small metaorders' impact linear.
    impact_floor_adv: float = 3e-5
    memory_fast_s: float = 900.0
    memory_slow_s: float = 28_800.0
    # 0.8 (was 0.6, then 0.7): the share of the lean that decays within the hour after a metaorder (FLOW_MODEL.md).
    memory_fast_weight: float = 0.8
    value_bias: float = 0.0
    # Noise takers are intermediaries whose net position mean-reverts over this many seconds (0: i.i.d. sides).
    taker_reversion_s: float = 120.0
    grid_s: float = 1.0

    def __post_init__(self) -> None:
        positive = ("order_lifetime", "vol_tau_s", "memory_fast_s", "memory_slow_s", "grid_s", "market_size_ratio")
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        non_negative = (
            "value_bias", "taker_reversion_s", "refill_boost", "size_sigma", "vol_eta", "jump_rate_per_hour",
            "impact_y", "impact_floor_adv",
        )  # fmt: skip
        for name in non_negative:
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if not 0 < self.level_decay <= 1:
            raise ValueError(f"level_decay must be in (0, 1], got {self.level_decay}")
        if not 0 <= self.pull_fraction < 1:
            raise ValueError(f"pull_fraction must be in [0, 1), got {self.pull_fraction}")
        if not self.value_bias <= 0.5:
            raise ValueError(f"value_bias must be <= 0.5, got {self.value_bias}")
        for name in ("jump_var_share", "memory_fast_weight"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        for f in fields(self):
            if not math.isfinite(getattr(self, f.name)):
                raise ValueError(f"{f.name} must be finite")


# Indices of the packed parameter array.
(
    P_TICK, P_LOT, P_HALF_SPREAD, P_PULL_FRACTION, P_LOG_KEEP, P_LIMIT_RATE, P_CANCEL_HAZARD, P_MARKET_RATE,
    P_LIMIT_MU, P_MARKET_MU, P_SIZE_SIGMA, P_REFILL_BOOST, P_TARGET_COUNT, P_SIGMA_S, P_JUMP_RATE, P_JUMP_SIGMA,
    P_VOL_ETA, P_VOL_TAU, P_IMPACT_Y, P_ADV, P_IMPACT_FLOOR, P_TAU_FAST, P_TAU_SLOW, P_FAST_WEIGHT, P_DAILY_VOL,
    P_GRID, P_SESSION0, P_QUOTE_DT, P_SNAP_DT, P_SNAP_LEVELS, P_RECORD_ORDERS,
    P_CHILD_N, P_CHILD_DT, P_CHILD_START, P_CHILD_LOTS, P_CHILD_SIDE, P_VALUE_BIAS,
    P_INVENTORY_SCALE,
) = range(38)  # fmt: skip
P_LEN = 38


def pack_params(spec: SymbolSpec, config: FlowConfig, session_start: float) -> F64:
    """The flow's parameters for one symbol as the compiled loop reads them (recording and metaorder off)."""
    p = np.zeros(P_LEN, dtype=np.float64)
    # Equilibrium: resting orders per side = arrival rate x lifetime, and the top 10 levels hold a
    # 1 - (1 - q)^10 share of them when distances from the touch are geometric.
    side_units = spec.book_depth / (1.0 - (1.0 - config.level_decay) ** CALIBRATION_LEVELS)
    hazard = 1.0 / config.order_lifetime
    market_mean = max(spec.typical_order_size * config.market_size_ratio, float(spec.lot_size))
    sigma = config.size_sigma
    p[P_TICK] = spec.tick_size
    p[P_LOT] = spec.lot_size
    p[P_HALF_SPREAD] = spec.base_spread_bps * 1e-4 * spec.ref_price / spec.tick_size / 2.0
    p[P_PULL_FRACTION] = config.pull_fraction
    p[P_LOG_KEEP] = math.log(1.0 - config.level_decay) if config.level_decay < 1 else -math.inf
    p[P_TARGET_COUNT] = side_units / spec.typical_order_size
    p[P_LIMIT_RATE] = p[P_TARGET_COUNT] * hazard
    p[P_CANCEL_HAZARD] = hazard
    p[P_MARKET_RATE] = spec.adv / spec.session_seconds / market_mean
    p[P_LIMIT_MU] = math.log(spec.typical_order_size) - sigma * sigma / 2.0
    p[P_MARKET_MU] = math.log(market_mean) - sigma * sigma / 2.0
    p[P_SIZE_SIGMA] = sigma
    p[P_REFILL_BOOST] = config.refill_boost
    variance_per_s = spec.daily_vol**2 / spec.session_seconds
    p[P_SIGMA_S] = math.sqrt(variance_per_s * (1.0 - config.jump_var_share))
    p[P_JUMP_RATE] = config.jump_rate_per_hour / 3600.0
    if config.jump_rate_per_hour > 0:
        p[P_JUMP_SIGMA] = math.sqrt(variance_per_s * config.jump_var_share / p[P_JUMP_RATE])
    p[P_VOL_ETA] = config.vol_eta
    p[P_VOL_TAU] = config.vol_tau_s
    p[P_IMPACT_Y] = config.impact_y
    p[P_ADV] = spec.adv
    p[P_IMPACT_FLOOR] = config.impact_floor_adv * spec.adv
    p[P_TAU_FAST] = config.memory_fast_s
    p[P_TAU_SLOW] = config.memory_slow_s
    p[P_FAST_WEIGHT] = config.memory_fast_weight
    p[P_DAILY_VOL] = spec.daily_vol
    p[P_VALUE_BIAS] = config.value_bias
    # Takers' net position at which they only trade back, per unit of market-order rate: their mean order size
    # times `taker_reversion_s`, so a position relaxes over about that time whatever the activity (0: off).
    p[P_INVENTORY_SCALE] = market_mean * config.taker_reversion_s
    p[P_GRID] = config.grid_s
    p[P_SESSION0] = session_start
    p[P_QUOTE_DT] = p[P_SNAP_DT] = math.inf
    return p
