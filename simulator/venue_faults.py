"""What a venue session gets wrong on purpose: fault settings per FIX session, and the file they are read from.

Every fault is legal venue behaviour an execution agent has to survive (reports late, twice or out of order,
a cancel lost, an order ended or cut by the venue). All are off by default. Draws come from one generator
seeded with `seed`, so the same requests at the same times give the same faults.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

Probability = Annotated[float, Field(ge=0.0, le=1.0)]

MAX_DELAY_LIMIT_S = 5.0
"""No delay may exceed this: an agent's follow-up timeout (seconds) must stay longer than any delay."""


class VenueFaults(BaseModel):
    """Fault settings for one session. Probabilities are per message, per request or per order as noted."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    seed: int = Field(0, ge=0, description="seed of the session's fault generator")
    max_delay_s: float = Field(
        0.5, gt=0.0, le=MAX_DELAY_LIMIT_S, description="upper bound of every delay (held acks, duplicates, late News)"
    )
    event_window_s: float = Field(
        30.0, gt=0.0, description="an order's unsolicited cancel, done-for-day or restatement comes within this"
    )
    delay_acks: Probability = Field(0.0, description="per New/Cancel/Replace ack: held back up to max_delay_s")
    fills_before_acks: Probability = Field(0.0, description="per order that trades on entry: fills before the ack")
    duplicate_reports: Probability = Field(0.0, description="per ExecutionReport: sent again, same ExecID")
    reorder_reports: Probability = Field(0.0, description="per adjacent pair of one order's reports: swapped")
    drop_cancels: Probability = Field(0.0, description="per cancel request: no answer and not carried out")
    cancel_overtakes_new: Probability = Field(
        0.0, description="per New: held back before it reaches the book; requests about it meanwhile find nothing"
    )
    unsolicited_cancels: Probability = Field(0.0, description="per working order: cancelled by the venue")
    done_for_day: Probability = Field(0.0, description="per working order: ended DoneForDay by the venue")
    restatements: Probability = Field(0.0, description="per working order: quantity reduced by the venue")

    @property
    def active(self) -> bool:
        """True when any fault can happen."""
        return any(getattr(self, name) > 0 for name in _PROBABILITIES)


_PROBABILITIES = tuple(
    name for name, info in VenueFaults.model_fields.items() if info.annotation is float and name not in
    ("max_delay_s", "event_window_s")
)


class FaultsFileError(ValueError):
    """A fault settings file that cannot be used; the message names the file and the field."""


def parse_faults(data: object, where: str = "faults") -> dict[str, VenueFaults]:
    """Fault settings per TargetCompID from a mapping {TargetCompID: {field: value}}; FaultsFileError otherwise."""
    if not isinstance(data, Mapping):
        raise FaultsFileError(f"{where}: expected a mapping of TargetCompID to fault settings")
    faults: dict[str, VenueFaults] = {}
    problems: list[str] = []
    for target, settings in data.items():
        if not isinstance(target, str) or not target:
            problems.append(f"{target!r}: a TargetCompID must be a non-empty string")
            continue
        if not isinstance(settings, Mapping):
            problems.append(f"{target}: expected a mapping of fault settings")
            continue
        try:
            faults[target] = VenueFaults.model_validate(dict(settings))
        except ValidationError as exc:
            for error in exc.errors():
                name = ".".join(str(part) for part in error["loc"])
                problems.append(f"{target}.{name}: {error['msg']} (got {error.get('input')!r})")
    if problems:
        raise FaultsFileError(f"{where}: " + "; ".join(problems))
    return faults


def load_faults(path: Path) -> dict[str, VenueFaults]:
    """Read fault settings from a TOML (.toml) or YAML (.yaml, .yml) file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FaultsFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if path.suffix == ".toml":
        try:
            data: object = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise FaultsFileError(f"{path}: not valid TOML: {exc}") from None
    elif path.suffix in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise FaultsFileError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from None
    else:
        raise FaultsFileError(f"{path}: expected a .toml, .yaml or .yml file")
    return parse_faults(data, str(path))
