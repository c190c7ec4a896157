"""LightGBM boosters to one ONNX model whose output column k is booster k's prediction, checked against LightGBM.

Each booster becomes an ai.onnx.ml opset-5 `TreeEnsemble` node typed by its double input, so thresholds, leaf
values and the sum over trees stay in float64 as in LightGBM; a `Concat` joins the columns. The exporter runs ONNX
Runtime on a probe batch (every split threshold, its neighbours, the zero band, NaN) and refuses to return a model
if any column differs from `booster.predict`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

if TYPE_CHECKING:
    import lightgbm

INPUT_NAME = "features"
OUTPUT_NAME = "predictions"
METADATA_OUTPUTS = "outputs"
METADATA_FEATURES = "features"
ML_DOMAIN = "ai.onnx.ml"
# The first ai.onnx.ml opset with `TreeEnsemble`, whose output type follows the (double) input; ONNX Runtime runs it
# from late-2024 releases on (1.31 checked), while the older TreeEnsembleRegressor always outputs float32.
ML_OPSET = 5
DEFAULT_OPSET = 21  # for Concat alone; ONNX Runtime has run opset 21 since 1.18
IR_VERSION = 10

# LightGBM's kZeroThreshold (meta.h: `const double kZeroThreshold = 1e-35f;`): at prediction it reads any
# |x| <= this as 0.0, and "Zero"-missing splits send that band the default way.
_ZERO_BAND = float(np.float32(1e-35))
# Every node is BRANCH_LEQ (x < t is written x <= the double below t): ONNX Runtime walks an ensemble whose nodes
# share one mode in a tight loop, and one other mode sends the whole ensemble down a per-node switch.
_BRANCH_LEQ = 0
# Objectives whose `predict` is the raw sum of leaf values; the others (exp, sigmoid, sqrt) apply a transform.
_IDENTITY_OBJECTIVES = frozenset({"regression", "regression_l2", "regression_l1", "huber", "fair", "quantile", "mape"})
_PROBE_SEED = 20240601
_PROBE_PASSES = 3
_PROBE_RANDOM_ROWS = 256

FloatArray = npt.NDArray[np.float64]


class OnnxExportError(Exception):
    """The exported ONNX model does not reproduce LightGBM's predictions."""


@dataclass
class _Ensemble:
    """The flat node and leaf arrays of one `TreeEnsemble` node, filled tree by tree."""

    roots: list[int] = field(default_factory=list)
    features: list[int] = field(default_factory=list)
    splits: list[float] = field(default_factory=list)
    modes: list[int] = field(default_factory=list)
    true_ids: list[int] = field(default_factory=list)
    true_leafs: list[int] = field(default_factory=list)
    false_ids: list[int] = field(default_factory=list)
    false_leafs: list[int] = field(default_factory=list)
    nan_true: list[int] = field(default_factory=list)
    leaf_weights: list[float] = field(default_factory=list)

    def new_node(self) -> int:
        """Reserve a node slot, filled later by `set_node`."""
        for column in (self.features, self.modes, self.true_ids, self.true_leafs, self.false_ids, self.false_leafs):
            column.append(0)
        self.splits.append(0.0)
        self.nan_true.append(0)
        return len(self.splits) - 1

    def new_leaf(self, value: float) -> int:
        """Append a leaf and return its index."""
        self.leaf_weights.append(value)
        return len(self.leaf_weights) - 1

    def set_node(
        self, i: int, feature: int, rule: tuple[int, float, bool], true: tuple[int, bool], false: tuple[int, bool]
    ) -> None:
        """Fill slot `i`; `true`/`false` are (index, is_leaf) and `rule` is (mode, split value, NaN goes true)."""
        self.features[i] = feature
        self.modes[i], self.splits[i], nan_true = rule
        self.nan_true[i] = int(nan_true)
        self.true_ids[i], self.true_leafs[i] = true[0], int(true[1])
        self.false_ids[i], self.false_leafs[i] = false[0], int(false[1])

    def node(self, name: str, output: str) -> onnx.NodeProto:
        """The `TreeEnsemble` node over everything added so far, one target."""
        return helper.make_node(
            "TreeEnsemble",
            [INPUT_NAME],
            [output],
            name=name,
            domain=ML_DOMAIN,
            n_targets=1,
            aggregate_function=1,  # SUM, as LightGBM adds tree outputs
            post_transform=0,
            tree_roots=self.roots,
            nodes_featureids=self.features,
            nodes_splits=numpy_helper.from_array(np.asarray(self.splits, dtype=np.float64)),
            nodes_modes=numpy_helper.from_array(np.asarray(self.modes, dtype=np.uint8)),
            nodes_truenodeids=self.true_ids,
            nodes_trueleafs=self.true_leafs,
            nodes_falsenodeids=self.false_ids,
            nodes_falseleafs=self.false_leafs,
            nodes_missing_value_tracks_true=self.nan_true,
            leaf_targetids=[0] * len(self.leaf_weights),
            leaf_weights=numpy_helper.from_array(np.asarray(self.leaf_weights, dtype=np.float64)),
        )


