"""The implementation shortfall of a TWAP parent across sizes, measured as a user sees it, and its square-root fit.

Each run is what `footprint backtest` runs: a scenario and a seed make the market (`scenario_market`), the real
engine works a TWAP parent of Q = Q/V × ADV over a fixed duration from the scenario order's start, and the
parent's own implementation shortfall is read (side × (AvgPx − arrival mid) / arrival mid × 10⁴, cost positive).
Every seed is run on both sides; the buy and the sell of one seed share the market's own drift, so their mean
keeps the cost and cancels most of the drift. The per-size means over seeds are fitted with

    IS(q) = floor + Y · σ_D · q^δ,    q = Q/V, σ_D the symbol's daily volatility in bps,

the half-spread floor fitted (bounded at 0): Tóth et al. 2011, "Anomalous price impact and the critical nature of
liquidity in financial markets" (PRX 1, 021006); Bouchaud, Bonart, Donier & Gould, "Trades, Quotes and Prices"
(2018), ch. 12: δ ≈ 0.5 (0.4–0.7), Y of order 1.

`python -m agent.backtest.shortfall_curve` prints the table and the fit; `shortfall_study` is the same study as an
extra study of `footprint sim realism`.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure
from matplotlib.ticker import ScalarFormatter

from agent.backtest.backtest import BacktestOrder, quiet_engine, run_backtest, scenario_order, with_market_instruments
from agent.config import load_config
from simulator.realism.band import Band
from simulator.realism.impact import log_spaced
from simulator.realism.metric_row import MetricRow
from simulator.scenario import ScenarioError, compile_scenario, load_scenario
from simulator.scenario_compiler import CompiledScenario
from simulator.scenario_market import scenario_market

if TYPE_CHECKING:
    from simulator.realism.report import SessionSetup

F64 = npt.NDArray[np.float64]

DELTA_ROW = "TWAP IS exponent δ (floor fitted)"
Y_ROW = "TWAP IS prefactor Y"
# Issue 8's done-when, inside the literature's range: δ ≈ 0.5 with 0.4–0.7 across markets (Tóth et al. 2011;
# Bouchaud et al. 2018, ch. 12.2), 3/5 in Almgren, Thum, Hauptmann & Li 2005 ("Direct estimation of equity market
# impact"); the upper end at 0.65 keeps a near-linear curve out.
DELTA_BAND = Band(DELTA_ROW, 0.4, 0.65)
# Y "of order 1": 0.5–1.5 in Tóth et al. 2011 and Bouchaud et al. 2018, ch. 12.2 (Y ≈ 0.5–1 on futures, stocks).
Y_BAND = Band(Y_ROW, 0.5, 1.5)

DELTA_RANGE = (0.05, 2.0)
"""The exponents the fit searches: anything outside is not a market impact curve."""

_SIDES = ("1", "2")  # FIX Side: every seed is run as a buy and as a sell
_DURATION_S = 3600.0


def _default_participations() -> tuple[float, ...]:
    return tuple(float(q) for q in log_spaced(0.001, 0.1, 6))


@dataclass(frozen=True)
class ShortfallSettings:
    """Sizes Q/V, seeds (both sides each), and each TWAP's duration; `workers` processes run them (None: all CPUs)."""

    seeds: int = 8
    participations: tuple[float, ...] = field(default_factory=_default_participations)
    duration_s: float = _DURATION_S
    first_seed: int | None = None  # None: the scenario's seed, then +1, +2, …
    workers: int | None = None
    bootstrap: int = 400  # resamples of the seeds behind each fitted figure's standard error

    def __post_init__(self) -> None:
        if self.seeds < 1:
            raise ValueError(f"seeds must be >= 1, got {self.seeds}")
        if len(self.participations) < 2 or min(self.participations) <= 0:
            raise ValueError(f"need two positive sizes Q/V at least, got {self.participations}")
        if not self.duration_s > 0:
            raise ValueError(f"duration_s must be > 0, got {self.duration_s}")
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers}")
        if self.bootstrap < 0:
            raise ValueError(f"bootstrap must be >= 0, got {self.bootstrap}")

    @classmethod
    def quick(cls, first_seed: int | None = None, workers: int | None = None) -> ShortfallSettings:
        """Three sizes (0.1%, 1%, 10%), two seeds, 10-minute parents: a smoke run, not a measurement."""
        return cls(seeds=2, participations=(0.001, 0.01, 0.1), duration_s=600.0, first_seed=first_seed, workers=workers,
                   bootstrap=50)


