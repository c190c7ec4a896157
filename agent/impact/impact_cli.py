"""The impact model's commands: `footprint data impact`, `footprint train impact`, `footprint impact evaluate` and
`footprint pretrade`."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agent.impact.data_settings import EXECUTORS, DataJobError, DataSettings
from strategies.impact import SHIPPED_MODEL
from strategies.impact.boost_settings import CALIBRATION_EVERY, BoostSettings

# Only settings and paths here: LightGBM, ONNX Runtime, Ray and the simulator load inside the commands that use them,
# so `footprint kill` and every other command start without them.


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    data = sub.add_parser("data", help="make training data")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    imp = data_sub.add_parser("impact", help="the impact model's training data: many parents through the backtester, "
                              "each with its counterfactual (the same seed without the order); resumable")
    defaults = DataSettings()
    imp.add_argument("--out", default="var/impact-data", help="folder of Parquet parts and its DATASET.md")
    imp.add_argument("--runs", type=int, default=defaults.runs, help="parents to run")
    imp.add_argument("--seed", type=int, default=defaults.seed, help="the seed every run is drawn from")
    imp.add_argument("--scenarios", help="comma-separated built-in names or YAML paths (default: every built-in)")
    imp.add_argument("--market-seeds", type=int, default=defaults.market_seeds,
                     help="distinct market seeds per scenario")
    imp.add_argument("--first-market-seed", type=int, default=defaults.first_market_seed)
    imp.add_argument("--max-horizon", type=float, default=defaults.max_horizon_s, help="seconds")
    imp.add_argument("--executor", choices=EXECUTORS, default="ray",
                     help="ray (a local cluster, or --ray-address), processes (local workers), inline (this process)")
    imp.add_argument("--workers", type=int, help="worker processes or Ray CPUs (default: every CPU)")
    imp.add_argument("--ray-address", help="a Ray cluster to run on (its nodes need footprint installed)")
    imp.add_argument("--chunk", type=int, default=50, help="records per Parquet part")
    imp.add_argument("--no-progress", action="store_true")
    imp.set_defaults(func=_cmd_data_impact)
    ex = data_sub.add_parser("executions", help="a desk's own executions (parents, fills, market snapshots; CSV or "
                             "Parquet) as impact training data; every bad row reported by file, line and field")
    ex.add_argument("--parents", required=True, help="parent_id, symbol, side, qty, start, end, strategy, adv, "
                    "daily_vol [, aggression, urgency, group, session_open_utc, session_hours]")
    ex.add_argument("--fills", required=True, help="parent_id, time, qty, price")
    ex.add_argument("--snapshots", required=True, help="symbol, time, bid_px, bid_qty, ask_px, ask_qty, volume "
                    "[, bid_px_2, bid_qty_2, ask_px_2, ask_qty_2 ... up to 5]")
    ex.add_argument("--out", default="var/desk-data", help="a new folder: Parquet and its DATASET.md")
    ex.set_defaults(func=_cmd_data_executions)

    train = sub.add_parser("train", help="train models")
    train_sub = train.add_subparsers(dest="train_command", required=True)
    ti = train_sub.add_parser("impact", help="fit the LightGBM quantile impact model and the baselines, score them "
                              "on held-out scenarios, export ONNX with its model card")
    boost = BoostSettings()
    ti.add_argument("--data", default="var/impact-data", help="folders made by `footprint data impact`, "
                    "comma-separated (one job's plan each)")
    ti.add_argument("--out", default=str(SHIPPED_MODEL.parent), help="model folder (default: the shipped model's)")
    ti.add_argument("--calibration-every", type=int, default=CALIBRATION_EVERY,
                    help="every k-th seed calibrates the quantiles (conformal offsets) instead of training")
    ti.add_argument("--trees", type=int, default=boost.n_estimators, help="boosting rounds per booster")
    ti.add_argument("--component-trees", default=_per_component_text(boost.component_trees),
                    help="rounds for some components' boosters instead of --trees, e.g. timing=2,temporary=3")
    ti.add_argument("--component-learning-rate", default=_per_component_text(boost.component_learning_rate),
                    help="learning rates for some components' boosters instead of --learning-rate, e.g. timing=0.01")
    ti.add_argument("--constant-components", default=",".join(boost.constant_components),
                    help="components whose boosters never split (one leaf: the training rows' quantile in the "
                         "component's scale), comma-separated ('' for none)")
    ti.add_argument("--level-trees", default=_per_component_text(boost.level_trees),
                    help="rounds for one component's booster at one quantile level instead of its component's, "
                         "e.g. impact:0.05=3,impact:0.95=3 ('' for none)")
    ti.add_argument("--leaves", type=int, default=boost.num_leaves)
    ti.add_argument("--learning-rate", type=float, default=boost.learning_rate)
    ti.add_argument("--seed", type=int, default=boost.seed)
    ti.set_defaults(func=_cmd_train_impact)

    impact = sub.add_parser("impact", help="the impact model")
    impact_sub = impact.add_subparsers(dest="impact_command", required=True)
    ev = impact_sub.add_parser("evaluate", help="leave one scenario out: the model's settings against every baseline "
                               "on held-out scenarios (pinball, CRPS, MAE, coverage, Brier, by size and scenario, with "
                               "a calibration plot)")
    ev.add_argument("--data", default="var/impact-data", help="folders made by `footprint data impact`, "
                    "comma-separated")
    ev.add_argument("--model", default=str(SHIPPED_MODEL),
                    help="an ONNX model made by `footprint train impact`: its card's LightGBM settings are evaluated")
    ev.add_argument("--out", default="var/impact-eval", help="folder for the calibration plot and the scores")
    ev.set_defaults(func=_cmd_evaluate)

    pre = sub.add_parser("pretrade", help="what a parent would cost, worked each way: temporary, permanent and total "
                         "cost in bps, P(cost > 10 bps), 5/50/95% quantiles")
    pre.add_argument("--symbol", required=True)
    pre.add_argument("--side", choices=["buy", "sell"], required=True)
    pre.add_argument("--qty", type=float, required=True)
    pre.add_argument("--horizon", required=True, help="seconds, or text like 90s, 30m, 3h, 1h30m")
    pre.add_argument("--scenario", help="built-in name or YAML file whose market to estimate in (default: the first "
                     "built-in scenario trading the symbol with no other desk's flow scheduled)")
    pre.add_argument("--seed", type=int, help="the scenario's market seed (default: its own)")
    pre.add_argument("--agent", metavar="URL", help="estimate in the market the live agent sees now: its admin "
                     "endpoint, e.g. http://127.0.0.1:9880 (the symbol's adv and daily_vol from --config)")
    pre.add_argument("--config", help="the agent's TOML config, with --agent (default: $FOOTPRINT_CONFIG)")
    pre.add_argument("--model", default=str(SHIPPED_MODEL), help="an ONNX model made by `footprint train impact`")
    pre.add_argument("--device", choices=["cpu", "cuda", "auto"], default="cpu")
    pre.add_argument("--json", action="store_true", help="a JSON list of objects, one per way of working it")
    pre.set_defaults(func=_cmd_pretrade)


def _cmd_data_impact(args: argparse.Namespace) -> int:
    from agent.impact.impact_dataset import run_job

    try:
        settings = DataSettings(
            runs=args.runs, seed=args.seed,
            scenarios=tuple(s.strip() for s in args.scenarios.split(",") if s.strip()) if args.scenarios else (),
            market_seeds=args.market_seeds, first_market_seed=args.first_market_seed, max_horizon_s=args.max_horizon)
        if args.workers is not None and args.workers < 1:
            raise DataJobError(f"--workers must be >= 1, got {args.workers}")
        command = _command("data", "footprint data impact")
        report = run_job(settings, Path(args.out), executor=args.executor, workers=args.workers,
                         ray_address=args.ray_address, chunk=args.chunk, progress=not args.no_progress,
                         command=command)
    except DataJobError as exc:
        print(f"footprint data impact: {exc}", file=sys.stderr)
        return 2
    print(f"{report.written:,} records written, {report.skipped:,} already in {args.out}, "
          f"{len(report.failed):,} failed, {report.wall_s:,.0f} s; card: {Path(args.out) / 'DATASET.md'}")
    return 1 if report.failed else 0


def _cmd_data_executions(args: argparse.Namespace) -> int:
    from agent.impact.executions import ExecutionsError, desk_records, write_desk_dataset

    sources = [Path(args.parents), Path(args.fills), Path(args.snapshots)]
    try:
        records = desk_records(*sources)
        write_desk_dataset(Path(args.out), records, sources, _command("data", "footprint data executions"))
    except ExecutionsError as exc:
        print(f"footprint data executions: {exc}", file=sys.stderr)
        return 2
    print(f"{len(records):,} parents written to {args.out}; train with `footprint train impact --data {args.out}`")
    return 0


def _command(first: str, fallback: str) -> str:
    return "footprint " + shlex.join(sys.argv[1:]) if sys.argv[1:2] == [first] else fallback


def _comma_list(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(",") if s.strip())


def _per_component_text(values: Mapping[str, float]) -> str:
    return ",".join(f"{name}={value:g}" for name, value in values.items())


def _per_component(flag: str, text: str, parse: type[int] | type[float], key: str = "COMPONENT",
                   example: str | None = None) -> dict[str, Any]:
    """A per-component flag's `NAME=VALUE,...` as {component: value}; TrainingError naming the item that is not."""
    from agent.impact.impact_training import TrainingError

    values: dict[str, Any] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, value = item.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError(item)
            values[name.strip()] = parse(value.strip())
        except ValueError:
            example = example or ("timing=2" if parse is int else "timing=0.01")
            raise TrainingError(f"{flag}: {item!r} is not {key}={parse.__name__.upper()} "
                                f"(e.g. {example})") from None
    return values