def boosters_to_onnx(
    boosters: Sequence[lightgbm.Booster],
    output_names: Sequence[str],
    feature_names: Sequence[str],
    *,
    metadata: Mapping[str, str] | None = None,
    tolerance: float = 1e-6,
) -> bytes:
    """One ONNX model, input "features" [N, F] double, output "predictions" [N, K] double, column k = booster k.

    Raises ValueError for what cannot be exported exactly, OnnxExportError if the result fails its own check.
    """
    dumps = _checked_dumps(boosters, output_names, feature_names, metadata)
    nodes = [_ensemble(dump, k, output_names[k]).node(f"trees_{k}", f"column_{k}") for k, dump in enumerate(dumps)]
    nodes.append(helper.make_node("Concat", [f"column_{k}" for k in range(len(dumps))], [OUTPUT_NAME], axis=1))
    graph = helper.make_graph(
        nodes,
        "impact_quantiles",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.DOUBLE, ["N", len(feature_names)])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.DOUBLE, ["N", len(dumps)])],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", DEFAULT_OPSET), helper.make_opsetid(ML_DOMAIN, ML_OPSET)],
        ir_version=IR_VERSION,
        producer_name="footprint",
    )
    props = {METADATA_OUTPUTS: json.dumps(list(output_names)), METADATA_FEATURES: json.dumps(list(feature_names))}
    helper.set_model_props(model, {**props, **(metadata or {})})
    onnx.checker.check_model(model, full_check=True)
    model_bytes: bytes = model.SerializeToString()
    _verify(model_bytes, boosters, dumps, tolerance)
    return model_bytes


def verify_export(onnx_bytes: bytes, boosters: Sequence[lightgbm.Booster], *, tolerance: float = 1e-6) -> float:
    """Check every output column against `booster.predict` on the probe batch; return the max absolute difference.

    Raises OnnxExportError naming the first column that is missing, NaN where LightGBM is not, or off by > tolerance.
    """
    return _verify(onnx_bytes, boosters, [_dump(b) for b in boosters], tolerance)


def _verify(
    onnx_bytes: bytes, boosters: Sequence[lightgbm.Booster], dumps: Sequence[Mapping[str, Any]], tolerance: float
) -> float:
    session = _cpu_session(onnx_bytes)
    names = _output_names(session, len(boosters))
    probe = probe_rows(dumps, boosters[0].num_feature())
    onnx_out = _run(session, probe)
    if onnx_out.ndim != 2 or onnx_out.shape[0] != len(probe) or onnx_out.shape[1] > len(boosters):
        raise OnnxExportError(f"the ONNX output has shape {onnx_out.shape}, expected ({len(probe)}, {len(boosters)})")
    worst = 0.0
    for k, booster in enumerate(boosters):
        column = f"output column {k} ({names[k]!r})"
        if k >= onnx_out.shape[1]:
            raise OnnxExportError(f"{column} is missing: the ONNX output has only {onnx_out.shape[1]} columns")
        native = np.asarray(booster.predict(probe), dtype=np.float64)
        ours = onnx_out[:, k]
        nan_rows = np.flatnonzero(np.isnan(ours) != np.isnan(native))
        if nan_rows.size:
            row = int(nan_rows[0])
            raise OnnxExportError(
                f"{column} is {float(ours[row])} where LightGBM gives {float(native[row])} "
                f"(probe row {row} of {len(probe)})"
            )
        diff = np.where(np.isnan(native), 0.0, np.abs(ours - native))
        row = int(np.argmax(diff))
        if diff[row] > tolerance:
            raise OnnxExportError(
                f"{column} differs from LightGBM by {diff[row]:.3g} > tolerance {tolerance:g} "
                f"(probe row {row} of {len(probe)}: ONNX {float(ours[row])!r}, LightGBM {float(native[row])!r})"
            )
        worst = max(worst, float(diff[row]))
    return worst


