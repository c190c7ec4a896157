"""The JSON bodies the admin actions accept, as pydantic models: a bad body is refused naming the field."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationInfo, field_validator

from agent.core.operator_requests import OperatorScope

_TEXT = Annotated[str, Field(max_length=200)]


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    reason: _TEXT = ""  # why: logged, journaled, and for kill and halt sent to the OMS in Text(58)
    operator: _TEXT = ""  # who: goes into the command's source

    @field_validator("reason", "operator")
    @classmethod
    def _fix_safe(cls, value: str) -> str:
        # The reason travels in a FIX Text(58): no control characters (SOH would cut the message), ASCII only.
        if not (value.isascii() and value.isprintable()):
            raise ValueError("must be printable ASCII text")
        return value


class ScopeBody(_Body):
    """POST /kill, /halt, /resume: {"scope": "all"} or {"scope": "symbol" | "parent", "target": ...}."""

    scope: OperatorScope
    target: Annotated[str | None, Field(min_length=1, max_length=64, validate_default=True)] = None

    @field_validator("target")
    @classmethod
    def _target_fits_scope(cls, value: str | None, info: ValidationInfo) -> str | None:
        scope = info.data.get("scope")
        if scope is OperatorScope.ALL and value is not None:
            raise ValueError("a scope of all orders takes no target")
        if scope in (OperatorScope.SYMBOL, OperatorScope.PARENT) and value is None:
            raise ValueError(f"required for scope {scope.value!r}: the {scope.value}")
        return value


class LimitsBody(_Body):
    """POST /limits: {"limits": {field: value, "symbols": {SYMBOL: {field: value}}}, "reason": ...}."""

    limits: dict[str, JsonValue]
