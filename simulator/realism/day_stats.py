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
from simulator.realism.durations import coefficient_of_variation, inter_trade_durations
from simulator.realism.kurtosis import excess_kurtosis, kurtosis_fall
from simulator.realism.market_orders import MarketOrders, market_orders
from simulator.realism.metric_row import MetricRow
from simulator.realism.order_flow import order_sizes
from simulator.realism.response import Response, measure_response
from simulator.realism.returns import mid_returns
from simulator.realism.signed_volume import BUCKET_S, correlation, flow_and_price_buckets
from simulator.realism.spread import spread_bps
from simulator.realism.summary import summarize
from simulator.realism.tail_index import TailFit, standardised, tail_fit
from simulator.realism.trade_signs import SignMemory, sign_memory
from simulator.realism.volatility_memory import MAX_LAG_MIN, VolatilityMemory, abs_return_memory
from simulator.realism.volume import market_volume, u_shape_score, volume_profile, volume_vs_adv
from simulator.tape import F64, Tape

AGGREGATIONS_S = (60, 300, 900, 3600)
ACF_LAGS = 10


@dataclass(frozen=True)
class DayStats:
    """What the days measured: the arrays behind the plots and the numbers behind the rows."""

    returns: dict[int, F64]  # aggregation (s) → log returns pooled over days
    kurtosis: dict[int, float]
    acf_r: F64  # lags 1..ACF_LAGS of 1-min returns
    acf_abs_r: F64
    vol_memory: VolatilityMemory  # acf(|r_1m|) over lags 1..120 min, no pair spanning two days
    return_tail: TailFit  # |r_1m| standardised by its own day's std, pooled
    spread_bps: F64
    depth_bid: F64
    depth_ask: F64
    order_sizes: F64 | None  # None when the tapes did not record order events
    size_tail: TailFit  # executed sizes of background market orders (fills of one sweep summed)
    volume_ratio: float
    profile: F64  # volume per bucket, summed over days
    bucket_s: float
    u_shape: float
    market_orders: int  # background market orders over all days
    signs: SignMemory  # sign autocorrelation of the background market orders, days in a row
    response: Response
    durations: F64  # seconds between background market orders, within days
    duration_cv: float
    signed_volume: F64  # Σ sign × qty of background market orders per 5-min bucket, days pooled
    dlog_mid: F64  # Δ log mid over the same buckets
    flow_price_corr: float


def _pool(values: Sequence[F64]) -> F64:
    return np.concatenate(values) if values else np.empty(0)


def _half_spread(tapes: Sequence[Tape]) -> float:
    """Mean (ask − bid) / 2 over every two-sided quote of every day, in price units."""
    halves = _pool([(t.quotes.ask - t.quotes.bid) / 2.0 for t in tapes])
    halves = halves[np.isfinite(halves)]
    return float(halves.mean()) if len(halves) else float("nan")


def _flow_price(tapes: Sequence[Tape], orders: Sequence[MarketOrders]) -> tuple[F64, F64]:
    buckets = [flow_and_price_buckets(o.time, o.sign, o.qty, t.quotes.time, t.quotes.mid, t.start, t.end, BUCKET_S)
               for t, o in zip(tapes, orders, strict=True)]
    return _pool([b[0] for b in buckets]), _pool([b[1] for b in buckets])


