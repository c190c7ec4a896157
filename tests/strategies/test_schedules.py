"""The pure schedules: TWAP, VWAP, POV and Almgren–Chriss plans, their lot rounding, and the paper's example."""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies.schedules import (
    AlmgrenChriss,
    ScheduleInputError,
    SchedulePlan,
    VolumeProfile,
    almgren_chriss_plan,
    interval_weights,
    pov_plan,
    round_to_lots,
    twap_plan,
    vwap_plan,
)
from strategies.schedules.almgren_chriss import mean_square_holding, remaining_share

DAY = 86_400.0


# --- TWAP, VWAP, POV ---------------------------------------------------------------------------------------------


def test_twap_trades_the_same_in_every_interval() -> None:
    plan = twap_plan(1_000, 60.0, 4)
    assert plan.times == (0.0, 15.0, 30.0, 45.0, 60.0)
    assert plan.holdings == (1_000, 750, 500, 250, 0)
    assert plan.trades == (250, 250, 250, 250)
    assert plan.completes and plan.shortfall == 0
    assert plan.expected_cost is None and plan.variance is None


def test_vwap_trades_in_proportion_to_the_weights() -> None:
    weights = (3.0, 1.0, 0.0, 4.0)
    plan = vwap_plan(8_000, 80.0, weights)
    assert plan.trades == pytest.approx((3_000, 1_000, 0, 4_000))
    assert plan.holdings[0] == 8_000 and plan.holdings[-1] == 0
    # The weights' scale does not matter, only their ratios.
    assert vwap_plan(8_000, 80.0, [w * 1e-9 for w in weights]).trades == pytest.approx(plan.trades)


@given(
    qty=st.floats(0, 1e9),
    weights=st.lists(st.floats(0, 1e6), min_size=1, max_size=40).filter(lambda w: sum(w) > 0),
)
def test_vwap_is_monotone_and_sums_to_the_order(qty: float, weights: list[float]) -> None:
    plan = vwap_plan(qty, 3_600.0, weights)
    assert all(b <= a for a, b in pairwise(plan.holdings))
    assert plan.completes and math.fsum(plan.trades) == pytest.approx(qty, rel=1e-12, abs=1e-6)
    total = sum(weights)
    noise = max(1e-6, 2e-12 * qty)  # a trillionth of the order is rounding, settled to nothing
    for trade, weight in zip(plan.trades, weights, strict=True):
        assert trade == pytest.approx(qty * (weight / total), rel=1e-9, abs=noise)


def test_pov_finishes_early_when_the_market_is_busy() -> None:
    plan = pov_plan(1_000, 60.0, [1_000, 1_000, 1_000, 1_000], 0.4)
    assert plan.holdings == (1_000, 600, 200, 0, 0)
    assert plan.trades == (400, 400, 200, 0)
    assert plan.completes and plan.shortfall == 0


def test_pov_says_when_it_cannot_finish() -> None:
    plan = pov_plan(10_000, 60.0, [1_000, 2_000, 1_000], 0.25)
    assert not plan.completes
    assert plan.shortfall == 10_000 - 0.25 * 4_000
    assert plan.trades == (250, 500, 250)


def test_pov_of_float_volumes_leaves_no_phantom_shortfall() -> None:
    # 0.1 x 3 x 1/3 of the order is the whole order, up to float rounding.
    plan = pov_plan(1e6, 60.0, [1e7 / 3] * 4, 0.1)
    assert plan.completes and plan.holdings[-2:] == (0.0, 0.0)


def test_full_participation_is_allowed() -> None:
    assert pov_plan(100, 10.0, [100], 1.0).completes


# --- the volume profile -------------------------------------------------------------------------------------------

STEPS = VolumeProfile(bucket_starts_s=(0.0, 100.0, 200.0), rates=(3.0, 1.0, 2.0), session_s=300.0)


def test_interval_weights_integrate_the_profile_and_wrap_into_the_next_session() -> None:
    # From 50 s into the session for 300 s: the last interval is the next session's first 50 s.
    assert interval_weights(STEPS, 50.0, 300.0, 6) == pytest.approx((150, 50, 50, 100, 100, 150))