@dataclass(frozen=True)
class ShortfallRun:
    """One backtest to run: picklable, so a worker process builds its own market from the scenario's name."""

    scenario: str
    seed: int
    side: str
    qty: int
    duration_s: float


@dataclass(frozen=True)
class RunOutcome:
    """What one backtest gave: its shortfall (None without a fill), the half-spread at arrival, how much filled."""

    run: ShortfallRun
    shortfall_bps: float | None
    half_spread_bps: float | None
    filled: float  # cum qty / order qty
    wall_s: float


@dataclass(frozen=True)
class ShortfallFit:
    """IS(q) = floor + y · sigma_bps · q^delta, and the bootstrap standard error of each (NaN with one seed)."""

    delta: float
    y: float
    floor: float
    sigma_bps: float
    delta_se: float = float("nan")
    y_se: float = float("nan")
    floor_se: float = float("nan")

    def __call__(self, q: F64) -> F64:
        out: F64 = self.floor + self.y * self.sigma_bps * np.power(q, self.delta)
        return out


@dataclass(frozen=True)
class ShortfallCurve:
    """The study's result: per size the paired (buy, sell) shortfall of each seed, their mean ± s.e., and the fit."""

    scenario: str
    symbol: str
    participations: F64
    qtys: tuple[int, ...]
    seeds: tuple[int, ...]
    duration_s: float
    per_seed: F64  # sizes × seeds: mean of the buy's and the sell's shortfall, bps (NaN where neither filled)
    mean: F64
    se: F64
    half_spread_bps: float  # mean half-spread at arrival over every run
    filled_min: float  # the smallest filled fraction of any run
    fit: ShortfallFit
    fit_at_half_spread: ShortfallFit  # the same fit with the floor fixed at `half_spread_bps`, for comparison
    wall_s: float


def run_one(run: ShortfallRun) -> RunOutcome:
    """One TWAP backtest exactly as `footprint backtest` makes it, from the scenario order's start."""
    wall0 = time.perf_counter()
    compiled = compile_scenario(load_scenario(run.scenario))
    market = scenario_market(compiled, run.seed)
    order = study_order(compiled, run.side, run.qty, run.duration_s)
    # Run the market to the parent's start here (nothing of ours rests yet, so the path is the same) to read the
    # spread the engine's arrival mid is taken in.
    if order.start_offset_s > 0:
        market.advance(market.now + order.start_offset_s)
        order = dataclasses.replace(order, start_offset_s=0.0)
    top = market.depth(order.symbol, 1)
    half_spread = None
    if top.bids and top.asks:
        bid, ask = top.bids[0].price, top.asks[0].price
        half_spread = (ask - bid) / (ask + bid) * 1e4
    # The packaged agent config, not a user's file: the curve is a property of the market, reproducible anywhere.
    cfg = with_market_instruments(load_config(default_strategy="TWAP"), market)
    with quiet_engine():
        result = run_backtest(cfg, market, order)
    return RunOutcome(run, result.shortfall_bps, half_spread, result.cum_qty / result.order_qty,
                      time.perf_counter() - wall0)


def study_order(compiled: CompiledScenario, side: str, qty: int, duration_s: float) -> BacktestOrder:
    """The scenario's own order (its start) with this side, size and duration, no limit; at time 0 without one."""
    if compiled.order is None:
        return BacktestOrder(compiled.symbol.symbol, side, qty, duration_s)
    return dataclasses.replace(scenario_order(compiled), side=side, qty=qty, duration_s=duration_s, limit_px=None)


def qty_for(participation: float, adv: int, lot_size: int) -> int:
    """Q = Q/V × ADV in whole lots, one lot at least."""
    return max(lot_size, round(participation * adv / lot_size) * lot_size)