def compare_with_native(onnx_bytes: bytes, boosters: Sequence[lightgbm.Booster], features: np.ndarray) -> float:
    """Max |ONNX - LightGBM| over all rows and outputs of `features`; inf if a column is missing or wrongly NaN."""
    x = np.ascontiguousarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != boosters[0].num_feature():
        raise ValueError(f"features must have shape [rows, {boosters[0].num_feature()}], got {list(x.shape)}")
    onnx_out = _run(_cpu_session(onnx_bytes), x)
    if onnx_out.ndim != 2 or onnx_out.shape != (len(x), len(boosters)):
        return float("inf")
    native = np.column_stack([np.asarray(b.predict(x), dtype=np.float64) for b in boosters])
    if np.any(np.isnan(onnx_out) != np.isnan(native)):
        return float("inf")
    return float(np.nanmax(np.abs(onnx_out - native), initial=0.0))


def probe_rows(dumps: Sequence[Mapping[str, Any]], n_features: int) -> FloatArray:
    """A deterministic batch that puts every feature on each split threshold, its float64 neighbours, the zero
    band and NaN, plus random rows over the feature ranges seen in the dumps and rows with random NaNs."""
    thresholds: list[set[float]] = [set() for _ in range(n_features)]
    for dump in dumps:
        for tree in dump["tree_info"]:
            for split in _splits(tree["tree_structure"]):
                thresholds[int(split["split_feature"])].add(float(split["threshold"]))
    return _rows_at(thresholds, *_feature_ranges(dumps, thresholds))


def _rows_at(thresholds: Sequence[set[float]], low: FloatArray, high: FloatArray) -> FloatArray:
    """`probe_rows` from each feature's split thresholds and its (low, high) range."""
    rng = np.random.default_rng(_PROBE_SEED)
    n_features = len(thresholds)
    specials = [0.0, -0.0, _ZERO_BAND, -_ZERO_BAND, 1e-36, -1e-36, np.nan]
    columns: list[FloatArray] = []
    for f in range(n_features):
        edges = np.asarray(sorted(thresholds[f]), dtype=np.float64)
        values = np.concatenate(
            [edges, np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf), specials, [low[f], high[f]]]
        )
        columns.append(values)
    length = max(len(c) for c in columns)
    passes = []
    for _ in range(_PROBE_PASSES):
        # Each feature's probe values in a fresh order, so thresholds meet varied values of the other features.
        passes.append(np.column_stack([rng.permutation(np.resize(c, length)) for c in columns]))
    span = high - low
    random_rows = rng.uniform(low - 0.1 * span, high + 0.1 * span, size=(_PROBE_RANDOM_ROWS, n_features))
    with_nans = rng.uniform(low, high, size=(_PROBE_RANDOM_ROWS, n_features))
    with_nans[rng.random(with_nans.shape) < 0.3] = np.nan
    extremes = np.vstack([np.zeros(n_features), np.full(n_features, np.nan), low, high])
    return np.ascontiguousarray(np.vstack([*passes, random_rows, with_nans, extremes]), dtype=np.float64)


@dataclass(frozen=True)
class MergedEnsemble:
    """`boosters_to_onnx`'s model as one `TreeEnsemble` node with a target per booster (`merged_ensemble`), and the
    rows to check the two against: every split threshold and its neighbours, and random rows around them."""

    model: bytes
    probe: FloatArray


_SINGLE_TARGET = {"n_targets": 1, "aggregate_function": 1, "post_transform": 0}
_NODE_ATTRIBUTES = frozenset({
    "n_targets", "aggregate_function", "post_transform", "tree_roots", "nodes_featureids", "nodes_splits",
    "nodes_modes", "nodes_truenodeids", "nodes_trueleafs", "nodes_falsenodeids", "nodes_falseleafs",
    "nodes_missing_value_tracks_true", "leaf_targetids", "leaf_weights"})


