"""QuickFIX session settings, data dictionaries and the agent's default configuration.

Nearly not code: this package locates its files, renders a settings file with per-run values (ports, state
directories) so that sessions, ports and CompIDs stay in the settings files, and derives the venue sessions' data
dictionary, which both ends of a venue session (the simulator and the agent) must read alike.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
import xml.etree.ElementTree as ET
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


# AggressorSide(2446): FIX 5.0 SP2's field for the side of the order that took liquidity, which FIX 4.4 lacks. The
# venue sets it on each trade entry of its market data (1 buy, 2 sell), as crypto venues publish the taker's side.
AGGRESSOR_SIDE = 2446
_MD_ENTRY_GROUPS = ("MDFullGrp", "MDIncGrp")


def venue_dictionary(base: Path | None = None) -> Path:
    """QuickFIX's FIX 4.4 dictionary with AggressorSide(2446) in the market data entries (W and X), the one every
    venue session reads. It is derived once per base dictionary into the temporary folder (same content, same
    file), so the simulator, the agent and any test client that name it read the same file."""
    source = base or quickfix_spec("FIX44")
    text = source.read_bytes()
    digest = hashlib.sha256(text + b"AggressorSide-1").hexdigest()[:16]
    user = os.getuid() if hasattr(os, "getuid") else 0  # one folder per user: another's may not be writable
    dest = Path(tempfile.gettempdir()) / f"footprint-fix-{user}" / f"FIX44-venue-{digest}.xml"
    if dest.is_file():
        return dest
    root = ET.fromstring(text)
    fields, components = root.find("fields"), root.find("components")
    if fields is None or components is None:
        raise ValueError(f"{source}: not a QuickFIX data dictionary (no <fields> or <components>)")
    field = ET.SubElement(fields, "field", number=str(AGGRESSOR_SIDE), name="AggressorSide", type="CHAR")
    ET.SubElement(field, "value", enum="1", description="BUY")
    ET.SubElement(field, "value", enum="2", description="SELL")
    for component in components.findall("component"):
        if component.get("name") in _MD_ENTRY_GROUPS:
            group = component.find("group")
            if group is None:
                raise ValueError(f"{source}: component {component.get('name')} has no NoMDEntries group")
            ET.SubElement(group, "field", name="AggressorSide", required="N")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as out:
        out.write(ET.tostring(root, encoding="unicode"))
    os.replace(tmp, dest)  # whole or not at all: sessions starting at once each read a complete file
    return dest


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
