"""`footprint train impact`, `footprint impact evaluate` and `footprint pretrade` on a dataset whose truth is known.

The records are synthetic but have the dataset's exact columns: cost follows a square-root law scaled by the
tactic's aggression (which no parametric law sees) plus timing noise of σ√T, so a model that reads the features
must beat the laws, and one that does not, cannot.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import onnx as onnx_lib
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from agent.cli import main
from agent.impact.impact_training import Split, TrainingError, load_rows, train
from strategies.impact.boost_settings import BoostSettings
from strategies.impact.features import FEATURE_NAMES
from strategies.impact.inference import ImpactInference
from strategies.impact.quantile_model import COMPONENTS, component_labels, component_scale, fit_quantile_model
from strategies.impact.quantiles import QUANTILES

SCENARIOS = ("a", "b", "c", "d", "e")


def synthetic_records(n: int, seed: int = 5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    # The columns the synthetic truth does not use are constant: a tree cannot split on them, so what the boosters
    # learn does not depend on where a later query (the pre-trade estimate's real market) falls in their noise.
    cols = {name: np.full(n, 0.5) for name in FEATURE_NAMES}
    q = np.exp(rng.uniform(np.log(1e-3), np.log(0.2), n))
    sigma = rng.choice([150.0, 400.0], n)
    horizon = np.exp(rng.uniform(np.log(0.005), np.log(0.25), n))
    catch_up = rng.choice([0.0, 0.5, 3.0], n)
    cols.update({"q_over_adv": q, "log_q_over_adv": np.log(q), "sigma_bps": sigma, "sqrt_law_bps": sigma * np.sqrt(q),
                 "horizon_days": horizon, "participation": q / horizon, "spread_bps": rng.uniform(2, 8, n),
                 "catch_up_slices": catch_up, "rv_60m_ratio": np.ones(n),
                 "bv_60m_ratio": np.ones(n), "iv_ratio": np.ones(n)})  # today as volatile as the history
    aggression = np.where(catch_up == 0.0, 2.0, np.where(catch_up == 0.5, 1.0, 0.4))
    impact = 0.6 * sigma * np.sqrt(q) * aggression
    total = impact + sigma * np.sqrt(horizon) * 0.3 * rng.standard_normal(n)
    cols.update({"impact_bps": impact, "total_bps": total, "temporary_bps": 0.4 * impact + rng.normal(0, 1, n),
                 "permanent_bps": total - 0.4 * impact, "permanent_impact_bps": 0.6 * impact,
                 "filled": np.ones(n)})
    cols["scenario"] = np.asarray(SCENARIOS)[rng.integers(len(SCENARIOS), size=n)]
    cols["seed"] = rng.integers(0, 40, n)
    return cols


def write_dataset(folder: Path, n: int = 2_400) -> Path:
    folder.mkdir(parents=True)
    cols = synthetic_records(n)
    pq.write_table(pa.table({k: pa.array(v) for k, v in cols.items()}), folder / "part-0000000-x.parquet")
    return folder


SMALL = BoostSettings(n_estimators=20, num_leaves=7, learning_rate=0.2)


def test_boosters_beat_the_laws_that_cannot_see_aggression(tmp_path: Path) -> None:
    rows = load_rows(write_dataset(tmp_path / "d"))
    result = train(rows, SMALL)
    # Leave one scenario out: every record is forecast once, by models that never saw its scenario.
    assert len(result.tested) == len(rows)
    assert sorted(result.tested.features[:, 0].tolist()) == sorted(rows.features[:, 0].tolist())
    assert result.counts["train"] + result.counts["calibration"] == len(rows)
    names = [s.name for s in result.scores]
    # Each law with the history's σ and with today's.
    assert names[0] == "lightgbm" and len(names) == 9 and "I-Star (σ today)" in names
    whole = {s.name: next(r for r in s.against_impact if r.bucket == "all") for s in result.scores}
    best_law = min(r.mae_median for name, r in whole.items() if name != "lightgbm")
    assert whole["lightgbm"].mae_median < 0.8 * best_law
    realised = next(r for r in result.scores[0].against_realised if r.bucket == "all")
    assert 0.85 < realised.coverage[90] < 0.95  # conformal offsets from the calibration seeds
    assert result.onnx_max_diff_bps <= 0.01


def test_a_constant_component_is_one_leaf_per_level_the_training_rows_quantile(tmp_path: Path) -> None:
    rows = load_rows(write_dataset(tmp_path / "d", n=600))
    model = fit_quantile_model(rows.features, component_labels(rows.labels), FEATURE_NAMES, SMALL)
    assert SMALL.constant_components == ("timing",)
    n = len(QUANTILES)
    timing = model.boosters[COMPONENTS.index("timing") * n:(COMPONENTS.index("timing") + 1) * n]
    assert [b.num_trees() for b in timing] == [1] * n
    assert all("leaf_value" in b.dump_model()["tree_info"][0]["tree_structure"] for b in timing)  # no split
    target = component_labels(rows.labels)["timing"] / component_scale("timing", rows.features)
    raw = model.predict_raw(rows.features[:50])[:, COMPONENTS.index("timing") * n:(COMPONENTS.index("timing") + 1) * n]
    np.testing.assert_allclose(raw, np.broadcast_to(np.quantile(target, QUANTILES), raw.shape), rtol=1e-6)
    # The other components still learn from the features.
    median = model.boosters[COMPONENTS.index("impact") * n + QUANTILES.index(0.5)]
    assert median.num_trees() > 1 and "split_feature" in median.dump_model()["tree_info"][0]["tree_structure"]


def test_an_is_parents_timing_noise_is_its_trajectorys_exposure() -> None:
    cols = synthetic_records(1)
    row = np.array([[float(cols[name][0]) for name in FEATURE_NAMES]])
    even, front = row.copy(), row.copy()
    even[0, FEATURE_NAMES.index("urgency")] = 0.0
    front[0, FEATURE_NAMES.index("urgency")] = 3.0
    front[0, FEATURE_NAMES.index("strategy_is")] = 1.0
    # sinh(κ(T - t)) / sinh(κT) at κT = 3 holds ∫ r² = 0.1625 of the order over the horizon, against the line's 1/3.
    ratio = component_scale("timing", front)[0] / component_scale("timing", even)[0]
    assert ratio == pytest.approx(np.sqrt(3 * 0.16251279767), rel=1e-9)
    assert component_scale("impact", front)[0] == component_scale("impact", even)[0]


def test_a_card_is_read_back_as_the_settings_it_was_trained_with() -> None:
    assert BoostSettings.from_card(asdict(SMALL)) == SMALL
    # An older card has neither per-level trees nor constant boosters: every level and component trained alike.
    older = {k: v for k, v in asdict(SMALL).items() if k not in ("level_trees", "constant_components")}
    read = BoostSettings.from_card(older)
    assert read.level_trees == {} and tuple(read.constant_components) == ()
    assert read.rounds("impact", 0.05) == SMALL.n_estimators and "min_gain_to_split" not in read.params(0.5, "timing")


def test_train_evaluate_and_pretrade_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_dataset(tmp_path / "data")
    model = tmp_path / "model"
    assert main(["train", "impact", "--data", str(data), "--out", str(model), "--trees", "20", "--leaves", "7",
                 "--learning-rate", "0.2", "--component-trees", "timing=3", "--constant-components", "",
                 "--level-trees",
                 "impact:0.05=2,temporary:0.95=4"]) == 0
    out = capsys.readouterr().out
    assert "ONNX vs native" in out
    card = json.loads((model / "model_card.json").read_text())
    onnx = (model / "impact.onnx").read_bytes()
    assert card["boost_settings"]["component_trees"] == {"timing": 3}
    assert card["boost_settings"]["level_trees"] == {"impact:0.05": 2, "temporary:0.95": 4}
    # Each booster is one TreeEnsemble node (boosters 7 to 13 are timing's): timing's have 3 trees, impact's at 5%
    # (the first) 2, temporary's at 95% (the 21st) 4, the others up to 20 (LightGBM stops a booster early when no leaf
    # can split further).
    trees = [len(next(a.ints for a in node.attribute if a.name == "tree_roots"))
             for node in onnx_lib.load_from_string(onnx).graph.node if node.op_type == "TreeEnsemble"]
    assert len(trees) == 28 and max(trees[7:14]) == 3 and max(trees[1:7] + trees[14:20] + trees[21:]) == 20
    assert (trees[0], trees[20]) == (2, 4)
    assert card["sha256"] == hashlib.sha256(onnx).hexdigest()
    assert card["scenarios"] == list(SCENARIOS) and card["counts"]["records"] == 2_400
    assert card["leave_one_scenario_out"]["mae_ratio"] < 0.8
    assert (model / "MODEL_CARD.md").exists() and (model / "calibration.png").stat().st_size > 10_000
    served = ImpactInference(onnx)
    assert len(served.output_names) == 28 and served.output_names[0] == "impact_q05"

    assert main(["impact", "evaluate", "--data", str(data), "--model", str(model / "impact.onnx"),
                 "--out", str(tmp_path / "eval")]) == 0
    out = capsys.readouterr().out
    assert "Against the counterfactual impact, by held-out scenario" in out and "square-root" in out
    assert json.loads((tmp_path / "eval" / "scores.json").read_text())["mae_ratio"] < 0.8

    argv = ["pretrade", "--symbol", "CRYPTOALPHA", "--side", "sell", "--qty", "50000", "--horizon", "1h",
            "--model", str(model / "impact.onnx"), "--json"]
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["strategy"] for r in rows] == ["aggressive", "balanced", "passive", "TWAP", "VWAP", "IS"]
    keys = {"strategy", "temporary_bps", "permanent_bps", "total_bps", "p_exceed_10bps", "q05_bps", "q50_bps",
            "q95_bps"}
    for r in rows:
        assert set(r) == keys
        assert r["q05_bps"] <= r["q50_bps"] <= r["q95_bps"] and 0 <= r["p_exceed_10bps"] <= 1
    # The synthetic truth makes crossing at once twice as dear as the balanced tactic, and waiting cheaper.
    by = {r["strategy"]: r for r in rows}
    assert by["aggressive"]["q50_bps"] > by["balanced"]["q50_bps"] > by["passive"]["q50_bps"]


def test_bad_requests_get_specific_errors_and_change_nothing(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "impact", "--data", str(tmp_path / "none"), "--out", str(tmp_path / "m")]) == 2
    assert "no part-*.parquet files" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()
    data = write_dataset(tmp_path / "data", n=400)
    for trees, says in (("timing", "is not COMPONENT=INT"), ("timing=0", "whole number >= 1"),
                        ("spread=2", "trees given for spread")):
        assert main(["train", "impact", "--data", str(data), "--out", str(tmp_path / "m"),
                     "--component-trees", trees]) == 2
        assert says in capsys.readouterr().err
        assert not (tmp_path / "m").exists()
    assert main(["train", "impact", "--data", str(data), "--out", str(tmp_path / "m"),
                 "--constant-components", "timing,spread"]) == 2
    assert "constant boosters given for spread" in capsys.readouterr().err
    for trees, says in (("impact:0.05", "is not COMPONENT:LEVEL=INT (e.g. impact:0.05=3)"),
                        ("impact:0.3=2", "trees given for impact:0.3: not COMPONENT:LEVEL"),
                        ("impact=2", "trees given for impact: not COMPONENT:LEVEL"),
                        ("impact:0.5=0", "whole number >= 1")):
        assert main(["train", "impact", "--data", str(data), "--out", str(tmp_path / "m"),
                     "--level-trees", trees]) == 2
        assert says in capsys.readouterr().err
        assert not (tmp_path / "m").exists()
    with pytest.raises(TrainingError, match="training set is empty"):
        Split(SCENARIOS).masks(load_rows(data))
    one = tmp_path / "one"
    one.mkdir()
    table = pq.read_table(next(data.glob("*.parquet")))
    table = table.set_column(table.column_names.index("scenario"), "scenario", pa.array(["a"] * table.num_rows))
    pq.write_table(table, one / "part-0000000-x.parquet")
    assert main(["train", "impact", "--data", str(one), "--out", str(tmp_path / "m")]) == 2
    assert "needs two scenarios at least" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()
    base = ["pretrade", "--symbol", "CRYPTOALPHA", "--side", "sell", "--qty", "50000", "--horizon"]
    assert main([*base, "soon"]) == 2
    assert "--horizon" in capsys.readouterr().err
    assert main([*base, "1h", "--scenario", "equity_session"]) == 2
    assert "trades ACME" in capsys.readouterr().err
    assert main([*base, "1h", "--model", str(tmp_path / "missing.onnx")]) == 2
    assert "missing.onnx" in capsys.readouterr().err
    assert main(["pretrade", "--symbol", "NOPE", "--side", "buy", "--qty", "1", "--horizon", "1h"]) == 2
    assert "no built-in scenario trades it" in capsys.readouterr().err


def test_several_folders_train_together_and_the_same_market_twice_is_refused(tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Scenarios added later come in a folder of their own (one job's plan each); `--data` names both. A market seed
    in two folders would be the same flow twice, leaking across a split."""
    from agent.impact.impact_training import load_datasets

    whole = pq.read_table(next(write_dataset(tmp_path / "all").glob("*.parquet")))
    scenario = np.asarray(whole.column("scenario").to_pylist())
    first, second = tmp_path / "first", tmp_path / "second"
    seeds = whole.column("seed").to_numpy()
    for folder, mask in ((first, np.isin(scenario, ("a", "b", "c"))), (second, ~np.isin(scenario, ("a", "b", "c")))):
        folder.mkdir()
        part = whole.filter(pa.array(mask))
        if folder == second:  # a later job's own seeds
            part = part.set_column(part.column_names.index("seed"), "seed", pa.array(seeds[mask] + 100))
        pq.write_table(part, folder / "part-0000000-x.parquet")
    together = load_datasets([first, second])
    alone = load_rows(tmp_path / "all")
    assert len(together) == len(alone) == whole.num_rows
    assert sorted(set(together.scenario.tolist())) == list(SCENARIOS)
    assert np.array_equal(np.sort(together.labels["impact"]), np.sort(alone.labels["impact"]))
    twice = tmp_path / "twice"
    twice.mkdir()
    pq.write_table(whole.filter(pa.array(scenario == "a")), twice / "part-0000000-x.parquet")
    with pytest.raises(TrainingError, match="both hold markets of seed"):
        load_datasets([first, twice])
    with pytest.raises(TrainingError, match="named twice"):
        load_datasets([first, tmp_path / "first"])
    assert main(["train", "impact", "--data", f"{first},{twice}", "--out", str(tmp_path / "m")]) == 2
    assert "--first-market-seed" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()
