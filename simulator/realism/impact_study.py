"""Paired impact runs: one seeded baseline per seed, then the same seed with metaorders of growing size."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from simulator.instruments import SymbolSpec
from simulator.realism import bands as names
from simulator.realism.band import Band
from simulator.realism.impact import (
    fit_power_law,
    impact_bps,
    log_spaced,
    mean_curve,
    peak_impact,
    permanent_impact,
    permanent_to_peak,
)
from simulator.realism.metric_row import MetricRow
from simulator.realism.returns import sample_on_grid
from simulator.regime import RegimeSchedule
from simulator.session_runner import Metaorder
from simulator.tape import F64, Tape

# seed, metaorder (None: the baseline), simulated seconds → the session's tape.
Runner = Callable[[int, Metaorder | None, float], Tape]


@dataclass(frozen=True)
class ImpactTiming:
    """The paired runs' clock for one session: the metaorder's duration and the decay window, in seconds."""

    start_offset_s: float
    duration_s: float
    decay_window_s: tuple[float, float]
    grid_s: float

    def horizon_s(self) -> float:
        """Simulated seconds each paired run lasts: to the end of the decay window, plus one grid step."""
        return self.start_offset_s + self.duration_s + self.decay_window_s[1] + self.grid_s


@dataclass(frozen=True)
class ImpactSettings:
    """How many paired runs to make and how each metaorder trades: Q = Q/V × ADV, evenly over its duration.

    Durations are in volume time (business time): shares of the session's expected volume, as Almgren, Thum,
    Hauptmann & Li 2005 ("Direct estimation of equity market impact") measure a metaorder's duration. The
    metaorder spans `duration_volume` of the day's volume (1/24: an hour of a flat 24-hour market, about 13
    minutes half an hour after an equity open), so that the same Q/V is traded at the same participation rate on
    every market, and the rate is what sets whether impact is still linear or already a square root (Bucci,
    Benzaquen, Lillo & Bouchaud 2019, "Crossover from linear to square-root market impact"). The permanent impact
    is read in the window `decay_volume` after its end (1/48 to 1/24 of the day's volume). The metaorder starts
    `start_offset_s` clock seconds after the session start. Paired runs last only to the end of the decay window
    (not a whole day), which keeps the many runs affordable.
    """

    seeds: int = 16
    participations: tuple[float, ...] = field(default_factory=lambda: tuple(log_spaced(0.001, 0.1, 6)))
    side: int = 1
    start_offset_s: float = 1800.0
    duration_volume: float = 1.0 / 24.0
    child_interval_s: float = 10.0
    decay_volume: tuple[float, float] = (1.0 / 48.0, 1.0 / 24.0)
    grid_s: float = 5.0

    def __post_init__(self) -> None:
        if self.seeds < 1:
            raise ValueError(f"impact seeds must be >= 1, got {self.seeds}")
        if len(self.participations) < 2 or min(self.participations) <= 0:
            raise ValueError(f"need two positive participations at least, got {self.participations}")
        if self.side not in (1, -1):
            raise ValueError(f"side must be +1 or -1, got {self.side}")
        if not 0 < self.duration_volume <= 1:
            raise ValueError(f"duration_volume must be in (0, 1], got {self.duration_volume}")
        if not self.child_interval_s > 0:
            raise ValueError(f"child_interval_s must be > 0, got {self.child_interval_s}")
        if not 0 <= self.decay_volume[0] < self.decay_volume[1]:
            raise ValueError(f"decay_volume must be (low, high) with 0 <= low < high, got {self.decay_volume}")

    def timing(self, schedule: RegimeSchedule, session_s: float) -> ImpactTiming:
        """The clock seconds of this study on a session of `session_s` seconds whose activity is `schedule`'s."""
        duration = schedule.seconds_for_volume(self.start_offset_s, self.duration_volume, session_s)
        end = self.start_offset_s + duration
        low, high = (schedule.seconds_for_volume(end, v, session_s) if v > 0 else 0.0 for v in self.decay_volume)
        if not self.child_interval_s <= duration:
            raise ValueError(f"child_interval_s {self.child_interval_s} is longer than the metaorder "
                             f"({duration:.0f} s)")
        return ImpactTiming(self.start_offset_s, duration, (low, high), self.grid_s)

    def plan(self, spec: SymbolSpec, participation: float, timing: ImpactTiming) -> Metaorder:
        """The metaorder for Q/V = `participation`, Q rounded to whole lots (one lot at least)."""
        qty = max(spec.lot_size, round(participation * spec.adv / spec.lot_size) * spec.lot_size)
        return Metaorder(self.side, qty, timing.start_offset_s, timing.duration_s, self.child_interval_s)


@dataclass(frozen=True)
class ImpactStudy:
    """Impact curves (mean over seeds, one row per Q/V) on a grid of seconds since the metaorder start."""

    participations: F64
    plans: tuple[Metaorder, ...]
    time: F64
    curves: F64
    peaks: F64
    permanents: F64
    delta: float
    prefactor: float
    ratio: float
    seeds: tuple[int, ...]
    timing: ImpactTiming


def run_impact_study(run: Runner, spec: SymbolSpec, seeds: Sequence[int], settings: ImpactSettings,
                     schedule: RegimeSchedule) -> ImpactStudy:
    """Run each seed once without and once per Q/V with a metaorder; the baseline is shared by every Q/V.

    `schedule` is the session's (its activity sets the clock of volume time, see `ImpactSettings`).
    """
    timing = settings.timing(schedule, spec.session_seconds)
    horizon = timing.horizon_s()
    plans = tuple(settings.plan(spec, p, timing) for p in settings.participations)
    time = np.arange(0.0, horizon - settings.start_offset_s, settings.grid_s)
    per_plan: list[list[F64]] = [[] for _ in plans]
    for seed in seeds:
        baseline = run(seed, None, horizon)
        grid = baseline.start + settings.start_offset_s + time
        mid_without = sample_on_grid(baseline.quotes.time, baseline.quotes.mid, grid)
        for curves, plan in zip(per_plan, plans, strict=True):
            tape = run(seed, plan, horizon)
            mid_with = sample_on_grid(tape.quotes.time, tape.quotes.mid, grid)
            curves.append(impact_bps(mid_with, mid_without, settings.side, 0))
    mean = np.vstack([mean_curve(c) for c in per_plan])
    peaks = np.array([peak_impact(time, c, p.duration_s) for c, p in zip(mean, plans, strict=True)])
    permanents = np.array([permanent_impact(time, c, p.duration_s, timing.decay_window_s)
                           for c, p in zip(mean, plans, strict=True)])
    participations = np.asarray(settings.participations, dtype=np.float64)
    delta, prefactor = fit_power_law(participations, peaks)
    return ImpactStudy(participations, plans, time, mean, peaks, permanents, delta, prefactor,
                       permanent_to_peak(peaks, permanents), tuple(seeds), timing)


def impact_rows(study: ImpactStudy, bands: Mapping[str, Band]) -> list[MetricRow]:
    """Table rows: δ and permanent/peak against their bands, each Q/V's peak as information."""
    rows = [MetricRow(f"peak impact Q/V={p:.2%}", peak, "bps")
            for p, peak in zip(study.participations, study.peaks, strict=True)]
    rows.append(MetricRow(names.IMPACT_DELTA, study.delta, "", bands[names.IMPACT_DELTA]))
    rows.append(MetricRow(names.PERMANENT_TO_PEAK, study.ratio, "", bands[names.PERMANENT_TO_PEAK]))
    return rows