def test_a_whole_session_carries_the_whole_profile() -> None:
    weights = interval_weights(STEPS, 120.0, 300.0, 7)
    assert sum(weights) == pytest.approx(3 * 100 + 1 * 100 + 2 * 100)


def test_a_flat_profile_gives_twap() -> None:
    flat = VolumeProfile((0.0,), (1.0,), DAY)
    weights = interval_weights(flat, 3_600.0, 2 * DAY, 8)
    assert vwap_plan(8_000, 2 * DAY, weights).holdings == pytest.approx(twap_plan(8_000, 2 * DAY, 8).holdings)


def test_a_u_shaped_profile_front_and_back_loads_vwap() -> None:
    session = 23_400.0
    starts = tuple(float(s) for s in np.arange(0.0, session, 300.0))
    x = (np.array(starts) + 150.0) / session
    u_shape = tuple(float(r) for r in 1 + 6 * np.exp(-x / 0.05) + 4.5 * np.exp(-(1 - x) / 0.05))
    profile = VolumeProfile(starts, u_shape, session)
    trades = vwap_plan(130_000, session, interval_weights(profile, 0.0, session, 13)).trades
    assert trades[0] > trades[6] and trades[-1] > trades[6]
    assert sum(trades) == pytest.approx(130_000)


# --- lot rounding -------------------------------------------------------------------------------------------------


def test_an_odd_lot_goes_in_the_last_interval_of_twap() -> None:
    plan = round_to_lots(twap_plan(10_050, 3_600.0, 4), 100)
    assert plan.holdings == (10_050, 7_550, 5_050, 2_550, 0)
    assert plan.trades == (2_500, 2_500, 2_500, 2_550)


def test_an_odd_lot_goes_where_pov_finishes() -> None:
    plan = round_to_lots(pov_plan(1_050, 60.0, [1_000, 1_200, 1_000, 1_000], 0.5), 100)
    assert plan.trades == (500, 550, 0, 0)


def test_pov_that_cannot_finish_keeps_what_it_cannot_trade_in_whole_lots() -> None:
    plan = round_to_lots(pov_plan(10_000, 60.0, [1_010, 1_010], 0.5), 100)
    assert plan.trades == (500, 500)
    assert plan.shortfall == 9_000 and not plan.completes


def test_float_noise_does_not_cost_a_lot() -> None:
    noisy = SchedulePlan((0.0, 1.0, 2.0), (600.0, 300.0000000000001 - 1e-13, 0.0))
    assert round_to_lots(noisy, 100).holdings == (600, 300, 0)


@st.composite
def model_plans(draw: st.DrawFn) -> SchedulePlan:
    qty = draw(st.integers(0, 10**9))
    n = draw(st.integers(1, 40))
    kind = draw(st.sampled_from(["twap", "vwap", "pov", "ac"]))
    if kind == "twap":
        return twap_plan(qty, 3_600.0, n)
    volumes = draw(st.lists(st.floats(0, 1e8), min_size=n, max_size=n).filter(lambda v: sum(v) > 0))
    if kind == "vwap":
        return vwap_plan(qty, 3_600.0, volumes)
    if kind == "pov":
        return pov_plan(qty, 3_600.0, volumes, draw(st.floats(0.001, 1.0)))
    model = AlmgrenChriss(sigma=0.95, eta=2.5e-6, gamma=2.5e-7, risk_aversion=draw(st.floats(0, 1e-3)))
    return almgren_chriss_plan(model, qty, 5 * DAY, n, DAY)