def measure_days(tapes: Sequence[Tape], spec: SymbolSpec, bucket_s: float = 1800.0, depth_levels: int = 10) -> DayStats:
    """Measure every per-day metric over `tapes` (one per seeded day)."""
    if not tapes:
        raise ValueError("need one day at least")
    # Returns are cut per day, then pooled: no return spans the gap between two seeded days.
    by_day = {agg: [mid_returns(t.quotes.time, t.quotes.mid, t.start, t.end, agg) for t in tapes]
              for agg in AGGREGATIONS_S}
    returns = {agg: _pool(days) for agg, days in by_day.items()}
    r1_days = by_day[AGGREGATIONS_S[0]]
    r1 = returns[AGGREGATIONS_S[0]]
    depths = [depth_top_n(t.snapshots.time, t.snapshots.side, t.snapshots.level, t.snapshots.qty, depth_levels)
              for t in tapes]
    recorded = [t.orders for t in tapes if t.orders is not None]
    orders = [market_orders(t.trades) for t in tapes]
    volume = sum(market_volume(t.trades.qty, t.trades.ours) for t in tapes)
    seconds = sum(t.end - t.start for t in tapes)
    profiles = [volume_profile(t.trades.time[~t.trades.ours], t.trades.qty[~t.trades.ours], t.start, t.end, bucket_s)
                for t in tapes]
    # Days of unequal length are compared over the buckets they share.
    n_buckets = min(len(p) for p in profiles)
    profile = np.sum([p[:n_buckets] for p in profiles], axis=0)
    durations = inter_trade_durations([o.time for o in orders])
    signed_volume, dlog_mid = _flow_price(tapes, orders)
    return DayStats(
        returns=returns,
        kurtosis={agg: excess_kurtosis(r) for agg, r in returns.items()},
        acf_r=acf_lags(r1, range(1, ACF_LAGS + 1)),
        acf_abs_r=abs_return_acf(r1, ACF_LAGS),
        vol_memory=abs_return_memory(r1_days, MAX_LAG_MIN),
        return_tail=tail_fit(np.abs(_pool([standardised(r) for r in r1_days]))),
        spread_bps=_pool([spread_bps(t.quotes.bid, t.quotes.ask) for t in tapes]),
        depth_bid=_pool([d[0] for d in depths]),
        depth_ask=_pool([d[1] for d in depths]),
        order_sizes=_pool([order_sizes(o.kind, o.qty) for o in recorded]) if recorded else None,
        size_tail=tail_fit(_pool([o.qty.astype(np.float64) for o in orders])),
        volume_ratio=volume_vs_adv(volume, spec.adv, seconds, spec.session_seconds),
        profile=profile,
        bucket_s=bucket_s,
        u_shape=u_shape_score(profile) if n_buckets >= 3 else float("nan"),
        market_orders=sum(len(o) for o in orders),
        signs=sign_memory(np.concatenate([o.sign for o in orders])),
        response=measure_response(orders, _half_spread(tapes)),
        durations=durations,
        duration_cv=coefficient_of_variation(durations),
        signed_volume=signed_volume,
        dlog_mid=dlog_mid,
        flow_price_corr=correlation(signed_volume, dlog_mid),
    )


def day_rows(stats: DayStats, bands: Mapping[str, Band]) -> list[MetricRow]:
    """Table rows for `stats`: banded metrics plus the distributions' quantiles as information."""
    k = [stats.kurtosis[agg] for agg in AGGREGATIONS_S]

    def banded(name: str, value: float) -> MetricRow:
        return MetricRow(name, value, bands[name].unit, bands[name])

    spread = summarize(stats.spread_bps)
    signs, response = stats.signs, stats.response
    rows = [
        # Sample sizes first: a few hours of sessions leave too few 60-minute returns for a stable kurtosis.
        *[MetricRow(f"r_{agg // 60}m count", float(len(stats.returns[agg]))) for agg in AGGREGATIONS_S],
        banded(names.ACF_R_LAG1, abs(float(stats.acf_r[0]))),
        banded(names.KURTOSIS_1M, k[0]),
        *[MetricRow(f"excess kurtosis r_{agg // 60}m", stats.kurtosis[agg]) for agg in AGGREGATIONS_S[1:]],
        banded(names.KURTOSIS_FALL, kurtosis_fall(k)),
        banded(names.ACF_ABS_R, float(np.min(stats.acf_abs_r))),
        banded(names.ABS_R_DECAY, stats.vol_memory.beta),
        banded(names.ABS_R_ACF_2H, stats.vol_memory.at(MAX_LAG_MIN)),
        banded(names.RETURN_TAIL, stats.return_tail.alpha),
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
    rows += [
        banded(names.SIZE_TAIL, stats.size_tail.alpha),
        banded(names.VOLUME_VS_ADV, stats.volume_ratio),
        banded(names.U_SHAPE, stats.u_shape),
        # Order flow, counted in background market orders (the fills of one sweep are one order).
        MetricRow("market orders", float(stats.market_orders)),
        banded(names.SIGN_C1, signs.c1),
        *[MetricRow(f"trade sign C({lag})", float(signs.acf[lag - 1])) for lag in (10, 100) if lag <= len(signs.acf)],
        banded(names.SIGN_GAMMA, signs.gamma),
        *[MetricRow(f"response R({lag})", response.at(lag), "half-spreads") for lag in (1, 10, 100, 1000)],
        banded(names.RESPONSE_RATIO, response.ratio(100)),
        MetricRow("inter-trade duration mean", summarize(stats.durations).mean, "s"),
        banded(names.DURATION_CV, stats.duration_cv),
        banded(names.FLOW_PRICE_CORR, stats.flow_price_corr),
    ]
    return rows
