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

MAX_DELAY_LIMIT_S = 1.0
"""No delay may exceed this: an agent follows up on an unanswered request after seconds (2 s by default), and
a fault must never look like a lost message when it is only a late one."""


class VenueFaults(BaseModel):
    """Fault settings for one session. Probabilities are per message, per request or per order as noted."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, use_attribute_docstrings=True)

    seed: Annotated[int, Field(ge=0)] = 0
    """Seed of the session's fault generator."""
    max_delay_s: Annotated[float, Field(gt=0.0, le=MAX_DELAY_LIMIT_S)] = 0.5
    """Upper bound of every delay: held acks, duplicates, a New held back (and what answers it)."""
    event_window_s: Annotated[float, Field(gt=0.0)] = 30.0
    """An order's unsolicited cancel, DoneForDay or restatement comes within this after its entry."""
    delay_acks: Probability = 0.0
    """Per New, Cancel or Replace ack: held back up to max_delay_s."""
    fills_before_acks: Probability = 0.0
    """Per order that trades on entry: its fills go out before its New ack."""
    duplicate_reports: Probability = 0.0
    """Per ExecutionReport (not status answers): sent again, same ExecID, up to max_delay_s later."""
    reorder_reports: Probability = 0.0
    """Per pair of adjacent reports of one order in what the session receives: swapped."""
    drop_cancels: Probability = 0.0
    """Per cancel request: not seen, not carried out, not answered."""
    cancel_overtakes_new: Probability = 0.0
    """Per New: held back up to max_delay_s before it reaches the book; meanwhile the order is unknown."""
    unsolicited_cancels: Probability = 0.0
    """Per working order: cancelled by the venue (ExecType 4 without OrigClOrdID)."""
    done_for_day: Probability = 0.0
    """Per working order: ended by the venue with ExecType 3, OrdStatus 3."""
    restatements: Probability = 0.0
    """Per working order: quantity cut by whole lots by the venue (ExecType D), at least one unit left."""
    reject_new: Probability = 0.0
    """Per New: rejected by the venue (ExecType 8, OrdRejReason 99) without reaching the book."""

    @property
    def active(self) -> bool:
        """True when any fault can happen."""
        return any(getattr(self, name) > 0 for name in _PROBABILITIES)


_PROBABILITIES = (
    "delay_acks", "fills_before_acks", "duplicate_reports", "reorder_reports", "drop_cancels", "cancel_overtakes_new",
    "unsolicited_cancels", "done_for_day", "restatements", "reject_new",
)  # fmt: skip


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