@given(plan=model_plans(), lot=st.sampled_from([1, 7, 100, 1_000]))
def test_lot_rounding_is_exact_monotone_and_never_ahead_of_the_model(plan: SchedulePlan, lot: int) -> None:
    rounded = round_to_lots(plan, lot)
    qty = int(plan.qty)
    assert rounded.times == plan.times and rounded.holdings[0] == qty
    assert all(isinstance(h, int) for h in rounded.holdings)
    assert all(b <= a for a, b in pairwise(rounded.holdings))
    assert sum(rounded.trades) == qty - rounded.shortfall  # exact: whole numbers
    assert rounded.completes == plan.completes
    if rounded.completes:
        assert sum(rounded.trades) == qty
    final = qty - rounded.shortfall
    for model_left, left in zip(plan.holdings, rounded.holdings, strict=True):
        done, model_done = qty - left, qty - model_left
        assert done == final or done % lot == 0
        # Behind the model by less than a lot, never ahead of it (but for float noise).
        assert -1e-6 * max(1, qty) <= model_done - done < lot + 1e-6 * max(1, qty)


# --- Almgren–Chriss -----------------------------------------------------------------------------------------------

PAPER = AlmgrenChriss(sigma=0.95, eta=2.5e-6, gamma=2.5e-7, epsilon=0.0625, risk_aversion=1e-6)


def ac(model: AlmgrenChriss, qty: float = 1e6, days: float = 5, n: int = 5) -> SchedulePlan:
    return almgren_chriss_plan(model, qty, days * DAY, n, DAY)


def moments(plan: SchedulePlan) -> tuple[float, float]:
    """(expected cost, variance) of a plan that has a cost model."""
    assert plan.expected_cost is not None and plan.variance is not None
    return plan.expected_cost, plan.variance


def no_risk_aversion(model: AlmgrenChriss) -> AlmgrenChriss:
    return AlmgrenChriss(model.sigma, model.eta, model.gamma, model.epsilon, 0.0)


def test_without_risk_aversion_the_optimum_is_twap() -> None:
    assert ac(no_risk_aversion(PAPER)).holdings == twap_plan(1e6, 5 * DAY, 5).holdings
    no_volatility = AlmgrenChriss(0.0, PAPER.eta, PAPER.gamma, PAPER.epsilon, 1.0)
    assert ac(no_volatility).holdings == twap_plan(1e6, 5 * DAY, 5).holdings


def test_as_risk_aversion_vanishes_the_optimum_tends_to_twap() -> None:
    twap = twap_plan(1e6, 5 * DAY, 5).holdings
    for lam, shares in [(1e-10, 1e3), (1e-14, 0.1), (1e-20, 1e-7)]:
        holdings = ac(AlmgrenChriss(0.95, 2.5e-6, 2.5e-7, 0.0625, lam)).holdings
        assert max(abs(a - b) for a, b in zip(holdings, twap, strict=True)) < shares


def test_huge_risk_aversion_sells_at_once_without_overflow() -> None:
    for lam, sigma in [(1e3, 0.95), (1e300, 0.95), (1e300, 1e200)]:
        plan = ac(AlmgrenChriss(sigma, 2.5e-6, 2.5e-7, 0.0625, lam))
        assert plan.holdings[0] == 1e6 and plan.holdings[1:] == pytest.approx((0.0,) * 5, abs=0.01)
        assert all(math.isfinite(h) for h in plan.holdings)
        assert plan.expected_cost is not None and math.isfinite(plan.expected_cost)


def test_more_risk_aversion_trades_cost_for_less_variance() -> None:
    frontier = [ac(AlmgrenChriss(0.95, 2.5e-6, 2.5e-7, 0.0625, lam)) for lam in (0, 1e-7, 1e-6, 1e-5)]
    costs = [moments(p)[0] for p in frontier]
    variances = [moments(p)[1] for p in frontier]
    assert costs == sorted(costs) and variances == sorted(variances, reverse=True)


@given(
    sigma=st.floats(0, 1e3),
    eta=st.floats(1e-9, 1e3),
    gamma_share=st.floats(0, 0.99),
    lam=st.floats(0, 1e6),
    n=st.integers(1, 60),
    days=st.floats(0.01, 30),
)
def test_optimal_holdings_fall_from_the_order_to_zero(
    sigma: float, eta: float, gamma_share: float, lam: float, n: int, days: float
) -> None:
    tau = days / n
    model = AlmgrenChriss(sigma, eta, gamma_share * 2 * eta / tau, 0.01, lam)  # keeps eta~ > 0
    plan = ac(model, 1e6, days, n)
    assert plan.holdings[0] == 1e6 and plan.holdings[-1] == 0
    assert all(b <= a for a, b in pairwise(plan.holdings))