def _cmd_train_impact(args: argparse.Namespace) -> int:
    from agent.impact.impact_training import TrainingError, load_datasets, train, write_model
    from strategies.impact.quantile_model import COMPONENTS

    try:
        if args.trees < 1 or args.leaves < 2 or not args.learning_rate > 0:
            raise TrainingError("--trees must be >= 1, --leaves >= 2 and --learning-rate > 0")
        if args.calibration_every < 2:
            raise TrainingError(f"--calibration-every must be >= 2, got {args.calibration_every}")
        settings = BoostSettings(n_estimators=args.trees, num_leaves=args.leaves, learning_rate=args.learning_rate,
                                 seed=args.seed,
                                 component_trees=_per_component("--component-trees", args.component_trees, int),
                                 component_learning_rate=_per_component("--component-learning-rate",
                                                                        args.component_learning_rate, float),
                                 constant_components=_comma_list(args.constant_components),
                                 level_trees=_per_component("--level-trees", args.level_trees, int,
                                                            "COMPONENT:LEVEL", "impact:0.05=3"))
        try:
            settings.check(COMPONENTS)
        except ValueError as exc:
            raise TrainingError(str(exc)) from exc
        data = _folders(args.data)
        t0 = time.perf_counter()
        rows = load_datasets(data)
        result = train(rows, settings, args.calibration_every, _fold_progress)
        figures = write_model(Path(args.out), result, data=data, calibration_every=args.calibration_every,
                              settings=settings, command=_command("train", "footprint train impact"))
    except TrainingError as exc:
        print(f"footprint train impact: {exc}", file=sys.stderr)
        return 2
    print(f"{result.counts['records']:,} records; the shipped boosters trained on {result.counts['train']:,} and "
          f"calibrated on {result.counts['calibration']:,} ({time.perf_counter() - t0:,.0f} s); model and card in "
          f"{args.out}")
    _print_headline(figures)
    from agent.impact.impact_training import headline

    seeds = headline(result.seed_scores)
    print(f"held-out seeds of every scenario: median MAE ratio {seeds['mae_ratio']:.3f} (LightGBM "
          f"{seeds['lightgbm_mae_vs_impact_bps']:.3f} bps, {seeds['best_baseline']} "
          f"{seeds['best_baseline_mae_vs_impact_bps']:.3f} bps); 90% coverage "
          f"{seeds['coverage90_realised'] * 100:.1f}%")
    print(f"ONNX vs native max |diff| {result.onnx_max_diff_bps:.2e} bps")
    return 0


