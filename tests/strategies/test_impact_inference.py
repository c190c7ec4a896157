"""The ONNX Runtime service: the device it really runs on, its names, its input checks and its predictions."""

from __future__ import annotations

import json
from pathlib import Path

import lightgbm as lgb
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from test_impact_onnx import EXACT, FEATURES, OUTPUTS, synthetic_features, train_quantile_boosters

import strategies.impact.inference as inference_module
from strategies.impact.inference import (
    CPU,
    CUDA,
    SMALL_BATCH_ROWS,
    ImpactInference,
    ImpactInputError,
    ImpactModelError,
)
from strategies.impact.onnx_export import MergedEnsemble, boosters_to_onnx, merged_ensemble


@pytest.fixture(scope="module")
def boosters() -> list[lgb.Booster]:
    return train_quantile_boosters(rows=2000)


@pytest.fixture(scope="module")
def model(boosters: list[lgb.Booster]) -> bytes:
    return boosters_to_onnx(boosters, OUTPUTS, FEATURES)


def finite_rows(count: int, seed: int) -> np.ndarray:
    """The synthetic features with their NaNs filled, as the service takes finite features only."""
    x = synthetic_features(count, seed)
    x[np.isnan(x)] = 0.5
    return x


def test_cpu_predictions_match_lightgbm(boosters: list[lgb.Booster], model: bytes) -> None:
    inference = ImpactInference(model, device="cpu")
    assert inference.provider_in_use == CPU
    assert inference.fallback_reason is None
    assert inference.output_names == OUTPUTS
    assert inference.feature_names == FEATURES
    rows = finite_rows(500, seed=21)
    predicted = inference.predict(rows)
    assert predicted.dtype == np.float64
    assert predicted.shape == (500, 3)
    native = np.column_stack([b.predict(rows) for b in boosters])
    assert np.max(np.abs(predicted - native)) <= EXACT
    np.testing.assert_array_equal(inference.predict(rows[7]), predicted[7])
    assert inference.predict(rows[7]).shape == (3,)


def one_thread(model: bytes) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(model, options, providers=[CPU])


def test_small_batches_run_through_the_joined_trees_with_the_same_numbers(model: bytes) -> None:
    merged = merged_ensemble(model)
    assert merged is not None
    (node,) = onnx.load_from_string(merged.model).graph.node
    assert node.op_type == "TreeEnsemble" and onnx.helper.get_attribute_value(
        next(a for a in node.attribute if a.name == "n_targets")) == len(OUTPUTS)
    inference = ImpactInference(model)
    assert inference.small_batch_session.startswith(f"on, for batches of up to {SMALL_BATCH_ROWS} rows")
    exported = one_thread(model)  # more threads sum the trees in another order
    rows = finite_rows(3 * SMALL_BATCH_ROWS, seed=23)
    for n in (1, 2, SMALL_BATCH_ROWS, SMALL_BATCH_ROWS + 1, len(rows)):
        np.testing.assert_array_equal(inference.predict(rows[:n]), exported.run(None, {"features": rows[:n]})[0])


def test_a_model_of_another_shape_serves_whole(model: bytes) -> None:
    merged = merged_ensemble(model)
    assert merged is not None and merged_ensemble(merged.model) is None  # one node already, no Concat
    inference = ImpactInference(merged.model)
    assert inference.small_batch_session == "off: the model is not one TreeEnsemble node per output"
    rows = finite_rows(10, seed=24)
    np.testing.assert_array_equal(inference.predict(rows), ImpactInference(model).predict(rows))