def definition_cost(model: AlmgrenChriss, holdings: np.ndarray, tau: float) -> tuple[float, float]:
    """E and V from the model's definitions, not the closed form: each interval sells n_k at the permanently
    impacted price (γ per share sold before) less ε + η n_k/τ, against the price before the trade."""
    trades = -np.diff(holdings)
    permanent = model.gamma * float(np.sum(holdings[1:] * trades))
    temporary = float(np.sum(trades * (model.epsilon + model.eta * trades / tau)))
    return permanent + temporary, model.sigma**2 * tau * float(np.sum(holdings[1:] ** 2))


def brute_force_optimum(model: AlmgrenChriss, qty: float, n: int, tau: float) -> np.ndarray:
    """The minimiser of E + λV over the n − 1 free holdings by Newton's method on finite differences of the
    definition's E and V: an independent route to the trajectory, with no sinh and no κ in it."""

    def utility(free: np.ndarray) -> float:
        expected, variance = definition_cost(model, np.concatenate(([qty], free, [0.0])), tau)
        return expected + model.risk_aversion * variance

    x = np.linspace(qty, 0.0, n + 1)[1:-1]
    h = qty * 1e-3
    eye = np.eye(n - 1) * h
    for _ in range(3):  # a quadratic: one step lands, the others confirm
        grad = np.array([(utility(x + e) - utility(x - e)) / (2 * h) for e in eye])
        hess = np.array(
            [
                [
                    (utility(x + a + b) - utility(x + a - b) - utility(x - a + b) + utility(x - a - b)) / (4 * h * h)
                    for b in eye
                ]
                for a in eye
            ]
        )
        x = x - np.linalg.solve(hess, grad)
    return np.concatenate(([qty], x, [0.0]))


def test_the_paper_example() -> None:
    """Almgren & Chriss (2000)'s numerical example: X = 1,000,000 shares, S0 = $50, σ = 0.95 $/share/day^½ (30% a
    year), α = 0, T = 5 days, N = 5, ε = $0.0625 (half the 1/8 spread), η = 2.5e-6, γ = 2.5e-7, λ = 1e-6.

    The figures the paper prints for it (κ, and the expected cost and standard deviation of this and of the naive
    strategy) could not be found in the searchable copies of its text, so they are recomputed here:

    - independently, by brute-force minimisation of E + λV over the 4 free holdings, with E and V taken from the
      model's definitions (per-interval permanent and temporary impact), not from the closed form;
    - and against the figures printed by another implementation, DRIP (Lakshmi Krishnamurthy), for the same
      inputs: its EfficientFrontierNoDrift sample (github.com/lakshmiDRIP/DROP,
      drop/org/drip/sample/almgrenchriss/EfficientFrontierNoDrift.drop) gives, for σ = 0.95 and λ = 1e-6, mean
      $0.9112M, variance 0.3641 ($M)², half-life 1.65 days, and mean $0.6625M as λ → 0; its
      OptimalTrajectoryNoDrift sample (same folder, .drop) with σ = 0.3·50/√250 = 0.9487 gives holdings
      542,380.7 / 290,295.1 / 148,216.1 / 62,303.2 / 0, expected cost $910,477.8, variance 363,868.0e6 $², κ 0.6063
      and κ̃ 0.6156 a day.

    Ours, σ = 0.95: κ = 0.60708/day (half-life 1/κ = 1.647 days), holdings 1,000,000 / 541,955.55 / 289,854.22 /
    147,897.49 / 62,141.80 / 0, E = $911,226.99, V = 3.64129e11 $² (s.d. $603,431); the naive (TWAP, λ = 0)
    strategy E = $662,500 exactly (½γX² 125,000 + εX 62,500 + η̃/τ Σn² 475,000), V = 1.083e12 $² (s.d. $1,040,673).
    """
    tau = 1.0
    assert PAPER.kappa(tau) == pytest.approx(0.60708, abs=5e-6)
    assert 1 / PAPER.kappa(tau) == pytest.approx(1.65, abs=0.005)  # DRIP's half-life

    plan = ac(PAPER)
    assert plan.holdings == pytest.approx((1e6, 541_955.55, 289_854.22, 147_897.49, 62_141.80, 0.0), abs=0.01)
    brute = brute_force_optimum(PAPER, 1e6, 5, tau)
    assert plan.holdings == pytest.approx(tuple(brute), abs=0.01)

    cost, variance = moments(plan)
    by_definition = definition_cost(PAPER, np.array(plan.holdings), tau)
    assert cost == pytest.approx(by_definition[0], rel=1e-12) and variance == pytest.approx(by_definition[1], rel=1e-12)
    assert round(cost) == 911_227
    assert variance == pytest.approx(3.64129e11, rel=1e-5)
    assert cost / 1e6 == pytest.approx(0.9112, abs=5e-5)  # DRIP
    assert variance / 1e12 == pytest.approx(0.3641, abs=5e-5)  # DRIP

    naive_cost, naive_variance = moments(ac(no_risk_aversion(PAPER)))
    assert naive_cost == pytest.approx(662_500, abs=1e-6)  # DRIP: $0.6625M
    assert naive_variance == pytest.approx(1.083e12, rel=1e-12)

    drip = AlmgrenChriss(0.3 * 50 / math.sqrt(250), 2.5e-6, 2.5e-7, 0.0625, 1e-6)
    plan = ac(drip)
    assert plan.holdings == pytest.approx((1e6, 542_380.7, 290_295.1, 148_216.1, 62_303.2, 0.0), abs=0.05)
    cost, variance = moments(plan)
    assert cost == pytest.approx(910_477.8, abs=0.05) and variance / 1e6 == pytest.approx(363_868.0, abs=0.05)
    assert drip.kappa(tau) == pytest.approx(0.6063, abs=5e-5)


