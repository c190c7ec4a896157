"""FIX framing on raw bytes (the logon gate's parser), checked against QuickFIX's own parser."""

from __future__ import annotations

import pytest
import quickfix as fix
from hypothesis import given
from hypothesis import strategies as st

from agent.fix.access.fix_frame import FrameError, checksum, message_length, parse_message
from fix_config.vocabulary import Tag

PASSWORD = b"correct horse battery"


def frame(body: list[tuple[int, bytes]], begin: bytes = b"FIX.4.4") -> bytes:
    """A message from its body fields, BodyLength and CheckSum computed here independently of the module."""
    payload = b"".join(str(t).encode() + b"=" + v + b"\x01" for t, v in body)
    head = b"8=" + begin + b"\x019=" + str(len(payload)).encode() + b"\x01"
    return head + payload + b"10=" + f"{sum(head + payload) % 256:03d}".encode() + b"\x01"


LOGON = frame([(35, b"A"), (34, b"1"), (49, b"OMS"), (52, b"20240101-00:00:00.000"), (56, b"FOOTPRINT"),
               (98, b"0"), (108, b"10"), (553, b"desk1"), (554, PASSWORD)])


def quickfix_accepts(raw: bytes) -> bool:
    """QuickFIX's parser with BodyLength and CheckSum validation on."""
    msg = fix.Message()
    try:
        msg.setString(raw.decode("latin-1"), True)
    except fix.InvalidMessage:
        return False
    return True


def test_a_whole_logon_is_framed_and_read() -> None:
    assert quickfix_accepts(LOGON)
    assert message_length(LOGON, 4096) == len(LOGON)
    msg = parse_message(LOGON)
    assert msg.msg_type == "A"
    assert (msg.get(Tag.SENDER_COMP_ID), msg.get(Tag.TARGET_COMP_ID), msg.get(Tag.USERNAME)) == \
        ("OMS", "FOOTPRINT", "desk1")


def test_every_prefix_asks_for_more_bytes() -> None:
    for cut in range(len(LOGON)):
        assert message_length(LOGON[:cut], 4096) is None, cut


def test_bytes_after_the_message_are_not_part_of_it() -> None:
    heartbeat = frame([(35, b"0"), (34, b"2"), (49, b"OMS"), (56, b"FOOTPRINT")])
    assert message_length(LOGON + heartbeat[:5], 4096) == len(LOGON)


@pytest.mark.parametrize("junk", [b"GET / HTTP/1.1\r\n", b"\x16\x03\x01\x02\x00", b"9=12\x01", b"8=FIX.4.4\x0135=A\x01"])
def test_what_is_not_fix_is_refused_without_waiting_for_more(junk: bytes) -> None:
    with pytest.raises(FrameError, match="BeginString"):
        message_length(junk + b"x" * 40, 4096)
    if not junk.startswith(b"8="):
        with pytest.raises(FrameError):
            message_length(junk[:2], 4096)


def test_a_message_over_the_limit_is_refused_from_its_header() -> None:
    big = frame([(35, b"A"), (58, b"x" * 5000)])
    with pytest.raises(FrameError, match="over the 4096-byte limit"):
        message_length(big[:40], 4096)


def test_a_wrong_checksum_or_body_length_is_refused() -> None:
    bad_sum = LOGON[:-4] + (b"%03d" % ((int(LOGON[-4:-1]) + 1) % 256)) + b"\x01"
    with pytest.raises(FrameError, match="CheckSum"):
        message_length(bad_sum, 4096)
    assert not quickfix_accepts(bad_sum)
    short = LOGON.replace(b"\x019=", b"\x019=1", 1)  # BodyLength ten times too long: no trailer where it says
    with pytest.raises(FrameError, match="BodyLength"):
        message_length(short + b"x" * 2000, 4096)


def test_stripping_the_password_recomputes_length_and_checksum() -> None:
    stripped = parse_message(LOGON).without({Tag.PASSWORD})
    assert PASSWORD not in stripped
    assert quickfix_accepts(stripped)
    assert message_length(stripped, 4096) == len(stripped)
    assert [t for t, _ in parse_message(stripped).fields] == [t for t, _ in parse_message(LOGON).fields if t != 554]


def test_a_data_field_may_hold_soh() -> None:
    raw = frame([(35, b"A"), (95, b"5"), (96, b"a\x01b=c"), (553, b"u")])
    assert message_length(raw, 4096) == len(raw)
    msg = parse_message(raw)
    assert msg.fields[4] == (96, b"a\x01b=c") and msg.get(553) == "u"
    assert msg.without({553}) == frame([(35, b"A"), (95, b"5"), (96, b"a\x01b=c")])


def test_a_first_field_that_is_not_msgtype_has_no_msgtype() -> None:
    assert parse_message(frame([(49, b"OMS"), (35, b"A")])).msg_type is None


values = st.binary(min_size=1, max_size=30).filter(lambda v: b"\x01" not in v)
bodies = st.lists(st.tuples(st.integers(11, 9999).filter(lambda t: t not in (90, 91, 95, 96, 212, 213)), values),
                  max_size=20)


@given(bodies, st.sets(st.integers(11, 9999), max_size=5))
def test_framing_and_stripping_any_message(body: list[tuple[int, bytes]], drop: set[int]) -> None:
    raw = frame([(35, b"A"), *body])
    assert message_length(raw, 1 << 20) == len(raw)
    msg = parse_message(raw)
    assert list(msg.fields[2:-1]) == [(35, b"A"), *body]
    out = msg.without(drop)
    assert message_length(out, 1 << 20) == len(out)
    assert int(out[-4:-1]) == checksum(out[:-7])
    assert list(parse_message(out).fields[2:-1]) == [(t, v) for t, v in [(35, b"A"), *body] if t not in drop]
