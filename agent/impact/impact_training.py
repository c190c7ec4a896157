"""`footprint train impact` and `footprint impact evaluate`: fit, score and ship the impact model.

Evaluation is leave-one-scenario-out: each scenario in turn is the test set, and every model is fitted without it.
Every scenario has its own market seeds (`impact_dataset.plan_runs`), so holding a scenario out holds its seeds out
too and nothing leaks. Of the other scenarios, the runs on every `calibration_every`-th seed form the calibration
set (the conformal offsets), the rest the training set. In every fold each model is fitted on the training set
only: the LightGBM quantile boosters and the parametric baselines (the square-root law, I-Star, Almgren et al. 2005,
a Bayesian linear model), and every model's quantiles get the same split-conformal offsets from the calibration
set, so the comparison is between calibrated models. The folds' test predictions together cover every record, each
from models that never saw its scenario.

Every model is scored side by side against the realised shortfall (its total-cost quantiles) and against the
counterfactual impact (its impact quantiles; the same seed without our order): pinball loss per quantile, CRPS, MAE
of the median, coverage of the 50/80/90% intervals and the Brier score of P(cost > 10 bps), overall, by size bucket
and by scenario, with a calibration plot. The shipped model is then fitted the same way on every scenario.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from agent.impact.data_settings import DataJobError
from agent.impact.impact_dataset import read_dataset
from strategies.impact.baselines import ImpactBaseline, ImpactInputs, default_baselines
from strategies.impact.boost_settings import CALIBRATION_EVERY, BoostSettings
from strategies.impact.features import FEATURE_NAMES, column
from strategies.impact.inference import ImpactInference
from strategies.impact.onnx_export import boosters_to_onnx
from strategies.impact.quantile_model import (
    QuantileModel,
    ServedLayout,
    calibrate,
    component_labels,
    conformal_shift,
    fit_quantile_model,
    timing_exposure,
    volatility_today,
)
from strategies.impact.quantiles import QUANTILES, exceed_probability, sort_quantiles
from strategies.impact.scoring import ScoreRow, calibration_figure, format_table, score_by_bucket

F64 = npt.NDArray[np.float64]

MODEL_FILE = "impact.onnx"
CARD_FILE = "MODEL_CARD.md"
CARD_JSON = "model_card.json"
THRESHOLD_BPS = 10.0
SIZE_BUCKETS = (0.0, 0.005, 0.02, 0.08, 1.0)  # Q/ADV edges
LABELS = {"total": "total_bps", "temporary": "temporary_bps", "permanent": "permanent_bps",
          "impact": "impact_bps", "permanent_impact": "permanent_impact_bps"}


class TrainingError(ValueError):
    """Training or evaluation cannot go on as asked; the message says why."""


@dataclass(frozen=True)
class Rows:
    """The usable records of a dataset: features, labels, and what the split needs."""

    features: F64
    labels: dict[str, F64]
    scenario: npt.NDArray[np.str_]
    seed: npt.NDArray[np.int64]
    dropped: int  # records left out: not wholly filled, or an outcome missing

    def take(self, mask: npt.NDArray[np.bool_]) -> Rows:
        return Rows(self.features[mask], {k: v[mask] for k, v in self.labels.items()}, self.scenario[mask],
                    self.seed[mask], 0)

    def __len__(self) -> int:
        return int(self.features.shape[0])


def load_rows(folder: Path, min_filled: float = 0.99) -> Rows:
    """A dataset folder's records that filled (almost) wholly and have every outcome."""
    try:
        table = read_dataset(folder)
    except DataJobError as exc:
        raise TrainingError(str(exc)) from exc
    rebuild = ARRIVAL_VIEW in table.column_names
    needed = (*LABELS.values(), "scenario", "seed", "filled", *(() if rebuild else FEATURE_NAMES))
    missing = [c for c in needed if c not in table.column_names]
    if missing:
        raise TrainingError(f"{folder}: the records lack {', '.join(missing)} (made by another version?)")
    if rebuild:
        features = rebuilt_features(table)
    else:
        features = np.column_stack([table.column(c).to_numpy().astype(np.float64) for c in FEATURE_NAMES])
    labels = {k: table.column(c).to_numpy().astype(np.float64) for k, c in LABELS.items()}
    filled = table.column("filled").to_numpy().astype(np.float64)
    keep = (filled >= min_filled) & np.all(np.isfinite(features), axis=1)
    for y in labels.values():
        keep &= np.isfinite(y)
    rows = Rows(features[keep], {k: v[keep] for k, v in labels.items()},
                np.asarray(table.column("scenario").to_pylist())[keep],
                table.column("seed").to_numpy().astype(np.int64)[keep], int((~keep).sum()))
    return rows


