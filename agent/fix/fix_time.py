"""FIX UTCTimestamp text <-> epoch seconds."""

from __future__ import annotations

import datetime as dt

_FORMATS = ("%Y%m%d-%H:%M:%S.%f", "%Y%m%d-%H:%M:%S")


def parse_utc_timestamp(text: str) -> float:
    """Epoch seconds of a FIX UTCTimestamp (seconds, millis, micros or nanos); ValueError if unreadable."""
    value = text.strip()
    if "." in value:
        head, frac = value.split(".", 1)
        value = f"{head}.{frac[:6]}"  # strptime takes at most microseconds
    for fmt in _FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).replace(tzinfo=dt.UTC).timestamp()
        except ValueError:
            continue
    raise ValueError(f"not a FIX UTCTimestamp: {text!r}")


def format_utc_timestamp(ts: float) -> str:
    """Millisecond FIX UTCTimestamp."""
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y%m%d-%H:%M:%S.%f")[:-3]
