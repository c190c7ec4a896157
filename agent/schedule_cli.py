"""`footprint schedule`: a schedule's plan (TWAP, VWAP, POV, Almgren–Chriss) as a table or JSON, before any order.

Pure preview: no agent, no venue. VWAP and POV read the symbol's expected volume from the simulator's intraday
activity profile and ADV; every plan is rounded to the symbol's lots (1 without a symbol). A bad input is one line
on stderr naming the flag, exit code 2, and nothing on stdout.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from simulator.instruments import DEFAULT_UNIVERSE, SymbolSpec
from simulator.kernel.activity_profile import session_activity_profile
from simulator.scenario_offsets import parse_offset
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
    with_costs,
)

PROG = "footprint schedule"
STRATEGIES = ("twap", "vwap", "pov", "almgren-chriss")

_UNIT_S = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86_400.0}
_DAYS = re.compile(r"^(\d+(?:\.\d*)?)\s*d$")
# A preview is read by a person: a plan this long is a typo, and would only fill the memory.
_MAX_INTERVALS = 100_000

# The optional flags each strategy reads (by argparse dest) and those it cannot do without. A flag a strategy
# does not read is refused rather than silently ignored.
_USES: dict[str, set[str]] = {
    "twap": {"symbol"},
    "vwap": {"symbol", "start"},
    "pov": {"symbol", "start", "participation"},
    "almgren-chriss": {"symbol", "sigma", "eta", "gamma", "epsilon", "risk_aversion"},
}
_NEEDS: dict[str, tuple[str, ...]] = {
    "twap": (),
    "vwap": ("symbol",),
    "pov": ("symbol", "participation"),
    "almgren-chriss": ("sigma", "eta", "gamma", "risk_aversion"),
}
# The schedule inputs' names as the flags that carry them, for error messages.
_FLAG_OF = {
    "qty": "--qty",
    "horizon_s": "--horizon",
    "intervals": "--intervals",
    "start_s": "--start",
    "participation": "--participation",
    "sigma": "--sigma",
    "eta": "--eta",
    "gamma": "--gamma",
    "epsilon": "--epsilon",
    "risk_aversion": "--risk-aversion",
    # Volumes and lots come from the symbol's reference data.
    "weights": "--symbol",
    "expected_volume": "--symbol",
    "lot_size": "--symbol",
}

_HELP = """\
usage: footprint schedule --strategy {twap,vwap,pov,almgren-chriss} --qty Q --horizon H [--intervals N] [--json]

The target holdings of a parent at each interval boundary, rounded to the symbol's lots.

  twap            the same quantity in every interval
  vwap            in proportion to the symbol's expected intraday volume (--symbol, --start)
  pov             --participation of the symbol's expected volume until done; says so when it cannot finish
  almgren-chriss  Almgren & Chriss (2000) mean-variance optimal, with its expected cost and variance

