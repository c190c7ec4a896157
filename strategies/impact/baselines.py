"""Parametric baselines for a parent's cost in bps: the square-root law, Kissell's I-Star, Almgren et al. (2005) and a
Bayesian linear model, each fitted on training arrays and predicting a point and the quantiles at `QUANTILES`.

The three formula models share one fit and one calibration (`ResidualCalibrated`): least squares on residuals
standardised by the price's own noise over the horizon, and quantiles from those standardised residuals. The Bayesian
model takes its quantiles from its predictive Student-t instead.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, fields, replace
from typing import Protocol, Self

import numpy as np
import numpy.typing as npt
from scipy import stats
from scipy.optimize import least_squares

from strategies.impact.quantiles import QUANTILES, FloatArray, sort_quantiles

# Huber's tuning constant (95% efficiency under normal noise) as the soft-L1 loss's scale, in robust SDs of residuals.
_HUBER_K = 1.345
# 1.4826 · MAD estimates a normal standard deviation.
_MAD_TO_SD = 1.4826
_TRADING_DAYS_PER_YEAR = 252.0


class NotFittedError(RuntimeError):
    """A baseline was asked to predict before it was fitted."""


@dataclass(frozen=True, eq=False)
class ImpactInputs:
    """What the baselines see of each parent: equal-length 1-D arrays, one row per parent, every value finite and > 0.

    `q_over_adv` is Q/ADV; `sigma_bps` the daily volatility (bps); `horizon_days` the execution horizon as a fraction
    of a trading day; `participation` Q / volume traded (or expected) over the horizon; `spread_bps` the quoted spread
    at arrival (bps). The arrays are copied and made read-only.
    """

    q_over_adv: FloatArray
    sigma_bps: FloatArray
    horizon_days: FloatArray
    participation: FloatArray
    spread_bps: FloatArray

    def __post_init__(self) -> None:
        n: int | None = None
        for f in fields(self):
            arr = np.array(getattr(self, f.name), dtype=np.float64)
            if arr.ndim != 1:
                raise ValueError(f"ImpactInputs.{f.name} must be 1-D, got shape {arr.shape}")
            if n is None:
                n = arr.size
            elif arr.size != n:
                raise ValueError(f"ImpactInputs.{f.name} has {arr.size} rows, q_over_adv has {n}")
            for bad, what in ((~np.isfinite(arr), "finite"), (arr <= 0.0, "> 0")):
                if bad.any():
                    i, count = int(np.argmax(bad)), np.count_nonzero(bad)
                    raise ValueError(f"ImpactInputs.{f.name} must be {what}; {count} rows are not (row {i}: {arr[i]})")
            arr.setflags(write=False)
            object.__setattr__(self, f.name, arr)

    def __len__(self) -> int:
        return int(self.q_over_adv.size)

    def subset(self, rows: npt.ArrayLike) -> ImpactInputs:
        """The parents at `rows` (a boolean mask or row indices)."""
        idx = np.asarray(rows)
        return ImpactInputs(
            q_over_adv=self.q_over_adv[idx],
            sigma_bps=self.sigma_bps[idx],
            horizon_days=self.horizon_days[idx],
            participation=self.participation[idx],
            spread_bps=self.spread_bps[idx],
        )


def noise_scale(inputs: ImpactInputs, floor_bps: float) -> FloatArray:
    """s = σ·√T + floor (bps): the price's own noise over the horizon, the scale of every baseline's residuals."""
    scale: FloatArray = inputs.sigma_bps * np.sqrt(inputs.horizon_days) + floor_bps
    return scale


def _training_rows(
    inputs: ImpactInputs, y: npt.ArrayLike, model: str, n_params: int
) -> tuple[ImpactInputs, FloatArray]:
    """The rows with a finite target; a ValueError if there are none, or too few to fit `n_params` parameters."""
    yy = np.asarray(y, dtype=np.float64)
    if yy.ndim != 1 or yy.size != len(inputs):
        raise ValueError(f"{model}: y has shape {yy.shape}, the inputs have {len(inputs)} rows")
    if yy.size == 0:
        raise ValueError(f"{model}: cannot fit on no rows")
    ok = np.isfinite(yy)
    if not ok.any():
        raise ValueError(f"{model}: y has no finite values in its {yy.size} rows")
    if (count := np.count_nonzero(ok)) <= n_params:
        raise ValueError(f"{model}: {count} rows with a finite target cannot fit {n_params} parameters")
    return (inputs, yy) if ok.all() else (inputs.subset(ok), yy[ok])


def _check_floor(floor_bps: float) -> None:
    if not (math.isfinite(floor_bps) and floor_bps > 0.0):
        raise ValueError(f"scale_floor_bps must be finite and > 0, got {floor_bps}")


class ImpactBaseline(Protocol):
    """What every baseline offers: fit on training arrays, then a point and the quantiles at `QUANTILES`."""

    @property
    def name(self) -> str: ...

    def fit(self, inputs: ImpactInputs, y: npt.ArrayLike) -> Self:
        """A fitted copy; rows whose target is not finite are left out."""
        ...

    def predict_point(self, inputs: ImpactInputs) -> FloatArray:
        """The point forecast per row (bps)."""
        ...

    def predict_quantiles(self, inputs: ImpactInputs) -> FloatArray:
        """[N, len(QUANTILES)] forecast quantiles (bps), sorted in each row."""
        ...

    def params(self) -> dict[str, float]:
        """The fitted parameters by name, for the model card."""
        ...


@dataclass(frozen=True, kw_only=True)
class ResidualCalibrated(ABC):
    """A formula for the cost whose quantiles are the point plus its own scaled training residuals.

    Fit: least squares on the residuals standardised by s = σ·√T + floor (`noise_scale`), i.e. weights 1/s², since
    the price noise grows with σ√T; with `robust` it is refitted with a soft-L1 loss (a smooth Huber) at 1.345
    robust standard deviations of the first fit's residuals, so heavy-tailed targets do not steer it. Quantiles:
    point + s·(empirical quantiles at `QUANTILES` of the standardised training residuals). They are calibrated in
    the evaluation's sense: from the same training data as the point model, its own residuals, no held-out set.
    """

    scale_floor_bps: float = 1.0
    robust: bool = True
    theta: tuple[float, ...] | None = None
    residual_quantiles: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        _check_floor(self.scale_floor_bps)
        if (self.theta is None) != (self.residual_quantiles is None):
            raise ValueError(f"{self.name}: theta and residual_quantiles are given together or not at all")
        if self.theta is not None and len(self.theta) != len(self._names()):
            raise ValueError(f"{self.name}: theta has {len(self.theta)} values for parameters {self._names()}")
        if self.residual_quantiles is not None and len(self.residual_quantiles) != len(QUANTILES):
            raise ValueError(f"{self.name}: residual_quantiles must have one value per level of {QUANTILES}")

    @property
    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    def _names(self) -> tuple[str, ...]:
        """The names of the entries of theta."""

    @abstractmethod
    def _start(self) -> FloatArray:
        """Starting values of theta (from the literature)."""

    @abstractmethod
    def _bounds(self) -> tuple[FloatArray, FloatArray]:
        """Lower and upper bounds of theta."""

    @abstractmethod
    def _curve(self, theta: FloatArray, inputs: ImpactInputs) -> FloatArray:
        """The point cost (bps) per row for parameters `theta`."""

    def fit(self, inputs: ImpactInputs, y: npt.ArrayLike) -> Self:
        """A fitted copy; rows whose target is not finite are left out."""
        x, yy = _training_rows(inputs, y, self.name, len(self._names()))
        s = noise_scale(x, self.scale_floor_bps)
        lower, upper = self._bounds()

        def standardised(theta: FloatArray) -> FloatArray:
            return (self._curve(theta, x) - yy) / s

        start = np.clip(self._start(), lower, upper)
        theta = np.asarray(least_squares(standardised, start, bounds=(lower, upper), x_scale="jac").x)
        if self.robust:
            z = standardised(theta)
            robust_sd = _MAD_TO_SD * float(np.median(np.abs(z - np.median(z))))
            if robust_sd > 0.0:
                fit = least_squares(
                    standardised, theta, bounds=(lower, upper), x_scale="jac", loss="soft_l1",
                    f_scale=_HUBER_K * robust_sd,
                )
                theta = np.asarray(fit.x)
        z_quantiles = np.quantile(-standardised(theta), QUANTILES)
        return replace(
            self, theta=tuple(float(v) for v in theta), residual_quantiles=tuple(float(v) for v in z_quantiles)
        )

    def _fitted(self) -> tuple[FloatArray, FloatArray]:
        if self.theta is None or self.residual_quantiles is None:
            raise NotFittedError(f"{self.name} is not fitted: call fit(inputs, y) first")
        return np.asarray(self.theta, dtype=np.float64), np.asarray(self.residual_quantiles, dtype=np.float64)

    def predict_point(self, inputs: ImpactInputs) -> FloatArray:
        """The fitted formula per row (bps)."""
        theta, _ = self._fitted()
        return self._curve(theta, inputs)

    def predict_quantiles(self, inputs: ImpactInputs) -> FloatArray:
        """[N, len(QUANTILES)]: point + s·(the standardised training residuals' quantiles), sorted in each row."""
        theta, z_quantiles = self._fitted()
        point = self._curve(theta, inputs)
        s = noise_scale(inputs, self.scale_floor_bps)
        return sort_quantiles(point[:, None] + s[:, None] * z_quantiles[None, :])

    def params(self) -> dict[str, float]:
        """The fitted parameters by name."""
        theta, _ = self._fitted()
        return dict(zip(self._names(), (float(v) for v in theta), strict=True))


@dataclass(frozen=True, kw_only=True)
class SquareRootLaw(ResidualCalibrated):
    """The square-root law: cost = Y·σ·√(Q/ADV) (Tóth et al. 2011; Bouchaud et al. 2018, ch. 12), σ daily, in bps.

    This pure form fits Y alone. `with_spread` adds a term c·spread_bps with c fitted too (c ≈ ½ for a cost that
    crosses half the spread). Both start from Y = c = 0.5 and are bounded below by 0.
    """

    with_spread: bool = False

    @property
    def name(self) -> str:
        return "square-root law + spread" if self.with_spread else "square-root law"

    def _names(self) -> tuple[str, ...]:
        return ("Y", "c") if self.with_spread else ("Y",)

    def _start(self) -> FloatArray:
        return np.full(len(self._names()), 0.5)

    def _bounds(self) -> tuple[FloatArray, FloatArray]:
        k = len(self._names())
        return np.zeros(k), np.full(k, np.inf)

    def _curve(self, theta: FloatArray, inputs: ImpactInputs) -> FloatArray:
        cost: FloatArray = theta[0] * inputs.sigma_bps * np.sqrt(inputs.q_over_adv)
        if self.with_spread:
            cost = cost + theta[1] * inputs.spread_bps
        return cost


@dataclass(frozen=True, kw_only=True)
class IStar(ResidualCalibrated):
    """Kissell & Glantz's I-Star (Kissell, Glantz & Malamut 2004), in bps.

    I* = a1·(Q/ADV)^a2·σ^a3 and cost = b1·I*·POV^a4 + (1 − b1)·I*, with σ the annualised volatility as a fraction
    (σ_bps·√252 / 10⁴, the unit of the published parameters) and POV the participation. Fitted from the US
    estimates in Kissell (2013, The Science of Algorithmic Trading and Portfolio Management), a1 = 708, a2 = 0.55,
    a3 = 0.71, a4 = 0.5, b1 = 0.98, within a1 in [1e-3, 1e6], the exponents in [0.05, 2] and b1 in [0, 1]; a1 is
    fitted as log a1, since it spans orders of magnitude.
    """

    @property
    def name(self) -> str:
        return "I-Star"

    def _names(self) -> tuple[str, ...]:
        return ("log_a1", "a2", "a3", "a4", "b1")

    def _start(self) -> FloatArray:
        return np.array([math.log(708.0), 0.55, 0.71, 0.5, 0.98])

    def _bounds(self) -> tuple[FloatArray, FloatArray]:
        return (
            np.array([math.log(1e-3), 0.05, 0.05, 0.05, 0.0]),
            np.array([math.log(1e6), 2.0, 2.0, 2.0, 1.0]),
        )

    def _curve(self, theta: FloatArray, inputs: ImpactInputs) -> FloatArray:
        log_a1, a2, a3, a4, b1 = theta
        sigma_annual = inputs.sigma_bps * math.sqrt(_TRADING_DAYS_PER_YEAR) / 1e4
        i_star = np.exp(log_a1 + a2 * np.log(inputs.q_over_adv) + a3 * np.log(sigma_annual))
        cost: FloatArray = i_star * (b1 * inputs.participation**a4 + (1.0 - b1))
        return cost

    def params(self) -> dict[str, float]:
        """a1 … b1 (a1 itself, not its log)."""
        p = super().params()
        return {"a1": math.exp(p.pop("log_a1")), **p}


@dataclass(frozen=True, kw_only=True)
class AlmgrenPowerLaw(ResidualCalibrated):
    """Almgren, Thum, Hauptmann & Li (2005) without their float-turnover factor (Θ/V)^¼, in bps.

    permanent = γ·σ·(X/V)^α, temporary = η·σ·(X/(V·T))^β, cost = permanent/2 + temporary + spread/2, with X/V =
    Q/ADV, T the horizon in days (so X/(V·T) is the trading rate in daily volumes) and σ daily. γ, α, η, β are
    fitted on the total cost from the paper's estimates γ = 0.314, α = 1 (0.891 ± 0.10 before they fixed it),
    η = 0.142, β = 0.6, with γ, η ≥ 0 and the exponents in [0.1, 2]. `half_spread=False` drops the spread/2 term,
    for targets measured without the spread.
    """

    half_spread: bool = True

    @property
    def name(self) -> str:
        return "Almgren power law"

    def _names(self) -> tuple[str, ...]:
        return ("gamma", "alpha", "eta", "beta")

    def _start(self) -> FloatArray:
        return np.array([0.314, 1.0, 0.142, 0.6])

    def _bounds(self) -> tuple[FloatArray, FloatArray]:
        return np.array([0.0, 0.1, 0.0, 0.1]), np.array([np.inf, 2.0, np.inf, 2.0])

    def _curve(self, theta: FloatArray, inputs: ImpactInputs) -> FloatArray:
        gamma, alpha, eta, beta = theta
        permanent = gamma * inputs.sigma_bps * inputs.q_over_adv**alpha
        temporary = eta * inputs.sigma_bps * (inputs.q_over_adv / inputs.horizon_days) ** beta
        cost: FloatArray = permanent / 2.0 + temporary
        return cost + inputs.spread_bps / 2.0 if self.half_spread else cost


BASIS_NAMES: tuple[str, ...] = ("intercept", "spread", "sqrt_law", "linear", "participation_0.6", "timing")
"""The Bayesian model's basis, in order: 1, spread_bps, σ√(Q/ADV), σ·Q/ADV, σ·POV^0.6, σ·√T."""


def bayesian_basis(inputs: ImpactInputs) -> FloatArray:
    """[N, 6] basis per `BASIS_NAMES`: a constant (fees, bias), the spread, the square-root law, Almgren's linear
    permanent term, his temporary term at β = 0.6 on the participation, and σ√T (drift that grows like the noise)."""
    sigma = inputs.sigma_bps
    return np.column_stack(
        [
            np.ones_like(sigma),
            inputs.spread_bps,
            sigma * np.sqrt(inputs.q_over_adv),
            sigma * inputs.q_over_adv,
            sigma * inputs.participation**0.6,
            sigma * np.sqrt(inputs.horizon_days),
        ]
    )


@dataclass(frozen=True, eq=False)
class NigPosterior:
    """The Normal–inverse-gamma posterior w | v ~ N(mean, v·cov), v ~ IG(a, b), on basis columns / `column_scale`."""

    mean: FloatArray
    cov: FloatArray
    a: float
    b: float
    column_scale: FloatArray


@dataclass(frozen=True, kw_only=True)
class BayesianLinear:
    """Conjugate Bayesian linear regression of the cost on `bayesian_basis`, with a predictive Student-t.

    Model: y = φ(x)·w + s·ε, ε ~ N(0, v), s = σ·√T + floor (`noise_scale`, a known heteroscedastic weight);
    prior w | v ~ N(0, v·`prior_scale`²·I) on the weighted basis columns scaled to unit RMS, v ~ IG(`a0`, `b0`).
    The predictive is Student-t with 2aₙ degrees of freedom, location φ·mₙ and scale² (bₙ/aₙ)(s² + φᵀVₙφ)
    (Murphy 2012, §7.6.3; Bishop 2006, §3.3); its quantiles are exact.
    """

    prior_scale: float = 10.0
    a0: float = 1.0
    b0: float = 1.0
    scale_floor_bps: float = 1.0
    posterior: NigPosterior | None = None

    def __post_init__(self) -> None:
        _check_floor(self.scale_floor_bps)
        for field_name in ("prior_scale", "a0", "b0"):
            value = getattr(self, field_name)
            if not (math.isfinite(value) and value > 0.0):
                raise ValueError(f"BayesianLinear.{field_name} must be finite and > 0, got {value}")

    @property
    def name(self) -> str:
        return "Bayesian linear"

    def fit(self, inputs: ImpactInputs, y: npt.ArrayLike) -> Self:
        """A fitted copy; rows whose target is not finite are left out."""
        x, yy = _training_rows(inputs, y, self.name, len(BASIS_NAMES))
        s = noise_scale(x, self.scale_floor_bps)
        weighted = bayesian_basis(x) / s[:, None]
        # Unit-RMS columns make one prior scale mean the same for every basis function.
        column_scale = np.sqrt(np.mean(weighted**2, axis=0))
        column_scale[column_scale == 0.0] = 1.0
        design = weighted / column_scale
        target = yy / s
        precision = design.T @ design + np.eye(len(BASIS_NAMES)) / self.prior_scale**2
        cov = np.linalg.inv(precision)
        mean = cov @ (design.T @ target)
        a = self.a0 + target.size / 2.0
        b = self.b0 + 0.5 * max(float(target @ target - mean @ precision @ mean), 0.0)
        return replace(self, posterior=NigPosterior(mean, (cov + cov.T) / 2.0, a, b, column_scale))

    def _posterior(self) -> NigPosterior:
        if self.posterior is None:
            raise NotFittedError(f"{self.name} is not fitted: call fit(inputs, y) first")
        return self.posterior

    def predictive(self, inputs: ImpactInputs) -> tuple[FloatArray, FloatArray, float]:
        """The predictive Student-t per row: location, scale (bps) and degrees of freedom."""
        post = self._posterior()
        phi = bayesian_basis(inputs) / post.column_scale
        s = noise_scale(inputs, self.scale_floor_bps)
        location: FloatArray = phi @ post.mean
        spread = np.einsum("ij,jk,ik->i", phi, post.cov, phi)
        scale: FloatArray = np.sqrt(post.b / post.a * (s**2 + spread))
        return location, scale, 2.0 * post.a

    def predict_point(self, inputs: ImpactInputs) -> FloatArray:
        """The predictive mean (bps)."""
        return self.predictive(inputs)[0]

    def predict_std(self, inputs: ImpactInputs) -> FloatArray:
        """The predictive standard deviation (bps): scale·√(ν/(ν − 2)), infinite for ν ≤ 2."""
        _, scale, dof = self.predictive(inputs)
        std: FloatArray = scale * math.sqrt(dof / (dof - 2.0)) if dof > 2.0 else np.full_like(scale, np.inf)
        return std

    def predict_quantiles(self, inputs: ImpactInputs) -> FloatArray:
        """[N, len(QUANTILES)] quantiles of the predictive Student-t."""
        location, scale, dof = self.predictive(inputs)
        t_quantiles = np.asarray(stats.t.ppf(QUANTILES, dof), dtype=np.float64)
        return sort_quantiles(location[:, None] + scale[:, None] * t_quantiles[None, :])

    def params(self) -> dict[str, float]:
        """Posterior mean coefficients in the basis's own units (w_*), E[v] (noise_var) and the predictive dof."""
        post = self._posterior()
        coefficients = post.mean / post.column_scale
        out = {f"w_{n}": float(c) for n, c in zip(BASIS_NAMES, coefficients, strict=True)}
        out["noise_var"] = post.b / (post.a - 1.0) if post.a > 1.0 else math.inf
        out["dof"] = 2.0 * post.a
        return out


def default_baselines() -> tuple[ImpactBaseline, ...]:
    """One unfitted instance of each baseline, in their usual settings."""
    return (SquareRootLaw(), IStar(), AlmgrenPowerLaw(), BayesianLinear())
