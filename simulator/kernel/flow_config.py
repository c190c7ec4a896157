"""Parameters of the background order flow, and their packing into the array the compiled loop reads.

See `simulator/FLOW_MODEL.md` for the model, the stylized facts it targets, and where each value comes from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from simulator.instruments import SymbolSpec
from simulator.kernel.book_state import F64
from simulator.regime import MAX_LEAD_S

# The top-10 book depth in SymbolSpec is what liquidity providers calibrate against.
CALIBRATION_LEVELS = 10


@dataclass(frozen=True, slots=True)
class FlowConfig:
    """Shape of the background flow shared by all symbols (rates and levels come from each SymbolSpec).

    Liquidity providers: `order_lifetime` s mean resting time, `level_decay` share joining the touch (the rest
    step back a geometric number of ticks), quotes within `pull_fraction` of the half-spread of their reference
    are pulled, and a side below its usual order count is refilled up to `refill_boost` times faster.
    Takers: market-order sizes are lognormal (`size_sigma`) times a Pareto factor of tail `size_tail_alpha`
    (capped at `size_tail_cap`), `market_size_ratio` of the typical size on average. `institution_share` of
    the market-order volume comes from institutions working metaorders of Pareto size (tail `metaorder_alpha`,
    from `metaorder_min_adv` to `metaorder_max_adv` of ADV), each sending a child every
    `metaorder_child_trades` market orders on average, `metaorder_child_size` times an intermediary's size;
    the rest from intermediaries whose own net position I mean-reverts: P(buy) = 1/2 - tanh(I / I0)/2, I0 their
    mean volume over `taker_reversion_s` (0 switches it off).
    Fundamental: log random walk with stochastic volatility (log-vol the sum of three OU factors of time scales
    `vol_tau_s`, `vol_tau_mid_s`, `vol_tau_slow_s` sharing `vol_eta`²) and Poisson news jumps
    (`jump_rate_per_hour`, carrying `jump_var_share` of the variance).
    Latent liquidity: the market's latent supply and demand form a V around the fundamental, `latent_depth_adv`
    ADVs within one daily sigma of it (plus `latent_floor_adv` of ADV right at it); what trades against the
    background's liquidity consumes it, and it is renewed by two populations, `latent_fast_share` of it within
    `latent_fast_s`, the rest within `latent_slow_s`. Market makers quote around where it begins.
    """

    order_lifetime: float = 10.0
    level_decay: float = 0.15
    refill_boost: float = 4.0
    size_sigma: float = 0.8
    # Trade sizes have a power-law tail of exponent about 3/2 (Gopikrishnan, Plerou, Gabaix & Stanley 2000).
    size_tail_alpha: float = 1.5
    size_tail_cap: float = 30.0
    market_size_ratio: float = 0.5
    pull_fraction: float = 0.5
    vol_eta: float = 0.4
    # Three volatility time scales (10 min, 2 h, 6 h): |r| stays autocorrelated over hours, and the fast one
    # still averages out within 15 minutes (at a single 30-minute factor, kurtosis stopped falling at 15 min).
    # At 12 h the slowest barely moved within a day and acf(|r|) hardly decayed over two hours (β < 0.2).
    vol_tau_s: float = 600.0
    vol_tau_mid_s: float = 7200.0
    vol_tau_slow_s: float = 21_600.0
    jump_rate_per_hour: float = 4.0
    jump_var_share: float = 0.35
    # With it a metaorder's peak impact is about 0.7 σ √(Q/V) (Y in the literature's 0.5-1.5; TQP ch. 12).
    latent_depth_adv: float = 0.7
    # Under one typical market order; a larger floor made small metaorders' impact linear.
    latent_floor_adv: float = 3e-5
    latent_fast_s: float = 900.0
    latent_slow_s: float = 28_800.0
    latent_fast_share: float = 0.8
    # Institutions carry a tenth of the volume but, their children being small, over a quarter of the market
    # orders: enough for long-memory trade signs. The net imbalance they leave in the latent liquidity is what a
    # smaller metaorder's impact rides on, and makes it linear (co-impact: Bucci, Mastromatteo, Eisler, Lillo,
    # Bouchaud & Lehalle 2020, "Co-impact: crowding effects in institutional trading activity"); at 35% of the
    # volume with children sized like anyone's, that held up to Q/V of 1%.
    institution_share: float = 0.1
    # Institutions who know where the fundamental goes over their metaorder's life (at most an hour ahead) and
    # trade that way: order flow carries information, so signed volume and price changes correlate (Kyle 1985;
    # Hasbrouck 1991, "Measuring the information content of stock trades").
    informed_share: float = 0.8
    # Metaorder sizes are Pareto with tail exponent 3/2 (Lillo, Mike & Farmer 2005: trade signs then decay as
    # l^-(alpha-1); Bouchaud et al., "Trades, Quotes and Prices", 2018, ch. 10).
    metaorder_alpha: float = 1.5
    metaorder_min_adv: float = 4e-5
    metaorder_max_adv: float = 0.01
    # An institution sends a child every this many market orders on average (about 5% of the volume).
    metaorder_child_trades: float = 20.0
    # Children go out in bursts (an execution algorithm sweeping what shows at the touch in a few orders): each is
    # followed at once by another with this probability, and bursts are spaced so the average pace is unchanged.
    metaorder_burst: float = 0.6
    # Children are small against the market's mean order (which its power-law tail inflates): an execution
    # algorithm slices finely, and sign memory counts orders while the imbalance counts volume.
    metaorder_child_size: float = 0.2
    # Intermediaries' net position mean-reverts over this many seconds (0: i.i.d. sides): they hold inventory for
    # seconds, so what they leave in the latent liquidity is small.
    taker_reversion_s: float = 10.0
    grid_s: float = 1.0

    def __post_init__(self) -> None:
        positive = (
            "order_lifetime", "vol_tau_s", "vol_tau_mid_s", "vol_tau_slow_s", "latent_fast_s", "latent_slow_s",
            "grid_s", "market_size_ratio", "latent_depth_adv", "size_tail_alpha", "metaorder_alpha",
            "metaorder_min_adv", "metaorder_child_trades", "metaorder_child_size",
        )  # fmt: skip
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        non_negative = (
            "taker_reversion_s", "refill_boost", "size_sigma", "vol_eta", "jump_rate_per_hour", "latent_floor_adv",
        )  # fmt: skip
        for name in non_negative:
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if not 0 < self.level_decay <= 1:
            raise ValueError(f"level_decay must be in (0, 1], got {self.level_decay}")
        if not 0 <= self.pull_fraction < 1:
            raise ValueError(f"pull_fraction must be in [0, 1), got {self.pull_fraction}")
        if not self.size_tail_cap >= 1:
            raise ValueError(f"size_tail_cap must be >= 1, got {self.size_tail_cap}")
        if not self.metaorder_min_adv < self.metaorder_max_adv:
            raise ValueError(f"need metaorder_min_adv < metaorder_max_adv, got {self.metaorder_min_adv} and "
                             f"{self.metaorder_max_adv}")
        if not 0 <= self.metaorder_burst < 1:
            raise ValueError(f"metaorder_burst must be in [0, 1), got {self.metaorder_burst}")
        if not 0 <= self.informed_share <= 1:
            raise ValueError(f"informed_share must be in [0, 1], got {self.informed_share}")
        if not 0 <= self.institution_share < 1:
            raise ValueError(f"institution_share must be in [0, 1), got {self.institution_share}")
        for name in ("jump_var_share", "latent_fast_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        for f in fields(self):
            if not math.isfinite(getattr(self, f.name)):
                raise ValueError(f"{f.name} must be finite")


# Indices of the packed parameter array.
(
    P_TICK, P_LOT, P_HALF_SPREAD, P_PULL_FRACTION, P_LOG_KEEP, P_LIMIT_RATE, P_CANCEL_HAZARD, P_MARKET_RATE,
    P_LIMIT_MU, P_MARKET_MU, P_SIZE_SIGMA, P_REFILL_BOOST, P_TARGET_COUNT, P_SIGMA_S, P_JUMP_RATE, P_JUMP_SIGMA,
    P_VOL_ETA, P_VOL_TAU, P_LATENT_A, P_LATENT_B, P_TAU_FAST, P_TAU_SLOW, P_FAST_WEIGHT,
    P_GRID, P_SESSION0, P_QUOTE_DT, P_SNAP_DT, P_SNAP_LEVELS, P_RECORD_ORDERS,
    P_CHILD_N, P_CHILD_DT, P_CHILD_JITTER, P_CHILD_LOTS, P_CHILD_SIDE, P_LATENT_H,
    P_INVENTORY_SCALE, P_VOL_TAU_MID, P_VOL_TAU_SLOW, P_TAIL_ALPHA, P_TAIL_CAP, P_INST_RATE, P_INST_QMIN,
    P_INST_QMAX, P_INST_ALPHA, P_INST_CHILD_DT, P_TAKER_SHARE, P_INST_BURST, P_FUND_STEPS, P_INFORMED_SHARE,
    P_NEWS_PROB, P_NEWS_LEAD, P_NEWS_QTY, P_INST_CHILD_MEAN, P_PREDATOR, P_INST_CHILD_SIZE,
) = range(55)  # fmt: skip
P_LEN = 55

# How far ahead the fundamental's path is drawn: the longest an informed trader may know it ahead.
FUNDAMENTAL_AHEAD_S = MAX_LEAD_S

# Latent liquidity is walked in cells of 1/LATENT_CELLS_PER_SIGMA of the daily volatility.
LATENT_CELLS_PER_SIGMA = 400.0


def tail_factor_mean(alpha: float, cap: float) -> float:
    """E[min(U^(-1/alpha), cap)] for U uniform on (0, 1]: the mean of the Pareto factor of order sizes."""
    if cap <= 1.0:
        return 1.0
    if alpha == 1.0:
        return float(1.0 + math.log(cap))
    return float(alpha / (alpha - 1.0) * (1.0 - cap ** (1.0 - alpha)) + cap ** (1.0 - alpha))


def truncated_pareto_mean(alpha: float, low: float, high: float) -> float:
    """Mean of a Pareto(alpha) from `low`, truncated at `high` (the tail beyond is not drawn)."""
    norm = 1.0 - (low / high) ** alpha
    if alpha == 1.0:
        return float(low * math.log(high / low) / norm)
    return float(alpha * low**alpha / (alpha - 1.0) * (low ** (1.0 - alpha) - high ** (1.0 - alpha)) / norm)


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
    tail = tail_factor_mean(config.size_tail_alpha, config.size_tail_cap)
    p[P_MARKET_RATE] = spec.adv / spec.session_seconds / market_mean
    p[P_TAKER_SHARE] = 1.0 - config.institution_share
    p[P_LIMIT_MU] = math.log(spec.typical_order_size) - sigma * sigma / 2.0
    p[P_MARKET_MU] = math.log(market_mean / tail) - sigma * sigma / 2.0
    p[P_TAIL_ALPHA] = config.size_tail_alpha
    p[P_TAIL_CAP] = config.size_tail_cap
    p[P_SIZE_SIGMA] = sigma
    p[P_REFILL_BOOST] = config.refill_boost
    variance_per_s = spec.daily_vol**2 / spec.session_seconds
    p[P_SIGMA_S] = math.sqrt(variance_per_s * (1.0 - config.jump_var_share))
    p[P_JUMP_RATE] = config.jump_rate_per_hour / 3600.0
    if config.jump_rate_per_hour > 0:
        p[P_JUMP_SIGMA] = math.sqrt(variance_per_s * config.jump_var_share / p[P_JUMP_RATE])
    p[P_VOL_ETA] = config.vol_eta
    p[P_VOL_TAU] = config.vol_tau_s
    p[P_VOL_TAU_MID] = config.vol_tau_mid_s
    p[P_VOL_TAU_SLOW] = config.vol_tau_slow_s
    # The latent V in cells: V(j) = A ((j + b)^2 - b^2) units within j cells of the fundamental, so that one
    # daily sigma (LATENT_CELLS_PER_SIGMA cells) holds `latent_depth_adv` ADVs beyond the floor's.
    cells = LATENT_CELLS_PER_SIGMA
    p[P_LATENT_A] = config.latent_depth_adv * spec.adv / cells**2
    p[P_LATENT_B] = math.sqrt(config.latent_floor_adv / config.latent_depth_adv) * cells
    p[P_LATENT_H] = spec.daily_vol / cells
    p[P_TAU_FAST] = config.latent_fast_s
    p[P_TAU_SLOW] = config.latent_slow_s
    p[P_FAST_WEIGHT] = config.latent_fast_share
    # Institutions: metaorders arrive so that their children carry `institution_share` of the market volume.
    q_min = max(config.metaorder_min_adv * spec.adv, float(spec.lot_size))
    q_max = max(config.metaorder_max_adv * spec.adv, 2.0 * q_min)
    p[P_INST_QMIN] = q_min
    p[P_INST_QMAX] = q_max
    p[P_INST_ALPHA] = config.metaorder_alpha
    p[P_INST_CHILD_DT] = config.metaorder_child_trades / p[P_MARKET_RATE]
    p[P_INST_BURST] = config.metaorder_burst
    p[P_INFORMED_SHARE] = config.informed_share
    # A child is one lot at least: on a coarse lot grid that, not the ratio, sets its size.
    p[P_INST_CHILD_MEAN] = max(market_mean * config.metaorder_child_size, float(spec.lot_size))
    p[P_INST_CHILD_SIZE] = config.metaorder_child_size
    p[P_FUND_STEPS] = math.ceil(FUNDAMENTAL_AHEAD_S / config.grid_s) + 1
    volume_per_s = config.institution_share * spec.adv / spec.session_seconds
    p[P_INST_RATE] = volume_per_s / truncated_pareto_mean(config.metaorder_alpha, q_min, q_max)
    # Takers' net position at which they only trade back, per unit of market-order rate: their mean order size
    # times `taker_reversion_s`, so a position relaxes over about that time whatever the activity (0: off).
    p[P_INVENTORY_SCALE] = market_mean * config.taker_reversion_s
    p[P_GRID] = config.grid_s
    p[P_SESSION0] = session_start
    p[P_QUOTE_DT] = p[P_SNAP_DT] = math.inf
    return p