def _folders(text: str) -> list[Path]:
    """--data: one folder, or several comma-separated."""
    return [Path(part.strip()) for part in text.split(",") if part.strip()]


def _fold_progress(scenario: str) -> None:
    print(f"  leaving out {scenario}", file=sys.stderr)


def _print_headline(figures: dict[str, Any]) -> None:
    print(f"leave one scenario out: LightGBM median MAE vs counterfactual impact "
          f"{figures['lightgbm_mae_vs_impact_bps']:.3f} bps, best baseline ({figures['best_baseline']}) "
          f"{figures['best_baseline_mae_vs_impact_bps']:.3f} bps, ratio {figures['mae_ratio']:.3f}; 90% interval "
          f"covers {figures['coverage90_realised'] * 100:.1f}% of realised shortfalls; Brier of P(> 10 bps) beats "
          f"every baseline's: against the counterfactual impact {figures['brier_impact_beats_every_baseline']}, "
          f"against the realised shortfall {figures['brier_beats_every_baseline']}")


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from agent.impact.impact_training import (
        CARD_JSON,
        TrainingError,
        cross_validate,
        headline,
        load_datasets,
        report_lines,
        save_figure,
    )
    from strategies.impact.inference import ImpactInference, ImpactModelError

    model = Path(args.model)
    try:
        card_path = model.parent / CARD_JSON
        if not card_path.exists():
            raise TrainingError(f"no model card {card_path}: evaluate a model made by `footprint train impact`")
        card = json.loads(card_path.read_text())
        settings = BoostSettings.from_card(card["boost_settings"])
        inference = ImpactInference.from_file(model)
        rows = load_datasets(_folders(args.data))
        every = int(card.get("calibration_every", CALIBRATION_EVERY))
        scores, tested = cross_validate(rows, settings, every, _fold_progress)
    except (TrainingError, ImpactModelError, KeyError, TypeError, ValueError) as exc:
        print(f"footprint impact evaluate: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    save_figure(scores, out / "calibration.png")
    figures = headline(scores)
    (out / "scores.json").write_text(json.dumps(figures, indent=2, default=float) + "\n")
    (out / "scores.md").write_text("\n".join(report_lines(scores, tested)))
    print(f"{len(tested):,} records, {len(set(tested.scenario.tolist()))} scenarios each held out in turn; the model "
          f"serves on {inference.provider_in_use}")
    print("\n".join(report_lines(scores, tested)))
    _print_headline(figures)
    print(f"plot: {out / 'calibration.png'}")
    return 0


def _cmd_pretrade(args: argparse.Namespace) -> int:
    from agent.config import ConfigError, load_config
    from agent.impact.pretrade import PreTradeError, agent_pretrade, scenario_pretrade

    try:
        if args.agent:
            if args.scenario:
                raise PreTradeError("give --agent or --scenario, not both")
            cfg = load_config(Path(args.config) if args.config else None)
            estimates, as_of = agent_pretrade(args.symbol, args.side, args.qty, args.horizon, args.agent, cfg,
                                              Path(args.model), args.device)
        else:
            estimates, as_of = scenario_pretrade(args.symbol, args.side, args.qty, args.horizon, args.scenario,
                                                 args.seed, Path(args.model), args.device)
    except (PreTradeError, ConfigError) as exc:
        print(f"footprint pretrade: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([e.as_json() for e in estimates], indent=2))
        return 0
    print(f"{args.side} {args.qty:,.0f} {args.symbol} over {args.horizon}: {as_of}")
    print("cost in bps, positive when it hurts")
    header = f"{'strategy':<12}{'temporary':>10}{'permanent':>10}{'total':>8}{'P(>10bps)':>11}{'q05':>8}{'q50':>8}" \
             f"{'q95':>8}"
    print(header)
    for e in estimates:
        print(f"{e.strategy:<12}{e.temporary_bps:>10.1f}{e.permanent_bps:>10.1f}{e.total_bps:>8.1f}"
              f"{e.p_exceed_10bps:>11.2f}{e.q05_bps:>8.1f}{e.q50_bps:>8.1f}{e.q95_bps:>8.1f}")
    return 0
