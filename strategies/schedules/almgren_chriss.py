"""Almgren–Chriss: the mean-variance optimal liquidation trajectory under linear market impact.

Almgren & Chriss (2000), "Optimal execution of portfolio transactions", J. Risk 3(2), in discrete time: N
intervals of τ = T/N, η̃ = η − γτ/2, κ̃² = λσ²/η̃, κ solving (2/τ²)(cosh κτ − 1) = κ̃², and holdings
x_j = X sinh(κ(T − t_j)) / sinh(κT). Their expected cost is E = ½γX² + εΣ|n_k| + (η̃/τ)Σn_k² and its variance
V = σ²Σ τ x_k² (n_k = x_{k−1} − x_k the trade of interval k). λ = 0 gives the straight line (TWAP), larger λ trades
sooner to carry less price risk.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from strategies.schedules.plan import ScheduleInputError, SchedulePlan, boundaries, check_qty

# Below this κT the sinh ratio and the straight line agree to double precision (they differ by about (κT)²/6), so
# the line is used: it is exact for λ = 0 and divides by nothing.
_LINEAR_BELOW = 1e-8
# Below this κT `mean_square_holding` takes its series: the closed form loses digits to cancellation there.
_SERIES_BELOW = 1e-3


@dataclass(frozen=True)
class AlmgrenChriss:
    """The model's market, in one time unit of the caller's choosing (a day in the paper's example).

    sigma: price volatility, $/share per √(time unit); eta: temporary impact, $/share per (share per time unit);
    gamma: permanent impact, $/share per share; epsilon: fixed cost of each share traded, $/share (half the spread
    and fees); risk_aversion: λ, the weight of the variance against the expected cost, per $.
    """

    sigma: float
    eta: float
    gamma: float
    epsilon: float = 0.0
    risk_aversion: float = 0.0

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if not (math.isfinite(value) and value >= 0):
                raise ScheduleInputError(field.name, f"must be finite and >= 0, got {value}")

    def eta_tilde(self, tau: float) -> float:
        """η̃ = η − γτ/2, the temporary impact net of the permanent impact's own interval; it must be > 0."""
        eta_tilde = self.eta - self.gamma * tau / 2
        if not eta_tilde > 0:
            raise ScheduleInputError(
                "eta",
                f"must be > gamma*tau/2 = {self.gamma * tau / 2:g} (tau = {tau:g}): "
                f"eta <= gamma*tau/2 makes the problem ill-posed",
            )
        return eta_tilde

    def kappa(self, tau: float) -> float:
        """κ, per time unit: the trajectory's decay rate (1/κ is the trade's half-life in the paper's sense)."""
        kappa_tilde = math.sqrt(self.risk_aversion * self.sigma * self.sigma / self.eta_tilde(tau))
        # (2/τ²)(cosh κτ − 1) = κ̃² is 2 sinh²(κτ/2) = (κ̃τ)²/2: asinh keeps small κ̃ exact, where acosh(1 + y)
        # would lose it to rounding.
        return 2 * math.asinh(kappa_tilde * tau / 2) / tau

    def cost_moments(self, holdings: Sequence[float], tau: float) -> tuple[float, float]:
        """(expected cost, variance of the cost) in $ and $² of any trajectory x_0..x_N = 0 at intervals of τ."""
        if holdings[-1] != 0:
            raise ScheduleInputError("holdings", f"must end at 0 for the model's costs, got {holdings[-1]}")
        trades = [a - b for a, b in pairwise(holdings)]
        expected = (
            self.gamma * holdings[0] ** 2 / 2
            + self.epsilon * math.fsum(abs(n) for n in trades)
            + self.eta_tilde(tau) / tau * math.fsum(n * n for n in trades)
        )
        variance = tau * math.fsum(x * x for x in holdings[1:]) * self.sigma * self.sigma
        return expected, variance


def almgren_chriss_plan(
    model: AlmgrenChriss, qty: float, horizon_s: float, intervals: int, time_unit_s: float = 1.0
) -> SchedulePlan:
    """The optimal trajectory of `qty` over `intervals` equal intervals of [0, horizon_s], with its E and V.

    `time_unit_s` is the model's time unit in seconds (86400 when sigma and eta are per day): T = horizon_s /
    time_unit_s.
    """
    times = boundaries(horizon_s, intervals)
    check_qty(qty)
    if not (math.isfinite(time_unit_s) and time_unit_s > 0):
        raise ScheduleInputError("time_unit_s", f"must be finite and > 0, got {time_unit_s}")
    tau = horizon_s / intervals / time_unit_s
    plan = SchedulePlan(times, _holdings(qty, model.kappa(tau) * tau, intervals))
    return with_costs(model, plan, time_unit_s)


def with_costs(model: AlmgrenChriss, plan: SchedulePlan, time_unit_s: float = 1.0) -> SchedulePlan:
    """`plan` (even intervals, ending at 0) with the model's expected cost and variance of its own trajectory."""
    tau = plan.times[-1] / plan.intervals / time_unit_s
    expected, variance = model.cost_moments(plan.holdings, tau)
    return dataclasses.replace(plan, expected_cost=expected, variance=variance)


def remaining_share(kappa_t: float, elapsed: float) -> float:
    """sinh(κT(1 − u)) / sinh(κT): the share of the order still held when a share u of the horizon has elapsed.

    The straight line 1 − u below `_LINEAR_BELOW`; everything done at once when κT overflowed to infinity.
    """
    if kappa_t < _LINEAR_BELOW:
        return 1.0 - elapsed
    if math.isinf(kappa_t):  # λσ² so large it overflowed: everything goes in the first instant
        return 1.0 if elapsed <= 0 else 0.0
    # sinh(a)/sinh(b) = e^(a−b) (1 − e^(−2a)) / (1 − e^(−2b)): nothing overflows however large κT grows.
    return math.exp(-kappa_t * elapsed) * math.expm1(-2.0 * kappa_t * (1.0 - elapsed)) / math.expm1(-2.0 * kappa_t)


def mean_square_holding(kappa_t: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """∫₀¹ r(u)² du for the trajectory's remaining share r (`remaining_share`), elementwise: 1/3 for the straight
    line (TWAP), less the sooner it trades. The price risk of working an order is σ² X² T times this (the variance
    V = σ² Σ τ x_k² in continuous time), so the market's own move over the execution has a standard deviation of
    σ √T √(this) in price units per unit held.

    Closed form (sinh(2κT)/(4κT) − 1/2) / sinh²(κT), written in e^(−2κT) so nothing overflows; its series
    1/3 − 2(κT)²/45 below κT = 1e-3, where the closed form cancels."""
    k = np.asarray(kappa_t, dtype=np.float64)
    safe = np.maximum(k, _SERIES_BELOW)  # no 0/0 where the series serves; κT = inf gives 0 without a warning
    closed = (-np.expm1(-4.0 * safe) / (2.0 * safe) - 2.0 * np.exp(-2.0 * safe)) / np.expm1(-2.0 * safe) ** 2
    out: npt.NDArray[np.float64] = np.where(k < _SERIES_BELOW, 1.0 / 3.0 - 2.0 * k * k / 45.0, closed)
    return out


def _holdings(qty: float, kappa_tau: float, intervals: int) -> tuple[float, ...]:
    """x_j = X sinh(κ(T − t_j)) / sinh(κT) at t_j = jτ."""
    kappa_t = kappa_tau * intervals
    if kappa_t < _LINEAR_BELOW:  # the line exactly, as TWAP has it
        return tuple(qty * (intervals - j) / intervals for j in range(intervals + 1))
    return tuple(qty * remaining_share(kappa_t, j / intervals) for j in range(intervals + 1))
