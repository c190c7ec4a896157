"""Scenarios as YAML files: load one by path or built-in name, list the built-ins, compile for the flow.

Every problem with a file is a `ScenarioError` whose message names the file, the field and, where the
YAML shows it, the line: `volatility_surge.yaml: timeline[2].spread_mult: must be > 0 (line 34)`.
"""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from simulator.scenario_compiler import CompiledScenario, ScenarioOrder, compile_scenario
from simulator.scenario_schema import FieldProblems, Loc, Scenario, dotted

__all__ = ["CompiledScenario", "Scenario", "ScenarioError", "ScenarioOrder", "compile_scenario",
           "list_scenarios", "load_scenario", "scenario_file"]

BUILTIN_DIR = Path(__file__).with_name("scenarios")


class ScenarioError(ValueError):
    """A scenario file is missing, not YAML, or breaks the schema; the message names the file and field."""


def list_scenarios() -> list[str]:
    """Names of the built-in scenarios, sorted."""
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml"))


def load_scenario(path_or_name: str | Path) -> Scenario:
    """Read and validate a scenario from a YAML file, or a built-in by name (e.g. "calm")."""
    path, shown = _locate(path_or_name)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{shown}: {_yaml_problem(exc)}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{shown}: the file must be a mapping of fields (name, seed, duration, symbol, ...)")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        lines = [f"{shown}: {where}: {message}{_line_note(root, loc)}" for loc, where, message in _problems(exc)]
        raise ScenarioError("\n".join(lines)) from None


def scenario_file(path_or_name: str | Path) -> Path:
    """The YAML file of a built-in scenario (by name) or of a path; ScenarioError for an unknown name."""
    return _locate(path_or_name)[0]


def _locate(path_or_name: str | Path) -> tuple[Path, str]:
    """The file to read and how messages call it: a built-in by its file name, a path as given."""
    text = str(path_or_name)
    if isinstance(path_or_name, Path) or "/" in text or text.endswith((".yaml", ".yml")):
        return Path(text), text
    if text not in list_scenarios():
        known = ", ".join(list_scenarios())
        raise ScenarioError(f"{text}: no such built-in scenario (built-in: {known}); give a path to load a file")
    return BUILTIN_DIR / f"{text}.yaml", f"{text}.yaml"


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}not valid YAML: {problem}"


def _problems(exc: ValidationError) -> list[tuple[Loc, str, str]]:
    """(path, path as text, message) for each error, cross-field problems expanded to the field at fault."""
    found: list[tuple[Loc, str, str]] = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, FieldProblems):
            for sub, message in cause.problems:
                full = (*loc, *sub)
                found.append((full, dotted(full) or "scenario", message))
            continue
        found.append((loc, dotted(loc) or "scenario", _message(error, loc)))
    return found


def _message(error: Any, loc: Loc) -> str:
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "extra_forbidden":
        allowed = _fields_at(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        return f"unknown field{hint} (allowed: {', '.join(allowed)})"
    if kind == "missing":
        return "required"
    if kind == "greater_than":
        return f"must be > {ctx['gt']:g}, got {error['input']!r}"
    if kind == "greater_than_equal":
        return f"must be >= {ctx['ge']:g}, got {error['input']!r}"
    if kind == "less_than_equal":
        return f"must be <= {ctx['le']:g}, got {error['input']!r}"
    if kind in ("literal_error", "enum"):
        return f"must be one of {ctx['expected']}, got {error['input']!r}"
    return str(error["msg"]).removeprefix("Value error, ")


def _fields_at(loc: Loc) -> list[str]:
    """The field names the schema allows at a path (for "did you mean")."""
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        model = _model_in(model.model_fields[part].annotation) if part in model.model_fields else None
        if model is None:
            return []
    return list(model.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as `X | None` or `tuple[X, ...]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) in (typing.Union, tuple):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _line_note(root: yaml.Node | None, loc: Loc) -> str:
    """" (line N)" for the deepest part of `loc` the YAML holds: the key's line for a mapping entry."""
    node, line = root, None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == part), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return f" (line {line})" if line is not None else ""