def merged_ensemble(model_bytes: bytes) -> MergedEnsemble | None:
    """The same model with its `TreeEnsemble` nodes (one target each, concatenated into the output) joined into one
    node whose target k is node k's trees: ONNX Runtime then walks every tree of a row in one kernel call, which on
    this project's machine took one row from 47 to 21 us (p50) but a batch of 1,000 from 1.56 to 1.82 ms (its
    per-target loop is slower than one target's), so `ImpactInference` serves small batches through it. None when
    the model is not of `boosters_to_onnx`'s shape."""
    model = onnx.load_from_string(model_bytes)
    if len(model.graph.node) < 2 or len(model.graph.input) != 1:
        return None
    *trees, concat = model.graph.node
    if (concat.op_type != "Concat" or list(concat.output) != [OUTPUT_NAME]
            or len(concat.input) != len(trees)):
        return None
    by_output = {}
    for node in trees:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if (node.op_type != "TreeEnsemble" or node.domain != ML_DOMAIN or list(node.input) != [INPUT_NAME]
                or set(attrs) != _NODE_ATTRIBUTES or any(attrs[k] != v for k, v in _SINGLE_TARGET.items())):
            return None
        by_output[node.output[0]] = attrs
    if set(by_output) != set(concat.input):
        return None
    merged: dict[str, list[Any]] = {name: [] for name in _NODE_ATTRIBUTES - set(_SINGLE_TARGET)}
    for k, name in enumerate(concat.input):
        attrs = by_output[name]
        node_base, leaf_base = len(merged["nodes_featureids"]), len(merged["leaf_weights"])
        merged["tree_roots"] += [r + node_base for r in attrs["tree_roots"]]
        for side in ("true", "false"):
            ids, leafs = attrs[f"nodes_{side}nodeids"], attrs[f"nodes_{side}leafs"]
            merged[f"nodes_{side}nodeids"] += [i + (leaf_base if leaf else node_base)
                                               for i, leaf in zip(ids, leafs, strict=True)]
            merged[f"nodes_{side}leafs"] += list(leafs)
        for key in ("nodes_featureids", "nodes_missing_value_tracks_true"):
            merged[key] += list(attrs[key])
        for key in ("nodes_splits", "nodes_modes", "leaf_weights"):
            merged[key] += numpy_helper.to_array(attrs[key]).tolist()
        merged["leaf_targetids"] += [k] * len(numpy_helper.to_array(attrs["leaf_weights"]))
    tensors = ("nodes_splits", "nodes_modes", "leaf_weights")
    lists: dict[str, Any] = {k: v for k, v in merged.items() if k not in tensors}
    node = helper.make_node(
        "TreeEnsemble", [INPUT_NAME], [OUTPUT_NAME], name="trees", domain=ML_DOMAIN, n_targets=len(trees),
        aggregate_function=1, post_transform=0, **lists,
        nodes_splits=numpy_helper.from_array(np.asarray(merged["nodes_splits"], dtype=np.float64)),
        nodes_modes=numpy_helper.from_array(np.asarray(merged["nodes_modes"], dtype=np.uint8)),
        leaf_weights=numpy_helper.from_array(np.asarray(merged["leaf_weights"], dtype=np.float64)))
    del model.graph.node[:]
    model.graph.node.append(node)
    n_features = model.graph.input[0].type.tensor_type.shape.dim[1].dim_value
    thresholds: list[set[float]] = [set() for _ in range(n_features)]
    for f, t in zip(merged["nodes_featureids"], merged["nodes_splits"], strict=True):
        if 0 <= f < n_features:
            thresholds[f].add(float(t))
    low, high = _feature_ranges((), thresholds)
    return MergedEnsemble(model.SerializeToString(), _rows_at(thresholds, low, high))


