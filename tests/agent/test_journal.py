"""The order journal: exact round trips, durability, lazy quotes and ticks, versions, attribution, the CLI."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agent.cli import main
from agent.core.commands import (
    Command,
    MassCancelReport,
    ParentCancelReject,
    ParentExecReport,
    VenueCancel,
    VenueMassStatusRequest,
    VenueNewOrder,
    VenueReplace,
    VenueStatusRequest,
)
from agent.core.events import (
    CancelRequest,
    DecisionOverrun,
    MassCancelRequest,
    NewOrderRequest,
    OmsSessionState,
    Quote,
    ReplaceRequest,
    SendFailed,
    ShutdownRequested,
    StatusRequest,
    Tick,
    VenueCancelReject,
    VenueExecReport,
    VenueSessionState,
)
from agent.core.operator_requests import LimitsChange, OperatorAction, OperatorCommand, OperatorScope
from agent.journal.attribution import child_parent
from agent.journal.codec import COMMAND_TYPES, EVENT_TYPES, CodecError, Journaled, RecordDecodeError, decode, encode
from agent.journal.journal import (
    LAZY_LIMIT,
    SCHEMA_VERSION,
    Direction,
    Journal,
    JournalCorruptError,
    JournalNotFoundError,
    JournalVersionError,
    journal_path,
)
from fix_config.vocabulary import CxlRejReason, ExecType, OrdRejReason, OrdStatus
from strategies.types import ChildTif, News

REPO = Path(__file__).resolve().parents[2]
P1 = "18c2f3a9b10-P1"
P2 = "18c2f3a9b10-P2"
T0 = 1_700_000_000.0
S = "FIX.4.4:FOOTPRINT->OMS"


def _new_order(cl_ord_id: str = "OMS-1", qty: str = "1000") -> NewOrderRequest:
    return NewOrderRequest(S, cl_ord_id, "CRYPTOALPHA", "1", qty, "2", "101.25", "6",
                           T0, None, T0 + 3600.0, "1000", None)


def _parent_report(exec_type: str, ord_status: OrdStatus, *, order_id: str = P1, cl_ord_id: str = "OMS-1",
                   orig: str | None = None, cum: int = 0, last_qty: int = 0, last_px: float = 0.0,
                   qty: int = 1000) -> ParentExecReport:
    return ParentExecReport(
        S, order_id, cl_ord_id, f"X-{exec_type}-{cum}", exec_type, ord_status.value,
        "CRYPTOALPHA", "1", qty, cum, qty - cum if not ord_status.is_terminal else 0, 101.2 if cum else 0.0,
        T0 + 1, 2, orig_cl_ord_id=orig, ord_type="2", limit_px=101.25, last_qty=last_qty, last_px=last_px)


def _fill(cl_ord_id: str, qty: int, cum: int, leaves: int) -> VenueExecReport:
    return VenueExecReport(cl_ord_id, None, "V-9", f"VE-{cum}", ExecType.TRADE.value,
                           (OrdStatus.FILLED if leaves == 0 else OrdStatus.PARTIALLY_FILLED).value, "CRYPTOALPHA",
                           "1", qty, 101.2, cum, leaves, 101.2, None, order_qty=cum + leaves, price=101.2)


def one_of_each() -> list[Journaled]:
    """An instance of every event and command type, with enums, tuples, None and awkward floats."""
    child = f"{P1}-C1"
    return [
        _new_order(),
        NewOrderRequest("S", "OMS-9", None, None, None, None, None, None, None, None, None, None, None,
                        bad_fields=("ExpireTime", "TransactTime")),
        CancelRequest("S", "OMS-2", "OMS-1", "CRYPTOALPHA", "1"),
        ReplaceRequest("S", "OMS-3", "OMS-1", "CRYPTOALPHA", "1", "800", "2", "101.5", T0 + 7200.5, ("Price",)),
        MassCancelRequest("S", "MC-1", "7", None),
        StatusRequest("S", None, P1),
        OmsSessionState("S", True),
        VenueExecReport(child, f"{P1}-C0", "V-1", "VE-1", ExecType.REPLACED, OrdStatus.NEW, "CRYPTOALPHA", "2",
                        0, 0.0, 0, 500, 0.0, "replaced", order_qty=500, price=1e-8, mass_status_req_id="MS-1",
                        last_report=True),
        VenueCancelReject(child, f"{P1}-C0", None, "1", CxlRejReason.TOO_LATE.value, None),
        VenueSessionState(False),
        Quote("CRYPTOALPHA", 101.1, 300, float("inf"), 0, T0 + 0.123456789),
        News("CRYPTOALPHA", T0 + 0.5, "CRYPTOALPHA: 120,000 moved to exchanges", -0.6, 120_000),
        News("ACME", T0 + 0.75, "ACME: release", None, None),
        Tick(),
        SendFailed(VenueReplace(child, f"{P1}-C0", "CRYPTOALPHA", "1", 400, "101.20", ChildTif.DAY),
                   "venue session down"),
        ShutdownRequested(),
        OperatorCommand(OperatorAction.KILL, OperatorScope.PARENT, P1, "fat finger", "ops via admin 127.0.0.1"),
        LimitsChange({"max_order_notional": 2.5e7, "new_order_burst": 3, "max_live_parents_per_session": None,
                      "symbols": {"ACME": {"max_order_qty": 1_000}}}, "", "ops via admin 127.0.0.1"),
        _parent_report(ExecType.REJECTED, OrdStatus.REJECTED),
        ParentExecReport("S", "NONE", "OMS-9", "E-2", ExecType.REJECTED, "8", "NA", "1", 0, 0, 0, 0.0, T0, 8,
                         ord_rej_reason=OrdRejReason.INCORRECT_QUANTITY, text="OrderQty(38) missing",
                         time_in_force="6", expire_time=T0 + 60.25),
        ParentCancelReject("S", "OMS-2", "OMS-1", P1, "2", "1", CxlRejReason.TOO_LATE, "already filled"),
        MassCancelReport("S", "MC-1", "7", "7", (P1, P2)),
        VenueNewOrder(child, "CRYPTOALPHA", "1", 100, None, ChildTif.IOC),
        VenueCancel(child, f"{P1}-C0", "CRYPTOALPHA", "1", 100),
        VenueReplace(child, f"{P1}-C0", "CRYPTOALPHA", "1", 100, "101.20", ChildTif.DAY),
        VenueStatusRequest(child, "CRYPTOALPHA", "1"),
        VenueMassStatusRequest("MS-1"),
    ]


# ---------------------------------------------------------------------- codec

def test_every_event_and_command_type_round_trips_exactly() -> None:
    items = one_of_each()
    assert {type(i).__name__ for i in items} == EVENT_TYPES.keys() | COMMAND_TYPES.keys()
    for item in items:
        name, body = encode(item)
        back = decode(name, body)
        assert name == type(item).__name__
        assert type(back) is type(item) and back == item, body
    tif = decode(*encode(VenueNewOrder("c", "X", "1", 1, None, ChildTif.IOC)))
    assert isinstance(tif, VenueNewOrder) and tif.tif is ChildTif.IOC


@pytest.mark.parametrize("command", [
    VenueNewOrder(f"{P1}-C1", "X", "1", 5, "1.5", ChildTif.DAY),
    VenueCancel(f"{P1}-C2", f"{P1}-C1", "X", "1", 5),
    VenueReplace(f"{P1}-C2", f"{P1}-C1", "X", "1", 5, "1.5", ChildTif.IOC),
    VenueStatusRequest(f"{P1}-C1", "X", "1"),
    VenueMassStatusRequest("MS-7"),
])
def test_send_failed_reads_back_the_same_venue_command_type(command: Command) -> None:
    # The nested command has no type tag: its fields alone must pick the right one of the union.
    item = SendFailed(command, "down")  # type: ignore[arg-type]
    back = decode(*encode(item))
    assert isinstance(back, SendFailed) and type(back.command) is type(command) and back == item


def test_bad_records_name_themselves() -> None:
    with pytest.raises(RecordDecodeError, match=r"record 12 \(VenueFill\): unknown type name"):
        decode("VenueFill", "{}", seq=12)
    with pytest.raises(RecordDecodeError, match=r"record 7 \(VenueCancel\): malformed body: qty"):
        decode("VenueCancel", '{"cl_ord_id":"a","orig_cl_ord_id":"b","symbol":"X","side":"1","qty":"5"}', seq=7)
    with pytest.raises(RecordDecodeError, match=r"record 3 \(Tick\): malformed body: .*Invalid JSON"):
        decode("Tick", "{", seq=3)
    with pytest.raises(CodecError, match="VenueCancel would not read back: qty"):
        encode(VenueCancel("a", "b", "X", "1", "5"))  # type: ignore[arg-type]


# ---------------------------------------------------------------------- durability

def _write_all(journal: Journal, items: list[Journaled]) -> None:
    for n, item in enumerate(items):
        if type(item).__name__ in EVENT_TYPES:
            journal.record_event(T0 + n, item)  # type: ignore[arg-type]
        else:
            journal.record_command(T0 + n, item)  # type: ignore[arg-type]


def test_records_survive_close_and_reopen(tmp_path: Path) -> None:
    path = journal_path(tmp_path / "state")
    items = one_of_each()
    with Journal.open(path) as journal:
        _write_all(journal, items)
        prefix = journal.prefix()
        assert len(journal.commit_latencies()) == len(items) - 2  # quote and tick went with the next record
    with Journal.open(path) as journal:
        records = list(journal.records())
        assert journal.prefix() == prefix and int(prefix, 16) > 0
        assert journal.last_seq() == len(items)
    assert [r.item for r in records] == items
    assert [r.seq for r in records] == list(range(1, len(items) + 1))
    assert [r.ts for r in records] == [T0 + n for n in range(len(items))]
    assert [r.direction for r in records] == [
        Direction.IN if type(i).__name__ in EVENT_TYPES else Direction.OUT for i in items]
    assert [r.seq for r in Journal.open(path, readonly=True).records(after_seq=20)] == list(
        range(21, len(items) + 1))


_READER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from agent.journal.journal import Journal
    with Journal.open(Path(sys.argv[1]), readonly=True) as journal:
        print(" ".join(f"{r.seq}:{r.type_name}" for r in journal.records()))
""")