def test_a_model_whose_trees_cannot_be_joined_serves_whole(model: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    def cannot(_: bytes) -> MergedEnsemble:
        raise ValueError("a symbolic feature count")

    monkeypatch.setattr(inference_module, "merged_ensemble", cannot)
    inference = ImpactInference(model)
    assert inference.small_batch_session == "off: its trees cannot be joined (ValueError: a symbolic feature count)"
    rows = finite_rows(3, seed=26)
    np.testing.assert_array_equal(inference.predict(rows), one_thread(model).run(None, {"features": rows})[0])


def test_joined_trees_that_differ_are_not_served(model: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    merged = merged_ensemble(model)
    assert merged is not None
    altered = onnx.load_from_string(merged.model)
    weights = next(a for a in altered.graph.node[0].attribute if a.name == "leaf_weights")
    values = onnx.numpy_helper.to_array(weights.t).copy()
    values[-1] += 1e-9
    weights.t.CopyFrom(onnx.numpy_helper.from_array(values))
    monkeypatch.setattr(inference_module, "merged_ensemble",
                        lambda _: MergedEnsemble(altered.SerializeToString(), merged.probe))
    inference = ImpactInference(model)
    assert inference.small_batch_session == f"off: the joined trees differ from the model on {len(merged.probe)} probe rows"
    rows = finite_rows(5, seed=25)
    np.testing.assert_array_equal(inference.predict(rows), one_thread(model).run(None, {"features": rows})[0])


def test_threads_do_not_change_predictions(model: bytes) -> None:
    rows = finite_rows(300, seed=22)
    one = ImpactInference(model, intra_op_threads=1).predict(rows)
    np.testing.assert_allclose(ImpactInference(model, intra_op_threads=2).predict(rows), one, rtol=0, atol=1e-12)


def test_auto_reports_the_provider_it_really_uses(model: bytes) -> None:
    inference = ImpactInference(model, device="auto")
    assert inference.provider_in_use in (CPU, CUDA)
    if inference.provider_in_use == CPU:
        assert inference.fallback_reason  # says why CUDA was not used
    rows = finite_rows(50, seed=23)
    np.testing.assert_allclose(inference.predict(rows), ImpactInference(model).predict(rows), rtol=0, atol=1e-12)


def test_cuda_is_refused_unless_the_whole_model_runs_on_cuda(model: bytes) -> None:
    try:
        inference = ImpactInference(model, device="cuda")
    except ImpactModelError as exc:
        assert CUDA in str(exc)
    else:  # a machine where every node really runs on CUDA
        assert inference.provider_in_use == CUDA


def test_cuda_without_the_provider_is_refused(model: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ort, "get_available_providers", lambda: [CPU])
    with pytest.raises(ImpactModelError, match="device 'cuda' asked for, but this ONNX Runtime build has no CUDA"):
        ImpactInference(model, device="cuda")
    auto = ImpactInference(model, device="auto")
    assert (auto.provider_in_use, auto.fallback_reason) == (CPU, f"this ONNX Runtime build has no {CUDA}")


def test_wrong_column_count_is_named(model: bytes) -> None:
    inference = ImpactInference(model)
    with pytest.raises(ImpactInputError, match=r"shape \[rows, 10\] \(or \[10\] for one row\), got \[2, 9\]"):
        inference.predict(np.zeros((2, 9)))
    with pytest.raises(ImpactInputError, match=r"got \[11\]"):
        inference.predict(np.zeros(11))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("count", [4, 400])  # a few values are checked in Python, a batch by numpy
def test_non_finite_feature_is_named_with_its_row(model: bytes, bad: float, count: int) -> None:
    rows = finite_rows(count, seed=24)
    rows[2, FEATURES.index("spread")] = bad
    rows[3, 0] = bad
    with pytest.raises(ImpactInputError, match=rf"feature 'spread' \(column 1\) is {bad} in row 2"):
        ImpactInference(model).predict(rows)
    with pytest.raises(ImpactInputError, match=rf"feature 'spread' \(column 1\) is {bad} in row 0"):
        ImpactInference(model).predict(rows[2])


def test_from_file_round_trip(model: bytes, tmp_path: Path) -> None:
    path = tmp_path / "impact.onnx"
    path.write_bytes(model)
    rows = finite_rows(20, seed=25)
    np.testing.assert_array_equal(ImpactInference.from_file(path).predict(rows), ImpactInference(model).predict(rows))


def test_from_file_missing_path(tmp_path: Path) -> None:
    path = tmp_path / "absent.onnx"
    with pytest.raises(ImpactModelError, match=rf"cannot read impact model '{path}': No such file"):
        ImpactInference.from_file(path)


def test_from_file_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.onnx"
    path.write_bytes(b"not a model \x00\x01\x02")
    with pytest.raises(ImpactModelError, match=rf"impact model '{path}': ONNX Runtime cannot load the model for CPU"):
        ImpactInference.from_file(path)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({}, "no 'outputs' metadata; export it with boosters_to_onnx"),
        ({"outputs": '["q05", "q50", "q95"]', "features": "[1, 2]"}, "'features' metadata is not a list of names"),
        (
            {"outputs": '["q05", "q50"]', "features": json.dumps(FEATURES)},
            "output has 3 columns but its metadata names 2",
        ),
        ({"outputs": json.dumps(OUTPUTS), "features": '["a"]'}, "input has 10 columns but its metadata names 1"),
        ({"outputs": "q05", "features": "[]"}, "'outputs' metadata is not JSON"),
    ],
)
def test_model_with_wrong_names_is_refused(model: bytes, props: dict[str, str], message: str) -> None:
    proto = onnx.load_from_string(model)
    del proto.metadata_props[:]
    onnx.helper.set_model_props(proto, props)
    with pytest.raises(ImpactModelError, match=message):
        ImpactInference(proto.SerializeToString())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"device": "gpu"}, "device must be 'cpu', 'cuda' or 'auto', got 'gpu'"),
        ({"intra_op_threads": 0}, ">= 1, got 0"),
    ],
)
def test_bad_settings_are_refused(model: bytes, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ImpactInference(model, **kwargs)  # type: ignore[arg-type]