def run_shortfall_curve(scenario: str, settings: ShortfallSettings | None = None,
                        progress: Callable[[str], None] | None = None) -> ShortfallCurve:
    """Run every size × seed × side on a process pool, then fit; `progress` gets a line now and then."""
    settings = settings or ShortfallSettings()
    wall0 = time.perf_counter()
    compiled = compile_scenario(load_scenario(scenario))
    spec = compiled.symbol
    first = compiled.seed if settings.first_seed is None else settings.first_seed
    seeds = tuple(first + i for i in range(settings.seeds))
    qtys = tuple(qty_for(q, spec.adv, spec.lot_size) for q in settings.participations)
    runs = [ShortfallRun(scenario, seed, side, qty, settings.duration_s)
            for qty in qtys for seed in seeds for side in _SIDES]
    outcomes = _run_all(runs, settings.workers, progress)
    by_run = {o.run: o for o in outcomes}
    per_seed = np.full((len(qtys), len(seeds)), np.nan)
    for i, qty in enumerate(qtys):
        for j, seed in enumerate(seeds):
            values = [by_run[ShortfallRun(scenario, seed, side, qty, settings.duration_s)].shortfall_bps
                      for side in _SIDES]
            finite = [v for v in values if v is not None]
            if finite:
                per_seed[i, j] = float(np.mean(finite))
    mean, se = size_means(per_seed)
    q = np.asarray(settings.participations, dtype=np.float64)
    sigma_bps = spec.daily_vol * 1e4
    spreads = [o.half_spread_bps for o in outcomes if o.half_spread_bps is not None]
    half_spread = float(np.mean(spreads)) if spreads else float("nan")
    fit = with_bootstrap_se(fit_shortfall(q, mean, se, sigma_bps), q, per_seed, se, settings.bootstrap,
                            np.random.default_rng(first))
    at_half_spread = with_bootstrap_se(fit_shortfall(q, mean, se, sigma_bps, half_spread), q, per_seed, se,
                                       settings.bootstrap, np.random.default_rng(first), half_spread)
    return ShortfallCurve(compiled.name, spec.symbol, q, qtys, seeds, settings.duration_s, per_seed, mean, se,
                          half_spread, min(o.filled for o in outcomes), fit, at_half_spread,
                          time.perf_counter() - wall0)


def _run_all(runs: Sequence[ShortfallRun], workers: int | None,
             progress: Callable[[str], None] | None) -> list[RunOutcome]:
    workers = min(workers or os.cpu_count() or 1, len(runs))
    say = progress or (lambda _line: None)
    say(f"{len(runs)} TWAP backtests on {workers} process{'es' if workers > 1 else ''}")
    if workers == 1:
        outcomes = []
        for k, run in enumerate(runs, 1):
            outcomes.append(run_one(run))
            _report(k, len(runs), say)
        return outcomes
    # spawn: a fork of a process with threads (numba, a test runner) may deadlock; the kernel's JIT is cached.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        outcomes = []
        for k, outcome in enumerate(pool.map(run_one, runs), 1):
            outcomes.append(outcome)
            _report(k, len(runs), say)
        return outcomes