def _checked_dumps(
    boosters: Sequence[lightgbm.Booster],
    output_names: Sequence[str],
    feature_names: Sequence[str],
    metadata: Mapping[str, str] | None,
) -> list[dict[str, Any]]:
    """Each booster's tree dump, after checking that the set can be exported as one model."""
    if not boosters:
        raise ValueError("boosters is empty: nothing to export")
    if len(output_names) != len(boosters):
        raise ValueError(f"{len(boosters)} boosters but {len(output_names)} output_names")
    for label, names in (("output_names", output_names), ("feature_names", feature_names)):
        duplicates = sorted({n for n in names if list(names).count(n) > 1})
        if duplicates:
            raise ValueError(f"{label} has duplicates: {duplicates}")
    reserved = {METADATA_OUTPUTS, METADATA_FEATURES} & set(metadata or {})
    if reserved:
        raise ValueError(f"metadata keys {sorted(reserved)} are reserved for the output and feature names")
    dumps = []
    for k, booster in enumerate(boosters):
        label = f"booster {k} ({output_names[k]!r})"
        dump = _dump(booster)
        if dump.get("num_tree_per_iteration", 1) != 1 or dump.get("num_class", 1) != 1:
            raise ValueError(
                f"{label} gives {dump.get('num_tree_per_iteration')} outputs per row (multiclass); "
                "each booster must give one"
            )
        objective = str(dump.get("objective", "")).split()
        if not objective or objective[0] not in _IDENTITY_OBJECTIVES or "sqrt" in objective:
            raise ValueError(
                f"{label} has objective {' '.join(objective)!r}, whose predict transforms the raw score; "
                f"only {sorted(_IDENTITY_OBJECTIVES)} (without sqrt) are exported"
            )
        if dump.get("average_output", False):
            raise ValueError(f"{label} averages its trees (random-forest mode), which the export does not do")
        if not dump["tree_info"]:
            raise ValueError(f"{label} has no trees")
        trained_names = list(dump.get("feature_names", []))
        if len(trained_names) != len(feature_names):
            raise ValueError(
                f"{label} was trained on {len(trained_names)} features, feature_names has {len(feature_names)}"
            )
        for i, (trained, given) in enumerate(zip(trained_names, feature_names, strict=True)):
            if trained != given and trained != f"Column_{i}":  # Column_i: LightGBM's name when none was given
                raise ValueError(f"{label} feature {i} is {trained!r} in training but {given!r} in feature_names")
        dumps.append(dump)
    return dumps


def _dump(booster: lightgbm.Booster) -> dict[str, Any]:
    dump: dict[str, Any] = booster.dump_model()
    return dump


def _ensemble(dump: Mapping[str, Any], k: int, output_name: str) -> _Ensemble:
    """The nodes and leaves of all trees of one booster's dump."""
    ensemble = _Ensemble()
    for tree in dump["tree_info"]:
        where = f"booster {k} ({output_name!r}) tree {tree['tree_index']}"
        structure = tree["tree_structure"]
        root = ensemble.new_node()
        ensemble.roots.append(root)
        if "leaf_value" in structure:
            # A lone leaf: one node whose both branches reach it, as the TreeEnsemble spec prescribes.
            leaf = (ensemble.new_leaf(_leaf_value(structure, where)), True)
            ensemble.set_node(root, 0, (_BRANCH_LEQ, 0.0, False), leaf, leaf)
            continue
        pending = [(root, structure)]
        while pending:
            slot, node = pending.pop()
            branches = []
            for child in (node["left_child"], node["right_child"]):
                if "leaf_value" in child:
                    branches.append((ensemble.new_leaf(_leaf_value(child, where)), True))
                else:
                    child_slot = ensemble.new_node()
                    pending.append((child_slot, child))
                    branches.append((child_slot, False))
            rule = _split_rule(node, f"{where} node {node['split_index']}")
            ensemble.set_node(slot, int(node["split_feature"]), rule, branches[0], branches[1])
    return ensemble


