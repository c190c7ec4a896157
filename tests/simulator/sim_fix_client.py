"""A small QuickFIX initiator for the venue's end-to-end tests: sends requests, records everything it gets."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import quickfix as fix
import quickfix44 as fix44

from simulator.clock import SimClock
from simulator.fix_settings import data_dictionary_path
from simulator.fix_venue import VenueServer
from simulator.market import Market

Fields = list[tuple[int, str]]

START = 1_700_000_000.0
COIN = "CRYPTOALPHA"
A_KEY = "FIX.4.4:SIMVENUE->FOOTPRINT"
B_KEY = "FIX.4.4:SIMVENUE->TRADER2"


def start_venue(state_dir: Path, market: Market, clock: SimClock, **options: Any) -> VenueServer:
    """A started venue on a free port that also accepts TRADER2, ticking every 20 ms; `options` go to VenueServer."""
    venue = VenueServer(
        state_dir / "venue", port=free_port(), extra_targets=["TRADER2"], clock=clock, market=market, tick_interval=0.02,
        **options,
    )
    venue.start()
    return venue


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def parse(raw: str) -> Fields:
    """A raw FIX message as (tag, value) pairs in wire order."""
    pairs = []
    for part in raw.strip("\x01").split("\x01"):
        tag, _, value = part.partition("=")
        pairs.append((int(tag), value))
    return pairs


def get(message: Fields, tag: int) -> str | None:
    """The first value of a tag, or None."""
    return next((value for t, value in message if t == tag), None)


def fields(message: Fields, *tags: int) -> tuple[str | None, ...]:
    """The first value of each tag."""
    return tuple(get(message, tag) for tag in tags)


def entries(message: Fields, first_tag: int) -> list[dict[int, str]]:
    """Repeating-group entries, each starting at `first_tag` (269 in W, 279 in X)."""
    groups: list[dict[int, str]] = []
    started = False
    for tag, value in message:
        if tag == first_tag:
            groups.append({})
            started = True
        if started and tag != 10:
            groups[-1][tag] = value
    return groups


class SimFixClient(fix.Application):  # type: ignore[misc]
    """Logs on as `sender` to SIMVENUE and keeps every application message (and session Rejects) it gets; `settings`
    adds QuickFIX keys to its [DEFAULT] (how it validates what it receives, say)."""

    def __init__(self, port: int, state_dir: Path, sender: str = "FOOTPRINT", reset_on_logon: bool = True,
                 settings: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.sender = sender
        self.received: list[Fields] = []
        self._returned: set[int] = set()
        self._changed = threading.Condition()
        self.logged_on = threading.Event()
        self.session_id: Any = None
        state_dir.mkdir(parents=True, exist_ok=True)
        cfg = state_dir / f"{sender}.cfg"
        cfg.write_text(
            "\n".join(
                [
                    "[DEFAULT]",
                    "ConnectionType=initiator",
                    "BeginString=FIX.4.4",
                    f"SenderCompID={sender}",
                    "TargetCompID=SIMVENUE",
                    "SocketConnectHost=127.0.0.1",
                    f"SocketConnectPort={port}",
                    "HeartBtInt=30",
                    "ReconnectInterval=1",
                    "StartTime=00:00:00",
                    "EndTime=00:00:00",
                    f"ResetOnLogon={'Y' if reset_on_logon else 'N'}",
                    "UseDataDictionary=Y",
                    f"DataDictionary={data_dictionary_path()}",
                    f"FileStorePath={state_dir / (sender + '-store')}",
                    f"FileLogPath={state_dir / (sender + '-log')}",
                    *(f"{key}={value}" for key, value in (settings or {}).items()),
                    "",
                    "[SESSION]",
                    "",
                ]
            )
        )
        settings = fix.SessionSettings(str(cfg))
        # The initiator holds C++ references to these: keep them alive as long as it lives.
        self._parts: tuple[Any, ...] = (settings, fix.FileStoreFactory(settings), fix.FileLogFactory(settings))
        self._initiator: Any = fix.ThreadedSocketInitiator(self, self._parts[1], settings, self._parts[2])

    # -- QuickFIX callbacks --------------------------------------------------------------------------

    def onCreate(self, sessionID: Any) -> None:
        self.session_id = sessionID

    def onLogon(self, sessionID: Any) -> None:
        self.logged_on.set()

    def onLogout(self, sessionID: Any) -> None:
        self.logged_on.clear()

    def toAdmin(self, message: Any, sessionID: Any) -> None:
        pass

    def fromAdmin(self, message: Any, sessionID: Any) -> None:
        if message.getHeader().getField(35) == "3":
            self._record(message)

    def toApp(self, message: Any, sessionID: Any) -> None:
        pass

    def fromApp(self, message: Any, sessionID: Any) -> None:
        self._record(message)

    def _record(self, message: Any) -> None:
        with self._changed:
            self.received.append(parse(message.toString()))
            self._changed.notify_all()

    # -- test API ------------------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> None:
        self._initiator.start()
        if not self.logged_on.wait(timeout):
            raise TimeoutError(f"{self.sender} did not log on within {timeout} s")

    def stop(self) -> None:
        """Log out and drop the initiator, which unregisters its session for the next client."""
        if self._initiator is not None:
            self._initiator.stop()
            self._initiator = None
            self._parts = ()

    def send(self, message: Any) -> None:
        fix.Session.sendToTarget(message, self.session_id)

    def wait_for(self, match: Callable[[Fields], bool], timeout: float = 5.0) -> Fields:
        """The earliest message not returned before that matches; TimeoutError if none arrives in time."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for index, message in enumerate(self.received):
                    if index not in self._returned and match(message):
                        self._returned.add(index)
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no matching message")
                self._changed.wait(left)

    def report(self, cl_ord_id: str, exec_type: str, timeout: float = 5.0) -> Fields:
        """The next ExecutionReport for a ClOrdID with an ExecType."""
        return self.wait_for(
            lambda m: get(m, 35) == "8" and get(m, 11) == cl_ord_id and get(m, 150) == exec_type, timeout
        )

    def snapshot_of_messages(self) -> list[Fields]:
        with self._changed:
            return list(self.received)


