"""The realism report's PNG plots, drawn on bare matplotlib Figures (Agg, no pyplot state, no display)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.realism.day_stats import AGGREGATIONS_S, DayStats
from simulator.realism.impact_study import ImpactStudy
from simulator.realism.tail_index import TailFit
from simulator.tape import F64, I64, Tape


def _save(fig: Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def mid_paths(tapes: Sequence[Tape], seeds: Sequence[int], path: Path) -> Path:
    """The mid of each seeded day against hours since the open."""
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    for tape, seed in zip(tapes, seeds, strict=True):
        ax.plot((tape.quotes.time - tape.start) / 3600.0, tape.quotes.mid, lw=0.6, label=f"seed {seed}")
    ax.set(xlabel="hours since open", ylabel="mid", title="mid path per day")
    ax.legend(fontsize="small")
    return _save(fig, path)


def return_distribution(stats: DayStats, path: Path) -> Path:
    """Histogram of standardised 1-min returns on a log scale against the standard normal density."""
    r = stats.returns[AGGREGATIONS_S[0]]
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    if len(r) > 1 and r.std() > 0:
        z = (r - r.mean()) / r.std()
        ax.hist(z, bins=80, density=True, alpha=0.6, label="1-min returns")
        x = np.linspace(z.min(), z.max(), 200)
        ax.plot(x, np.exp(-(x**2) / 2.0) / np.sqrt(2.0 * np.pi), "k--", label="normal")
        ax.set_yscale("log")
    ax.set(xlabel="standardised return", ylabel="density", title="return distribution vs normal")
    ax.legend()
    return _save(fig, path)


def autocorrelations(stats: DayStats, path: Path) -> Path:
    """ACF of 1-min returns and of their absolute values, lags 1..10, with the ±0.1 band of r."""
    lags = np.arange(1, len(stats.acf_r) + 1)
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    ax.bar(lags - 0.2, stats.acf_r, width=0.4, label="acf(r)")
    ax.bar(lags + 0.2, stats.acf_abs_r, width=0.4, label="acf(|r|)")
    for y in (-0.1, 0.0, 0.1):
        ax.axhline(y, color="grey", lw=0.6, ls=":" if y else "-")
    ax.set(xlabel="lag (minutes)", ylabel="autocorrelation", title="ACF of r and |r|")
    ax.legend()
    return _save(fig, path)


def kurtosis_by_aggregation(stats: DayStats, path: Path) -> Path:
    """Excess kurtosis of returns at 1, 5, 15 and 60 minutes: high at 1 minute, falling toward 0."""
    fig = Figure(figsize=(5, 4))
    ax = fig.subplots()
    minutes = [agg / 60 for agg in AGGREGATIONS_S]
    ax.plot(minutes, [stats.kurtosis[agg] for agg in AGGREGATIONS_S], "o-")
    ax.axhline(0.0, color="grey", lw=0.6)
    ax.set(xscale="log", xlabel="aggregation (minutes)", ylabel="excess kurtosis", title="kurtosis by aggregation")
    ax.set_xticks(minutes, [f"{m:g}" for m in minutes])
    return _save(fig, path)


def _power_law_decay(lags: I64, acf: F64, exponent: float, prefactor: float, name: str, xlabel: str, ylabel: str,
                     title: str, path: Path) -> Path:
    # An autocorrelation on log-log axes (its positive values) with the power law fitted to it, when there is one.
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    positive = np.isfinite(acf) & (acf > 0)
    ax.loglog(lags[positive], acf[positive], "o", ms=3, label=f"{ylabel} > 0")
    if np.isfinite(exponent):
        ax.loglog(lags, prefactor * lags.astype(np.float64) ** -exponent, "k--", label=f"fit {name} = {exponent:.2f}")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend()
    return _save(fig, path)


def sign_memory(stats: DayStats, path: Path) -> Path:
    """Trade-sign autocorrelation C(l) on log-log axes (positive values) with the fitted power law A × l^-γ."""
    memory = stats.signs
    return _power_law_decay(memory.lags, memory.acf, memory.gamma, memory.prefactor, "γ", "lag l (market orders)",
                            "C(l)", f"trade-sign memory, C(1) = {memory.c1:.3f}", path)


def response_function(stats: DayStats, path: Path) -> Path:
    """R(l) in half-spreads against the lag in trades (log axis): positive, rising, then flat in real markets."""
    response = stats.response
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    ax.semilogx(response.lags, response.r, "o-", ms=3)
    ax.axhline(0.0, color="grey", lw=0.6)
    ax.set(xlabel="lag l (market orders)", ylabel="R(l) (mean half-spreads)",
           title=f"response function, R(100)/R(1) = {response.ratio(100):.2f}")
    return _save(fig, path)


def volatility_memory(stats: DayStats, path: Path) -> Path:
    """acf(|r_1m|) against the lag in minutes on log-log axes (positive values), to two hours, with its power law."""
    memory = stats.vol_memory
    return _power_law_decay(memory.lags, memory.acf, memory.beta, memory.prefactor, "β", "lag (minutes)",
                            "acf(|r_1m|)", "volatility memory", path)


def _tail(ax: Axes, fit: TailFit, label: str) -> None:
    x, survival = fit.ccdf()
    if len(x):
        ax.loglog(x, survival, ".", ms=2, label=label)
    if np.isfinite(fit.alpha):
        grid = np.geomspace(fit.threshold, float(x[0]), 20)
        ax.loglog(grid, fit.tail_fraction * (grid / fit.threshold) ** -fit.alpha, "k--",
                  label=f"Hill α = {fit.alpha:.2f} (top {fit.tail_fraction:.1%})")
    ax.set(ylabel="P(X ≥ x)")
    ax.legend(fontsize="small")


def tails(stats: DayStats, path: Path) -> Path:
    """Complementary CDFs on log-log axes with the Hill slopes: standardised |r_1m| and market order sizes."""
    fig = Figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2)
    _tail(left, stats.return_tail, "|r_1m| / day's std")
    left.set(xlabel="|standardised 1-min return|", title="return tail (inverse cubic law: α ≈ 3)")
    _tail(right, stats.size_tail, "market order size")
    right.set(xlabel="executed size (units)", title="size tail (α ≈ 1.5)")
    return _save(fig, path)


def durations(stats: DayStats, path: Path) -> Path:
    """Histogram of the durations between market orders (log density) against the exponential of the same mean."""
    d = stats.durations
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    if len(d) > 1 and d.mean() > 0:
        _, edges, _ = ax.hist(d, bins=80, density=True, alpha=0.6, label="durations")
        x = np.linspace(0.0, float(d.max()), 200)
        ax.plot(x, np.exp(-x / d.mean()) / d.mean(), "k--", label="Poisson (exponential)")
        ax.set_yscale("log")
        # Down to one duration in a bin: the exponential's far tail would squash the histogram.
        ax.set_ylim(bottom=0.5 / (len(d) * float(edges[1] - edges[0])))
    ax.set(xlabel="seconds between market orders", ylabel="density",
           title=f"inter-trade durations, CV = {stats.duration_cv:.2f}")
    ax.legend()
    return _save(fig, path)


def flow_vs_price(stats: DayStats, path: Path) -> Path:
    """Signed traded volume against the log-mid change per 5-minute bucket, with their correlation."""
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    dlog: F64 = stats.dlog_mid * 1e4
    ax.scatter(stats.signed_volume, dlog, s=4, alpha=0.5)
    ax.axhline(0.0, color="grey", lw=0.6)
    ax.axvline(0.0, color="grey", lw=0.6)
    ax.set(xlabel="signed volume per 5 min (units)", ylabel="Δ log mid (bps)",
           title=f"aggregate impact, corr = {stats.flow_price_corr:.2f}")
    return _save(fig, path)


def spread_and_depth(stats: DayStats, path: Path) -> Path:
    """Histograms of the quoted spread (bps) and of top-10 depth per side."""
    fig = Figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2)
    left.hist(stats.spread_bps, bins=60)
    left.set(xlabel="spread (bps)", ylabel="quotes", title="spread")
    right.hist(stats.depth_bid, bins=40, alpha=0.6, label="bid")
    right.hist(stats.depth_ask, bins=40, alpha=0.6, label="ask")
    right.set(xlabel="top-10 depth (units)", ylabel="snapshots", title="depth")
    right.legend()
    return _save(fig, path)


def volume_profile(stats: DayStats, path: Path) -> Path:
    """Traded volume per intraday bucket, summed over days, with the U-shape score."""
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    hours = np.arange(len(stats.profile)) * stats.bucket_s / 3600.0
    ax.bar(hours, stats.profile, width=stats.bucket_s / 3600.0 * 0.9, align="edge")
    ax.set(xlabel="hours since open", ylabel="volume", title=f"intraday volume (U-shape score {stats.u_shape:.2f})")
    return _save(fig, path)


def impact_curves(study: ImpactStudy, path: Path) -> Path:
    """Mean impact (bps) against minutes since the metaorder start, one line per Q/V."""
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    for p, curve in zip(study.participations, study.curves, strict=True):
        ax.plot(study.time / 60.0, curve, lw=0.8, label=f"Q/V {p:.2%}")
    ax.axvline(study.plans[0].duration_s / 60.0, color="grey", ls=":")
    ax.set(xlabel="minutes since metaorder start", ylabel="impact (bps)", title=f"impact, {len(study.seeds)} seeds")
    ax.legend(fontsize="small")
    return _save(fig, path)


def delta_fit(study: ImpactStudy, path: Path) -> Path:
    """Peak impact against Q/V on log-log axes with the fitted power law c × (Q/V)^δ."""
    fig = Figure(figsize=(5, 4))
    ax = fig.subplots()
    positive = study.peaks > 0
    ax.loglog(study.participations[positive], study.peaks[positive], "o", label="peak impact")
    if np.isfinite(study.delta):
        x = np.geomspace(study.participations.min(), study.participations.max(), 50)
        ax.loglog(x, study.prefactor * x**study.delta, "k--", label=f"fit δ = {study.delta:.2f}")
    ax.set(xlabel="Q/V", ylabel="peak impact (bps)", title="square-root law")
    ax.legend()
    return _save(fig, path)


def decay(study: ImpactStudy, path: Path) -> Path:
    """Impact over its peak after the metaorder ends, with the window where permanent impact is read shaded."""
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    end = study.plans[0].duration_s
    after = study.time >= end
    for p, curve, peak in zip(study.participations, study.curves, study.peaks, strict=True):
        if peak > 0:
            ax.plot((study.time[after] - end) / 60.0, curve[after] / peak, lw=0.8, label=f"Q/V {p:.2%}")
    low, high = study.timing.decay_window_s
    ax.axvspan(low / 60.0, high / 60.0, color="grey", alpha=0.2)
    ax.axhline(1.0, color="grey", lw=0.6)
    ax.set(xlabel="minutes after the metaorder", ylabel="impact / peak",
           title=f"decay (permanent/peak {study.ratio:.2f})")
    ax.legend(fontsize="small")
    return _save(fig, path)
