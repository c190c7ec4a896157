"""Durations and time offsets as scenario files write them: 5400, "90s", "30m", "+2h", "1h30m"."""

from __future__ import annotations

import math
import re

# h, m and s parts in that order, each optional but at least one present; "+" only reads as "after the start".
_TEXT = re.compile(r"^\+?\s*(?:(\d+(?:\.\d*)?)\s*h)?\s*(?:(\d+(?:\.\d*)?)\s*m)?\s*(?:(\d+(?:\.\d*)?)\s*s)?$")
_UNITS = (3600.0, 60.0, 1.0)


def parse_offset(value: object) -> float:
    """Seconds from a number of seconds or text like "90s", "30m", "+2h", "1h30m"; ValueError otherwise."""
    # YAML reads `yes` as True, and bool is an int to Python: refuse it rather than read it as 1 second.
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration; write seconds (5400) or text like 90s, 30m, 1h30m")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _parse_text(value.strip())
    else:
        raise ValueError(f"{value!r} is not a duration; write seconds (5400) or text like 90s, 30m, 1h30m")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{value!r} is not a duration: it must be finite and >= 0")
    return seconds


def _parse_text(text: str) -> float:
    try:
        return float(text.lstrip("+"))
    except ValueError:
        pass
    match = _TEXT.match(text)
    if not text or match is None or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration; write seconds (5400) or text like 90s, 30m, 1h30m")
    return sum(float(part) * unit for part, unit in zip(match.groups(), _UNITS, strict=True) if part)


def format_offset(seconds: float) -> str:
    """Seconds as short text for messages: 5400 -> "1h30m", 95 -> "1m35s"."""
    whole = round(seconds)
    if abs(seconds - whole) > 1e-9:
        return f"{seconds:g}s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") + (f"{secs}s" if secs else "")
    return text or "0s"
