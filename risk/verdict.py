"""The answer every pre-trade check gives: allowed, or refused with a reason."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RiskVerdict:
    """`ok` is False when the action must not go out; `reason` says why in words an operator can act on."""

    ok: bool
    reason: str

    @classmethod
    def allow(cls) -> RiskVerdict:
        return cls(True, "")

    @classmethod
    def refuse(cls, reason: str) -> RiskVerdict:
        return cls(False, reason)
