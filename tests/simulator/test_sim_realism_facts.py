"""The stylised facts of issue 8 measured on synthetic data whose answer is known by construction.

Each measure is also shown failing: a process without the fact gives a value outside the fact's band.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.instruments import ACME, CRYPTOALPHA
from simulator.realism.autocorrelation import acf, log_spaced_lags, pooled_acf
from simulator.realism.bands import (
    ABS_R_ACF_2H,
    ABS_R_DECAY,
    DURATION_CV,
    FLOW_PRICE_CORR,
    KURTOSIS_1M,
    RESPONSE_RATIO,
    RETURN_TAIL,
    SIGN_C1,
    SIGN_GAMMA,
    SIZE_TAIL,
    target_bands,
)
from simulator.realism.durations import coefficient_of_variation, inter_trade_durations
from simulator.realism.market_orders import MarketOrders, market_orders
from simulator.realism.response import RESPONSE_LAGS, Response, measure_response, mid_before, response_function
from simulator.realism.signed_volume import correlation, flow_and_price_buckets
from simulator.realism.tail_index import hill_tail_index, standardised, tail_fit
from simulator.realism.trade_signs import sign_memory
from simulator.realism.volatility_memory import abs_return_memory
from simulator.tape import Trades

SEED = 20240808
BANDS = target_bands(CRYPTOALPHA)


def _rng(offset: int = 0) -> np.random.Generator:
    print(f"seed {SEED + offset}")
    return np.random.default_rng(SEED + offset)


def _split_metaorder_signs(n: int, rng: np.random.Generator, alpha: float = 1.5, concurrent: int = 5) -> np.ndarray:
    """Lillo, Mike & Farmer (2005): each trade comes from one of `concurrent` streams of metaorders whose lengths
    are Pareto(alpha); a stream's trades share its current metaorder's sign. C(l) ~ l^-(alpha - 1)."""
    stream = rng.integers(concurrent, size=n)
    out = np.empty(n, np.int8)
    for k in range(concurrent):
        at = np.flatnonzero(stream == k)
        lengths = np.ceil(rng.pareto(alpha, len(at) + 1) + 1).astype(np.int64)
        used = int(np.searchsorted(np.cumsum(lengths), len(at))) + 1
        out[at] = np.repeat(rng.choice(np.array([1, -1], np.int8), used), lengths[:used])[: len(at)]
    return out


def _trades(time: list[float], price: list[float], qty: list[int], sign: list[int], ours: list[bool]) -> Trades:
    return Trades(np.array(time), np.array(price), np.array(qty, np.int64), np.array(sign, np.int8),
                  np.array(ours, np.bool_))


# --- market orders ---------------------------------------------------------------------------------------------


def test_fills_of_one_sweep_are_one_market_order_at_its_best_price() -> None:
    trades = _trades(
        time=[1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0],
        price=[10.01, 10.02, 10.03, 9.99, 9.98, 10.01, 9.99, 10.0],
        qty=[5, 7, 1, 4, 6, 2, 3, 9],
        sign=[1, 1, 1, -1, -1, 1, -1, 1],
        ours=[False, False, False, False, False, False, False, True],
    )
    orders = market_orders(trades)
    np.testing.assert_array_equal(orders.time, [1.0, 2.0, 3.0, 3.0])  # a buy and a sell at one time stay two orders
    np.testing.assert_array_equal(orders.sign, [1, -1, 1, -1])
    np.testing.assert_array_equal(orders.qty, [13, 10, 2, 3])
    np.testing.assert_allclose(orders.touch, [10.01, 9.99, 10.01, 9.99])  # a buy's lowest fill, a sell's highest
    assert len(orders) == 4  # our fill at t=4 is not the background market's
    assert len(market_orders(_trades([], [], [], [], []))) == 0


def test_sign_memory_is_counted_in_orders_not_in_fills() -> None:
    # Independent market orders, each taking three resting orders: per fill, C(1) would read 2/3.
    n = 60_000
    signs = _rng(1).choice(np.array([1, -1], np.int8), n)
    fills = _trades(np.repeat(np.arange(n, dtype=np.float64), 3).tolist(), [10.0] * (3 * n), [1] * (3 * n),
                    np.repeat(signs, 3).tolist(), [False] * (3 * n))
    assert sign_memory(fills.aggressor).c1 == pytest.approx(2 / 3, abs=0.01)
    memory = sign_memory(market_orders(fills).sign)
    assert abs(memory.c1) < 0.02 and math.isnan(memory.gamma)
    assert not BANDS[SIGN_C1].contains(memory.c1)


def test_split_metaorders_sit_in_the_sign_bands_and_independent_signs_do_not() -> None:
    memory = sign_memory(_split_metaorder_signs(300_000, _rng(2)))
    assert BANDS[SIGN_C1].contains(memory.c1), memory.c1
    assert BANDS[SIGN_GAMMA].contains(memory.gamma), memory.gamma
    independent = sign_memory(_rng(3).choice(np.array([1, -1], np.int8), 300_000))
    assert not BANDS[SIGN_C1].contains(independent.c1) and not BANDS[SIGN_GAMMA].contains(independent.gamma)


# --- response function -----------------------------------------------------------------------------------------


def _propagated(signs: np.ndarray, impact: float, half_spread: float, start: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    """Permanent impact: m_{t+1} = m_t + impact × ε_t; each order trades at the opposite touch m_t + ε_t × h."""
    mid = start + impact * np.concatenate([[0.0], np.cumsum(signs[:-1])])
    return mid, mid + signs * half_spread


def test_independent_signs_give_a_flat_response_equal_to_one_trades_impact() -> None:
    signs = _rng(4).choice(np.array([1, -1], np.int8), 200_000)
    h, impact = 0.005, 0.002
    mid, touch = _propagated(signs, impact, h)
    np.testing.assert_allclose(mid_before(touch, signs, h), mid)  # the mid is recovered exactly: constant spread
    r = measure_response([MarketOrders(np.arange(len(signs), dtype=np.float64), signs, np.ones(len(signs), np.int64),
                                       touch)], h)
    np.testing.assert_allclose(r.r, impact / h, rtol=0.1)  # R(l) = G for every l, in half-spreads 0.4
    assert r.ratio(100) == pytest.approx(1.0, abs=0.1)
    assert r.at(1) == pytest.approx(0.4, rel=0.02)


def test_sign_memory_makes_the_response_grow_and_the_bounce_is_taken_out() -> None:
    signs = _split_metaorder_signs(200_000, _rng(5))
    h, impact = 0.005, 0.001
    _, touch = _propagated(signs, impact, h)
    response = measure_response([MarketOrders(np.arange(len(signs), dtype=np.float64), signs,
                                              np.ones(len(signs), np.int64), touch)], h)
    # With permanent impact R(l) = G (1 + Σ_{0<j<l} C(j)): it grows as far as the signs remember.
    c = sign_memory(signs, max_lag=99).acf
    assert response.at(100) == pytest.approx(impact / h * (1 + c.sum()), rel=0.05)
    assert BANDS[RESPONSE_RATIO].contains(response.ratio(100)) and response.ratio(100) > 2
    # Read from the trade prices alone, the bid-ask bounce would halve R(1): (p_{t+1} - p_t) ε_t = R(1) - h (1 - C(1)).
    raw = response_function([touch], [signs], [1])[0] / h
    assert raw < response.at(1) - 0.5


def test_the_response_pairs_trades_within_a_day_only_and_needs_a_positive_base() -> None:
    signs = np.array([1, 1, -1, 1], np.int8)
    day1 = np.array([10.0, 10.1, 10.2, 10.1])
    day2 = day1 + 500.0  # a jump between days would swamp any lag that spanned it
    r = response_function([day1, day2], [signs, signs], [1, 3, 4])
    expected_lag1 = np.mean([0.1, 0.1, 0.1])  # (m1-m0)(+1), (m2-m1)(+1), (m3-m2)(-1), per day
    assert r[0] == pytest.approx(expected_lag1)
    assert r[1] == pytest.approx(0.1)  # (m3 - m0) × ε0, in each day
    assert math.isnan(r[2])  # no day is five trades long
    falling = Response(np.array([1, 100]), np.array([-0.2, -0.8]), 0.01)
    assert math.isnan(falling.ratio(100))  # growing more negative is not a rising response
    assert 1 in RESPONSE_LAGS and 100 in RESPONSE_LAGS and 1000 in RESPONSE_LAGS
    with pytest.raises(ValueError, match="not measured"):
        falling.at(7)


# --- kurtosis and volatility memory ----------------------------------------------------------------------------


def test_pooled_acf_matches_one_series_and_never_pairs_across_series() -> None:
    x = _rng(6).standard_normal(5_000)
    n = len(x)
    # One series: the pairs' mean instead of Σ/n, so the biased ACF times n / (n - k).
    assert pooled_acf([x], [3])[0] == pytest.approx(acf(x, 3) * n / (n - 3))
    # Two series with very different levels: concatenated, the step between them would look like memory.
    low, high = _rng(7).standard_normal(2_000), _rng(8).standard_normal(2_000)
    pooled = pooled_acf([low - 1.0, high + 1.0], [1])[0]
    assert acf(np.concatenate([low - 1.0, high + 1.0]), 1) > 0.4  # the concatenation's spurious memory
    assert pooled > 0.4  # both halves sit on their own side of the pooled mean: level memory is kept ...
    assert pooled_acf([low, high], [1])[0] == pytest.approx(0.0, abs=0.05)  # ... but noise has none
    assert math.isnan(pooled_acf([low], [5_000])[0])
    with pytest.raises(ValueError, match="lags"):
        pooled_acf([low], [-1])
    np.testing.assert_array_equal(log_spaced_lags(120, 16)[[0, -1]], [1, 120])


def _power_law_days(days: int, n: int, beta: float, amplitude: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Returns r = ε × (6 + x) with x Gaussian of ACF ρ(k) = amplitude × k^-beta (k >= 1), built by circulant
    embedding (Davies & Harte 1987): |r| = 6 + x has exactly that ACF (6 standard deviations keep 6 + x positive)."""
    k = np.arange(n, dtype=np.float64)
    rho = np.where(k == 0, 1.0, amplitude * np.maximum(k, 1.0) ** -beta)
    circulant = np.concatenate([rho, rho[-2:0:-1]])
    eigen = np.fft.fft(circulant).real
    assert eigen.min() > 0  # a convex, decreasing ρ embeds
    out = []
    for _ in range(days // 2):
        z = rng.standard_normal(len(eigen)) + 1j * rng.standard_normal(len(eigen))
        y = np.fft.fft(np.sqrt(eigen / len(eigen)) * z)  # real and imaginary parts: two independent days
        out += [rng.choice([-1.0, 1.0], n) * (6.0 + y.real[:n]), rng.choice([-1.0, 1.0], n) * (6.0 + y.imag[:n])]
    return out


def test_a_power_law_volatility_memory_is_recovered() -> None:
    days = _power_law_days(60, 1_440, beta=0.3, amplitude=0.5, rng=_rng(9))
    assert np.std(np.abs(days[0])) == pytest.approx(1.0, abs=0.1)  # the construction has unit variance in |r|
    memory = abs_return_memory(days)
    assert memory.beta == pytest.approx(0.3, abs=0.05)
    assert memory.at(120) == pytest.approx(0.5 * 120**-0.3, abs=0.02)
    assert BANDS[ABS_R_DECAY].contains(memory.beta) and BANDS[ABS_R_ACF_2H].contains(memory.at(120))


def test_short_memory_volatility_fails_the_decay_bands() -> None:
    # GARCH-like clustering with one 5-minute time scale: |r| memory is gone long before two hours.
    rng = _rng(10)
    days = []
    for _ in range(20):
        x = np.zeros(1_440)
        e = rng.standard_normal(1_440)
        for t in range(1, 1_440):
            x[t] = 0.8 * x[t - 1] + 0.6 * e[t]
        days.append(rng.choice([-1.0, 1.0], 1_440) * (6.0 + x))
    memory = abs_return_memory(days)
    assert memory.at(1) == pytest.approx(0.8, abs=0.05)
    assert abs(memory.at(120)) < 0.03
    assert not BANDS[ABS_R_DECAY].contains(memory.beta)  # steep, or NaN when the ACF is mostly noise around 0
    iid = abs_return_memory([rng.standard_normal(1_440) for _ in range(20)])
    assert math.isnan(iid.beta)


def test_the_kurtosis_band_wants_well_above_three() -> None:
    assert BANDS[KURTOSIS_1M].contains(6.0)  # Student-t(5)
    assert not BANDS[KURTOSIS_1M].contains(1.0)  # Student-t(10): fat, but not as fat as real 1-min returns


# --- tails -----------------------------------------------------------------------------------------------------


def test_hill_recovers_a_pareto_tail_index() -> None:
    x = _rng(11).pareto(1.5, 400_000) + 1.0  # P(X > x) = x^-1.5
    assert hill_tail_index(x, 0.025) == pytest.approx(1.5, abs=0.05)
    assert hill_tail_index(x, 0.05) == pytest.approx(1.5, abs=0.05)
    assert BANDS[SIZE_TAIL].contains(hill_tail_index(x))
    # The inverse cubic law: Student-t(3) has a tail index 3 (Hill's small-sample bias pulls it a little lower).
    t3 = np.abs(_rng(12).standard_t(3, 400_000))
    assert hill_tail_index(t3) == pytest.approx(3.0, abs=0.3)
    assert BANDS[RETURN_TAIL].contains(hill_tail_index(t3))


def test_thin_tails_fail_the_tail_bands() -> None:
    gaussian = np.abs(_rng(13).standard_normal(400_000))
    assert hill_tail_index(gaussian) > 5.0 and not BANDS[RETURN_TAIL].contains(hill_tail_index(gaussian))
    lognormal = _rng(14).lognormal(0.0, 0.8, 400_000)  # the lognormal sizes issue 8 found: thin for a size tail
    assert not BANDS[SIZE_TAIL].contains(hill_tail_index(lognormal))


def test_hill_needs_a_tail_to_measure() -> None:
    assert math.isnan(hill_tail_index(np.arange(1.0, 300.0)))  # 2.5% of 299 is 7 points: too few
    assert math.isnan(hill_tail_index(np.ones(10_000)))  # every value ties: a flat tail has no index
    assert math.isnan(hill_tail_index(np.array([-1.0, 0.0, np.nan] * 1000)))
    with pytest.raises(ValueError, match="tail_fraction"):
        hill_tail_index(np.ones(10), 1.5)


def test_the_tail_fit_carries_its_ccdf_and_threshold() -> None:
    fit = tail_fit(np.array([5.0, 1.0, 3.0, -2.0, 4.0, 2.0]), 0.4)
    x, survival = fit.ccdf()
    np.testing.assert_array_equal(x, [5.0, 4.0, 3.0, 2.0, 1.0])
    np.testing.assert_allclose(survival, [0.2, 0.4, 0.6, 0.8, 1.0])
    assert fit.threshold == 3.0 and math.isnan(fit.alpha)  # two tail points: below the minimum
    z = standardised(np.array([1.0, 2.0, 3.0, 4.0]))
    assert z.mean() == pytest.approx(0.0) and z.std() == pytest.approx(1.0)
    assert len(standardised(np.ones(5))) == 0


# --- durations -------------------------------------------------------------------------------------------------


def test_a_poisson_process_has_cv_one_and_clustered_trades_more() -> None:
    rng = _rng(15)
    poisson = np.cumsum(rng.exponential(2.0, 200_000))
    assert coefficient_of_variation(inter_trade_durations([poisson])) == pytest.approx(1.0, abs=0.01)
    # Busy and quiet spells: the rate switches between 10 and 0.5 per second every 100 trades.
    rates = np.repeat(rng.choice([10.0, 0.5], 2_000), 100)
    clustered = np.cumsum(rng.exponential(1.0 / rates))
    cv = coefficient_of_variation(inter_trade_durations([clustered]))
    assert cv > 1.5 and BANDS[DURATION_CV].contains(cv)
    regular = np.arange(0.0, 1000.0, 2.0)
    assert coefficient_of_variation(inter_trade_durations([regular])) == pytest.approx(0.0)
    assert not BANDS[DURATION_CV].contains(0.0)


def test_durations_stay_within_a_day() -> None:
    durations = inter_trade_durations([np.array([0.0, 1.0, 3.0]), np.array([1e5, 1e5 + 4.0]), np.array([7.0])])
    np.testing.assert_array_equal(durations, [1.0, 2.0, 4.0])  # not the night from 3 s to 1e5 s
    assert math.isnan(coefficient_of_variation(np.array([1.0])))


# --- signed volume and price change ----------------------------------------------------------------------------


def test_signed_volume_and_mid_change_per_bucket() -> None:
    trade_time = np.array([10.0, 20.0, 310.0, 650.0, 700.0])
    sign = np.array([1, 1, -1, 1, 1], np.int8)
    qty = np.array([5, 3, 4, 2, 9], np.int64)
    quote_time = np.arange(0.0, 901.0, 1.0)
    mid = np.where(quote_time < 300, 100.0, np.where(quote_time < 600, 101.0, 99.0))
    signed, dlog = flow_and_price_buckets(trade_time, sign, qty, quote_time, mid, 0.0, 800.0, 300.0)
    np.testing.assert_array_equal(signed, [8.0, -4.0])  # the partial bucket [600, 800) is dropped
    np.testing.assert_allclose(dlog, [math.log(101 / 100), math.log(99 / 101)])
    with pytest.raises(ValueError):
        flow_and_price_buckets(trade_time, sign, qty, quote_time, mid, 0.0, 800.0, 0.0)


def _flow_and_price(noise_share: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A day whose log mid is κ × cumulative signed volume, plus independent noise of `noise_share` of its variance."""
    n = 50_000
    time = np.sort(rng.uniform(0.0, 86_400.0, n))
    sign = rng.choice(np.array([1, -1], np.int8), n)
    qty = rng.integers(1, 500, n)
    kappa = 1e-7
    quote_time = np.arange(0.0, 86_401.0, 1.0)
    flow = np.concatenate([[0.0], np.cumsum(sign * qty)])[np.searchsorted(time, quote_time, side="right")]
    noise = np.cumsum(rng.standard_normal(len(quote_time))) * kappa * 290.0 * math.sqrt(n / 86_400 * noise_share)
    mid = 20.0 * np.exp(kappa * flow + noise)
    return flow_and_price_buckets(time, sign, qty, quote_time, mid, 0.0, 86_400.0)


def test_a_price_made_of_signed_volume_correlates_fully_and_noise_dilutes_it() -> None:
    rng = _rng(16)
    assert correlation(*_flow_and_price(0.0, rng)) == pytest.approx(1.0, abs=1e-6)
    half = correlation(*_flow_and_price(1.0, rng))  # noise as large as the flow's part: 1/√2
    assert half == pytest.approx(1 / math.sqrt(2), abs=0.08) and BANDS[FLOW_PRICE_CORR].contains(half)
    unrelated = correlation(rng.standard_normal(288), rng.standard_normal(288))
    assert not BANDS[FLOW_PRICE_CORR].contains(unrelated)
    assert math.isnan(correlation(np.array([1.0, np.nan, 2.0]), np.array([1.0, 2.0, np.nan])))
    assert math.isnan(correlation(np.ones(10), np.arange(10.0)))


# --- bands -----------------------------------------------------------------------------------------------------


def test_the_stylised_fact_bands_are_the_literatures_for_every_symbol() -> None:
    expected = {SIGN_C1: (0.1, 0.6), SIGN_GAMMA: (0.3, 0.8), RESPONSE_RATIO: (1.0, math.inf),
                KURTOSIS_1M: (3.0, math.inf), ABS_R_DECAY: (0.2, 0.4), ABS_R_ACF_2H: (0.0, math.inf),
                RETURN_TAIL: (2.0, 5.0), SIZE_TAIL: (1.0, 2.5), DURATION_CV: (1.0, math.inf),
                FLOW_PRICE_CORR: (0.3, 0.9)}  # fmt: skip
    for bands in (target_bands(CRYPTOALPHA), target_bands(ACME)):
        assert {name: (bands[name].low, bands[name].high) for name in expected} == expected
