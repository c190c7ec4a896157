"""Reading fields out of QuickFIX messages."""

from __future__ import annotations

import quickfix as fix


def field(msg: fix.Message | fix.Group, tag: int) -> str | None:
    """A body field's text, or None when absent."""
    return msg.getField(tag) if msg.isSetField(tag) else None