def load_datasets(folders: Sequence[Path], min_filled: float = 0.99) -> Rows:
    """The usable records of several dataset folders together (`load_rows` of each): one job's plan per folder, so
    scenarios added later are a folder of their own. TrainingError when no folder is named, one is named twice, or a
    market seed is in two folders: markets of one symbol from one seed draw the same flow, so the same seed in two
    folders would leak across a split by scenario or by seed (a job gives each scenario its own seeds; give each
    folder its own with --first-market-seed)."""
    if not folders:
        raise TrainingError("name at least one dataset folder")
    if len({folder.resolve() for folder in folders}) < len(folders):
        raise TrainingError(f"a dataset folder is named twice: {', '.join(str(f) for f in folders)}")
    parts = [load_rows(folder, min_filled) for folder in folders]
    seen: dict[int, Path] = {}
    for folder, rows in zip(folders, parts, strict=True):
        shared = sorted(seed for seed in set(rows.seed.tolist()) if seed in seen)
        if shared:
            raise TrainingError(f"{folder} and {seen[shared[0]]} both hold markets of seed {shared[0]}"
                                f"{f' and {len(shared) - 1} more' if len(shared) > 1 else ''}: give each folder "
                                "its own seeds (--first-market-seed)")
        seen.update(dict.fromkeys(rows.seed.tolist(), folder))
    return Rows(np.vstack([p.features for p in parts]), {k: np.concatenate([p.labels[k] for p in parts])
                                                         for k in parts[0].labels},
                np.concatenate([p.scenario for p in parts]), np.concatenate([p.seed for p in parts]),
                sum(p.dropped for p in parts))


ARRIVAL_VIEW = "arrival_view"


def rebuilt_features(table: pa.Table) -> F64:
    """FEATURE_NAMES of every record, computed now by the features module from the market view each record kept
    at its arrival: records made before a feature was added or changed train with today's features, exactly as
    serving computes them; TrainingError naming a record whose features cannot be rebuilt."""
    from agent.impact.impact_runs import RecordFeatures  # the scenarios' markets: only for simulated records

    rebuild = RecordFeatures()
    try:
        return np.vstack([rebuild.row(record) for record in table.to_pylist()])
    except ValueError as exc:
        raise TrainingError(str(exc)) from exc


@dataclass(frozen=True)
class Split:
    """Which records train, calibrate and test: the test scenarios' records test (none for the shipped model's
    fit), and of the others every `calibration_every`-th seed calibrates."""

    test_scenarios: tuple[str, ...] = ()
    calibration_every: int = CALIBRATION_EVERY

    def masks(self, rows: Rows) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """Train, calibration and test masks; TrainingError when training or calibration (or a named test set) is
        empty."""
        test = np.isin(rows.scenario, self.test_scenarios)
        calibration = ~test & (rows.seed % self.calibration_every == 0)
        train = ~test & ~calibration
        named = (("training", train), ("calibration", calibration), *((("test", test),) if self.test_scenarios else ()))
        for name, mask in named:
            if not mask.any():
                raise TrainingError(f"the {name} set is empty (test scenarios {', '.join(self.test_scenarios)}; "
                                    f"scenarios in the data: {', '.join(sorted(set(rows.scenario)))})")
        return train, calibration, test


