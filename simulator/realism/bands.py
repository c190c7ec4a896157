"""The target bands of issues 3 and 8, as data: stylised facts are fixed, liquidity bands scale with the symbol.

The stylised-fact bands are the literature's, each cited next to it; they are not moved to fit the simulator.
"""

from __future__ import annotations

import math

from simulator.instruments import SymbolSpec
from simulator.realism.band import Band

INF = math.inf

# Metric names: the keys of the band table and of a report's rows.
ACF_R_LAG1 = "|acf(r_1m, lag 1)|"
KURTOSIS_1M = "excess kurtosis r_1m"
KURTOSIS_FALL = "kurtosis fall 1→5→15→60 min (min step)"
ACF_ABS_R = "acf(|r_1m|) lags 1-10 (min)"
ABS_R_DECAY = "acf(|r_1m|) decay exponent β, lags 1-120 min"
ABS_R_ACF_2H = "acf(|r_1m|) at lag 120 min"
RETURN_TAIL = "tail index |r_1m| (Hill, top 2.5%)"
SIZE_TAIL = "tail index market order size (Hill, top 2.5%)"
SIGN_C1 = "trade sign C(1)"
SIGN_GAMMA = "trade sign γ (C(l) ~ l^-γ, lags 1-100)"
RESPONSE_RATIO = "response R(100)/R(1)"
DURATION_CV = "inter-trade duration CV"
FLOW_PRICE_CORR = "corr(signed volume, Δlog mid) per 5 min"
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

# The literature's stylised facts. Cont 2001 is R. Cont, "Empirical properties of asset returns: stylized facts and
# statistical issues", Quantitative Finance 1, 223-236; TQP is Bouchaud, Bonart, Donier & Gould, "Trades, Quotes
# and Prices" (Cambridge, 2018).
_FACTS = (
    # Returns are unpredictable beyond a few minutes at most (Cont 2001, "absence of autocorrelations").
    Band(ACF_R_LAG1, -INF, 0.1),
    # Heavy tails: intraday excess kurtosis well above 3, the Gaussian's 0 (Cont 2001, "heavy tails"; issue 8).
    Band(KURTOSIS_1M, 3.0, INF),
    # Aggregational Gaussianity: the distribution thins as the time scale grows (Cont 2001).
    Band(KURTOSIS_FALL, 0.0, INF),
    # Volatility clustering: |r| positively autocorrelated over minutes (Cont 2001, "volatility clustering").
    Band(ACF_ABS_R, 0.0, INF),
    # Slow decay of the |r| autocorrelation, roughly lag^-β with β in [0.2, 0.4] (Cont 2001, "slow decay of
    # autocorrelation in absolute returns"; Liu, Gopikrishnan, Cizeau, Meyer, Peng & Stanley 1999, "Statistical
    # properties of the volatility of price fluctuations", PRE 60, 1390: β ≈ 0.3 for the S&P 500) ...
    Band(ABS_R_DECAY, 0.2, 0.4),
    # ... hence still positive after two hours: long memory, not a single minutes-long time scale (same sources).
    Band(ABS_R_ACF_2H, 0.0, INF),
    # Inverse cubic law: P(|r| > x) ~ x^-α with α ≈ 3 for intraday returns of stocks and indices, outside the Lévy
    # regime (α > 2) (Gopikrishnan, Meyer, Amaral & Stanley 1998, "Inverse cubic law for the distribution of stock
    # price variations", Eur. Phys. J. B 3, 139; Gopikrishnan et al. 1999, PRE 60, 5305; Cont 2001, "heavy tails":
    # a tail index between 2 and 5).
    Band(RETURN_TAIL, 2.0, 5.0),
    # Trade sizes: P(q > x) ~ x^-ζ with ζ ≈ 1.5 (Gopikrishnan, Plerou, Gabaix & Stanley 2000, "Statistical properties
    # of share volume traded in financial markets", PRE 62, R4493, shares per trade; Gabaix, Gopikrishnan, Plerou &
    # Stanley 2003, "A theory of power-law distributions in financial market fluctuations", Nature 423, 267).
    Band(SIZE_TAIL, 1.0, 2.5),
    # Long memory of order flow: C(1) clearly positive, C(l) ~ l^-γ with γ ≈ 0.5 (Lillo & Farmer 2004, "The long
    # memory of the efficient market", SNDE 8(3); TQP ch. 10; issue 8's done-when: C(1) 0.1-0.6, γ 0.3-0.8).
    Band(SIGN_C1, 0.1, 0.6),
    Band(SIGN_GAMMA, 0.3, 0.8),
    # The response function R(l) = E[(m_{t+l} - m_t) ε_t] is positive and grows with l before it saturates, by about a
    # factor 2 between one trade and a few hundred (Bouchaud, Gefen, Potters & Wyart 2004, "Fluctuations and response
    # in financial markets: the subtle nature of 'random' price changes", Quantitative Finance 4, 176; TQP ch. 11).
    # R(100) rather than R(1000): every stock there is still on the rising part at 100 trades.
    Band(RESPONSE_RATIO, 1.0, INF),
    # Trades cluster in time: durations are overdispersed against a Poisson process, CV > 1 (Engle & Russell 1998,
    # "Autoregressive conditional duration", Econometrica 66, 1127; TQP ch. 2).
    Band(DURATION_CV, 1.0, INF),
    # Aggregate impact: signed traded volume over a few minutes and the price change over the same minutes are
    # strongly but far from perfectly related (Plerou, Gopikrishnan, Gabaix & Stanley 2002, "Quantifying stock-price
    # response to demand fluctuations", PRE 66, 027104: a concave, universal E[Δp | Ω] at Δt = 5 min; TQP ch. 12;
    # Cont, Kukanov & Stoikov 2014, "The price impact of order book events", J. Fin. Econometrics 12, 47: trade
    # imbalance explains part, not all, of mid-price variance). A wide band around that reading, not a fitted interval.
    Band(FLOW_PRICE_CORR, 0.3, 0.9),
    # Issue 3's metaorder bands: the square-root law, δ ≈ 0.5 (Tóth et al. 2011, PRX 1, 021006; TQP ch. 12) ...
    Band(IMPACT_DELTA, 0.4, 0.7),
    # ... and its partial reversion to about 2/3 of the peak (Farmer, Gerig, Lillo & Waelbroeck 2013; Bershova &
    # Rakhlin 2013; Bucci et al. 2019).
    Band(PERMANENT_TO_PEAK, 0.5, 0.8),
)


def target_bands(spec: SymbolSpec) -> dict[str, Band]:
    """Every band a simulated `spec` session must meet, keyed by metric name."""
    u_shape = Band(U_SHAPE, 1.2, INF) if spec.session == "equity" else Band(U_SHAPE, 0.8, 1.25)
    liquidity = (
        Band(SPREAD_MEAN, 0.5 * spec.base_spread_bps, 2.0 * spec.base_spread_bps, "bps"),
        Band(DEPTH_BID, _DEPTH_BAND[0] * spec.book_depth, _DEPTH_BAND[1] * spec.book_depth, "units"),
        Band(DEPTH_ASK, _DEPTH_BAND[0] * spec.book_depth, _DEPTH_BAND[1] * spec.book_depth, "units"),
        Band(ORDER_SIZE_MEAN, 0.5 * spec.typical_order_size, 2.0 * spec.typical_order_size, "units"),
        Band(VOLUME_VS_ADV, 0.7, 1.3),
        u_shape,
    )
    return {band.name: band for band in (*_FACTS, *liquidity)}
