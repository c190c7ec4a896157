"""The ONNX export of LightGBM quantile boosters reproduces `booster.predict` exactly, or refuses to export."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import lightgbm as lgb
import numpy as np
import onnx
import pytest

from strategies.impact import onnx_export
from strategies.impact.onnx_export import (
    OnnxExportError,
    boosters_to_onnx,
    compare_with_native,
    probe_rows,
    verify_export,
)

FEATURES = ("size_adv", "spread", "with_nan", "integer", "constant", "sparse", "vol", "noise_a", "noise_b", "noise_c")
QUANTILES = (0.05, 0.5, 0.95)
OUTPUTS = ("q05", "q50", "q95")
# ONNX and LightGBM sum the same float64 leaves: 0.0 apart measured on one thread, ~1e-14 when ORT splits the sum
# over threads; a float32 threshold or output (TreeEnsembleRegressor) is ~1e-5 off on these targets of order 100.
EXACT = 1e-9
ZERO_BAND = float(np.float32(1e-35))


def synthetic_features(rows: int, seed: int) -> np.ndarray:
    """Seeded features: one with NaNs, one integer-valued (with 0, so thresholds land on the zero band's edges),
    one constant, one mostly exact zeros."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, len(FEATURES)))
    x[rng.random(rows) < 0.15, FEATURES.index("with_nan")] = np.nan
    x[:, FEATURES.index("integer")] = rng.integers(-3, 6, rows)
    x[:, FEATURES.index("constant")] = 7.0
    x[rng.random(rows) < 0.6, FEATURES.index("sparse")] = 0.0
    return x


def train_quantile_boosters(rows: int = 3000, seed: int = 7, **params: Any) -> list[lgb.Booster]:
    """Three small quantile boosters (alpha 0.05, 0.5, 0.95) on the seeded synthetic data."""
    x = synthetic_features(rows, seed)
    rng = np.random.default_rng(seed + 1)
    col = {name: x[:, i] for i, name in enumerate(FEATURES)}
    y = (
        100
        + 10 * col["size_adv"]
        + 5 * np.nan_to_num(col["with_nan"], nan=2.0)
        + 3 * col["integer"]
        + 4 * col["sparse"]
        + rng.normal(size=rows) * (1 + np.abs(col["vol"]))
    )
    base = {"objective": "quantile", "num_leaves": 15, "deterministic": True, "seed": seed, "verbose": -1}
    base |= {"num_threads": 1}
    return [
        lgb.train({**base, "alpha": alpha, **params}, lgb.Dataset(x, y, feature_name=list(FEATURES)), 30)
        for alpha in QUANTILES
    ]


def splits(boosters: list[lgb.Booster]) -> Iterator[Mapping[str, Any]]:
    """Every split node of every tree of every booster."""
    for booster in boosters:
        for tree in booster.dump_model()["tree_info"]:
            pending = [tree["tree_structure"]]
            while pending:
                node = pending.pop()
                if "split_index" in node:
                    yield node
                    pending.extend((node["left_child"], node["right_child"]))


@pytest.fixture(scope="module")
def boosters() -> list[lgb.Booster]:
    return train_quantile_boosters()


@pytest.fixture(scope="module")
def model(boosters: list[lgb.Booster]) -> bytes:
    return boosters_to_onnx(boosters, OUTPUTS, FEATURES, metadata={"trained_on": "synthetic seed 7"})


def test_matches_lightgbm_on_held_out_rows(boosters: list[lgb.Booster], model: bytes) -> None:
    held_out = synthetic_features(2000, seed=99)
    assert np.isnan(held_out).any()
    assert compare_with_native(model, boosters, held_out) <= EXACT


def test_matches_lightgbm_exactly_at_every_threshold(boosters: list[lgb.Booster], model: bytes) -> None:
    rng = np.random.default_rng(3)
    nodes = list(splits(boosters))
    # The data must produce the cases that need care: thresholds on the zero band's edges (the sparse feature),
    # between integers, and splits with and without a learnt NaN direction.
    assert any(-ZERO_BAND <= n["threshold"] <= ZERO_BAND for n in nodes)
    assert {n["missing_type"] for n in nodes} >= {"None", "NaN"}
    rows = synthetic_features(len(nodes) * 3, seed=5)
    for i, node in enumerate(nodes):
        t = node["threshold"]
        for j, value in enumerate((t, np.nextafter(t, -np.inf), np.nextafter(t, np.inf))):
            rows[3 * i + j, node["split_feature"]] = value
    integers = rng.integers(-3, 6, size=(200, len(FEATURES))).astype(np.float64)
    band = rng.choice([0.0, -0.0, ZERO_BAND, -ZERO_BAND, 1e-36, -1e-36, 1e-30], size=(200, len(FEATURES)))
    assert compare_with_native(model, boosters, np.vstack([rows, integers, band])) <= EXACT


def test_every_node_shares_one_mode(boosters: list[lgb.Booster], model: bytes) -> None:
    """ONNX Runtime walks an ensemble whose nodes share one mode in a tight loop; the zero band's "x < -band" is
    written "x <= the double below -band", so even these boosters (thresholds on the band's edges) need no other."""
    assert any(n["threshold"] < 0 and n["threshold"] >= -ZERO_BAND for n in splits(boosters))
    for node in onnx.load_from_string(model).graph.node:
        if node.op_type == "TreeEnsemble":
            modes = next(a for a in node.attribute if a.name == "nodes_modes")
            assert set(onnx.numpy_helper.to_array(modes.t).tolist()) == {0}  # BRANCH_LEQ


def test_matches_lightgbm_on_nan_rows(boosters: list[lgb.Booster], model: bytes) -> None:
    rows = synthetic_features(len(FEATURES) * 50, seed=11)
    for f in range(len(FEATURES)):
        rows[f * 50 : (f + 1) * 50, f] = np.nan
    rows[:20] = np.nan
    assert compare_with_native(model, boosters, rows) <= EXACT


def test_probe_batch_contains_every_threshold(boosters: list[lgb.Booster]) -> None:
    probe = probe_rows([b.dump_model() for b in boosters], len(FEATURES))
    for node in splits(boosters):
        column = probe[:, node["split_feature"]]
        assert node["threshold"] in column
        assert np.nextafter(node["threshold"], np.inf) in column
    assert np.isnan(probe).any(axis=0).all()


def test_single_leaf_trees_export() -> None:
    stumps = train_quantile_boosters(rows=500, min_data_in_leaf=500)
    assert next(splits(stumps), None) is None
    model = boosters_to_onnx(stumps, OUTPUTS, FEATURES)
    assert compare_with_native(model, stumps, synthetic_features(100, seed=1)) <= EXACT


def test_metadata_and_signature_round_trip(model: bytes) -> None:
    proto = onnx.load_from_string(model)
    props = {p.key: p.value for p in proto.metadata_props}
    assert json.loads(props["outputs"]) == list(OUTPUTS)
    assert json.loads(props["features"]) == list(FEATURES)
    assert props["trained_on"] == "synthetic seed 7"
    assert {o.domain: o.version for o in proto.opset_import} == {"": 21, "ai.onnx.ml": 5}
    (features,) = proto.graph.input
    (predictions,) = proto.graph.output
    assert (features.name, features.type.tensor_type.elem_type) == ("features", onnx.TensorProto.DOUBLE)
    assert (predictions.name, predictions.type.tensor_type.elem_type) == ("predictions", onnx.TensorProto.DOUBLE)
    assert [n.op_type for n in proto.graph.node] == ["TreeEnsemble"] * 3 + ["Concat"]


def _perturb_booster(k: int, delta: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the exporter add `delta` to every leaf of booster k, as a bug in the tree conversion would."""
    build = onnx_export._ensemble

    def wrong(dump: Mapping[str, Any], index: int, name: str) -> onnx_export._Ensemble:
        ensemble = build(dump, index, name)
        if index == k:
            ensemble.leaf_weights = [w + delta for w in ensemble.leaf_weights]
        return ensemble

    monkeypatch.setattr(onnx_export, "_ensemble", wrong)


@pytest.mark.parametrize(
    ("k", "delta", "message"),
    [
        (1, 1e-3, r"output column 1 \('q50'\) differs from LightGBM by 0.03 > tolerance 1e-06"),
        (2, 1e-8, r"output column 2 \('q95'\) differs from LightGBM by 3e-07 > tolerance 1e-07"),
        (0, np.nan, r"output column 0 \('q05'\) is nan where LightGBM gives"),
    ],
)
def test_export_refuses_a_wrong_column(
    boosters: list[lgb.Booster], monkeypatch: pytest.MonkeyPatch, k: int, delta: float, message: str
) -> None:
    _perturb_booster(k, delta, monkeypatch)
    tolerance = 1e-7 if delta == 1e-8 else 1e-6
    with pytest.raises(OnnxExportError, match=message):
        boosters_to_onnx(boosters, OUTPUTS, FEATURES, tolerance=tolerance)


def test_verify_catches_a_dropped_output(boosters: list[lgb.Booster], model: bytes) -> None:
    proto = onnx.load_from_string(model)
    concat = proto.graph.node[-1]
    del concat.input[-1]
    with pytest.raises(OnnxExportError, match=r"output column 2 \('q95'\) is missing"):
        verify_export(proto.SerializeToString(), boosters)
    assert compare_with_native(proto.SerializeToString(), boosters, synthetic_features(10, seed=2)) == np.inf
    assert verify_export(model, boosters) <= EXACT


def test_refuses_categorical_splits() -> None:
    x = synthetic_features(1000, seed=4)
    y = 10 * (x[:, FEATURES.index("integer")] % 3)
    dataset = lgb.Dataset(x, y, feature_name=list(FEATURES), categorical_feature=["integer"])
    params = {"objective": "quantile", "alpha": 0.5, "verbose": -1, "num_threads": 1, "min_data_per_group": 5}
    booster = lgb.train(params, dataset, 5)
    with pytest.raises(ValueError, match=r"booster 0 \('q50'\) tree 0 node \d+ is a categorical split"):
        boosters_to_onnx([booster], ["q50"], FEATURES)


def with_zero_missing(booster: lgb.Booster) -> lgb.Booster:
    """The same trees with every split made missing_type "Zero", sending zeros and NaN the way 0.0 compares."""
    # Without tree_sizes (byte counts the edit changes) LightGBM parses the trees one after another.
    lines = [line for line in booster.model_to_string().splitlines() if not line.startswith("tree_sizes=")]
    for i, line in enumerate(lines):
        if line.startswith("decision_type="):
            thresholds = next(t for t in lines[i - 1 :: -1] if t.startswith("threshold=")).split("=")[1].split()
            # Bits of LightGBM's decision_type: 2 = default left, 4 = missing type "Zero".
            lines[i] = "decision_type=" + " ".join(str(4 | (2 if float(t) >= 0 else 0)) for t in thresholds)
    return lgb.Booster(model_str="\n".join(lines) + "\n")


def test_zero_missing_splits_that_one_node_can_express_export_exactly(boosters: list[lgb.Booster]) -> None:
    zero_missing = [with_zero_missing(b) for b in boosters]
    assert {n["missing_type"] for n in splits(zero_missing)} == {"Zero"}
    model = boosters_to_onnx(zero_missing, OUTPUTS, FEATURES)
    rows = synthetic_features(1000, seed=8)
    rows[::7, FEATURES.index("sparse")] = np.random.default_rng(8).choice([ZERO_BAND, -ZERO_BAND, -1e-36], 143)
    assert compare_with_native(model, zero_missing, rows) <= EXACT


def test_refuses_zero_as_missing_it_cannot_express() -> None:
    with pytest.raises(ValueError, match=r"booster 0 \('q05'\) tree \d+ node \d+ sends zeros .*\(missing_type 'Zero'"):
        boosters_to_onnx(train_quantile_boosters(rows=1000, zero_as_missing=True), OUTPUTS, FEATURES)


def test_refuses_multiclass() -> None:
    x = synthetic_features(600, seed=6)
    dataset = lgb.Dataset(x, np.arange(600) % 3, feature_name=list(FEATURES))
    booster = lgb.train({"objective": "multiclass", "num_class": 3, "verbose": -1, "num_threads": 1}, dataset, 2)
    with pytest.raises(ValueError, match=r"booster 0 \('cls'\) gives 3 outputs per row \(multiclass\)"):
        boosters_to_onnx([booster], ["cls"], FEATURES)


def test_refuses_transformed_objectives() -> None:
    x = synthetic_features(600, seed=6)
    dataset = lgb.Dataset(x, np.arange(600) % 2, feature_name=list(FEATURES))
    booster = lgb.train({"objective": "binary", "verbose": -1, "num_threads": 1}, dataset, 2)
    with pytest.raises(ValueError, match=r"booster 0 \('p'\) has objective 'binary sigmoid:1'"):
        boosters_to_onnx([booster], ["p"], FEATURES)


@pytest.mark.parametrize(
    ("outputs", "features", "metadata", "message"),
    [
        (OUTPUTS[:2], FEATURES, None, "3 boosters but 2 output_names"),
        (("a", "a", "b"), FEATURES, None, r"output_names has duplicates: \['a'\]"),
        (OUTPUTS, FEATURES[:9], None, r"booster 0 \('q05'\) was trained on 10 features, feature_names has 9"),
        (OUTPUTS, ("x", *FEATURES[1:]), None, r"feature 0 is 'size_adv' in training but 'x' in feature_names"),
        (OUTPUTS, FEATURES, {"outputs": "[]"}, r"metadata keys \['outputs'\] are reserved"),
    ],
)
def test_refuses_inconsistent_names(
    boosters: list[lgb.Booster],
    outputs: tuple[str, ...],
    features: tuple[str, ...],
    metadata: dict[str, str] | None,
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        boosters_to_onnx(boosters, outputs, features, metadata=metadata)
