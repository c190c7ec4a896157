"""Proper scoring rules for quantile forecasts of a parent's cost, and the table and figure that compare models.

Every model is scored on the same rows with the same rules: the pinball loss per level, its CRPS approximation,
the median's absolute error, the coverage of the central intervals and the Brier score of P(cost > threshold).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure

from strategies.impact.quantiles import (
    INTERVALS,
    FloatArray,
    check_levels,
    check_quantile_matrix,
    exceed_probability,
    level_index,
)


def _check_y(y: npt.ArrayLike, n: int | None = None, name: str = "y") -> FloatArray:
    """`y` as a finite 1-D float array (of `n` rows if given); a ValueError naming `name` otherwise."""
    arr = np.asarray(y, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if n is not None and arr.size != n:
        raise ValueError(f"{name} has {arr.size} rows, the quantiles have {n}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty: nothing to score")
    bad = np.count_nonzero(~np.isfinite(arr))
    if bad:
        raise ValueError(f"{name} has {bad} non-finite values; drop those rows before scoring")
    return arr


def _check_forecast(
    y: npt.ArrayLike, q: npt.ArrayLike, levels: Sequence[float]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Outcomes, quantiles and levels checked against each other."""
    qq = check_quantile_matrix(q)
    tau = check_levels(levels, qq.shape[1])
    yy = _check_y(y, qq.shape[0])
    if not np.all(np.isfinite(qq)):
        raise ValueError(f"q has {np.count_nonzero(~np.isfinite(qq))} non-finite values")
    return yy, qq, tau


def pinball_loss(y: npt.ArrayLike, q: npt.ArrayLike, levels: Sequence[float]) -> FloatArray:
    """Mean pinball (quantile) loss ρ_τ(y − q_τ) = max(τ·u, (τ − 1)·u) over rows, one value per level."""
    yy, qq, tau = _check_forecast(y, q, levels)
    u = yy[:, None] - qq
    loss: FloatArray = np.maximum(tau * u, (tau - 1.0) * u).mean(axis=0)
    return loss


def crps_weights(levels: Sequence[float]) -> FloatArray:
    """Each level's share of [0, 1]: from the midpoint with its lower neighbour (or 0) to that with its upper (or 1).

    On an even grid τ_k = (k + ½)/K every weight is 1/K; on `QUANTILES` they are 0.075, 0.1, 0.2, 0.25, 0.2, 0.1, 0.075.
    """
    tau = check_levels(levels)
    edges = np.concatenate(([0.0], (tau[1:] + tau[:-1]) / 2.0, [1.0]))
    weights: FloatArray = np.diff(edges)
    return weights


def crps_from_quantiles(y: npt.ArrayLike, q: npt.ArrayLike, levels: Sequence[float]) -> float:
    """Mean CRPS approximated from quantiles: CRPS = 2·∫₀¹ ρ_τ(y − F⁻¹(τ)) dτ, as a midpoint sum over the levels.

    The identity is Laio & Tamea (2007) / Gneiting & Ranjan (2011). Each level's pinball loss stands for its cell of
    [0, 1] (`crps_weights`), the tails beyond the outer levels included; on an even grid this is the usual 2 × mean
    pinball loss. A positively weighted sum of pinball losses is itself a proper score (Gneiting 2011), so models
    compare fairly on the same levels even where the sum is coarse; it converges to the CRPS as the grid is refined.
    """
    return float(2.0 * np.dot(crps_weights(levels), pinball_loss(y, q, levels)))


def median_mae(y: npt.ArrayLike, q: npt.ArrayLike, levels: Sequence[float]) -> float:
    """Mean absolute error of the predicted median (level 0.5, which must be among `levels`)."""
    yy, qq, tau = _check_forecast(y, q, levels)
    return float(np.mean(np.abs(yy - qq[:, level_index(tau.tolist(), 0.5)])))