def baseline_inputs(features: F64, today: bool = False) -> ImpactInputs:
    """What the parametric laws take, read from the same feature rows as the boosters; σ the symbol's history's, or
    with `today` the boosters' σ today (`volatility_today`)."""
    sigma = column(features, "sigma_bps") * (volatility_today(features) if today else 1.0)
    return ImpactInputs(q_over_adv=column(features, "q_over_adv"), sigma_bps=sigma,
                        horizon_days=column(features, "horizon_days"),
                        participation=column(features, "participation"),
                        spread_bps=column(features, "spread_bps"))


SIGMA_TODAY = " (σ today)"
"""Suffix of a baseline fitted with today's σ instead of the history's."""


@dataclass(frozen=True)
class Forecast:
    """One model's test-set quantiles in bps ([N, levels]): of the total cost, and of the impact alone."""

    total: F64
    impact: F64


@dataclass
class ModelScores:
    """One model's forecasts on the test rows and its scores: the total's quantiles against the realised shortfall,
    the impact's against the counterfactual impact (each with P(cost > 10 bps))."""

    name: str
    forecast: Forecast
    p_exceed: F64  # P(total > 10 bps)
    truth: F64  # the realised shortfall of the test rows
    against_realised: list[ScoreRow] = field(default_factory=list)
    against_impact: list[ScoreRow] = field(default_factory=list)


def size_buckets(features: F64) -> npt.NDArray[np.str_]:
    q = column(features, "q_over_adv")
    edges = SIZE_BUCKETS
    labels = [f"Q/V {edges[i] * 100:g}-{edges[i + 1] * 100:g}%" for i in range(len(edges) - 1)]
    idx = np.clip(np.searchsorted(edges, q, side="right") - 1, 0, len(labels) - 1)
    return np.asarray(labels)[idx]


def score_models(test: Rows, forecasts: Mapping[str, Forecast]) -> list[ModelScores]:
    """Every model scored side by side on the test rows, overall and by size bucket."""
    buckets = size_buckets(test.features)
    out = []
    for name, f in forecasts.items():
        p = exceed_probability(f.total, QUANTILES, THRESHOLD_BPS)
        scores = ModelScores(name, f, p, test.labels["total"])
        scores.against_realised = score_by_bucket(name, test.labels["total"], f.total, QUANTILES, buckets,
                                                  threshold_bps=THRESHOLD_BPS, p_exceed=p)
        scores.against_impact = score_by_bucket(name, test.labels["impact"], f.impact, QUANTILES, buckets,
                                                threshold_bps=THRESHOLD_BPS)
        out.append(scores)
    return out


def fit_model(rows: Rows, split: Split, settings: BoostSettings) -> tuple[QuantileModel, Rows]:
    """The boosters fitted on the split's training rows and calibrated on its calibration rows; and those."""
    train_m, cal_m, _ = split.masks(rows)
    tr, cal = rows.take(train_m), rows.take(cal_m)
    model = fit_quantile_model(tr.features, component_labels(tr.labels), FEATURE_NAMES, settings)
    model.calibration = calibrate(model, cal.features, {**component_labels(cal.labels), "total": cal.labels["total"]})
    return model, cal