def _split_rule(node: Mapping[str, Any], where: str) -> tuple[int, float, bool]:
    """(mode, split value, NaN goes to the true branch) reproducing LightGBM's numerical decision exactly.

    LightGBM sends x left when x' <= threshold, x' being 0.0 for |x| <= 1e-35f and for NaN (unless missing_type is
    "NaN"); "NaN"-missing splits send NaN the default way and "Zero"-missing ones send the zero band and NaN there.
    """
    if node["decision_type"] == "==":
        raise ValueError(f"{where} is a categorical split; categorical features are not exported")
    if node["decision_type"] != "<=":
        raise ValueError(f"{where} has decision_type {node['decision_type']!r}; only '<=' is exported")
    threshold = float(node["threshold"])
    zero_goes_left = threshold >= 0.0
    mode = _BRANCH_LEQ
    if -_ZERO_BAND <= threshold < _ZERO_BAND:
        # A threshold inside the zero band splits the band's edge values as LightGBM does after reading them as 0:
        # the band goes left (x <= band) or right (x < -band, which is x <= the next double below -band).
        value = _ZERO_BAND if zero_goes_left else float(np.nextafter(-_ZERO_BAND, -np.inf))
    else:
        value = threshold
    missing = node["missing_type"]
    default_left = bool(node["default_left"])
    if missing == "None":
        return mode, value, zero_goes_left
    if missing == "NaN":
        return mode, value, default_left
    if missing == "Zero":
        if default_left != zero_goes_left:
            raise ValueError(
                f"{where} sends zeros {'left' if default_left else 'right'} against its threshold {threshold!r} "
                "(missing_type 'Zero', from zero_as_missing=True), which one ONNX node cannot express"
            )
        return mode, value, default_left
    raise ValueError(f"{where} has missing_type {missing!r}; expected 'None', 'Zero' or 'NaN'")


def _leaf_value(leaf: Mapping[str, Any], where: str) -> float:
    """The leaf's output; a linear_tree leaf without coefficients outputs its constant."""
    if leaf.get("leaf_coeff"):
        raise ValueError(f"{where} leaf {leaf.get('leaf_index')} is linear (linear_tree=True), which is not exported")
    return float(leaf.get("leaf_const", leaf["leaf_value"]))


def _splits(structure: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every split node of one tree."""
    found = []
    pending = [structure]
    while pending:
        node = pending.pop()
        if "split_index" in node:
            found.append(node)
            pending.extend((node["left_child"], node["right_child"]))
    return found


def _feature_ranges(
    dumps: Sequence[Mapping[str, Any]], thresholds: Sequence[set[float]]
) -> tuple[FloatArray, FloatArray]:
    """Per-feature (low, high) covering the training range recorded in the dumps and every threshold."""
    n = len(thresholds)
    low = np.array([min(t, default=np.inf) for t in thresholds], dtype=np.float64)
    high = np.array([max(t, default=-np.inf) for t in thresholds], dtype=np.float64)
    for dump in dumps:
        infos = dump.get("feature_infos", {})
        for f, name in enumerate(dump.get("feature_names", [])[:n]):
            info = infos.get(name)
            if isinstance(info, dict) and "min_value" in info and "max_value" in info:
                low[f] = min(low[f], float(info["min_value"]))
                high[f] = max(high[f], float(info["max_value"]))
    unknown = ~np.isfinite(low) | ~np.isfinite(high)
    low[unknown], high[unknown] = -1.0, 1.0
    return low, high


def _output_names(session: ort.InferenceSession, expected: int) -> list[str]:
    """The output names recorded in the model, or placeholders when they are absent or do not match in number."""
    try:
        names = json.loads(session.get_modelmeta().custom_metadata_map[METADATA_OUTPUTS])
    except (KeyError, ValueError):
        names = None
    if not isinstance(names, list) or len(names) != expected:
        return [f"output_{k}" for k in range(expected)]
    return [str(n) for n in names]


def _cpu_session(onnx_bytes: bytes) -> ort.InferenceSession:
    """A one-thread CPU session, the reference device for the check."""
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = 1
    try:
        return ort.InferenceSession(onnx_bytes, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # ORT raises its own classes, not importable under stable names
        raise OnnxExportError(f"ONNX Runtime cannot load the exported model: {exc}") from exc


def _run(session: ort.InferenceSession, features: FloatArray) -> FloatArray:
    try:
        out = session.run([OUTPUT_NAME], {INPUT_NAME: features})[0]
    except Exception as exc:  # as above
        raise OnnxExportError(f"ONNX Runtime cannot run the exported model: {exc}") from exc
    return np.asarray(out, dtype=np.float64)
