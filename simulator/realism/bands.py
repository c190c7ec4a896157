"""The target bands of issue 3, as data: stylised facts are fixed, liquidity bands scale with the symbol."""

from __future__ import annotations

import math

from simulator.instruments import SymbolSpec
from simulator.realism.band import Band

INF = math.inf

# Metric names: the keys of the band table and of a report's rows.
ACF_R_LAG1 = "|acf(r_1m, lag 1)|"
KURTOSIS_1M = "excess kurtosis r_1m"
KURTOSIS_FALL = "kurtosis fall 1→5→15 min (min step)"
ACF_ABS_R = "acf(|r_1m|) lags 1-10 (min)"
SPREAD_MEAN = "spread mean"
DEPTH_BID = "depth bid top-10 (mean)"
DEPTH_ASK = "depth ask top-10 (mean)"
ORDER_SIZE_MEAN = "order size mean"
VOLUME_VS_ADV = "volume / ADV pro-rata"
U_SHAPE = "intraday U-shape score"
IMPACT_DELTA = "impact exponent δ"
PERMANENT_TO_PEAK = "permanent / peak impact"

# Realised top-10 depth sits below what the flow supplies (stale-quote pulls, trading): see SymbolSpec.book_depth.
_DEPTH_BAND = (0.4, 1.2)


def target_bands(spec: SymbolSpec) -> dict[str, Band]:
    """Every band a simulated `spec` session must meet, keyed by metric name."""
    u_shape = Band(U_SHAPE, 1.2, INF) if spec.session == "equity" else Band(U_SHAPE, 0.8, 1.25)
    bands = (
        Band(ACF_R_LAG1, -INF, 0.1),
        Band(KURTOSIS_1M, 1.0, INF),
        Band(KURTOSIS_FALL, 0.0, INF),
        Band(ACF_ABS_R, 0.0, INF),
        Band(SPREAD_MEAN, 0.5 * spec.base_spread_bps, 2.0 * spec.base_spread_bps, "bps"),
        Band(DEPTH_BID, _DEPTH_BAND[0] * spec.book_depth, _DEPTH_BAND[1] * spec.book_depth, "units"),
        Band(DEPTH_ASK, _DEPTH_BAND[0] * spec.book_depth, _DEPTH_BAND[1] * spec.book_depth, "units"),
        Band(ORDER_SIZE_MEAN, 0.5 * spec.typical_order_size, 2.0 * spec.typical_order_size, "units"),
        Band(VOLUME_VS_ADV, 0.7, 1.3),
        u_shape,
        Band(IMPACT_DELTA, 0.4, 0.7),
        Band(PERMANENT_TO_PEAK, 0.5, 0.8),
    )
    return {band.name: band for band in bands}