def cross_validate(rows: Rows, settings: BoostSettings, calibration_every: int = CALIBRATION_EVERY,
                   progress: Callable[[str], None] | None = None) -> tuple[list[ModelScores], Rows]:
    """Leave one scenario out, for every scenario: every model's forecasts of each record from a fit that never saw
    its scenario, scored together; and the records in the order scored."""
    scenarios = sorted(set(rows.scenario.tolist()))
    if len(scenarios) < 2:
        raise TrainingError(f"leave-one-scenario-out needs two scenarios at least; the data has {scenarios}")
    parts: list[Rows] = []
    forecasts: dict[str, list[Forecast]] = {}
    for scenario in scenarios:
        if progress is not None:
            progress(scenario)
        split = Split((scenario,), calibration_every)
        train_m, cal_m, test_m = split.masks(rows)
        model, _ = fit_model(rows, split, settings)
        te = rows.take(test_m)
        ours = model.predict(te.features)
        laws, _ = fit_baselines(rows.take(train_m), rows.take(cal_m), te)
        for name, f in {"lightgbm": Forecast(ours["total"], ours["impact"]), **laws}.items():
            forecasts.setdefault(name, []).append(f)
        parts.append(te)
    tested = Rows(np.vstack([p.features for p in parts]),
                  {k: np.concatenate([p.labels[k] for p in parts]) for k in rows.labels},
                  np.concatenate([p.scenario for p in parts]), np.concatenate([p.seed for p in parts]), 0)
    joined = {name: Forecast(np.vstack([f.total for f in fs]), np.vstack([f.impact for f in fs]))
              for name, fs in forecasts.items()}
    return score_models(tested, joined), tested


def seed_holdout(rows: Rows, settings: BoostSettings, every: int = 5) -> tuple[list[ModelScores], Rows]:
    """The other held-out test: every scenario seen, but not these seeds (seed ≡ 0 mod `every` tests, ≡ 1
    calibrates, the rest trains): how the models do on new days of regimes they know."""
    test = rows.seed % every == 0
    calibration = rows.seed % every == 1
    train_m = ~test & ~calibration
    for name, mask in (("training", train_m), ("calibration", calibration), ("test", test)):
        if not mask.any():
            raise TrainingError(f"the seed hold-out's {name} set is empty")
    tr, cal, te = rows.take(train_m), rows.take(calibration), rows.take(test)
    model = fit_quantile_model(tr.features, component_labels(tr.labels), FEATURE_NAMES, settings)
    model.calibration = calibrate(model, cal.features, {**component_labels(cal.labels), "total": cal.labels["total"]})
    ours = model.predict(te.features)
    laws, _ = fit_baselines(tr, cal, te)
    return score_models(te, {"lightgbm": Forecast(ours["total"], ours["impact"]), **laws}), te


@dataclass
class TrainResult:
    model: QuantileModel
    onnx: bytes
    onnx_max_diff_bps: float
    scores: list[ModelScores]  # leave-one-scenario-out
    tested: Rows  # the records as scored
    seed_scores: list[ModelScores]  # held-out seeds of every scenario
    baseline_params: dict[str, dict[str, float]]
    counts: dict[str, int]
    fit_s: float


def model_metadata_props(model: QuantileModel, features: F64) -> dict[str, str]:
    """What a served model needs besides its boosters: components, levels, calibration; and each feature's range
    in the rows it learnt from (a request outside it is an extrapolation, and the pre-trade estimate says so)."""
    ranges = {name: [float(features[:, i].min()), float(features[:, i].max())] for i, name in enumerate(FEATURE_NAMES)}
    return {**ServedLayout.metadata(model), "feature_ranges": json.dumps(ranges)}


def train(rows: Rows, settings: BoostSettings, calibration_every: int = CALIBRATION_EVERY,
          progress: Callable[[str], None] | None = None) -> TrainResult:
    """Cross-validate every model, then fit the shipped boosters on every scenario and export them to ONNX."""
    t0 = time.perf_counter()
    scores, tested = cross_validate(rows, settings, calibration_every, progress)
    seed_scores, _ = seed_holdout(rows, settings)
    split = Split((), calibration_every)
    model, cal = fit_model(rows, split, settings)
    train_m, cal_m, _ = split.masks(rows)
    _, params = fit_baselines(rows.take(train_m), cal, cal)
    fit_s = time.perf_counter() - t0
    onnx = boosters_to_onnx(model.boosters, model.output_names, FEATURE_NAMES,
                            metadata=model_metadata_props(model, rows.take(train_m).features))
    # In bps, on rows the boosters never trained on: the served (ONNX) outputs against the native ones.
    served = served_quantiles(ImpactInference(onnx), cal.features)
    native = model.predict(cal.features)
    diff = max(float(np.max(np.abs(served[k] - native[k]))) for k in native)
    counts = {"records": len(rows), "train": int(train_m.sum()), "calibration": int(cal_m.sum()),
              "dropped": rows.dropped}
    return TrainResult(model, onnx, diff, scores, tested, seed_scores, params, counts, fit_s)