def coverage(y: npt.ArrayLike, q: npt.ArrayLike, levels: Sequence[float], width: int) -> float:
    """Share of outcomes inside the central `width`% interval (ends included); `width` is a key of `INTERVALS`."""
    if width not in INTERVALS:
        raise ValueError(f"no {width}% interval; known widths are {sorted(INTERVALS)}")
    yy, qq, tau = _check_forecast(y, q, levels)
    lo_tau, hi_tau = INTERVALS[width]
    lo, hi = qq[:, level_index(tau.tolist(), lo_tau)], qq[:, level_index(tau.tolist(), hi_tau)]
    return float(np.mean((yy >= lo) & (yy <= hi)))


def brier(p: npt.ArrayLike, y: npt.ArrayLike, threshold: float) -> float:
    """Brier score of the forecast probabilities `p` of the event cost > `threshold`."""
    pp = _check_y(p, name="p")
    if np.any(pp < 0.0) or np.any(pp > 1.0):
        raise ValueError("p must hold probabilities in [0, 1]")
    yy = _check_y(y, pp.size)
    return float(np.mean((pp - (yy > threshold)) ** 2))


@dataclass(frozen=True)
class ScoreRow:
    """One model's scores on one bucket of parents (lower is better, except coverage: nearest nominal is)."""

    model: str
    bucket: str
    n: int
    levels: tuple[float, ...]
    pinball: tuple[float, ...]
    crps: float
    mae_median: float
    coverage: Mapping[int, float]
    """Share of outcomes inside each central interval, by its width in `INTERVALS` (50, 80, 90)."""
    brier: float
    threshold_bps: float


def score(
    model_name: str,
    y: npt.ArrayLike,
    q: npt.ArrayLike,
    levels: Sequence[float],
    *,
    threshold_bps: float = 10.0,
    p_exceed: npt.ArrayLike | None = None,
    bucket: str = "all",
) -> ScoreRow:
    """Every score of one model on the rows given (`levels` must hold 0.5 and the `INTERVALS` ends).

    P(cost > `threshold_bps`) comes from the quantiles (`exceed_probability`) unless `p_exceed` is given.
    """
    yy, qq, tau = _check_forecast(y, q, levels)
    p = exceed_probability(qq, levels, threshold_bps) if p_exceed is None else _check_y(p_exceed, yy.size, "p_exceed")
    return ScoreRow(
        model=model_name,
        bucket=bucket,
        n=int(yy.size),
        levels=tuple(float(t) for t in tau),
        pinball=tuple(float(v) for v in pinball_loss(yy, qq, levels)),
        crps=crps_from_quantiles(yy, qq, levels),
        mae_median=median_mae(yy, qq, levels),
        coverage={width: coverage(yy, qq, levels, width) for width in sorted(INTERVALS)},
        brier=brier(p, yy, threshold_bps),
        threshold_bps=float(threshold_bps),
    )


def score_by_bucket(
    model_name: str,
    y: npt.ArrayLike,
    q: npt.ArrayLike,
    levels: Sequence[float],
    buckets: npt.ArrayLike,
    *,
    threshold_bps: float = 10.0,
    p_exceed: npt.ArrayLike | None = None,
) -> list[ScoreRow]:
    """One `ScoreRow` per bucket label (in sorted order), then one for all rows (bucket "all")."""
    yy, qq, _ = _check_forecast(y, q, levels)
    labels = np.asarray(buckets)
    if labels.shape != yy.shape:
        raise ValueError(f"buckets has shape {labels.shape}, y has {yy.shape}")
    p = exceed_probability(qq, levels, threshold_bps) if p_exceed is None else _check_y(p_exceed, yy.size, "p_exceed")
    rows = []
    for label in np.unique(labels):
        m = labels == label
        rows.append(
            score(model_name, yy[m], qq[m], levels, threshold_bps=threshold_bps, p_exceed=p[m], bucket=str(label))
        )
    rows.append(score(model_name, yy, qq, levels, threshold_bps=threshold_bps, p_exceed=p))
    return rows


