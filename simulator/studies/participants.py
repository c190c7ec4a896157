"""What the other participants cost us, measured in paired runs (same seed, one thing changed), with standard errors.

- Predators: a strict schedule (equal children at equal intervals) pays more with predators on than off; the same
  pace randomised (`Metaorder.jitter`) is not recognised, and pays less than the strict one with them on.
- Informed traders: passive orders resting at the touch in the window before a release are filled by those who
  know which way it goes; the markouts of those fills (the mid after the release against the fill price,
  side-signed, bps: negative is a loss) are worse with informed traders on than off.

    .venv/bin/python -m simulator.studies.participants [--symbol CRYPTOALPHA] [--seeds 16]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from simulator.instruments import DEFAULT_UNIVERSE, SymbolSpec
from simulator.kernel.activity_profile import default_schedule
from simulator.market import simulated_market
from simulator.order_state import UpdateKind
from simulator.orders import OrderType, Side
from simulator.regime import Participants
from simulator.session_runner import Metaorder, simulate_session


@dataclass(frozen=True)
class Paired:
    """Mean of per-seed differences (treatment - control) and its standard error."""

    mean: float
    stderr: float
    n: int

    def __str__(self) -> str:
        return f"{self.mean:+.2f} ± {self.stderr:.2f} bps (n={self.n})"


def paired(treatment: Sequence[float], control: Sequence[float]) -> Paired:
    """Paired difference of two per-seed samples; pairs with a NaN are dropped."""
    d = np.asarray(treatment, dtype=np.float64) - np.asarray(control, dtype=np.float64)
    d = d[np.isfinite(d)]
    if len(d) < 2:
        return Paired(float("nan"), float("nan"), len(d))
    return Paired(float(d.mean()), float(d.std(ddof=1) / math.sqrt(len(d))), len(d))


# -- predators ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PredatorSettings:
    """A buy of `participation` × ADV over `duration_s` in children every `child_interval_s`, from `start_s`; the
    randomised schedule draws sizes and gaps within ±`jitter` of the even ones."""

    strength: float = 0.5
    participation: float = 0.01
    start_s: float = 1800.0
    duration_s: float = 3600.0
    child_interval_s: float = 30.0
    jitter: float = 0.5


def schedule_cost(spec: SymbolSpec, seed: int, strength: float, jitter: float, settings: PredatorSettings) -> float:
    """Implementation shortfall (bps, cost positive) of one buy metaorder against the mid at its start."""
    schedule = dataclasses.replace(default_schedule(spec), participants=Participants(predator_strength=strength))
    qty = max(round(settings.participation * spec.adv / spec.lot_size), 1) * spec.lot_size
    plan = Metaorder(1, qty, settings.start_s, settings.duration_s, settings.child_interval_s, jitter)
    tape = simulate_session(spec, schedule, seed, 0.0, settings.start_s + settings.duration_s + 60.0,
                            snapshot_interval_s=600.0, metaorder=plan)  # fmt: skip
    ours = tape.trades.ours
    arrival = float(tape.quotes.mid[int(settings.start_s / tape.quote_interval_s)])
    paid = float(np.sum(tape.trades.price[ours] * tape.trades.qty[ours]) / np.sum(tape.trades.qty[ours]))
    return (paid / arrival - 1.0) * 1e4


def _schedule_cost(args: tuple[SymbolSpec, int, float, float, PredatorSettings]) -> float:
    return schedule_cost(*args)


@dataclass(frozen=True)
class PredatorStudy:
    """Per-seed costs of the strict and the randomised schedule, predators off and on."""

    strict_off: list[float]
    strict_on: list[float]
    random_off: list[float]
    random_on: list[float]

    @property
    def predators_cost_strict(self) -> Paired:
        """What predators add to the strict schedule's cost."""
        return paired(self.strict_on, self.strict_off)

    @property
    def randomising_saves(self) -> Paired:
        """Strict minus randomised, predators on: what randomising the same pace saves."""
        return paired(self.strict_on, self.random_on)

    @property
    def predators_cost_random(self) -> Paired:
        """What predators add to the randomised schedule's cost."""
        return paired(self.random_on, self.random_off)


def predator_study(spec: SymbolSpec, seeds: Sequence[int], settings: PredatorSettings | None = None,
                   workers: int = 2) -> PredatorStudy:  # fmt: skip
    """Four paired runs per seed: strict / randomised schedule × predators off / on."""
    settings = settings or PredatorSettings()
    cases = [(0.0, 0.0), (settings.strength, 0.0), (0.0, settings.jitter), (settings.strength, settings.jitter)]
    jobs = [(spec, seed, strength, jitter, settings) for strength, jitter in cases for seed in seeds]
    with ProcessPoolExecutor(workers) as pool:
        costs = list(pool.map(_schedule_cost, jobs))
    n = len(seeds)
    return PredatorStudy(*(costs[k * n:(k + 1) * n] for k in range(4)))