VWAP and POV use trading time: a horizon past the session's end carries on at the next session's open.
Almgren-Chriss parameters are per the horizon's time unit, the one it is written in (s, m, h or d; seconds
when it is a bare number): with --horizon 5d, sigma is $/share per sqrt(day) and eta $/share per (share/day).
"""


@dataclass(frozen=True)
class Preview:
    """What the command shows: the plan and what it was computed from."""

    strategy: str
    qty: int
    horizon_text: str
    horizon_s: float
    unit: str
    lot_size: int
    plan: SchedulePlan
    details: dict[str, Any] = field(default_factory=dict)


class ScheduleArgumentError(Exception):
    """A bad flag: `flag` names it, the message says why."""

    def __init__(self, flag: str, reason: str) -> None:
        super().__init__(f"argument {flag}: {reason}")
        self.flag = flag


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `schedule` on the `footprint` parser."""
    # No usage block on errors: every bad input is the one line argparse writes after it.
    p = sub.add_parser(
        "schedule",
        help="preview a schedule's plan (twap, vwap, pov, almgren-chriss)",
        usage=argparse.SUPPRESS,
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--strategy", required=True, choices=STRATEGIES)
    p.add_argument("--qty", required=True, type=int, metavar="Q", help="parent quantity")
    p.add_argument("--horizon", required=True, metavar="H", help="seconds, or text like 90s, 30m, 3h, 1h30m, 2d")
    p.add_argument("--intervals", type=int, default=10, metavar="N", help="number of equal intervals (default 10)")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.add_argument(
        "--symbol",
        metavar="SYMBOL",
        help=f"{', '.join(sorted(DEFAULT_UNIVERSE))}: lot size, and the volume profile and ADV "
        "for vwap and pov (needed there)",
    )
    p.add_argument(
        "--start", metavar="OFFSET", help="vwap, pov: offset into the session, like --horizon (default 0, the open)"
    )
    p.add_argument("--participation", type=float, metavar="RHO", help="pov: share of the expected volume, in (0, 1]")
    p.add_argument("--sigma", type=float, metavar="S", help="almgren-chriss: volatility, $/share per sqrt(time unit)")
    p.add_argument(
        "--eta", type=float, metavar="ETA", help="almgren-chriss: temporary impact, $/share per (share per time unit)"
    )
    p.add_argument("--gamma", type=float, metavar="G", help="almgren-chriss: permanent impact, $/share per share")
    p.add_argument(
        "--epsilon",
        type=float,
        metavar="E",
        help="almgren-chriss: fixed cost, $/share (half spread and fees; default 0)",
    )
    p.add_argument("--risk-aversion", type=float, metavar="LAMBDA", help="almgren-chriss: lambda, per $ (0 gives TWAP)")
    p.set_defaults(func=_cmd_schedule)


def _cmd_schedule(args: argparse.Namespace) -> int:
    try:
        preview = build_preview(args)
    except ScheduleArgumentError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(as_json(preview), indent=2))
    else:
        print_table(preview)
    return 0


def build_preview(args: argparse.Namespace) -> Preview:
    """The plan the flags ask for, or ScheduleArgumentError naming the flag that is wrong."""
    strategy: str = args.strategy
    for dest in ("symbol", "start", "participation", "sigma", "eta", "gamma", "epsilon", "risk_aversion"):
        if getattr(args, dest) is not None and dest not in _USES[strategy]:
            users = [s for s, uses in _USES.items() if dest in uses]
            raise ScheduleArgumentError(_flag(dest), f"not used by {strategy} (only by {', '.join(users)})")
    for dest in _NEEDS[strategy]:
        if getattr(args, dest) is None:
            raise ScheduleArgumentError(_flag(dest), f"required for {strategy}")
    if not 1 <= args.intervals <= _MAX_INTERVALS:
        raise ScheduleArgumentError("--intervals", f"must be in [1, {_MAX_INTERVALS:,}], got {args.intervals}")
    horizon_s, unit = parse_horizon(args.horizon)
    spec = _symbol(args.symbol) if args.symbol else None
    try:
        plan, details = _model_plan(args, strategy, spec, horizon_s, unit)
        lot_size = spec.lot_size if spec else 1
        rounded = round_to_lots(plan, lot_size)
        if strategy == "almgren-chriss":
            rounded = with_costs(_ac_model(args), rounded, _UNIT_S[unit])
    except ScheduleInputError as exc:
        raise ScheduleArgumentError(_FLAG_OF.get(exc.field, exc.field), exc.reason) from exc
    return Preview(strategy, args.qty, args.horizon, horizon_s, unit, lot_size, rounded, details)


def _model_plan(
    args: argparse.Namespace, strategy: str, spec: SymbolSpec | None, horizon_s: float, unit: str
) -> tuple[SchedulePlan, dict[str, Any]]:
    if strategy == "twap":
        return twap_plan(args.qty, horizon_s, args.intervals), {}
    if strategy == "almgren-chriss":
        model = _ac_model(args)
        plan = almgren_chriss_plan(model, args.qty, horizon_s, args.intervals, _UNIT_S[unit])
        return plan, {"time_unit": unit, "kappa": model.kappa(horizon_s / args.intervals / _UNIT_S[unit])}
    assert spec is not None  # vwap and pov need --symbol, checked above
    start_s = _seconds("--start", args.start) if args.start else 0.0
    starts, rates = session_activity_profile(spec)
    profile = VolumeProfile(tuple(float(s) for s in starts), tuple(float(r) for r in rates), spec.session_seconds)
    # The profile's time-weighted mean rate is 1, so a whole session integrates to session_seconds: ADV.
    weights = interval_weights(profile, start_s, horizon_s, args.intervals)
    volume = [spec.adv * w / spec.session_seconds for w in weights]
    details: dict[str, Any] = {"start_s": start_s, "expected_volume": volume}
    if strategy == "vwap":
        return vwap_plan(args.qty, horizon_s, weights), details
    details["participation"] = args.participation
    return pov_plan(args.qty, horizon_s, volume, args.participation), details