def format_table(rows: Sequence[ScoreRow]) -> str:
    """A fixed-width text table of score rows, grouped by bucket (in order of first appearance), models side by side."""
    if not rows:
        raise ValueError("no score rows to format")
    levels = rows[0].levels
    if any(r.levels != levels for r in rows):
        raise ValueError("score rows on different quantile levels cannot share a table")
    order = list(dict.fromkeys(r.bucket for r in rows))
    grouped = sorted(rows, key=lambda r: order.index(r.bucket))
    model_w = max(5, *(len(r.model) for r in rows))
    bucket_w = max(6, *(len(r.bucket) for r in rows))
    widths = sorted(INTERVALS)
    header = (
        f"{'model':<{model_w}}  {'bucket':<{bucket_w}}  {'n':>7}  "
        + "  ".join(f"{f'pb{round(t * 100):02d}':>7}" for t in levels)
        + f"  {'crps':>7}  {'mae50':>7}  "
        + "  ".join(f"{f'cov{w}':>5}" for w in widths)
        + f"  {'brier':>6}"
    )
    lines = [header, "-" * len(header)]
    for r in grouped:
        lines.append(
            f"{r.model:<{model_w}}  {r.bucket:<{bucket_w}}  {r.n:>7d}  "
            + "  ".join(f"{v:>7.3f}" for v in r.pinball)
            + f"  {r.crps:>7.3f}  {r.mae_median:>7.3f}  "
            + "  ".join(f"{r.coverage[w]:>5.3f}" for w in widths)
            + f"  {r.brier:>6.4f}"
        )
    return "\n".join(lines)


def calibration_figure(
    models: Mapping[str, tuple[npt.ArrayLike, npt.ArrayLike | None]],
    y: npt.ArrayLike,
    levels: Sequence[float],
    threshold: float,
    *,
    n_bins: int = 10,
) -> Figure:
    """Quantile calibration (observed share of y ≤ q_τ against τ) and the reliability diagram of P(cost > threshold).

    `models` maps a name to its quantiles [N, K] and its P(cost > threshold), or None to take it from the quantiles.
    """
    if not models:
        raise ValueError("no models to plot")
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins}")
    tau = check_levels(levels)
    fig = Figure(figsize=(11.0, 4.8), layout="constrained")
    ax_q, ax_p = fig.subplots(1, 2)
    for ax in (ax_q, ax_p):
        ax.plot([0.0, 1.0], [0.0, 1.0], color="0.6", linestyle="--", linewidth=1.0, label="ideal")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    for name, (q, p_given) in models.items():
        yy, qq, _ = _check_forecast(y, q, levels)
        ax_q.plot(tau, (yy[:, None] <= qq).mean(axis=0), marker="o", label=name)
        p = exceed_probability(qq, levels, threshold) if p_given is None else _check_y(p_given, yy.size, "p_exceed")
        hit = yy > threshold
        # Interior edges only, so p = 1 falls in the last bin rather than past it.
        bins = np.digitize(p, edges[1:-1])
        used = np.unique(bins)
        mean_p = np.array([p[bins == b].mean() for b in used])
        freq = np.array([hit[bins == b].mean() for b in used])
        ax_p.plot(mean_p, freq, marker="o", label=name)
    ax_q.set(xlabel="quantile level τ", ylabel=r"observed share of $y \leq q_\tau$", xlim=(0, 1), ylim=(0, 1),
             title="Quantile calibration")
    ax_p.set(xlabel=f"predicted P(cost > {threshold:g} bps)", ylabel="observed frequency", xlim=(0, 1), ylim=(0, 1),
             title=f"Reliability, {n_bins} bins")
    ax_q.legend(loc="upper left", fontsize="small")
    ax_p.legend(loc="upper left", fontsize="small")
    return fig
