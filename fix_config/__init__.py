"""QuickFIX session settings, data dictionaries and the agent's default configuration.

Not code: this package only locates its files and renders a settings file with per-run values
(ports, state directories) so that sessions, ports and CompIDs stay in the settings files.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def path(name: str) -> Path:
    """A file shipped in fix_config/."""
    return _HERE / name


def quickfix_spec(version: str = "FIX44") -> Path:
    """QuickFIX's own data dictionary, installed by the quickfix package under <prefix>/share/quickfix."""
    candidate = Path(sys.prefix) / "share" / "quickfix" / f"{version}.xml"
    if not candidate.is_file():
        raise FileNotFoundError(
            f"QuickFIX data dictionary {candidate} not found: is the quickfix package installed in this environment?"
        )
    return candidate


_KEY = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*)\s*=")


def render(template: str, overrides: dict[str, str], extra_sessions: list[dict[str, str]] | None = None) -> str:
    """Settings text with `overrides` replacing a key wherever it is set, or added to [DEFAULT].

    `extra_sessions` appends [SESSION] blocks (each a dict of key -> value).
    """
    lines = template.splitlines()
    seen: set[str] = set()
    out: list[str] = []
    for line in lines:
        m = _KEY.match(line)
        if m and m.group(1) in overrides:
            key = m.group(1)
            seen.add(key)
            out.append(f"{key}={overrides[key]}")
        else:
            out.append(line)
    missing = [k for k in overrides if k not in seen]
    if missing:
        try:
            at = next(i for i, ln in enumerate(out) if ln.strip().upper() == "[DEFAULT]") + 1
        except StopIteration:
            out.insert(0, "[DEFAULT]")
            at = 1
        for key in missing:
            out.insert(at, f"{key}={overrides[key]}")
    for session in extra_sessions or []:
        out.append("")
        out.append("[SESSION]")
        out.extend(f"{k}={v}" for k, v in session.items())
    return "\n".join(out) + "\n"


def settings_source(name_or_path: str | Path) -> Path:
    """A settings file given as a path, or as the name of one shipped in fix_config/."""
    source = Path(name_or_path)
    if not source.is_file():
        source = path(str(name_or_path))
    if not source.is_file():
        raise FileNotFoundError(f"QuickFIX settings file not found: {name_or_path}")
    return source


def write_settings(
    name_or_path: str | Path,
    dest: Path,
    overrides: dict[str, str],
    extra_sessions: list[dict[str, str]] | None = None,
) -> Path:
    """Render a settings file (a fix_config name or a path) into `dest` and return the written path."""
    source = settings_source(name_or_path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(render(source.read_text(), overrides, extra_sessions))
    return dest