def _read_in_another_process(path: Path) -> str:
    done = subprocess.run([sys.executable, "-c", _READER, str(path)], cwd=REPO, capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stdout.strip()


def test_another_process_reads_what_was_committed_while_the_writer_is_open(tmp_path: Path) -> None:
    path = journal_path(tmp_path)
    with Journal.open(path) as journal:
        journal.record_event(T0, _new_order())
        journal.record_command(T0 + 1, VenueNewOrder(f"{P1}-C1", "CRYPTOALPHA", "1", 100, "101.20", ChildTif.DAY))
        journal.record_event(T0 + 2, Quote("CRYPTOALPHA", 101.1, 300, 101.3, 200, T0 + 2))  # lazy: not yet
        assert _read_in_another_process(path) == "1:NewOrderRequest 2:VenueNewOrder"
        journal.record_event(T0 + 3, _fill(f"{P1}-C1", 100, 100, 0))
        assert _read_in_another_process(path) == "1:NewOrderRequest 2:VenueNewOrder 3:Quote 4:VenueExecReport"


def test_many_records_stream_across_pages(tmp_path: Path) -> None:
    with Journal.open(journal_path(tmp_path)) as journal:
        for n in range(2_500):  # LAZY_LIMIT of them committed on their own, the rest with the durable record
            journal.record_event(T0 + n, Quote(f"S{n}", 1.0, 1, 2.0, 1, T0 + n))
        journal.record_event(T0 + 3_000, Tick())
        journal.record_event(T0 + 3_001, ShutdownRequested("test"))
        assert len(journal.commit_latencies()) == 2
        symbols = [r.item.symbol for r in journal.records() if isinstance(r.item, Quote)]
        assert symbols == [f"S{n}" for n in range(2_500)]
        assert [r.seq for r in journal.records(after_seq=2_499)] == [2_500, 2_501, 2_502]


# ---------------------------------------------------------------------- quotes and ticks

def test_every_quote_and_tick_is_written_in_order_with_the_next_durable_record(tmp_path: Path) -> None:
    path = journal_path(tmp_path)
    a1, b1 = Quote("A", 1.0, 1, 1.1, 1, T0), Quote("B", 2.0, 1, 2.1, 1, T0 + 1)
    a2 = Quote("A", 1.01, 5, 1.1, 1, T0 + 2)
    with Journal.open(path) as journal:
        journal.record_event(T0, a1)
        journal.record_event(T0 + 1, b1)
        journal.record_event(T0 + 2, Tick())
        journal.record_event(T0 + 3, a2)
        journal.record_event(T0 + 4, Tick())
        assert list(journal.records()) == []  # nothing durable yet
        journal.record_command(T0 + 5, VenueMassStatusRequest("MS-1"))
        assert len(journal.commit_latencies()) == 1  # one transaction
        journal.record_event(T0 + 6, Tick())
        journal.record_event(T0 + 7, Quote("B", 2.0, 7, 2.1, 1, T0 + 7))
    written = [(r.ts, r.item) for r in Journal.open(path, readonly=True).records()]
    assert written == [
        (T0, a1), (T0 + 1, b1), (T0 + 2, Tick()), (T0 + 3, a2), (T0 + 4, Tick()),
        (T0 + 5, VenueMassStatusRequest("MS-1")),
        # close wrote what was still pending
        (T0 + 6, Tick()), (T0 + 7, Quote("B", 2.0, 7, 2.1, 1, T0 + 7)),
    ]


def test_waiting_quotes_are_committed_on_their_own_once_the_buffer_is_full(tmp_path: Path) -> None:
    with Journal.open(journal_path(tmp_path)) as journal:
        for n in range(LAZY_LIMIT + 10):
            journal.record_event(T0 + n, Quote("A", 1.0, n + 1, 1.1, 1, T0 + n))
        assert len(list(journal.records())) == LAZY_LIMIT
        assert len(journal.commit_latencies()) == 1


def test_a_tick_that_carries_overruns_is_durable_at_once(tmp_path: Path) -> None:
    with Journal.open(journal_path(tmp_path)) as journal:
        journal.record_event(T0, Quote("A", 1.0, 1, 1.1, 1, T0))
        over = Tick((DecisionOverrun("P1", 0.31),))
        journal.record_event(T0 + 1, over)
        assert [r.item for r in journal.records()] == [Quote("A", 1.0, 1, 1.1, 1, T0), over]


def test_pending_quotes_are_lost_without_close_but_committed_records_are_not(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import os, sys
        from pathlib import Path
        from agent.core.events import Quote, ShutdownRequested
        from agent.journal.journal import Journal
        journal = Journal.open(Path(sys.argv[1]))
        journal.set_counters({"parents": 3})
        journal.record_event(1.0, ShutdownRequested("x"))
        journal.set_counters({"parents": 4})
        journal.record_event(2.0, Quote("A", 1.0, 1, 1.1, 1, 2.0))
        os._exit(0)  # a crash: no close, no flush
    """)
    path = journal_path(tmp_path)
    subprocess.run([sys.executable, "-c", script, str(path)], cwd=REPO, check=True, timeout=60)
    with Journal.open(path) as journal:
        assert [r.type_name for r in journal.records()] == ["ShutdownRequested"]
        assert journal.counters() == {"parents": 3}


# ---------------------------------------------------------------------- counters, versions, bad files

def test_counters_are_committed_with_the_next_write(tmp_path: Path) -> None:
    path = journal_path(tmp_path)
    with Journal.open(path) as journal:
        journal.set_counters({"parents": 1, "children": 4})
        assert journal.counters() == {}
        journal.record_command(T0, VenueMassStatusRequest("MS-1"))
        assert journal.counters() == {"parents": 1, "children": 4}
        journal.set_counters({"children": 5})
        journal.flush()
        assert journal.counters() == {"parents": 1, "children": 5}
        with pytest.raises(TypeError, match="counter 'parents' must be an int"):
            journal.set_counters({"parents": 1.5})  # type: ignore[dict-item]
    assert Journal.open(path, readonly=True).counters() == {"parents": 1, "children": 5}


def test_a_journal_from_a_newer_footprint_is_refused(tmp_path: Path) -> None:
    path = journal_path(tmp_path)
    Journal.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    for readonly in (False, True):
        with pytest.raises(JournalVersionError) as caught:
            Journal.open(path, readonly=readonly)
        message = str(caught.value)
        assert f"version {SCHEMA_VERSION + 1}" in message and f"footprint's {SCHEMA_VERSION}" in message
        assert "a newer footprint wrote it" in message


def test_missing_and_corrupt_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(JournalNotFoundError, match="no journal at"):
        Journal.open(tmp_path / "absent" / "journal.sqlite", readonly=True)
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not SQLite" * 100)
    for readonly in (False, True):
        with pytest.raises(JournalCorruptError, match=r"garbage\.sqlite: not a footprint journal"):
            Journal.open(garbage, readonly=readonly)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(JournalCorruptError, match="without its meta table"):
        Journal.open(other)
    path = journal_path(tmp_path)
    with Journal.open(path) as journal:
        journal.record_event(T0, Tick())
        journal.record_event(T0, ShutdownRequested())
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE records SET type = 'Teleport' WHERE seq = 2")
    with pytest.raises(JournalCorruptError, match=r"record 2 \(Teleport\): unknown type name"):
        list(Journal.open(path, readonly=True).records())


def test_a_reader_cannot_write(tmp_path: Path) -> None:
    path = journal_path(tmp_path)
    Journal.open(path).close()
    with Journal.open(path, readonly=True) as journal, pytest.raises(Exception, match="opened read-only"):
        journal.record_event(T0, ShutdownRequested())


# ---------------------------------------------------------------------- parent attribution

def test_child_cl_ord_ids_name_their_parent() -> None:
    assert child_parent(f"{P1}-C12") == P1
    assert child_parent(f"{P1}-C") is None and child_parent("OMS-1") is None and child_parent(None) is None
    assert child_parent("a-Cx-C3") == "a-Cx"


def _one_parent_story(journal: Journal) -> None:
    """Two parents: P1 accepted, one child partly filled, replaced by the OMS, then cancelled; P2 rejected."""
    c1, c2 = f"{P1}-C1", f"{P1}-C2"
    journal.record_event(T0, OmsSessionState(S, True))
    journal.record_event(T0 + 0.5, Quote("CRYPTOALPHA", 101.1, 300, 101.3, 200, T0 + 0.5))
    journal.record_event(T0 + 1, _new_order())
    journal.record_command(T0 + 1, _parent_report(ExecType.NEW, OrdStatus.NEW))
    journal.record_command(T0 + 2, VenueNewOrder(c1, "CRYPTOALPHA", "1", 400, "101.20", ChildTif.DAY))
    journal.record_event(T0 + 2.1, _fill(c1, 150, 150, 250))
    journal.record_command(T0 + 2.1, _parent_report(ExecType.TRADE, OrdStatus.PARTIALLY_FILLED, cum=150,
                                                    last_qty=150, last_px=101.2))
    journal.record_event(T0 + 3, ReplaceRequest(S, "OMS-2", "OMS-1", "CRYPTOALPHA", "1", "800", "2", "101.25",
                                                None))
    journal.record_command(T0 + 3, _parent_report(ExecType.REPLACED, OrdStatus.PARTIALLY_FILLED, cl_ord_id="OMS-2",
                                                  orig="OMS-1", cum=150, qty=800))
    journal.record_event(T0 + 4, NewOrderRequest(S, "OMS-7", "CRYPTOALPHA", "2", "-5", "1", None, None, T0, None,
                                                 None, None, None))
    journal.record_command(T0 + 4, ParentExecReport(
        S, "NONE", "OMS-7", "E-9", ExecType.REJECTED, "8", "CRYPTOALPHA", "2", 0, 0, 0, 0.0, T0 + 4, 2,
        ord_rej_reason=OrdRejReason.INCORRECT_QUANTITY, text="OrderQty must be > 0"))
    journal.record_event(T0 + 5, CancelRequest(S, "OMS-3", "OMS-2", "CRYPTOALPHA", "1"))
    journal.record_command(T0 + 5, VenueCancel(c2, c1, "CRYPTOALPHA", "1", 250))
    journal.record_event(T0 + 5.2, SendFailed(VenueCancel(c2, c1, "CRYPTOALPHA", "1", 250), "venue down"))
    journal.record_event(T0 + 6, VenueExecReport(c2, c1, "V-9", "VE-9", ExecType.CANCELED.value,
                                                 OrdStatus.CANCELED.value, "CRYPTOALPHA", "1", 0, 0.0, 150, 0, 101.2,
                                                 None))
    journal.record_command(T0 + 6, _parent_report(ExecType.CANCELED, OrdStatus.CANCELED, cl_ord_id="OMS-3",
                                                  orig="OMS-2", cum=150, qty=800))
    journal.record_event(T0 + 7, _new_order("OMS-8", "50"))
    journal.record_command(T0 + 7, _parent_report(ExecType.NEW, OrdStatus.NEW, order_id=P2, cl_ord_id="OMS-8",
                                                  qty=50))
    journal.record_command(T0 + 8, VenueMassStatusRequest("MS-1"))


def test_records_are_attributed_to_their_parent(tmp_path: Path) -> None:
    with Journal.open(journal_path(tmp_path)) as journal:
        _one_parent_story(journal)
        p1 = [r.type_name for r in journal.records(parent_id=P1)]
        by_type = {r.type_name: r.parent_id for r in journal.records() if r.type_name in (
            "OmsSessionState", "Quote", "VenueMassStatusRequest")}
        rejected = [r.parent_id for r in journal.records() if r.ts == T0 + 4]
        p2 = [r.type_name for r in journal.records(parent_id=P2)]
        assert journal.parents_of("OMS-2") == [P1] and journal.parents_of("OMS-7") == []
    # The new order was journaled before its OrderID existed; our first answer attributed it.
    assert p1 == ["NewOrderRequest", "ParentExecReport", "VenueNewOrder", "VenueExecReport", "ParentExecReport",
                  "ReplaceRequest", "ParentExecReport", "CancelRequest", "VenueCancel", "SendFailed",
                  "VenueExecReport", "ParentExecReport"]
    assert p2 == ["NewOrderRequest", "ParentExecReport"]
    assert by_type == {"OmsSessionState": None, "Quote": None, "VenueMassStatusRequest": None}
    assert rejected == [None, None]


# ---------------------------------------------------------------------- footprint journal show

def _story_state_dir(tmp_path: Path) -> Path:
    state = tmp_path / "state"
    with Journal.open(journal_path(state)) as journal:
        _one_parent_story(journal)
    return state


def test_show_lists_one_line_per_parent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = _story_state_dir(tmp_path)
    assert main(["journal", "show", "--state-dir", str(state)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["OrderID", "ClOrdID", "Symbol", "Side", "OrderQty", "CumQty", "OrdStatus",
                                "Children"]
    assert lines[1].split() == [P1, "OMS-3", "CRYPTOALPHA", "BUY", "800", "150", "CANCELED", "1"]
    assert lines[2].split() == [P2, "OMS-8", "CRYPTOALPHA", "BUY", "50", "0", "NEW", "0"]
    assert len(lines) == 3
    # aligned: every column starts at the same place on every line
    assert len({line.index("CRYPTOALPHA") for line in lines[1:]} | {lines[0].index("Symbol")}) == 1


def test_show_prints_a_parents_history_by_any_of_its_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = _story_state_dir(tmp_path)
    assert main(["journal", "show", "--state-dir", str(state), "--parent", P1]) == 0
    by_order_id = capsys.readouterr().out
    assert main(["journal", "show", "--state-dir", str(state), "--parent", "OMS-2"]) == 0
    assert capsys.readouterr().out == by_order_id
    lines = by_order_id.splitlines()
    assert lines[0].split() == ["Time", "(UTC)", "Dir", "Type", "Summary"]
    assert len(lines) == 13
    assert lines[1].startswith("2023-11-14T22:13:21.000Z  in   NewOrderRequest ")
    assert "ClOrdID=OMS-1 Side=BUY OrderQty=1000 Symbol=CRYPTOALPHA" in lines[1]
    fill = lines[4]
    assert fill.startswith("2023-11-14T22:13:22.100Z  in   VenueExecReport ")
    assert f"ExecType=TRADE OrdStatus=PARTIALLY_FILLED ClOrdID={P1}-C1 LastQty=150 LastPx=101.2 CumQty=150" in fill
    assert "out  ParentExecReport  ExecType=CANCELED OrdStatus=CANCELED ClOrdID=OMS-3 OrigClOrdID=OMS-2" in lines[12]
    assert f"SendFailed        VenueCancel ClOrdID={P1}-C2" in lines[10] and lines[10].endswith(": venue down")


def test_show_refuses_unknown_parents_missing_journals_and_newer_schemas(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = _story_state_dir(tmp_path)
    assert main(["journal", "show", "--state-dir", str(state), "--parent", "OMS-404"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("footprint journal: no parent OMS-404 in ") and err.count("\n") == 1
    assert main(["journal", "show", "--state-dir", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err.startswith("footprint journal: no journal at ")
    with sqlite3.connect(journal_path(state)) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    assert main(["journal", "show", "--state-dir", str(state)]) == 2
    err = capsys.readouterr().err
    assert "journal schema version 99 is newer than this footprint's 1" in err and err.count("\n") == 1


def test_show_runs_as_a_command_with_the_configs_state_dir(tmp_path: Path) -> None:
    state = _story_state_dir(tmp_path)
    config = tmp_path / "agent.toml"
    config.write_text(f'state_dir = "{state}"\n')
    done = subprocess.run([sys.executable, "-m", "agent.cli", "journal", "show", "--config", str(config)],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].split()[0] == P1