def fit_baselines(tr: Rows, cal: Rows, te: Rows) -> tuple[dict[str, Forecast], dict[str, dict[str, float]]]:
    """Every parametric baseline fitted on the training rows as the boosters are: its law to the counterfactual
    impact (its quantiles of the impact from its own residuals), its total cost as that impact plus the timing
    residuals' quantiles in units of the timing noise (`_timing_scale`); both conformally shifted on the calibration
    rows like the boosters' (the total in units of the timing noise)."""
    forecasts: dict[str, Forecast] = {}
    params: dict[str, dict[str, float]] = {}
    # Each law twice: with the history's σ, as desks use it, and with the boosters' σ today, so the comparison is
    # with the better of the two, not with a law denied what the boosters are given.
    for today in (False, True):
        for fresh in default_baselines():
            law = _LawForecast(fresh.fit(baseline_inputs(tr.features, today), tr.labels["impact"]), tr, today)
            impact_shift = conformal_shift(law.impact(cal), cal.labels["impact"], QUANTILES)
            # The total's offsets in units of each row's timing noise, as the boosters' are in their scale (normalised).
            cal_scale = _timing_scale(baseline_inputs(cal.features, today), cal.features)
            total_shift = conformal_shift(law.total(cal) / cal_scale[:, None], cal.labels["total"] / cal_scale,
                                          QUANTILES)
            te_scale = _timing_scale(baseline_inputs(te.features, today), te.features)
            name = law.fitted.name + (SIGMA_TODAY if today else "")
            forecasts[name] = Forecast(sort_quantiles(law.total(te) + total_shift[None, :] * te_scale[:, None]),
                                       sort_quantiles(law.impact(te) + impact_shift))
            params[name] = law.fitted.params()
    return forecasts, params


class _LawForecast:
    """A fitted law's quantiles: of the impact (its own), and of the total (its impact plus the quantiles of the
    training rows' (realised − its impact) over their timing noise (`_timing_scale`), scaled back by each row's)."""

    def __init__(self, fitted: ImpactBaseline, tr: Rows, today: bool) -> None:
        self.fitted = fitted
        self.today = today
        inputs = baseline_inputs(tr.features, today)
        z = (tr.labels["total"] - fitted.predict_point(inputs)) / _timing_scale(inputs, tr.features)
        self.timing: F64 = np.quantile(z, QUANTILES)

    def impact(self, rows: Rows) -> F64:
        return self.fitted.predict_quantiles(baseline_inputs(rows.features, self.today))

    def total(self, rows: Rows) -> F64:
        inputs = baseline_inputs(rows.features, self.today)
        point = self.fitted.predict_point(inputs)
        return sort_quantiles(point[:, None] + _timing_scale(inputs, rows.features)[:, None] * self.timing[None, :])


def _timing_scale(inputs: ImpactInputs, features: F64) -> F64:
    """The timing noise as the boosters measure it (σ√T times the schedule's `timing_exposure`), σ as the law was
    fitted with: a law's total gets the same account of an IS parent's shorter exposure as the boosters'."""
    out: F64 = inputs.sigma_bps * np.sqrt(inputs.horizon_days) * timing_exposure(features)
    return out


def served_quantiles(inference: ImpactInference, features: F64) -> dict[str, F64]:
    """Every output's sorted quantiles in bps from a served model (raw outputs through `finish`)."""
    try:
        layout = ServedLayout.from_metadata(inference.metadata)
    except ValueError as exc:
        raise TrainingError(str(exc)) from exc
    x = np.atleast_2d(features)
    return layout.finish(inference.predict(x), x)


