"""Parametric impact baselines: each recovers its own parameters from synthetic data and its quantiles cover."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import FrozenInstanceError

import numpy as np
import pytest

from strategies.impact.baselines import (
    BASIS_NAMES,
    AlmgrenPowerLaw,
    BayesianLinear,
    ImpactBaseline,
    ImpactInputs,
    IStar,
    NotFittedError,
    ResidualCalibrated,
    SquareRootLaw,
    bayesian_basis,
    default_baselines,
    noise_scale,
)
from strategies.impact.quantiles import QUANTILES
from strategies.impact.scoring import coverage

SEED = 20240611
NO_RESIDUALS = (0.0,) * len(QUANTILES)


def make_inputs(n: int, rng: np.random.Generator, q_range: tuple[float, float] = (1e-3, 0.3)) -> ImpactInputs:
    """Parents across the usual ranges: Q/ADV log-uniform, 50–400 bps daily vol, 5%–100% of a day."""
    return ImpactInputs(
        q_over_adv=np.exp(rng.uniform(math.log(q_range[0]), math.log(q_range[1]), n)),
        sigma_bps=rng.uniform(50.0, 400.0, n),
        horizon_days=rng.uniform(0.05, 1.0, n),
        participation=rng.uniform(0.02, 0.5, n),
        spread_bps=rng.uniform(1.0, 20.0, n),
    )


def heavy_noise(x: ImpactInputs, rng: np.random.Generator, size: float, dof: float) -> np.ndarray:
    """Student-t noise with `dof` degrees of freedom, `size` times the price noise over the horizon."""
    return size * noise_scale(x, 1.0) * rng.standard_t(dof, len(x))


def sample(
    truth: Callable[[ImpactInputs], np.ndarray], n: int, rng: np.random.Generator, size: float, dof: float,
    q_range: tuple[float, float] = (1e-3, 0.3),
) -> tuple[ImpactInputs, np.ndarray]:
    x = make_inputs(n, rng, q_range)
    return x, truth(x) + heavy_noise(x, rng, size, dof)


def sqrt_law(x: ImpactInputs) -> np.ndarray:
    return 0.7 * x.sigma_bps * np.sqrt(x.q_over_adv)


def test_square_root_law_recovers_y_through_heavy_tails() -> None:
    rng = np.random.default_rng(SEED)
    x, y = sample(sqrt_law, 3000, rng, size=0.1, dof=1.5)  # infinite variance: plain least squares is off by ~10%
    fitted = SquareRootLaw().fit(x, y)
    assert fitted.params()["Y"] == pytest.approx(0.7, rel=0.05)
    assert fitted.name == "square-root law"
    np.testing.assert_allclose(fitted.predict_point(x), fitted.params()["Y"] * x.sigma_bps * np.sqrt(x.q_over_adv))


def test_square_root_law_with_spread_fits_the_half_spread() -> None:
    rng = np.random.default_rng(SEED + 1)
    x, y = sample(lambda x: sqrt_law(x) + 0.5 * x.spread_bps, 3000, rng, size=0.05, dof=4.0)
    params = SquareRootLaw(with_spread=True).fit(x, y).params()
    assert params["Y"] == pytest.approx(0.7, rel=0.05)
    assert params["c"] == pytest.approx(0.5, abs=0.1)


ISTAR_TRUTH = IStar(theta=(math.log(400.0), 0.6, 0.8, 0.6, 0.7), residual_quantiles=NO_RESIDUALS)


def test_istar_recovers_its_parameters_from_off_literature_values() -> None:
    rng = np.random.default_rng(SEED + 2)
    x, y = sample(ISTAR_TRUTH.predict_point, 3000, rng, size=0.05, dof=5.0)
    fitted = IStar().fit(x, y)
    p = fitted.params()
    assert p["a1"] == pytest.approx(400.0, rel=0.15)
    assert p["a2"] == pytest.approx(0.6, abs=0.03)
    assert p["a3"] == pytest.approx(0.8, abs=0.05)
    # b1 and a4 trade off against each other; what the data pin down is the participation factor.
    for pov in (0.05, 0.2, 0.5):
        assert p["b1"] * pov ** p["a4"] + 1 - p["b1"] == pytest.approx(0.7 * pov**0.6 + 0.3, rel=0.15)


def test_istar_reads_sigma_annualised_as_the_published_parameters_do() -> None:
    one = ImpactInputs(
        q_over_adv=np.array([0.1]), sigma_bps=np.array([1e4 * 0.25 / math.sqrt(252)]), horizon_days=np.array([1.0]),
        participation=np.array([0.2]), spread_bps=np.array([5.0]),
    )
    model = IStar(theta=(math.log(708.0), 0.55, 0.71, 0.5, 0.98), residual_quantiles=NO_RESIDUALS)
    i_star = 708.0 * 0.1**0.55 * 0.25**0.71
    assert model.predict_point(one)[0] == pytest.approx(i_star * (0.98 * 0.2**0.5 + 0.02))
    assert model.params()["a1"] == pytest.approx(708.0)


ALMGREN_TRUTH = AlmgrenPowerLaw(theta=(0.5, 0.9, 0.2, 0.6), residual_quantiles=NO_RESIDUALS)


def test_almgren_power_law_recovers_its_exponents() -> None:
    rng = np.random.default_rng(SEED + 3)
    x, y = sample(ALMGREN_TRUTH.predict_point, 3000, rng, size=0.05, dof=5.0, q_range=(0.01, 0.5))
    p = AlmgrenPowerLaw().fit(x, y).params()
    assert p["beta"] == pytest.approx(0.6, abs=0.03)
    assert p["eta"] == pytest.approx(0.2, rel=0.1)
    assert p["alpha"] == pytest.approx(0.9, abs=0.15)
    assert p["gamma"] == pytest.approx(0.5, rel=0.2)


def test_almgren_cost_is_half_the_permanent_plus_temporary_plus_half_spread() -> None:
    one = ImpactInputs(
        q_over_adv=np.array([0.1]), sigma_bps=np.array([200.0]), horizon_days=np.array([0.5]),
        participation=np.array([0.2]), spread_bps=np.array([6.0]),
    )
    permanent = 0.314 * 200.0 * 0.1
    temporary = 0.142 * 200.0 * (0.1 / 0.5) ** 0.6
    model = AlmgrenPowerLaw(theta=(0.314, 1.0, 0.142, 0.6), residual_quantiles=NO_RESIDUALS)
    assert model.predict_point(one)[0] == pytest.approx(permanent / 2 + temporary + 3.0)
    no_spread = AlmgrenPowerLaw(half_spread=False, theta=model.theta, residual_quantiles=NO_RESIDUALS)
    assert no_spread.predict_point(one)[0] == pytest.approx(permanent / 2 + temporary)


BAYES_W = np.array([2.0, 0.5, 0.6, 0.0, 0.1, 0.0])


def bayes_truth(x: ImpactInputs) -> np.ndarray:
    return np.asarray(bayesian_basis(x) @ BAYES_W, dtype=np.float64)


def test_bayesian_linear_recovers_coefficients_and_noise() -> None:
    rng = np.random.default_rng(SEED + 4)
    x = make_inputs(4000, rng)
    y = bayes_truth(x) + 0.1 * noise_scale(x, 1.0) * rng.standard_normal(len(x))
    fitted = BayesianLinear().fit(x, y)
    p = fitted.params()
    assert p["w_spread"] == pytest.approx(0.5, abs=0.1)
    assert p["w_sqrt_law"] == pytest.approx(0.6, abs=0.1)
    assert p["w_participation_0.6"] == pytest.approx(0.1, abs=0.05)
    assert p["noise_var"] == pytest.approx(0.01, rel=0.1)
    assert p["dof"] == pytest.approx(2 * (1.0 + 4000 / 2))
    std = fitted.predict_std(x)
    assert np.median(std / (0.1 * noise_scale(x, 1.0))) == pytest.approx(1.0, abs=0.06)
    np.testing.assert_allclose(fitted.predict_point(x), fitted.predictive(x)[0])


def test_bayesian_quantiles_are_the_student_t_quantiles() -> None:
    rng = np.random.default_rng(SEED + 5)
    x = make_inputs(40, rng)  # few rows: a visibly heavy-tailed t
    fitted = BayesianLinear(a0=1.0).fit(x, bayes_truth(x) + 0.1 * noise_scale(x, 1.0) * rng.standard_normal(40))
    loc, scale, dof = fitted.predictive(x)
    assert dof == pytest.approx(42.0)
    q = fitted.predict_quantiles(x)
    t95 = 1.6820  # Student-t 0.95 quantile at 42 degrees of freedom
    np.testing.assert_allclose((q[:, 6] - loc) / scale, t95, atol=1e-3)
    np.testing.assert_allclose((q[:, 0] - loc) / scale, -t95, atol=1e-3)
    np.testing.assert_allclose(q[:, 3], loc)


CASES: list[tuple[ImpactBaseline, Callable[[ImpactInputs], np.ndarray], float]] = [
    (SquareRootLaw(), sqrt_law, 4.0),
    (IStar(), ISTAR_TRUTH.predict_point, 4.0),
    (AlmgrenPowerLaw(), ALMGREN_TRUTH.predict_point, 4.0),
    (BayesianLinear(), bayes_truth, math.inf),  # its own model: normal noise
]


@pytest.mark.parametrize(("model", "truth", "dof"), CASES, ids=lambda v: getattr(v, "name", ""))
def test_quantiles_cover_nominal_on_held_out_data(
    model: ImpactBaseline, truth: Callable[[ImpactInputs], np.ndarray], dof: float
) -> None:
    rng = np.random.default_rng(SEED + 6)

    def draw(n: int) -> tuple[ImpactInputs, np.ndarray]:
        x = make_inputs(n, rng)
        eps = rng.standard_normal(n) if math.isinf(dof) else rng.standard_t(dof, n)
        return x, truth(x) + 0.2 * noise_scale(x, 1.0) * eps

    fitted = model.fit(*draw(3000))
    x_test, y_test = draw(20_000)
    q = fitted.predict_quantiles(x_test)
    assert q.shape == (20_000, len(QUANTILES))
    assert np.all(np.diff(q, axis=1) >= 0.0)
    # About 3 standard errors of quantiles estimated from 3000 training rows.
    for width, tol in ((50, 0.04), (80, 0.025), (90, 0.02)):
        assert coverage(y_test, q, QUANTILES, width) == pytest.approx(width / 100, abs=tol)
    np.testing.assert_allclose((y_test[:, None] <= q).mean(axis=0), QUANTILES, atol=0.03)
    # Quiet and noisy parents alike, not only on average: the quantiles widen with the price noise.
    s = noise_scale(x_test, 1.0)
    for part in (s < np.quantile(s, 0.25), s > np.quantile(s, 0.75)):
        assert coverage(y_test[part], q[part], QUANTILES, 80) == pytest.approx(0.8, abs=0.035)


def test_residual_quantiles_scale_with_the_price_noise() -> None:
    fitted = SquareRootLaw(theta=(0.7,), residual_quantiles=(-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0))
    x = ImpactInputs(
        q_over_adv=np.array([0.04, 0.04]), sigma_bps=np.array([100.0, 100.0]), horizon_days=np.array([0.25, 1.0]),
        participation=np.array([0.1, 0.1]), spread_bps=np.array([2.0, 2.0]),
    )
    s = np.array([100.0 * 0.5 + 1.0, 100.0 + 1.0])
    np.testing.assert_allclose(fitted.predict_quantiles(x), 14.0 + s[:, None] * np.array([-2, -1, -0.5, 0, 0.5, 1, 2]))


def test_fit_leaves_out_rows_without_a_target_and_returns_a_new_model() -> None:
    rng = np.random.default_rng(SEED + 7)
    x, y = sample(sqrt_law, 500, rng, size=0.1, dof=4.0)
    y_gappy = y.copy()
    y_gappy[::7] = np.nan
    keep = np.isfinite(y_gappy)
    model = SquareRootLaw()
    assert model.fit(x, y_gappy) == model.fit(x.subset(keep), y[keep])
    assert model.theta is None
    with pytest.raises(FrozenInstanceError):
        model.robust = False  # type: ignore[misc]


@pytest.mark.parametrize("model", default_baselines(), ids=lambda m: m.name)
def test_fitting_refuses_empty_or_targetless_data(model: ImpactBaseline) -> None:
    rng = np.random.default_rng(SEED + 8)
    x = make_inputs(50, rng)
    with pytest.raises(ValueError, match="cannot fit on no rows"):
        model.fit(x.subset(np.zeros(50, dtype=bool)), np.array([]))
    with pytest.raises(ValueError, match="no finite values in its 50 rows"):
        model.fit(x, np.full(50, np.nan))
    with pytest.raises(ValueError, match="y has shape"):
        model.fit(x, np.zeros(49))
    with pytest.raises(ValueError, match="1 rows with a finite target cannot fit"):
        model.fit(x.subset(np.arange(1)), np.zeros(1))
    with pytest.raises(NotFittedError, match="call fit"):
        model.predict_quantiles(x)
    with pytest.raises(NotFittedError, match="call fit"):
        model.params()


def test_inputs_name_the_bad_field() -> None:
    good = {name: np.ones(3) for name in ("q_over_adv", "sigma_bps", "horizon_days", "participation", "spread_bps")}
    with pytest.raises(ValueError, match=r"ImpactInputs\.sigma_bps has 2 rows, q_over_adv has 3"):
        ImpactInputs(**{**good, "sigma_bps": np.ones(2)})
    with pytest.raises(ValueError, match=r"ImpactInputs\.horizon_days must be finite; 1 rows are not \(row 1: nan\)"):
        ImpactInputs(**{**good, "horizon_days": np.array([1.0, np.nan, 1.0])})
    with pytest.raises(ValueError, match=r"ImpactInputs\.spread_bps must be > 0; 1 rows are not \(row 2: 0.0\)"):
        ImpactInputs(**{**good, "spread_bps": np.array([1.0, 1.0, 0.0])})
    with pytest.raises(ValueError, match=r"ImpactInputs\.participation must be 1-D"):
        ImpactInputs(**{**good, "participation": np.ones((3, 1))})
    x = ImpactInputs(**good)
    assert len(x) == 3
    assert not x.sigma_bps.flags.writeable


def test_bad_settings_are_named() -> None:
    with pytest.raises(ValueError, match="scale_floor_bps must be finite and > 0"):
        SquareRootLaw(scale_floor_bps=0.0)
    with pytest.raises(ValueError, match=r"BayesianLinear\.prior_scale must be finite and > 0"):
        BayesianLinear(prior_scale=-1.0)
    with pytest.raises(ValueError, match="together or not at all"):
        IStar(theta=(1.0, 0.5, 0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match=r"theta has 1 values for parameters \('Y', 'c'\)"):
        SquareRootLaw(with_spread=True, theta=(0.7,), residual_quantiles=NO_RESIDUALS)


def test_every_baseline_has_a_name_and_a_model_card() -> None:
    rng = np.random.default_rng(SEED + 9)
    x, y = sample(sqrt_law, 400, rng, size=0.1, dof=4.0)
    fitted = [m.fit(x, y) for m in default_baselines()]
    assert [m.name for m in fitted] == ["square-root law", "I-Star", "Almgren power law", "Bayesian linear"]
    assert list(fitted[3].params())[: len(BASIS_NAMES)] == [f"w_{n}" for n in BASIS_NAMES]
    for m in fitted:
        assert all(math.isfinite(v) for v in m.params().values())
        assert isinstance(m, ResidualCalibrated) == (m.name != "Bayesian linear")
