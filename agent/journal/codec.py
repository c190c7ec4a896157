"""Events and commands to (type name, JSON text) and back, exactly: pydantic reads the dataclasses' own fields.

The type name is the class name; names are unique across events and commands, so one table serves both.
"""

from __future__ import annotations

import json
from typing import Any, get_args

from pydantic import TypeAdapter, ValidationError

from agent.core.commands import Command
from agent.core.events import Event

__all__ = [
    "COMMAND_TYPES",
    "EVENT_TYPES",
    "CodecError",
    "Journaled",
    "RecordDecodeError",
    "decode",
    "encode",
]

Journaled = Event | Command
"""Anything the journal writes: an event coming in or a command going out."""


class CodecError(ValueError):
    """An object the journal cannot encode."""


class RecordDecodeError(CodecError):
    """A stored record that cannot be read back: unknown type name or malformed body. The message names it."""


def _by_name(union: Any) -> dict[str, type[Any]]:
    return {cls.__name__: cls for cls in get_args(union)}


EVENT_TYPES: dict[str, type[Any]] = _by_name(Event)
COMMAND_TYPES: dict[str, type[Any]] = _by_name(Command)

_clash = EVENT_TYPES.keys() & COMMAND_TYPES.keys()
if _clash:  # a name must say what a record is, whichever way it went
    raise RuntimeError(f"event and command types share names: {', '.join(sorted(_clash))}")

_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    name: TypeAdapter(cls) for name, cls in (EVENT_TYPES | COMMAND_TYPES).items()
}


def encode(item: Journaled) -> tuple[str, str]:
    """The record's type name and its JSON body."""
    name = type(item).__name__
    adapter = _ADAPTERS.get(name)
    if adapter is None or type(item) is not (EVENT_TYPES.get(name) or COMMAND_TYPES.get(name)):
        raise CodecError(f"{type(item).__qualname__} is neither an event nor a command")
    # Through `json` rather than pydantic's dump_json, which writes Infinity and NaN as null (the dataclasses carry
    # no pydantic config to change that); `json` writes JSON's common extension, which pydantic reads back.
    body = json.dumps(adapter.dump_python(item, mode="json", warnings=False), separators=(",", ":"),
                      allow_nan=True)
    # A field holding the wrong type would write a record that replay cannot read: refuse it now, not at restart.
    try:
        adapter.validate_json(body, strict=True)
    except ValidationError as exc:
        raise CodecError(f"{name} would not read back: {_problems(exc)}") from None
    return name, body


def decode(type_name: str, body: str, *, seq: int | None = None) -> Journaled:
    """The object a record holds; `seq` only names the record in the error."""
    where = f"record {seq} ({type_name})" if seq is not None else f"record of type {type_name}"
    adapter = _ADAPTERS.get(type_name)
    if adapter is None:
        raise RecordDecodeError(f"{where}: unknown type name; this footprint knows "
                                f"{', '.join(sorted(_ADAPTERS))}")
    try:
        item: Journaled = adapter.validate_json(body, strict=True)
    except ValidationError as exc:
        raise RecordDecodeError(f"{where}: malformed body: {_problems(exc)}") from None
    return item


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())