# -- informed traders ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InformedSettings:
    """A release of ±`jump_bps` at `release_s` (up on even seeds, down on odd), learnt `lead_s` ahead with
    `probability`; we rest `quote_qty_adv` × ADV at both touches through the `window_s` before it; markouts are
    taken `markout_s` after the release."""

    probability: float = 1.0
    lead_s: float = 600.0
    size_adv: float = 0.005
    jump_bps: float = 50.0
    release_s: float = 3600.0
    window_s: float = 600.0
    quote_qty_adv: float = 0.0005
    markout_s: float = 300.0


def passive_markout(spec: SymbolSpec, seed: int, informed: bool, settings: InformedSettings) -> float:
    """Mean markout (bps) of our passive fills in the window before the release (NaN when nothing filled)."""
    sign = 1.0 if seed % 2 == 0 else -1.0
    who = Participants(informed_probability=settings.probability if informed else 0.0,
                       informed_lead_s=settings.lead_s, informed_size_adv=settings.size_adv)  # fmt: skip
    schedule = dataclasses.replace(default_schedule(spec), jump_times=np.array([settings.release_s]),
                                   jump_bps=np.array([sign * settings.jump_bps]), participants=who)  # fmt: skip
    symbol = spec.symbol
    market = simulated_market(seed, {symbol: spec}, start_time=0.0, warmup=60.0, schedules={symbol: schedule})
    qty = max(round(settings.quote_qty_adv * spec.adv / spec.lot_size), 1) * spec.lot_size
    working: dict[Side, tuple[int, float] | None] = {Side.BUY: None, Side.SELL: None}
    fills: list[tuple[Side, int, float]] = []
    t = settings.release_s - settings.window_s
    market.advance(t)
    while t < settings.release_s:
        depth = market.depth(symbol, 1)
        for side, best in ((Side.BUY, depth.best_bid), (Side.SELL, depth.best_ask)):
            order = working[side]
            if best is None or (order is not None and order[1] == best):
                continue
            if order is not None:
                market.cancel("US", order[0])
            updates = market.submit("US", symbol, side, qty, OrderType.LIMIT, best)
            working[side] = (updates[0].order.order_id, best)
        t += 1.0
        for update in market.advance(t):
            if update.kind is UpdateKind.TRADE and update.order.owner == "US":
                fills.append((update.order.side, update.last_qty, update.last_price))
                if update.order.cum_qty == update.order.qty:
                    working[update.order.side] = None
    market.advance(settings.release_s + settings.markout_s)
    after = market.depth(symbol, 1).mid
    if not fills or after is None:
        return float("nan")
    marks = [(after / price - 1.0) * 1e4 * (1 if side is Side.BUY else -1) for side, _, price in fills]
    weights = [q for _, q, _ in fills]
    return float(np.average(marks, weights=weights))


def _passive_markout(args: tuple[SymbolSpec, int, bool, InformedSettings]) -> float:
    return passive_markout(*args)


def informed_study(spec: SymbolSpec, seeds: Sequence[int], settings: InformedSettings | None = None,
                   workers: int = 2) -> tuple[list[float], list[float]]:  # fmt: skip
    """Per-seed markouts of our passive fills before the release: informed traders off, then on."""
    settings = settings or InformedSettings()
    jobs = [(spec, seed, informed, settings) for informed in (False, True) for seed in seeds]
    with ProcessPoolExecutor(workers) as pool:
        marks = list(pool.map(_passive_markout, jobs))
    return marks[:len(seeds)], marks[len(seeds):]


def main(argv: Sequence[str] | None = None) -> int:
    """Print both studies for one symbol."""
    parser = argparse.ArgumentParser(prog="python -m simulator.studies.participants", description=__doc__)
    parser.add_argument("--symbol", default="CRYPTOALPHA", choices=sorted(DEFAULT_UNIVERSE))
    parser.add_argument("--seeds", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if args.seeds < 2 or args.workers < 1:
        parser.error("need --seeds >= 2 and --workers >= 1")
    spec = DEFAULT_UNIVERSE[args.symbol]
    seeds = range(1, args.seeds + 1)
    study = predator_study(spec, seeds, workers=args.workers)
    print(f"{spec.symbol}, {args.seeds} seeds, paired")
    print(f"predators on - off, strict schedule:           {study.predators_cost_strict}")
    print(f"predators on - off, randomised schedule:       {study.predators_cost_random}")
    print(f"strict - randomised, predators on:             {study.randomising_saves}")
    off, on = informed_study(spec, seeds, workers=args.workers)
    print(f"passive fills before news, markout, informed off: {np.nanmean(off):+.2f} bps")
    print(f"passive fills before news, markout, informed on:  {np.nanmean(on):+.2f} bps")
    print(f"informed on - off (adverse selection):         {paired(on, off)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