def headline(scores: Sequence[ModelScores]) -> dict[str, Any]:
    """The issue's figures: median MAE against the counterfactual impact (LightGBM over the best baseline), the 90%
    interval's coverage of realised shortfalls, and the Brier score of P(cost > 10 bps), all on the whole test set."""
    def whole(rows: list[ScoreRow]) -> ScoreRow:
        return next(r for r in rows if r.bucket == "all")

    by = {s.name: s for s in scores}
    lgbm = by["lightgbm"]
    baselines = [s for s in scores if s.name != "lightgbm"]
    best = min(baselines, key=lambda s: whole(s.against_impact).mae_median)
    lgbm_mae = whole(lgbm.against_impact).mae_median
    return {
        "lightgbm_mae_vs_impact_bps": lgbm_mae,
        "best_baseline": best.name,
        "best_baseline_mae_vs_impact_bps": whole(best.against_impact).mae_median,
        "mae_ratio": lgbm_mae / whole(best.against_impact).mae_median,
        "coverage90_realised": whole(lgbm.against_realised).coverage[90],
        "brier_realised": {s.name: whole(s.against_realised).brier for s in scores},
        "brier_beats_every_baseline": all(whole(lgbm.against_realised).brier < whole(s.against_realised).brier
                                          for s in baselines),
        # P(impact > 10 bps) from each model's impact quantiles, against the counterfactual impact: the cost of the
        # order itself, without the timing noise that no model can forecast.
        "brier_impact": {s.name: whole(s.against_impact).brier for s in scores},
        "brier_impact_beats_every_baseline": all(whole(lgbm.against_impact).brier < whole(s.against_impact).brier
                                                 for s in baselines),
    }


def by_scenario(tested: Rows, scores: Sequence[ModelScores]) -> list[ScoreRow]:
    """Every model's impact scores per held-out scenario."""
    return [row for s in scores for row in score_by_bucket(
        s.name, tested.labels["impact"], s.forecast.impact, QUANTILES, tested.scenario, threshold_bps=THRESHOLD_BPS)
        if row.bucket != "all"]


def report_lines(scores: Sequence[ModelScores], tested: Rows) -> list[str]:
    """The score tables as Markdown: against the realised shortfall, the counterfactual impact, by scenario."""
    realised = [r for s in scores for r in s.against_realised]
    impact = [r for s in scores for r in s.against_impact]
    return ["## Against the realised shortfall (total cost), by size", "", "```", format_table(realised), "```", "",
            "## Against the counterfactual impact, by size", "", "```", format_table(impact), "```", "",
            "## Against the counterfactual impact, by held-out scenario", "", "```",
            format_table(by_scenario(tested, scores)), "```", ""]


def save_figure(scores: Sequence[ModelScores], path: Path) -> None:
    fig = calibration_figure({s.name: (s.forecast.total, s.p_exceed) for s in scores}, scores[0].truth, QUANTILES,
                             THRESHOLD_BPS)
    fig.savefig(path, dpi=110)


def dataset_command(data: Path) -> str:
    """The command that made a dataset folder, from its card ("unknown" without one)."""
    card = data / "DATASET.md"
    if card.exists():
        for line in card.read_text().splitlines():
            if line.startswith("Made by `"):
                return line.split("`")[1]
    return "unknown"


