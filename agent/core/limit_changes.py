"""Risk limits changed at run time, checked the way the configuration checks them.

A change names `RiskLimits` fields, per-symbol ones under "symbols": {SYMBOL: {field: value}}. Any field of the
dataclasses can be changed (a field added to them later can too): each value must fit the field's type and, where
the configuration has a field of that name (RiskConfig, InstrumentConfig), its bounds as well. A change is applied
whole or not at all.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Annotated, Any, get_type_hints

from pydantic import BaseModel, TypeAdapter, ValidationError

from agent.config import InstrumentConfig, RiskConfig
from risk.risk_engine import RiskLimits, SymbolLimits

_SYMBOLS = "symbols"


class LimitChangeError(ValueError):
    """A limits change that cannot be applied; `field` names the offending entry (e.g. "symbols.ACME.adv")."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def changed_limits(limits: RiskLimits, changes: Mapping[str, object]) -> RiskLimits:
    """`limits` with `changes` applied; raises LimitChangeError naming the first bad entry."""
    if not changes:
        raise LimitChangeError("limits", "no change given")
    top: dict[str, Any] = {}
    for name, value in changes.items():
        where = f"limits.{name}"
        if name == _SYMBOLS:
            top[name] = _changed_symbols(limits.symbols, value)
        else:
            top[name] = _checked(RiskLimits, name, value, where, (RiskConfig,))
    return dataclasses.replace(limits, **top)


def _changed_symbols(current: dict[str, SymbolLimits], value: object) -> dict[str, SymbolLimits]:
    if not isinstance(value, Mapping) or not value:
        raise LimitChangeError("limits.symbols", "must be an object {SYMBOL: {field: value}}")
    symbols = dict(current)
    for symbol, fields in value.items():
        where = f"limits.symbols.{symbol}"
        if symbol not in symbols:
            raise LimitChangeError(where, f"unknown symbol; configured: {', '.join(sorted(symbols))}")
        if not isinstance(fields, Mapping) or not fields:
            raise LimitChangeError(where, "must be an object {field: value}")
        checked = {name: _checked(SymbolLimits, name, v, f"{where}.{name}", (InstrumentConfig, RiskConfig))
                   for name, v in fields.items()}
        symbols[symbol] = dataclasses.replace(symbols[symbol], **checked)
    return symbols


def _checked(cls: type[Any], name: str, value: object, where: str, models: tuple[type[BaseModel], ...]) -> Any:
    known = [f.name for f in dataclasses.fields(cls) if f.name != _SYMBOLS]
    if name not in known:
        raise LimitChangeError(where, f"unknown limit; known: {', '.join(known)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise LimitChangeError(where, "must be a finite number (null for no limit, where the limit allows it)")
    for adapter in _adapters(cls, name, models):
        try:
            value = adapter.validate_python(value, strict=True)
        except ValidationError as exc:
            raise LimitChangeError(where, "; ".join(e["msg"] for e in exc.errors())) from None
    return value


def _adapters(cls: type[Any], name: str, models: tuple[type[BaseModel], ...]) -> tuple[TypeAdapter[Any], ...]:
    """The field's own type, then the bounds of the first configuration field of that name."""
    adapters: list[TypeAdapter[Any]] = [TypeAdapter(get_type_hints(cls)[name])]
    for model in models:
        info = model.model_fields.get(name)
        if info is not None:
            bounded: Any = Annotated[info.annotation, info]
            adapters.append(TypeAdapter(bounded))
            break
    return tuple(adapters)