def _report(done: int, total: int, say: Callable[[str], None]) -> None:
    step = max(1, total // 10)
    if done % step == 0 or done == total:
        say(f"  {done}/{total} runs")


def size_means(per_seed: F64) -> tuple[F64, F64]:
    """Per size (row): mean over seeds and its standard error (NaN with fewer than two seeds)."""
    n = np.sum(np.isfinite(per_seed), axis=1)
    mean: F64 = np.array([np.nanmean(row) if k else np.nan for row, k in zip(per_seed, n, strict=True)])
    se: F64 = np.array([np.nanstd(row, ddof=1) / np.sqrt(k) if k > 1 else np.nan
                        for row, k in zip(per_seed, n, strict=True)])
    return mean, se


def _weights(se: F64) -> F64:
    """1/s.e.² per size; equal weights when any s.e. is missing or zero (one seed), rather than infinite ones."""
    if se.size and np.all(np.isfinite(se)) and np.all(se > 0):
        out: F64 = 1.0 / se**2
        return out
    return np.ones_like(se)


def _fixed_delta(x: F64, y: F64, w: F64, floor: float | None) -> tuple[F64, F64, F64]:
    """Weighted least squares of y = floor + a·x for each column of x (one column per δ).

    Returns (floor, a, χ²) per column. A free floor is bounded at 0: where the unconstrained solution's floor is
    negative, the floor is 0 and the line goes through 0. A given `floor` is kept as it is.
    """
    sw, sx, sy = w.sum(), w @ x, w @ y
    sxx, sxy = w @ x**2, w @ (x * y[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        if floor is None:
            a = (sw * sxy - sx * sy) / (sw * sxx - sx**2)
            free = (sy - a * sx) / sw
            bounded = ~(free >= 0)
            a = np.where(bounded, sxy / sxx, a)
            floors = np.where(bounded, 0.0, free)
        else:
            a = (sxy - floor * sx) / sxx
            floors = np.full_like(a, floor)
    chi2: F64 = w @ (y[:, None] - floors - a * x) ** 2
    return floors, a, chi2


def fit_shortfall(q: F64, mean: F64, se: F64, sigma_bps: float, floor: float | None = None) -> ShortfallFit:
    """Fit floor + Y·σ·q^δ to the per-size means, weighted by 1/s.e.², the floor fitted (bounded at 0) or given.

    For a given δ the model is linear in (floor, Y), solved exactly; δ is the one of least χ² on a grid over
    `DELTA_RANGE`, refined twice around the best point. NaN when too few sizes were measured (three for a fitted
    floor, two for a given one).
    """
    keep = np.isfinite(mean) & (q > 0)
    if np.count_nonzero(keep) < (3 if floor is None else 2) or not sigma_bps > 0:
        return ShortfallFit(float("nan"), float("nan"), float("nan"), sigma_bps)
    x, y, w = q[keep], mean[keep], _weights(se[keep])
    grid = np.linspace(*DELTA_RANGE, 391)
    floors, a, chi2 = _fixed_delta(x[:, None] ** grid, y, w, floor)
    for _ in range(2):
        best = int(np.nanargmin(chi2))
        step = grid[1] - grid[0]
        grid = np.linspace(max(DELTA_RANGE[0], grid[best] - step), min(DELTA_RANGE[1], grid[best] + step), 201)
        floors, a, chi2 = _fixed_delta(x[:, None] ** grid, y, w, floor)
    best = int(np.nanargmin(chi2))
    return ShortfallFit(float(grid[best]), float(a[best]) / sigma_bps, float(floors[best]), sigma_bps)


def with_bootstrap_se(fit: ShortfallFit, q: F64, per_seed: F64, se: F64, resamples: int,
                      rng: np.random.Generator, floor: float | None = None) -> ShortfallFit:
    """The fit with standard errors: refits (floor fitted, or the given `floor`) on seeds drawn with replacement,
    the same draw for every size since a seed's market is shared by its sizes, weighted as the fit itself; NaN
    with one seed or no resamples."""
    seeds = per_seed.shape[1]
    if seeds < 2 or resamples < 2 or not np.isfinite(fit.delta):
        return fit
    draws = []
    for _ in range(resamples):
        columns = rng.integers(0, seeds, seeds)
        sample, _ = size_means(per_seed[:, columns])
        redo = fit_shortfall(q, sample, se, fit.sigma_bps, floor)
        if np.isfinite(redo.delta):
            draws.append((redo.delta, redo.y, redo.floor))
    if len(draws) < 2:
        return fit
    spread = np.std(np.array(draws), axis=0, ddof=1)
    return dataclasses.replace(fit, delta_se=float(spread[0]), y_se=float(spread[1]), floor_se=float(spread[2]))


def shortfall_rows(curve: ShortfallCurve) -> list[MetricRow]:
    """Realism rows: δ and Y against their bands; per size the mean IS and its s.e., the floor, the s.e.s."""
    rows: list[MetricRow] = []
    for p, m, s in zip(curve.participations, curve.mean, curve.se, strict=True):
        rows += [MetricRow(f"TWAP IS Q/V={p:.2%}", float(m), "bps"),
                 MetricRow(f"TWAP IS Q/V={p:.2%} s.e.", float(s), "bps")]
    fit = curve.fit
    return [
        *rows,
        MetricRow(DELTA_ROW, fit.delta, "", DELTA_BAND),
        MetricRow(f"{DELTA_ROW} s.e.", fit.delta_se),
        MetricRow(Y_ROW, fit.y, "", Y_BAND),
        MetricRow(f"{Y_ROW} s.e.", fit.y_se),
        MetricRow("TWAP IS floor (fitted)", fit.floor, "bps"),
        MetricRow("TWAP IS floor s.e.", fit.floor_se, "bps"),
        MetricRow("TWAP arrival half-spread (mean)", curve.half_spread_bps, "bps"),
        MetricRow("TWAP IS exponent δ (floor = half-spread)", curve.fit_at_half_spread.delta),
        MetricRow("TWAP IS prefactor Y (floor = half-spread)", curve.fit_at_half_spread.y),
    ]


def plot_shortfall(curve: ShortfallCurve, path: Path) -> Path:
    """Mean IS ± s.e. against Q/V on log-log axes, the fit, its floor and its power-law part."""
    fig = Figure(figsize=(6, 4.5))
    ax = fig.subplots()
    shown = curve.mean > 0  # a log axis has no room for a gain
    errors = np.where(np.isfinite(curve.se), curve.se, 0.0)
    lower = np.minimum(errors, curve.mean * 0.999)  # keep the lower whisker above 0
    ax.errorbar(curve.participations[shown], curve.mean[shown], yerr=[lower[shown], errors[shown]], fmt="o",
                capsize=3, label=f"TWAP IS, {len(curve.seeds)} seeds × buy/sell")
    fit = curve.fit
    if np.isfinite(fit.delta):
        x = np.geomspace(curve.participations.min(), curve.participations.max(), 100)
        ax.plot(x, fit(x), "k-", label=f"fit: δ = {fit.delta:.2f}, Y = {fit.y:.2f}, floor {fit.floor:.2f} bps")
        ax.plot(x, fit.y * fit.sigma_bps * x**fit.delta, "k:", label="Y·σ·(Q/V)^δ")
        if fit.floor > 0:
            ax.axhline(fit.floor, color="grey", ls="--", lw=0.8, label="floor")
        # Where the literature puts a square-root curve over the same floor (Y_BAND, δ = 1/2).
        ax.fill_between(x, fit.floor + Y_BAND.low * fit.sigma_bps * np.sqrt(x),
                        fit.floor + Y_BAND.high * fit.sigma_bps * np.sqrt(x), color="tab:green", alpha=0.15,
                        label=f"Y in [{Y_BAND.low:g}, {Y_BAND.high:g}] at δ = 1/2")
    if np.isfinite(curve.half_spread_bps) and curve.half_spread_bps > 0:
        ax.axhline(curve.half_spread_bps, color="tab:orange", ls=":", lw=0.8, label="half-spread at arrival")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.set(xlabel="Q/V", ylabel="implementation shortfall (bps)",
           title=f"TWAP shortfall, {curve.scenario} ({curve.duration_s / 60:.0f} min)")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def format_curve(curve: ShortfallCurve) -> str:
    """The per-size table and the fit, as plain text."""
    lines = [f"TWAP shortfall {curve.scenario} ({curve.symbol}): {curve.duration_s / 60:.0f}-min TWAP, seeds "
             f"{list(curve.seeds)} × buy/sell, {curve.wall_s:.0f} s wall",
             "",
             f"{'Q/V':>8} {'qty':>10} {'n':>3} {'mean IS bps':>12} {'s.e.':>8}"]
    n = np.sum(np.isfinite(curve.per_seed), axis=1)
    for p, qty, k, m, s in zip(curve.participations, curve.qtys, n, curve.mean, curve.se, strict=True):
        lines.append(f"{p:8.3%} {qty:10,} {k:3d} {m:12.3f} {s:8.3f}")
    fit, fixed = curve.fit, curve.fit_at_half_spread
    lines += ["",
              f"fit IS = floor + Y·σ_D·(Q/V)^δ, σ_D = {fit.sigma_bps:.0f} bps:",
              f"  δ     = {fit.delta:.3f} ± {fit.delta_se:.3f}   band {DELTA_BAND.describe()}"
              f"   {'pass' if DELTA_BAND.contains(fit.delta) else 'FAIL'}",
              f"  Y     = {fit.y:.3f} ± {fit.y_se:.3f}   band {Y_BAND.describe()}"
              f"   {'pass' if Y_BAND.contains(fit.y) else 'FAIL'}",
              f"  floor = {fit.floor:.3f} ± {fit.floor_se:.3f} bps (mean half-spread at arrival "
              f"{curve.half_spread_bps:.3f} bps)",
              f"with the floor fixed at that half-spread: δ = {fixed.delta:.3f} ± {fixed.delta_se:.3f}, "
              f"Y = {fixed.y:.3f} ± {fixed.y_se:.3f}",
              f"smallest filled fraction of any run: {curve.filled_min:.1%}"]
    return "\n".join(lines)


def shortfall_study(setup: SessionSetup, out_dir: Path, settings: ShortfallSettings | None = None
                    ) -> tuple[list[MetricRow], list[Path]]:
    """The study as an extra study of the realism report: the scenario loaded by its name, its seed first, default
    settings (8 seeds × 6 sizes × buy/sell of 1-hour TWAPs) unless `settings` are given."""
    settings = settings or ShortfallSettings()
    if settings.first_seed is None:
        settings = dataclasses.replace(settings, first_seed=setup.seed)
    try:
        curve = run_shortfall_curve(setup.name, settings,
                                    progress=lambda line: print(f"realism {setup.name}: shortfall {line.strip()}",
                                                                flush=True))
    except ScenarioError as error:  # a scenario file whose name is not a built-in: the day rows still stand
        print(f"realism {setup.name}: no TWAP shortfall curve, the scenario is not found by its name: {error}",
              flush=True)
        return [], []
    out_dir.mkdir(parents=True, exist_ok=True)
    return shortfall_rows(curve), [plot_shortfall(curve, out_dir / "twap_shortfall.png")]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m agent.backtest.shortfall_curve",
                                     description="TWAP implementation shortfall against Q/V through the backtester.")
    parser.add_argument("--scenario", default="calm", help="built-in scenario name or YAML path (default calm)")
    parser.add_argument("--seeds", type=int, default=8, help="seeds per size, each run buy and sell (default 8)")
    parser.add_argument("--seed", type=int, help="first seed (default: the scenario's)")
    parser.add_argument("--points", type=int, default=6, help="sizes Q/V, log-spaced 0.1%%-10%% (default 6)")
    parser.add_argument("--duration", type=float, default=_DURATION_S, help="TWAP duration in seconds (3600)")
    parser.add_argument("--workers", type=int, help="processes (default: every CPU)")
    parser.add_argument("--quick", action="store_true", help="3 sizes, 2 seeds, 10-minute parents")
    parser.add_argument("--out", type=Path, help="where the plot goes (default var/shortfall/<scenario>)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: print the per-size table and the fit; 0 when the study ran, 2 on a bad request."""
    args = _parser().parse_args(argv)
    try:
        if args.points < 2:
            raise ValueError("--points must be >= 2")
        if args.quick:
            settings = ShortfallSettings.quick(first_seed=args.seed, workers=args.workers)
        else:
            settings = ShortfallSettings(seeds=args.seeds, participations=tuple(float(q) for q in
                                                                                log_spaced(n=args.points)),
                                         duration_s=args.duration, first_seed=args.seed, workers=args.workers)
        curve = run_shortfall_curve(args.scenario, settings, progress=lambda line: print(line, flush=True))
    except ValueError as error:  # ScenarioError included: it names the file and field
        print(f"shortfall: {error}", file=sys.stderr)
        return 2
    out = args.out or Path("var/shortfall") / Path(args.scenario).stem
    out.mkdir(parents=True, exist_ok=True)
    plot = plot_shortfall(curve, out / "twap_shortfall.png")
    print(format_curve(curve))
    print(f"plot: {plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