def write_model(out: Path, result: TrainResult, *, data: Sequence[Path], calibration_every: int,
                settings: BoostSettings, command: str) -> dict[str, Any]:
    """The ONNX model, its card (Markdown and JSON) and the calibration plot; the card's figures are returned."""
    out.mkdir(parents=True, exist_ok=True)
    (out / MODEL_FILE).write_bytes(result.onnx)
    checksum = hashlib.sha256(result.onnx).hexdigest()
    figures = headline(result.scores)
    seeds = headline(result.seed_scores)
    scenarios = sorted(set(result.tested.scenario.tolist()))
    data_command = "; ".join(dataset_command(folder) for folder in data)
    data_text = ", ".join(str(folder) for folder in data)
    card = {
        "command": command, "data": data_text, "data_command": data_command, "seed": settings.seed,
        "boost_settings": asdict(settings),
        "calibration_every": calibration_every, "counts": result.counts,
        "scenarios": scenarios, "features": list(FEATURE_NAMES),
        "outputs": list(result.model.output_names), "calibration": result.model.calibration.as_list(),
        "baselines": result.baseline_params, "onnx_max_abs_diff_bps": result.onnx_max_diff_bps, "sha256": checksum,
        "bytes": len(result.onnx), "fit_s": result.fit_s, "leave_one_scenario_out": figures,
        "held_out_seeds": seeds,
    }
    (out / CARD_JSON).write_text(json.dumps(card, indent=2, default=float) + "\n")
    save_figure(result.scores, out / "calibration.png")
    lines = [
        "# Impact model card", "",
        f"`{MODEL_FILE}`: LightGBM quantile regressors of a parent's cost in its parts (impact against the "
        "counterfactual, timing, temporary, permanent; bps, cost positive) at the quantiles "
        f"{', '.join(f'{q:g}' for q in QUANTILES)}: {len(result.model.boosters)} boosters in one ONNX graph (input "
        f"`features`: {len(FEATURE_NAMES)} columns, strategies/impact/features.py; outputs dimensionless, made bps and "
        "composed into the total by strategies/impact/quantile_model.finish).",
        "", f"- made by: `{command}`; its data by `{data_command}`",
        f"- data: `{data_text}`: {result.counts['records']:,} records ({result.counts['dropped']} more dropped: not "
        f"wholly filled) from {len(scenarios)} scenarios; the shipped boosters trained on {result.counts['train']:,}, "
        f"calibrated on {result.counts['calibration']:,} (seeds ≡ 0 mod {calibration_every})",
        f"- seed: {settings.seed}; LightGBM {json.dumps(asdict(settings))}",
        f"- sha256: `{checksum}` ({len(result.onnx):,} bytes)",
        f"- ONNX against native on the calibration records (never trained on): max |difference| "
        f"{result.onnx_max_diff_bps:.2e} bps", "",
        "## Held-out figures (leave one scenario out)", "",
        f"- median MAE against the counterfactual impact: LightGBM {figures['lightgbm_mae_vs_impact_bps']:.3f} bps, "
        f"best baseline ({figures['best_baseline']}) {figures['best_baseline_mae_vs_impact_bps']:.3f} bps: ratio "
        f"{figures['mae_ratio']:.3f}",
        f"- 90% interval coverage of realised shortfalls: {figures['coverage90_realised'] * 100:.1f}%",
        "- Brier score of P(cost > 10 bps) against the realised shortfall: "
        + ", ".join(f"{k} {v:.4f}" for k, v in figures["brier_realised"].items()),
        "- Brier score of P(impact > 10 bps) against the counterfactual impact: "
        + ", ".join(f"{k} {v:.4f}" for k, v in figures["brier_impact"].items()),
        "", "Held-out seeds of every scenario (seed ≡ 0 mod 5 tests, ≡ 1 calibrates): median MAE against the "
        f"counterfactual impact LightGBM {seeds['lightgbm_mae_vs_impact_bps']:.3f} bps, best baseline "
        f"({seeds['best_baseline']}) {seeds['best_baseline_mae_vs_impact_bps']:.3f} bps: ratio "
        f"{seeds['mae_ratio']:.3f}; 90% coverage {seeds['coverage90_realised'] * 100:.1f}%.",
        "", *report_lines(result.scores, result.tested), "![calibration](calibration.png)", "",
    ]
    (out / CARD_FILE).write_text("\n".join(lines))
    return figures
