"""What an operator asks of the engine (kill, halt, resume; new risk limits), as events.

They reach the engine through the same journaled dispatch as OMS requests and venue reports, so a restart replays
them and rebuilds the same trading states, holds and limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import JsonValue


class OperatorAction(StrEnum):
    KILL = "kill"  # halt the scope, cancel every child in it and finish its parents as Canceled
    HALT = "halt"  # halt the scope, cancel its children; parents stay open, paused until resumed
    RESUME = "resume"  # the scope trades again


class OperatorScope(StrEnum):
    ALL = "all"
    SYMBOL = "symbol"
    PARENT = "parent"


@dataclass(frozen=True)
class OperatorCommand:
    """Kill, halt or resume one scope. `target` is the symbol or the parent's OrderID; None for all."""

    action: OperatorAction
    scope: OperatorScope
    target: str | None
    reason: str
    source: str  # who asked, and through what (for the log, the journal and the OMS's Text)


@dataclass(frozen=True)
class LimitsChange:
    """New values for risk limits, by RiskLimits field name; per-symbol ones under "symbols": {SYMBOL: {...}}."""

    changes: dict[str, JsonValue]
    reason: str
    source: str
