"""The venue's QuickFIX settings: fix_config/simulator.cfg with this run's paths and overrides."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import fix_config

DEFAULT_SETTINGS = fix_config.path("simulator.cfg")
"""The checked-in template (fix_config/simulator.cfg)."""


def data_dictionary_path() -> Path:
    """The FIX 4.4 dictionary installed with the quickfix package."""
    return fix_config.quickfix_spec("FIX44")


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
