"""Every per-day realism metric, measured over N seeded days of one scenario, and its table rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from simulator.instruments import SymbolSpec
from simulator.realism import bands as names
from simulator.realism.autocorrelation import abs_return_acf, acf_lags
from simulator.realism.band import Band
from simulator.realism.depth import depth_top_n
from simulator.realism.kurtosis import excess_kurtosis, kurtosis_fall
from simulator.realism.metric_row import MetricRow
from simulator.realism.order_flow import order_sizes
from simulator.realism.returns import mid_returns
from simulator.realism.spread import spread_bps
from simulator.realism.summary import summarize
from simulator.realism.trade_signs import SignMemory, sign_memory
from simulator.realism.volume import market_volume, u_shape_score, volume_profile, volume_vs_adv
from simulator.tape import F64, Tape

AGGREGATIONS_S = (60, 300, 900)
ACF_LAGS = 10


@dataclass(frozen=True)
class DayStats:
    """What the days measured: the arrays behind the plots and the numbers behind the rows."""

    returns: dict[int, F64]  # aggregation (s) → log returns pooled over days
    kurtosis: dict[int, float]
    acf_r: F64  # lags 1..ACF_LAGS of 1-min returns
    acf_abs_r: F64
    spread_bps: F64
    depth_bid: F64
    depth_ask: F64
    order_sizes: F64 | None  # None when the tapes did not record order events
    volume_ratio: float
    profile: F64  # volume per bucket, summed over days
    bucket_s: float
    u_shape: float
    signs: SignMemory  # trade-sign autocorrelation of the background flow, days in a row


def _pool(values: Sequence[F64]) -> F64:
    return np.concatenate(values) if values else np.empty(0)


def measure_days(tapes: Sequence[Tape], spec: SymbolSpec, bucket_s: float = 1800.0, depth_levels: int = 10) -> DayStats:
    """Measure every per-day metric over `tapes` (one per seeded day)."""
    if not tapes:
        raise ValueError("need one day at least")
    # Returns are cut per day, then pooled: no return spans the gap between two seeded days.
    returns = {
        agg: _pool([mid_returns(t.quotes.time, t.quotes.mid, t.start, t.end, agg) for t in tapes])
        for agg in AGGREGATIONS_S
    }
    r1 = returns[AGGREGATIONS_S[0]]
    depths = [depth_top_n(t.snapshots.time, t.snapshots.side, t.snapshots.level, t.snapshots.qty, depth_levels)
              for t in tapes]
    recorded = [t.orders for t in tapes if t.orders is not None]
    volume = sum(market_volume(t.trades.qty, t.trades.ours) for t in tapes)
    seconds = sum(t.end - t.start for t in tapes)
    profiles = [volume_profile(t.trades.time[~t.trades.ours], t.trades.qty[~t.trades.ours], t.start, t.end, bucket_s)
                for t in tapes]
    # Days of unequal length are compared over the buckets they share.
    n_buckets = min(len(p) for p in profiles)
    profile = np.sum([p[:n_buckets] for p in profiles], axis=0)
    return DayStats(
        returns=returns,
        kurtosis={agg: excess_kurtosis(r) for agg, r in returns.items()},
        acf_r=acf_lags(r1, range(1, ACF_LAGS + 1)),
        acf_abs_r=abs_return_acf(r1, ACF_LAGS),
        spread_bps=_pool([spread_bps(t.quotes.bid, t.quotes.ask) for t in tapes]),
        depth_bid=_pool([d[0] for d in depths]),
        depth_ask=_pool([d[1] for d in depths]),
        order_sizes=_pool([order_sizes(o.kind, o.qty) for o in recorded]) if recorded else None,
        volume_ratio=volume_vs_adv(volume, spec.adv, seconds, spec.session_seconds),
        profile=profile,
        bucket_s=bucket_s,
        u_shape=u_shape_score(profile) if n_buckets >= 3 else float("nan"),
        signs=sign_memory(_pool([t.trades.aggressor[~t.trades.ours].astype(np.float64) for t in tapes])
                          .astype(np.int8)),
    )


def day_rows(stats: DayStats, bands: Mapping[str, Band]) -> list[MetricRow]:
    """Table rows for `stats`: banded metrics plus the distributions' quantiles as information."""
    k = [stats.kurtosis[agg] for agg in AGGREGATIONS_S]

    def banded(name: str, value: float) -> MetricRow:
        return MetricRow(name, value, bands[name].unit, bands[name])

    spread = summarize(stats.spread_bps)
    rows = [
        # Sample sizes first: a few hours of sessions leave too few 15-minute returns for a stable kurtosis.
        MetricRow("r_1m count", float(len(stats.returns[AGGREGATIONS_S[0]]))),
        MetricRow("r_15m count", float(len(stats.returns[AGGREGATIONS_S[-1]]))),
        banded(names.ACF_R_LAG1, abs(float(stats.acf_r[0]))),
        banded(names.KURTOSIS_1M, k[0]),
        MetricRow("excess kurtosis r_5m", k[1]),
        MetricRow("excess kurtosis r_15m", k[2]),
        banded(names.KURTOSIS_FALL, kurtosis_fall(k)),
        banded(names.ACF_ABS_R, float(np.min(stats.acf_abs_r))),
        banded(names.SPREAD_MEAN, spread.mean),
        MetricRow("spread median", spread.median, "bps"),
        MetricRow("spread p5", spread.p5, "bps"),
        MetricRow("spread p95", spread.p95, "bps"),
        banded(names.DEPTH_BID, summarize(stats.depth_bid).mean),
        banded(names.DEPTH_ASK, summarize(stats.depth_ask).mean),
    ]
    if stats.order_sizes is not None:
        sizes = summarize(stats.order_sizes)
        rows += [
            banded(names.ORDER_SIZE_MEAN, sizes.mean),
            MetricRow("order size median", sizes.median, "units"),
            MetricRow("order size p95", sizes.p95, "units"),
        ]
    rows += [banded(names.VOLUME_VS_ADV, stats.volume_ratio), banded(names.U_SHAPE, stats.u_shape)]
    # Order-flow memory, for information until the flow has it (real markets: C(1) 0.1-0.6, gamma about 0.5).
    rows += [MetricRow(f"trade sign C({lag})", float(stats.signs.acf[lag - 1])) for lag in (1, 10, 100)
             if lag <= len(stats.signs.acf)]
    rows.append(MetricRow("trade sign gamma (C(l) ~ l^-gamma)", stats.signs.gamma))
    return rows