def _ac_model(args: argparse.Namespace) -> AlmgrenChriss:
    epsilon = 0.0 if args.epsilon is None else args.epsilon
    return AlmgrenChriss(args.sigma, args.eta, args.gamma, epsilon, args.risk_aversion)


def parse_horizon(text: str) -> tuple[float, str]:
    """(seconds, time unit) of --horizon: seconds, or text like 90s, 30m, 3h, 1h30m, 2d. The unit is the largest
    the text is written in (s for a bare number): the Almgren–Chriss parameters are per that unit."""
    days = _DAYS.match(text.strip())
    if days:
        seconds, unit = float(days.group(1)) * _UNIT_S["d"], "d"
    else:
        seconds = _seconds("--horizon", text)
        unit = next((u for u in "hms" if u in text), "s")
    if not seconds > 0:
        raise ScheduleArgumentError("--horizon", f"must be > 0, got {text!r}")
    return seconds, unit


def _seconds(flag: str, text: str) -> float:
    try:
        return parse_offset(text)
    except ValueError:
        raise ScheduleArgumentError(
            flag,
            f"{text!r} is not a duration: write seconds (5400) or text like 90s, 30m, "
            f"3h, 1h30m{', 2d' if flag == '--horizon' else ''}",
        ) from None


def _symbol(name: str) -> SymbolSpec:
    spec = DEFAULT_UNIVERSE.get(name)
    if spec is None:
        raise ScheduleArgumentError(
            "--symbol", f"unknown symbol {name!r} (known: {', '.join(sorted(DEFAULT_UNIVERSE))})"
        )
    return spec


def _flag(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def as_json(preview: Preview) -> dict[str, Any]:
    """The preview as plain JSON values: the plan's boundaries, holdings and trades, and how it was made."""
    plan = preview.plan
    return {
        "strategy": preview.strategy,
        "qty": preview.qty,
        "horizon_s": preview.horizon_s,
        "intervals": plan.intervals,
        "lot_size": preview.lot_size,
        "times": list(plan.times),
        "holdings": list(plan.holdings),
        "trades": list(plan.trades),
        "completes": plan.completes,
        "shortfall": plan.shortfall,
        "expected_cost": plan.expected_cost,
        "variance": plan.variance,
        **preview.details,
    }


def print_table(preview: Preview) -> None:
    """The plan as a table: one row per interval boundary, then what the model says about it."""
    plan = preview.plan
    unit_s = _UNIT_S[preview.unit]
    print(
        f"{preview.strategy}: {preview.qty:,} over {preview.horizon_text} in {plan.intervals} intervals, "
        f"lot {preview.lot_size}"
    )
    volume = preview.details.get("expected_volume")
    print(
        f"{'interval':>8} {'time':>10} {'trade':>14} {'holdings':>14}" + (f" {'market volume':>14}" if volume else "")
    )
    trades = ("", *(f"{t:,.0f}" for t in plan.trades))
    volumes = ("", *(f"{v:,.0f}" for v in volume)) if volume else ("",) * len(plan.times)
    for k, (t, held, trade, market) in enumerate(zip(plan.times, plan.holdings, trades, volumes, strict=True)):
        row = f"{k:>8} {t / unit_s:>9.4g}{preview.unit} {trade:>14} {held:>14,.0f}"
        print((row + (f" {market:>14}" if volume else "")).rstrip())
    if not plan.completes:
        print(f"does not complete: {plan.shortfall:,.0f} left at the horizon")
    if plan.expected_cost is not None and plan.variance is not None:
        print(
            f"expected cost {plan.expected_cost:,.0f}, standard deviation {plan.variance**0.5:,.0f} "
            f"(variance {plan.variance:.6g}), kappa {preview.details['kappa']:.6g} per {preview.unit}"
        )
