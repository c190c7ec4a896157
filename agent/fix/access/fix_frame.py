"""FIX tag=value framing on raw bytes: find where a message ends, check it, take fields out of it.

The logon gate reads the first message of a connection before QuickFIX sees anything, so it cannot use
QuickFIX's parser; this is the small part of the FIX session layer it needs. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from fix_config.vocabulary import Tag

SOH = b"\x01"
# BeginString and BodyLength must come first, in this order; a prefix longer than this without them is not FIX.
_HEADER = re.compile(rb"8=([^\x01]{1,16})\x019=(\d{1,7})\x01")
_HEADER_MAX = 2 + 16 + 1 + 2 + 7 + 1
_TRAILER = re.compile(rb"10=(\d{3})\x01")
_TRAILER_LEN = 7
# A data field's value may hold SOH: its length comes in the field before it.
_DATA_FIELDS = {Tag.SECURE_DATA_LEN: Tag.SECURE_DATA, Tag.RAW_DATA_LENGTH: Tag.RAW_DATA,
                Tag.XML_DATA_LEN: Tag.XML_DATA}


class FrameError(ValueError):
    """The bytes are not a well-formed FIX message; the message says what is wrong."""


def checksum(data: bytes) -> int:
    """FIX CheckSum(10): the byte sum modulo 256."""
    return sum(data) % 256


def message_length(buffer: bytes, max_bytes: int) -> int | None:
    """The length of the complete message at the start of `buffer`, or None while more bytes are needed.

    Raises FrameError when the bytes cannot be the start of a FIX message, when the message would be longer
    than `max_bytes`, or when its trailer or CheckSum is wrong."""
    header = _HEADER.match(buffer)
    if header is None:
        _check_header_prefix(buffer)
        return None
    total = header.end() + int(header.group(2)) + _TRAILER_LEN
    if total > max_bytes:
        raise FrameError(f"message of {total} bytes is over the {max_bytes}-byte limit")
    if len(buffer) < total:
        return None
    trailer_at = total - _TRAILER_LEN
    trailer = _TRAILER.fullmatch(buffer, trailer_at, total)
    if trailer is None:
        raise FrameError("BodyLength(9) does not end where CheckSum(10) starts")
    expected = checksum(buffer[:trailer_at])
    if int(trailer.group(1)) != expected:
        raise FrameError(f"CheckSum(10) is {trailer.group(1).decode()}, the bytes sum to {expected:03d}")
    return total


def _check_header_prefix(buffer: bytes) -> None:
    """Refuse early what can never become `8=...<SOH>9=...<SOH>`, so junk is not waited on until the timeout."""
    if len(buffer) >= _HEADER_MAX or not b"8=".startswith(buffer[:2]):
        raise FrameError("does not start with BeginString(8) and BodyLength(9)")


@dataclass(frozen=True)
class FixMessage:
    """One whole message as (tag, value) pairs in wire order, BeginString first and CheckSum last."""

    fields: tuple[tuple[int, bytes], ...]

    def get(self, tag: int) -> str | None:
        """The first value of `tag` as text, None when absent."""
        for t, value in self.fields:
            if t == tag:
                return value.decode("latin-1")
        return None

    def has(self, tag: int) -> bool:
        return any(t == tag for t, _ in self.fields)

    @property
    def msg_type(self) -> str | None:
        """MsgType(35), which FIX requires to be the third field; None when it is not there."""
        if len(self.fields) > 2 and self.fields[2][0] == Tag.MSG_TYPE:
            return self.fields[2][1].decode("latin-1")
        return None

    def without(self, tags: Collection[int]) -> bytes:
        """The message re-encoded without `tags`, its BodyLength(9) and CheckSum(10) recomputed."""
        body = b"".join(b"%d=%s\x01" % (t, v) for t, v in self.fields[2:-1] if t not in tags)
        head = b"8=%s\x019=%d\x01" % (self.fields[0][1], len(body))
        return head + body + b"10=%03d\x01" % checksum(head + body)


def parse_message(raw: bytes) -> FixMessage:
    """Split one complete, framed message (see `message_length`) into its fields."""
    fields: list[tuple[int, bytes]] = []
    at = 0
    data_length: tuple[int, int] | None = None  # (data tag, its byte length) announced by the field before
    while at < len(raw):
        eq = raw.find(b"=", at)
        if eq < 0:
            raise FrameError(f"field at byte {at} has no '='")
        tag_text = raw[at:eq]
        if not tag_text.isdigit() or len(tag_text) > 9:
            raise FrameError(f"field at byte {at}: tag {tag_text[:12]!r} is not a number")
        tag = int(tag_text)
        if data_length is not None and data_length[0] == tag:
            end = eq + 1 + data_length[1]
            if raw[end:end + 1] != SOH:
                raise FrameError(f"data field {tag} is not {data_length[1]} bytes long")
        else:
            end = raw.find(SOH, eq + 1)
            if end < 0:
                raise FrameError(f"field {tag} is not terminated by SOH")
        value = raw[eq + 1:end]
        data_length = None
        if tag in _DATA_FIELDS:
            if not value.isdigit():
                raise FrameError(f"length field {tag} is not a number")
            data_length = (_DATA_FIELDS[tag], int(value))
        fields.append((tag, value))
        at = end + 1
    if len(fields) < 3 or fields[0][0] != Tag.BEGIN_STRING or fields[1][0] != Tag.BODY_LENGTH \
            or fields[-1][0] != Tag.CHECK_SUM:
        raise FrameError("not framed by BeginString(8), BodyLength(9) ... CheckSum(10)")
    return FixMessage(tuple(fields))

