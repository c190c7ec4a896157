"""The venue's QuickFIX settings: fix_config/simulator.cfg with this run's paths and overrides, and the custom
tags its News (35=B) carries, read from the same file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated

import quickfix as fix
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

import fix_config

DEFAULT_SETTINGS = fix_config.path("simulator.cfg")
"""The checked-in template (fix_config/simulator.cfg)."""


USER_DEFINED_TAG_MIN = 5000
"""FIX reserves tags from 5000 up for user-defined fields; QuickFIX's dictionaries define none of them."""

FEED_TAG_KEYS = {"sentiment_score": "SentimentScoreTag", "onchain_amount": "OnChainAmountTag",
                 "implied_vol": "ImpliedVolTag", "scheduled_time": "ScheduledTimeTag"}
"""FeedTags field -> its key in the settings file's [DEFAULT] section."""

_UserTag = Annotated[int, Field(ge=USER_DEFINED_TAG_MIN)]


class FeedTags(BaseModel):
    """Where News (35=B) carries a feed event's sentiment score, an on-chain event's amount, an implied-volatility
    update's value and a calendar entry's release time (a UTCTimestamp)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sentiment_score: _UserTag = 20101
    onchain_amount: _UserTag = 20102
    implied_vol: _UserTag = 20103
    scheduled_time: _UserTag = 20104

    @model_validator(mode="after")
    def _distinct(self) -> FeedTags:
        seen: dict[int, str] = {}
        for name in FEED_TAG_KEYS:
            tag = getattr(self, name)
            if tag in seen:
                raise ValueError(f"{FEED_TAG_KEYS[name]}: {tag} is already {FEED_TAG_KEYS[seen[tag]]}; give each "
                                 "value its own tag")
            seen[tag] = name
        return self


def feed_tags(settings_file: Path) -> FeedTags:
    """The News custom tags a settings file sets in [DEFAULT] (SentimentScoreTag, OnChainAmountTag, ImpliedVolTag,
    ScheduledTimeTag), defaults for those it leaves out; ValueError naming the key for a bad one."""
    settings = fix.SessionSettings(str(settings_file))
    defaults = settings.get()  # a reference into `settings`, which must outlive it
    given = {name: defaults.getString(key) for name, key in FEED_TAG_KEYS.items() if defaults.has(key)}
    try:
        return FeedTags.model_validate(given)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = FEED_TAG_KEYS.get(str(error["loc"][0])) if error["loc"] else None
            text = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{key}: must be a whole number >= {USER_DEFINED_TAG_MIN} (a user-defined tag), got "
                            f"{error['input']!r}" if key else text)
        raise ValueError(f"{settings_file}: {'; '.join(problems)}") from None


AGGRESSOR_SIDE_KEY = "AggressorSide"


def aggressor_targets(settings_file: Path) -> list[str]:
    """The TargetCompIDs whose sessions set AggressorSide=Y (inherited from [DEFAULT] or their own): their trade
    entries carry AggressorSide(2446). ValueError naming the session for a value other than Y or N."""
    settings = fix.SessionSettings(str(settings_file))
    targets = []
    for sid in settings.getSessions():
        session = settings.get(sid)
        value = session.getString(AGGRESSOR_SIDE_KEY) if session.has(AGGRESSOR_SIDE_KEY) else "N"
        if value not in ("Y", "N"):
            raise ValueError(f"{settings_file}: {AGGRESSOR_SIDE_KEY} of session {sid.toString()} must be Y or N, got "
                             f"{value!r}")
        if value == "Y":
            targets.append(sid.getTargetCompID().getValue())
    return sorted(targets)


def data_dictionary_path() -> Path:
    """The venue sessions' dictionary: the FIX 4.4 one installed with the quickfix package, with AggressorSide(2446)
    on market data entries (`fix_config.venue_dictionary`)."""
    return fix_config.venue_dictionary()


def write_settings(
    state_dir: Path,
    template_path: Path = DEFAULT_SETTINGS,
    overrides: Mapping[str, str] | None = None,
    extra_targets: Sequence[str] = (),
) -> Path:
    """Render the template with store, log and dictionary paths under `state_dir`, then `overrides`, and one
    extra [SESSION] per TargetCompID in `extra_targets`; return the written file."""
    values = {
        "FileStorePath": str(state_dir / "store"),
        "FileLogPath": str(state_dir / "log"),
        "DataDictionary": str(data_dictionary_path()),
        **(overrides or {}),
    }
    return fix_config.write_settings(template_path, state_dir / "simulator.cfg", values,
                                     extra_sessions=[{"TargetCompID": t} for t in extra_targets])
