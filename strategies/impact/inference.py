"""The ONNX Runtime session that serves a model made by `boosters_to_onnx`: [N, F] features to [N, K] quantiles."""

from __future__ import annotations

import json
import math
import os
from typing import Literal

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from strategies.impact.onnx_export import (
    INPUT_NAME,
    METADATA_FEATURES,
    METADATA_OUTPUTS,
    OUTPUT_NAME,
    merged_ensemble,
)

Device = Literal["cpu", "cuda", "auto"]
CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"


class ImpactModelError(Exception):
    """The impact model cannot be loaded, or cannot run where it was asked to."""


class ImpactInputError(ValueError):
    """A features array the impact model cannot take."""


SMALL_BATCH_ROWS = 64
"""Batches up to this many rows run through the model's trees joined into one node (`merged_ensemble`): per-node
overhead dominates a few rows, ONNX Runtime's one-target loop many. On this project's machine the two crossed
between 64 rows (129 against 143 us, p50) and 128 (250 against 235 us)."""


class ImpactInference:
    """A session over one exported impact model; `predict` is one ONNX Runtime call for the whole batch.

    On CPU a model made by `boosters_to_onnx` is also opened with its trees joined into one node, for batches of up
    to SMALL_BATCH_ROWS rows; the two sessions are checked at load to give the same numbers, bit for bit, on rows
    at every split threshold and its neighbours (`small_batch_session` says whether the joined one serves, or why
    not)."""

    def __init__(self, model_bytes: bytes, device: Device = "cpu", intra_op_threads: int = 1) -> None:
        if device not in ("cpu", "cuda", "auto"):
            raise ValueError(f"device must be 'cpu', 'cuda' or 'auto', got {device!r}")
        if intra_op_threads < 1:
            raise ValueError(f"intra_op_threads must be >= 1, got {intra_op_threads}")
        self.device: Device = device
        self.intra_op_threads = intra_op_threads
        # Why the session is not on the device asked for ("auto" only); None when it is.
        self.fallback_reason: str | None = None
        self._session = self._open(model_bytes)
        self.provider_in_use: str = self._session.get_providers()[0]
        self.output_names, self.feature_names = _names(self._session)
        # Everything the exporter stored with the model (its output and feature names, and what training added).
        self.metadata: dict[str, str] = dict(self._session.get_modelmeta().custom_metadata_map)
        self._n_features = len(self.feature_names)
        self._fetch = [OUTPUT_NAME]
        self._small: ort.InferenceSession | None = None
        self.small_batch_session = "not on CPU" if self.provider_in_use != CPU else self._open_small(model_bytes)

    @classmethod
    def from_file(
        cls, path: str | os.PathLike[str], device: Device = "cpu", intra_op_threads: int = 1
    ) -> ImpactInference:
        """Load the model at `path`; a missing, unreadable or invalid file raises ImpactModelError naming it."""
        try:
            with open(path, "rb") as model_file:
                model_bytes = model_file.read()
        except OSError as exc:
            raise ImpactModelError(f"cannot read impact model {os.fspath(path)!r}: {exc.strerror}") from exc
        try:
            return cls(model_bytes, device, intra_op_threads)
        except ImpactModelError as exc:
            raise ImpactModelError(f"impact model {os.fspath(path)!r}: {exc}") from exc

    def predict(self, features: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Quantile predictions, float64 [N, K] for features [N, F]; a single row [F] gives [K]."""
        x = np.ascontiguousarray(features, dtype=np.float64)
        single = x.ndim == 1
        if single:
            x = x.reshape(1, -1)
        if x.ndim != 2 or x.shape[1] != self._n_features:
            raise ImpactInputError(
                f"features must have shape [rows, {self._n_features}] (or [{self._n_features}] for one row), "
                f"got {list(np.shape(features))}"
            )
        if not _all_finite(x):
            row, column = (int(i) for i in np.argwhere(~np.isfinite(x))[0])
            raise ImpactInputError(
                f"feature {self.feature_names[column]!r} (column {column}) is {x[row, column]} in row {row}; "
                "the impact model takes finite features only"
            )
        session = self._small if self._small is not None and x.shape[0] <= SMALL_BATCH_ROWS else self._session
        out: npt.NDArray[np.float64] = session.run(self._fetch, {INPUT_NAME: x})[0]
        return out[0] if single else out

    def _open_small(self, model_bytes: bytes) -> str:
        """Open the joined-trees session for small batches if the model has that shape and it agrees exactly with
        the model as exported; what came of it, for `small_batch_session`."""
        try:
            merged = merged_ensemble(model_bytes)
        except Exception as exc:  # a model this code did not make: it serves whole, as exported
            return f"off: its trees cannot be joined ({type(exc).__name__}: {exc})"
        if merged is None:
            return "off: the model is not one TreeEnsemble node per output"
        try:
            small = self._session_on(merged.model, CPU)
            want = self._session.run(self._fetch, {INPUT_NAME: merged.probe})[0]
            got = small.run(self._fetch, {INPUT_NAME: merged.probe})[0]
        except Exception as exc:  # ImpactModelError, or ORT's own classes (not importable under stable names)
            return f"off: ONNX Runtime cannot run the joined trees ({exc})"
        if got.shape != want.shape or not np.array_equal(got, want, equal_nan=True):
            return f"off: the joined trees differ from the model on {len(merged.probe)} probe rows"
        self._small = small
        return f"on, for batches of up to {SMALL_BATCH_ROWS} rows (checked on {len(merged.probe)} probe rows)"

    def _open(self, model_bytes: bytes) -> ort.InferenceSession:
        """The session on the device asked for, or on CPU with `fallback_reason` set when "auto" cannot use CUDA."""
        if self.device == "cpu":
            return self._session_on(model_bytes, CPU)
        cuda_available = CUDA in ort.get_available_providers()
        if self.device == "cuda" and not cuda_available:
            raise ImpactModelError(f"device 'cuda' asked for, but this ONNX Runtime build has no {CUDA}")
        if cuda_available:
            try:
                return self._session_on(model_bytes, CUDA)
            except ImpactModelError as exc:
                if self.device == "cuda":
                    raise
                self.fallback_reason = str(exc)
        else:
            self.fallback_reason = f"this ONNX Runtime build has no {CUDA}"
        return self._session_on(model_bytes, CPU)

    def _session_on(self, model_bytes: bytes, provider: str) -> ort.InferenceSession:
        """A session whose every node runs on `provider`, checked rather than assumed."""
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = self.intra_op_threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle pool threads sleep instead of spinning on a core the agent's event loop needs.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        if provider != CPU:
            # Without this ORT quietly runs unsupported nodes (or all of them, when CUDA fails to load) on CPU.
            options.add_session_config_entry("session.disable_cpu_ep_fallback", "1")
        try:
            session = ort.InferenceSession(model_bytes, sess_options=options, providers=[provider])
        except Exception as exc:  # ORT raises its own classes, not importable under stable names
            raise ImpactModelError(f"ONNX Runtime cannot load the model for {provider}: {exc}") from exc
        in_use = session.get_providers()[0]
        if in_use != provider:
            raise ImpactModelError(f"asked ONNX Runtime for {provider} but the session runs on {in_use}")
        return session


_PYTHON_CHECK_MAX = 512
"""Up to this many values the finiteness check loops in Python: right after an ONNX Runtime call numpy's ufunc
round-trip cost a single row about 14 us of its 55 (bench_impact_inference.py), the loop about 5."""


def _all_finite(x: npt.NDArray[np.float64]) -> bool:
    if x.size <= _PYTHON_CHECK_MAX:
        return all(map(math.isfinite, x.ravel().tolist()))
    return bool(np.isfinite(x).all())


def _names(session: ort.InferenceSession) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(output names, feature names) from the model's metadata, checked against its input and output."""
    metadata = session.get_modelmeta().custom_metadata_map
    lists = []
    for key in (METADATA_OUTPUTS, METADATA_FEATURES):
        try:
            names = json.loads(metadata[key])
        except KeyError:
            raise ImpactModelError(f"the model has no {key!r} metadata; export it with boosters_to_onnx") from None
        except ValueError as exc:
            raise ImpactModelError(f"the model's {key!r} metadata is not JSON: {exc}") from exc
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ImpactModelError(f"the model's {key!r} metadata is not a list of names")
        lists.append(tuple(names))
    outputs, features = lists
    inputs = {i.name: i.shape for i in session.get_inputs()}
    results = {o.name: o.shape for o in session.get_outputs()}
    if list(inputs) != [INPUT_NAME] or OUTPUT_NAME not in results:
        raise ImpactModelError(
            f"the model must take {INPUT_NAME!r} and give {OUTPUT_NAME!r}; "
            f"it takes {list(inputs)} and gives {list(results)}"
        )
    for what, shape, names in (("input", inputs[INPUT_NAME], features), ("output", results[OUTPUT_NAME], outputs)):
        width = shape[1] if len(shape) == 2 else None
        if width != len(names):
            raise ImpactModelError(f"the model's {what} has {width} columns but its metadata names {len(names)}")
    return outputs, features
