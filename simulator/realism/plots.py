"""The realism report's PNG plots, drawn on bare matplotlib Figures (Agg, no pyplot state, no display)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from simulator.realism.day_stats import AGGREGATIONS_S, DayStats
from simulator.realism.impact_study import ImpactStudy
from simulator.tape import Tape


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
    """Excess kurtosis of returns at 1, 5 and 15 minutes: it should fall toward 0."""
    fig = Figure(figsize=(5, 4))
    ax = fig.subplots()
    minutes = [agg / 60 for agg in AGGREGATIONS_S]
    ax.plot(minutes, [stats.kurtosis[agg] for agg in AGGREGATIONS_S], "o-")
    ax.axhline(0.0, color="grey", lw=0.6)
    ax.set(xscale="log", xlabel="aggregation (minutes)", ylabel="excess kurtosis", title="kurtosis by aggregation")
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


def decay(study: ImpactStudy, decay_window_s: tuple[float, float], path: Path) -> Path:
    """Impact over its peak after the metaorder ends, with the window where permanent impact is read shaded."""
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    end = study.plans[0].duration_s
    after = study.time >= end
    for p, curve, peak in zip(study.participations, study.curves, study.peaks, strict=True):
        if peak > 0:
            ax.plot((study.time[after] - end) / 60.0, curve[after] / peak, lw=0.8, label=f"Q/V {p:.2%}")
    ax.axvspan(decay_window_s[0] / 60.0, decay_window_s[1] / 60.0, color="grey", alpha=0.2)
    ax.axhline(1.0, color="grey", lw=0.6)
    ax.set(xlabel="minutes after the metaorder", ylabel="impact / peak",
           title=f"decay (permanent/peak {study.ratio:.2f})")
    ax.legend(fontsize="small")
    return _save(fig, path)