def new_order(
    cl_ord_id: str,
    symbol: str,
    side: str,
    qty: str,
    ord_type: str = "2",
    price: str | None = None,
    tif: str | None = None,
) -> Any:
    message = fix44.NewOrderSingle()
    for tag, value in ((11, cl_ord_id), (55, symbol), (54, side), (38, qty), (40, ord_type), (44, price), (59, tif)):
        if value is not None:
            message.setField(tag, value)
    message.setField(60, "20240102-10:00:00.000")
    return message


def cancel(cl_ord_id: str, orig: str, symbol: str, side: str) -> Any:
    message = fix44.OrderCancelRequest()
    for tag, value in ((11, cl_ord_id), (41, orig), (55, symbol), (54, side), (60, "20240102-10:00:00.000")):
        message.setField(tag, value)
    return message


def replace(cl_ord_id: str, orig: str, symbol: str, side: str, qty: str, price: str, ord_type: str = "2") -> Any:
    message = fix44.OrderCancelReplaceRequest()
    fields = ((11, cl_ord_id), (41, orig), (55, symbol), (54, side), (38, qty), (40, ord_type), (44, price))
    for tag, value in fields:
        message.setField(tag, value)
    message.setField(60, "20240102-10:00:00.000")
    return message


def status(cl_ord_id: str, symbol: str, side: str) -> Any:
    message = fix44.OrderStatusRequest()
    for tag, value in ((11, cl_ord_id), (55, symbol), (54, side)):
        message.setField(tag, value)
    return message


def mass_status(req_id: str, req_type: str = "7", symbol: str | None = None) -> Any:
    message = fix44.OrderMassStatusRequest()
    message.setField(584, req_id)
    message.setField(585, req_type)
    if symbol is not None:
        message.setField(55, symbol)
    return message


def market_data_request(
    md_req_id: str,
    symbols: list[str],
    depth: int,
    subscription: str = "1",
    types: tuple[str, ...] = ("0", "1", "2"),
    update_type: str = "1",
) -> Any:
    message = fix44.MarketDataRequest()
    message.setField(262, md_req_id)
    message.setField(263, subscription)
    message.setField(264, str(depth))
    message.setField(265, update_type)
    for entry_type in types:
        group = fix44.MarketDataRequest.NoMDEntryTypes()
        group.setField(269, entry_type)
        message.addGroup(group)
    for symbol in symbols:
        group = fix44.MarketDataRequest.NoRelatedSym()
        group.setField(55, symbol)
        message.addGroup(group)
    return message