def test_the_cost_model_matches_its_definition_on_any_trajectory() -> None:
    rng = np.random.default_rng(7)
    print("seed 7")
    for _ in range(20):
        n = int(rng.integers(1, 12))
        inner = np.sort(rng.uniform(0, 1e5, n - 1))[::-1]
        holdings = np.concatenate(([1e5], inner, [0.0]))
        tau = float(rng.uniform(0.1, 3))
        expected, variance = PAPER.cost_moments(tuple(float(h) for h in holdings), tau)
        assert (expected, variance) == pytest.approx(definition_cost(PAPER, holdings, tau), rel=1e-12)


def test_the_time_unit_scales_the_horizon() -> None:
    # Five days written in hours, with the parameters per hour, is the same problem.
    per_hour = AlmgrenChriss(0.95 / math.sqrt(24), 2.5e-6 * 24, 2.5e-7, 0.0625, 1e-6)
    hourly = almgren_chriss_plan(per_hour, 1e6, 5 * DAY, 5, 3_600.0)
    assert hourly.holdings == pytest.approx(ac(PAPER).holdings, abs=1e-6)
    assert hourly.expected_cost == pytest.approx(ac(PAPER).expected_cost)


# --- bad inputs ---------------------------------------------------------------------------------------------------

BAD: list[tuple[Callable[[], object], str]] = [
    (lambda: twap_plan(-1, 60.0, 4), "qty"),
    (lambda: twap_plan(math.nan, 60.0, 4), "qty"),
    (lambda: twap_plan(100, 0.0, 4), "horizon_s"),
    (lambda: twap_plan(100, math.inf, 4), "horizon_s"),
    (lambda: twap_plan(100, 60.0, 0), "intervals"),
    (lambda: twap_plan(100, 60.0, 2.5), "intervals"),  # type: ignore[arg-type]
    (lambda: vwap_plan(100, 60.0, []), "weights"),
    (lambda: vwap_plan(100, 60.0, [1.0, -1.0]), "weights"),
    (lambda: vwap_plan(100, 60.0, [0.0, 0.0]), "weights"),
    (lambda: pov_plan(100, 60.0, [1.0, math.nan], 0.1), "expected_volume"),
    (lambda: pov_plan(100, 60.0, [1.0], 0.0), "participation"),
    (lambda: pov_plan(100, 60.0, [1.0], 1.5), "participation"),
    (lambda: pov_plan(100, 60.0, [1.0], math.nan), "participation"),
    (lambda: interval_weights(STEPS, 300.0, 60.0, 2), "start_s"),
    (lambda: interval_weights(STEPS, -1.0, 60.0, 2), "start_s"),
    (lambda: VolumeProfile((0.0, 100.0), (1.0,), 300.0), "rates"),
    (lambda: VolumeProfile((0.0, 300.0), (1.0, 1.0), 300.0), "bucket_starts_s"),
    (lambda: VolumeProfile((0.0,), (0.0,), 300.0), "rates"),
    (lambda: AlmgrenChriss(-0.1, 1e-6, 0.0), "sigma"),
    (lambda: AlmgrenChriss(0.1, math.inf, 0.0), "eta"),
    (lambda: AlmgrenChriss(0.1, 1e-6, -1e-9), "gamma"),
    (lambda: AlmgrenChriss(0.1, 1e-6, 0.0, epsilon=-0.01), "epsilon"),
    (lambda: AlmgrenChriss(0.1, 1e-6, 0.0, risk_aversion=-1e-6), "risk_aversion"),
    (lambda: ac(PAPER, qty=-5), "qty"),
    (lambda: ac(PAPER, n=0), "intervals"),
    (lambda: almgren_chriss_plan(PAPER, 1e6, 5 * DAY, 5, 0.0), "time_unit_s"),
    (lambda: round_to_lots(twap_plan(100, 60.0, 4), 0), "lot_size"),
    (lambda: round_to_lots(twap_plan(100.5, 60.0, 4), 100), "qty"),
]


