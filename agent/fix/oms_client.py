"""A small FIX 4.4 OMS: sends parent orders, cancels and replaces, and records every answer.

Used by `footprint oms`, by the demo and by the end-to-end tests. It is a plain QuickFIX initiator,
so anything it does, any other FIX engine can do too.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import quickfix as fix

import fix_config
from agent.fix.fix_time import format_utc_timestamp
from agent.fix.quickfix_application import GuardedApplication
from agent.fix.quickfix_endpoint import QuickFixEndpoint
from fix_config.vocabulary import TERMINAL_ORD_STATUS, ExecType, MsgType, OrdStatus, Tag

log = logging.getLogger("footprint.oms_client")

SOH = "\x01"

def _fix_name(code: ExecType | OrdStatus) -> str:
    return code.name.title().replace("_", "")  # PARTIALLY_FILLED -> PartiallyFilled


EXEC_TYPES = {e.value: _fix_name(e) for e in ExecType}
ORD_STATUSES = {s.value: _fix_name(s) for s in OrdStatus}
TERMINAL_STATUSES = {s.value for s in TERMINAL_ORD_STATUS}


@dataclass(frozen=True)
class Received:
    """One message the OMS received, flattened to tag -> value (the last value of a repeated tag)."""

    msg_type: str
    fields: dict[int, str]
    raw: str

    def get(self, tag: int, default: str | None = None) -> str | None:
        return self.fields.get(tag, default)

    def as_int(self, tag: int) -> int:
        return int(float(self.fields.get(tag, "0")))

    def as_float(self, tag: int) -> float:
        return float(self.fields.get(tag, "0"))


def _flatten(text: str) -> dict[int, str]:
    out: dict[int, str] = {}
    for part in text.split(SOH):
        if "=" in part:
            tag, value = part.split("=", 1)
            if tag.isdigit():
                out[int(tag)] = value
    return out


def describe(msg: Received) -> str:
    """One line a person can read for an ExecutionReport or a reject."""
    f = msg.fields
    if msg.msg_type == MsgType.EXECUTION_REPORT:
        parts = [f"ExecutionReport {EXEC_TYPES.get(f.get(150, ''), f.get(150))}",
                 f"status={ORD_STATUSES.get(f.get(39, ''), f.get(39))}", f"ClOrdID={f.get(11)}"]
        if f.get(32) and f.get(32) != "0":
            parts.append(f"LastQty={f.get(32)} LastPx={f.get(31)}")
        parts.append(f"CumQty={f.get(14)} LeavesQty={f.get(151)} AvgPx={f.get(6)}")
        if 103 in f:
            parts.append(f"OrdRejReason={f[103]}")
        if 58 in f:
            parts.append(f"Text={f[58]!r}")
        return " ".join(parts)
    if msg.msg_type == MsgType.ORDER_CANCEL_REJECT:
        return (f"OrderCancelReject ClOrdID={f.get(11)} OrigClOrdID={f.get(41)} CxlRejReason={f.get(102)} "
                f"Text={f.get(58)!r}")
    if msg.msg_type == MsgType.ORDER_MASS_CANCEL_REPORT:
        return (f"OrderMassCancelReport ClOrdID={f.get(11)} response={f.get(531)} "
                f"affected={f.get(533)} Text={f.get(58)!r}")
    if msg.msg_type == MsgType.REJECT:
        return f"Reject RefSeqNum={f.get(45)} RefTagID={f.get(371)} reason={f.get(373)} Text={f.get(58)!r}"
    if msg.msg_type == MsgType.LOGOUT:
        return f"Logout Text={f[58]!r}" if 58 in f else "Logout"
    if msg.msg_type == MsgType.BUSINESS_MESSAGE_REJECT:
        return f"BusinessMessageReject RefMsgType={f.get(372)} reason={f.get(380)} Text={f.get(58)!r}"
    return f"{msg.msg_type}: {msg.raw.replace(SOH, '|')}"


class _Recorder(GuardedApplication):
    label = "OMS client"

    def __init__(self, on_message: Callable[[Received], None], on_logon: Callable[[bool], None],
                 credentials: tuple[str | None, str | None]) -> None:
        super().__init__()
        self._on_message = on_message
        self._on_logon = on_logon
        self._username, self._password = credentials
        self.session: fix.SessionID | None = None

    def toAdmin(self, message: fix.Message, sessionID: fix.SessionID) -> None:
        if message.getHeader().getField(Tag.MSG_TYPE) == MsgType.LOGON:
            if self._username is not None:
                message.setField(Tag.USERNAME, self._username)
            if self._password is not None:
                message.setField(Tag.PASSWORD, self._password)

    def on_create(self, session_id: fix.SessionID) -> None:
        self.session = session_id

    def on_logon(self, session_id: fix.SessionID) -> None:
        self._on_logon(True)

    def on_logout(self, session_id: fix.SessionID) -> None:
        self._on_logon(False)

    def _record(self, message: fix.Message) -> None:
        text = message.toString()
        fields = _flatten(text)
        self._on_message(Received(fields.get(35, ""), fields, text))

    def on_admin_message(self, message: fix.Message, session_id: fix.SessionID) -> None:
        if message.getHeader().getField(35) in (MsgType.REJECT, MsgType.LOGOUT):
            self._record(message)

    def fromApp(self, message: fix.Message, sessionID: fix.SessionID) -> None:
        self._guard(self._record, message)


class OmsClient:
    """An OMS FIX session to the agent. Thread-safe to read; send from one thread."""

    def __init__(self, port: int, state_dir: Path, *, host: str = "127.0.0.1", sender: str = "OMS",
                 target: str = "FOOTPRINT", settings: str = "oms-client.cfg",
                 on_message: Callable[[Received], None] | None = None,
                 overrides: dict[str, str] | None = None,
                 username: str | None = None, password: str | None = None) -> None:
        """`overrides` replace keys of the settings file, e.g. {"ResetOnLogon": "N"} to keep sequence numbers.
        `username`/`password` go in every Logon as Username(553)/Password(554); with a password the client keeps
        no FIX message log and stores no sent message, since both would hold the Logon as sent."""
        state_dir.mkdir(parents=True, exist_ok=True)
        path = fix_config.write_settings(settings, state_dir / f"oms-client-{sender}.cfg", {
            "SocketConnectHost": host,
            "SocketConnectPort": str(port),
            "SenderCompID": sender,
            "TargetCompID": target,
            "FileStorePath": str(state_dir / f"oms-client-{sender}-store"),
            "FileLogPath": str(state_dir / f"oms-client-{sender}-log"),
            "DataDictionary": str(fix_config.quickfix_spec("FIX44")),
            **({"PersistMessages": "N"} if password is not None else {}),
            **(overrides or {}),
        })
        self._cond = threading.Condition()
        self.messages: list[Received] = []
        self._logged_on = False
        self._callback = on_message
        self._app = _Recorder(self._received, self._logon_changed, (username, password))
        self._endpoint = QuickFixEndpoint("initiator", self._app, path, message_log=password is None)
        self._ids = itertools.count(1)
        self._prefix = f"{sender}-{int(time.time() * 1000) % 10**9:x}"

    # lifecycle
    def start(self) -> None:
        self._endpoint.start()

    def stop(self) -> None:
        self._endpoint.stop()

    def __enter__(self) -> OmsClient:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _logon_changed(self, logged_on: bool) -> None:
        with self._cond:
            self._logged_on = logged_on
            self._cond.notify_all()

    def _received(self, msg: Received) -> None:
        if self._callback is not None:  # before waiters wake, so what it prints comes first
            try:
                self._callback(msg)
            except Exception:
                log.exception("on_message callback failed")
        with self._cond:
            self.messages.append(msg)
            self._cond.notify_all()

    @property
    def logged_on(self) -> bool:
        return self._logged_on

    def wait_logged_on(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._logged_on, timeout)

    def wait_for(self, predicate: Callable[[Received], bool], timeout: float, start: int = 0) -> Received | None:
        """The first message (from index `start`) that satisfies `predicate`, waiting up to `timeout`."""
        found: list[Received] = []

        def check() -> bool:
            for m in self.messages[start:]:
                if predicate(m):
                    found.append(m)
                    return True
            return False

        with self._cond:
            self._cond.wait_for(check, timeout)
        return found[0] if found else None

    def reports_for(self, cl_ord_ids: Iterable[str]) -> list[Received]:
        ids = set(cl_ord_ids)
        with self._cond:
            return [m for m in self.messages if m.msg_type == MsgType.EXECUTION_REPORT and m.get(11) in ids]

    def wait_done(self, cl_ord_ids: Iterable[str], timeout: float) -> Received | None:
        """The ExecutionReport that puts any of these ClOrdIDs into a terminal status."""
        ids = set(cl_ord_ids)
        return self.wait_for(lambda m: m.msg_type == MsgType.EXECUTION_REPORT and m.get(Tag.CL_ORD_ID) in ids
                             and m.get(Tag.ORD_STATUS) in TERMINAL_STATUSES
                             and m.get(Tag.EXEC_TYPE) != ExecType.ORDER_STATUS, timeout)

    # sending
    def next_id(self) -> str:
        return f"{self._prefix}-{next(self._ids)}"

    def send(self, msg_type: str, fields: Iterable[tuple[int, str]],
             groups: Iterable[tuple[int, int, list[tuple[int, str]]]] = ()) -> None:
        """Send any application message: body fields in order, then repeating groups."""
        msg = fix.Message()
        msg.getHeader().setField(fix.MsgType(msg_type))
        for tag, value in fields:
            msg.setField(tag, value)
        for count_tag, delim, entries in groups:
            g = fix.Group(count_tag, delim)
            for tag, value in entries:
                g.setField(tag, value)
            msg.addGroup(g)
        sid = self._app.session
        session = fix.Session.lookupSession(sid) if sid is not None else None
        if session is None or not session.isLoggedOn() or not fix.Session.sendToTarget(msg, sid):
            raise RuntimeError("OMS session is not logged on")

    def new_order(self, symbol: str, side: str, qty: int | str, *, ord_type: str = "1",
                  price: str | None = None, tif: str | None = None, effective_time: float | None = None,
                  expire_time: float | None = None, target_strategy: str | None = None,
                  participation_rate: str | None = None, cl_ord_id: str | None = None,
                  extra: Sequence[tuple[int, str]] = ()) -> str:
        cl_ord_id = cl_ord_id or self.next_id()
        fields: list[tuple[int, str]] = [(11, cl_ord_id), (21, "1"), (55, symbol), (54, side),
                                         (60, format_utc_timestamp(time.time())), (38, str(qty)), (40, ord_type)]
        if price is not None:
            fields.append((44, price))
        if tif is not None:
            fields.append((59, tif))
        if effective_time is not None:
            fields.append((168, format_utc_timestamp(effective_time)))
        if expire_time is not None:
            fields.append((126, format_utc_timestamp(expire_time)))
        if target_strategy is not None:
            fields.append((847, target_strategy))
        if participation_rate is not None:
            fields.append((849, participation_rate))
        fields.extend(extra)  # custom tags: the agent's strategy parameters (urgency, participation)
        self.send("D", fields)
        return cl_ord_id

    def cancel(self, orig_cl_ord_id: str, symbol: str, side: str) -> str:
        cl_ord_id = self.next_id()
        self.send("F", [(11, cl_ord_id), (41, orig_cl_ord_id), (55, symbol), (54, side),
                        (60, format_utc_timestamp(time.time()))])
        return cl_ord_id

    def replace(self, orig_cl_ord_id: str, symbol: str, side: str, qty: int, *, ord_type: str = "1",
                price: str | None = None) -> str:
        cl_ord_id = self.next_id()
        fields = [(11, cl_ord_id), (41, orig_cl_ord_id), (21, "1"), (55, symbol), (54, side),
                  (60, format_utc_timestamp(time.time())), (38, str(qty)), (40, ord_type)]
        if price is not None:
            fields.append((44, price))
        self.send("G", fields)
        return cl_ord_id

    def mass_cancel(self, request_type: str = "7", symbol: str | None = None) -> str:
        cl_ord_id = self.next_id()
        fields = [(11, cl_ord_id), (530, request_type)]
        if symbol is not None:
            fields.append((55, symbol))
        fields.append((60, format_utc_timestamp(time.time())))
        self.send("q", fields)
        return cl_ord_id

    def status(self, cl_ord_id: str, symbol: str, side: str) -> None:
        self.send("H", [(11, cl_ord_id), (55, symbol), (54, side)])