@pytest.mark.parametrize(("make", "field"), BAD)
def test_bad_inputs_are_rejected_naming_the_field(make: Callable[[], object], field: str) -> None:
    with pytest.raises(ScheduleInputError) as info:
        make()
    assert info.value.field == field and str(info.value).startswith(field)


def test_eta_at_or_below_half_gamma_tau_is_ill_posed() -> None:
    # τ = 1 day: γτ/2 = 2.5e-6 = η.
    model = AlmgrenChriss(0.95, 2.5e-6, 5e-6, 0.0625, 1e-6)
    with pytest.raises(ScheduleInputError, match=r"eta must be > gamma\*tau/2 = 2.5e-06 .*ill-posed") as info:
        ac(model)
    assert info.value.field == "eta"
    assert ac(model, n=10).completes  # τ = 0.5 day: η̃ = 1.25e-6 > 0


@pytest.mark.parametrize("kappa_t", [0.0, 1e-6, 5e-4, 2e-3, 0.3, 1.0, 3.0, 12.0])
def test_the_mean_square_holding_is_the_trajectorys_own(kappa_t: float) -> None:
    # Simpson's rule on the trajectory itself, against the closed form (and its series near the line).
    u = np.linspace(0.0, 1.0, 2_001)
    r2 = np.array([remaining_share(kappa_t, x) ** 2 for x in u])
    simpson = (r2[0] + r2[-1] + 4 * r2[1:-1:2].sum() + 2 * r2[2:-1:2].sum()) / (3 * (len(u) - 1))
    assert float(mean_square_holding(kappa_t)) == pytest.approx(simpson, rel=1e-9)


def test_the_mean_square_holding_runs_from_the_line_to_trading_at_once() -> None:
    assert float(mean_square_holding(0.0)) == 1.0 / 3.0  # TWAP: σ²T/3 of price risk
    got = mean_square_holding(np.array([1e3, 1e6, np.inf]))
    np.testing.assert_allclose(got[:2], [1 / 2e3, 1 / 2e6], rtol=1e-12)  # 1/(2κT) far out; no overflow
    assert got[2] == 0.0
    ks = np.linspace(0.0, 20.0, 401)
    assert np.all(np.diff(mean_square_holding(ks)) < 0)  # the sooner it trades, the less it carries
