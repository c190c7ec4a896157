"""The order journal: every event in and every command out, in order, in SQLite (WAL, synchronous FULL).

An event is committed when it arrives and a command as an intent before it is sent, so a restart can rebuild
every parent and child by replaying the records through the engine. Quotes and ticks are too frequent to
commit one by one: they wait in memory, in order, and are written with the next durable record, in the same
transaction (or on their own once `LAZY_LIMIT` of them wait). Every one of them is kept, because the engine's
state depends on their history (participation windows, breaker baselines), and a replay must see what the live
engine saw. A crash loses only those after the last commit: none of them had led to a command.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any

from agent.core.commands import Command
from agent.core.events import Event, Quote, Tick
from agent.journal.attribution import aliases, direct_parent, own_oms_key, referenced_oms_key
from agent.journal.codec import COMMAND_TYPES, EVENT_TYPES, Journaled, RecordDecodeError, decode, encode

__all__ = [
    "JOURNAL_FILE",
    "LAZY_LIMIT",
    "SCHEMA_VERSION",
    "Direction",
    "Journal",
    "JournalCorruptError",
    "JournalError",
    "JournalNotFoundError",
    "JournalRecord",
    "JournalVersionError",
    "journal_path",
]

JOURNAL_FILE = "journal.sqlite"
SCHEMA_VERSION = 1
_LATENCY_SAMPLES = 10_000
LAZY_LIMIT = 2_000
"""Quotes and ticks waiting for a commit: once this many wait, they are committed on their own."""
_PAGE = 1_000  # records read per query while streaming

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE records (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        ts REAL NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        type TEXT NOT NULL,
        parent_id TEXT,
        oms_session TEXT,
        oms_cl_ord_id TEXT,
        body TEXT NOT NULL
    )""",
    "CREATE INDEX records_by_parent ON records (parent_id) WHERE parent_id IS NOT NULL",
    # OMS requests waiting for our answer to name their parent; the index shrinks as they are attributed.
    """CREATE INDEX records_unattributed ON records (oms_session, oms_cl_ord_id)
        WHERE parent_id IS NULL AND oms_cl_ord_id IS NOT NULL""",
    """CREATE TABLE oms_orders (
        cl_ord_id TEXT NOT NULL, session TEXT NOT NULL, order_id TEXT NOT NULL, PRIMARY KEY (cl_ord_id, session)
    ) WITHOUT ROWID""",
    "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
)


class JournalError(Exception):
    """The journal cannot be opened, read or written; the message names the file."""


class JournalNotFoundError(JournalError):
    """No journal where one was expected."""


class JournalCorruptError(JournalError):
    """The file is not a footprint journal, or a record in it cannot be read."""


class JournalVersionError(JournalError):
    """The journal's schema is one this footprint cannot read."""


class Direction(StrEnum):
    IN = "in"  # an event the engine was told
    OUT = "out"  # a command the engine sent


@dataclass(frozen=True)
class JournalRecord:
    seq: int
    ts: float  # the engine clock's time
    direction: Direction
    type_name: str
    parent_id: str | None
    item: Journaled


def journal_path(state_dir: Path) -> Path:
    """Where the journal lives in a state folder."""
    return state_dir / JOURNAL_FILE


class _Reservoir:
    """A uniform sample of a stream of numbers in bounded memory (Vitter's algorithm R), seeded."""

    def __init__(self, capacity: int, seed: int = 0) -> None:
        self._capacity = capacity
        self._seen = 0
        self._values: list[float] = []
        self._rng = random.Random(seed)

    def add(self, value: float) -> None:
        self._seen += 1
        if len(self._values) < self._capacity:
            self._values.append(value)
        else:
            slot = self._rng.randrange(self._seen)
            if slot < self._capacity:
                self._values[slot] = value

    def values(self) -> list[float]:
        return list(self._values)


class Journal:
    """One journal file, opened by one writer (the agent) and any number of readers."""

    def __init__(self, conn: sqlite3.Connection, path: Path, readonly: bool) -> None:
        self._conn = conn
        self.path = path
        self.readonly = readonly
        self._lazy: list[tuple[float, Quote | Tick]] = []
        self._staged_counters: dict[str, int] = {}
        self._latencies = _Reservoir(_LATENCY_SAMPLES)
        self._closed = False

    # ------------------------------------------------------------------ opening and closing

    @classmethod
    def open(cls, path: Path, *, readonly: bool = False) -> Journal:
        """Open the journal file at `path`; a writer creates it (and its folder) when absent, a reader refuses."""
        if readonly and not path.is_file():
            raise JournalNotFoundError(f"no journal at {path}")
        if path.is_dir():
            raise JournalError(f"{path} is a folder, not a journal file")
        try:
            if readonly:
                conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise JournalError(f"{path}: cannot open: {exc}") from exc
        try:
            cls._prepare(conn, path, readonly)
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, readonly)

    @staticmethod
    def _prepare(conn: sqlite3.Connection, path: Path, readonly: bool) -> None:
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise JournalCorruptError(f"{path}: not a footprint journal ({exc})") from exc
        if tables and "meta" not in tables:
            raise JournalCorruptError(f"{path}: not a footprint journal (an SQLite file without its meta table)")
        if tables:
            _check_version(conn, path)
        elif readonly:
            raise JournalCorruptError(f"{path}: not a footprint journal (an empty file)")
        if readonly:
            return
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("BEGIN IMMEDIATE")
            # Another process may have created it since we looked.
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone() is None:
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
                    ("schema_version", str(SCHEMA_VERSION)),
                    # Milliseconds since the epoch in hex: distinct for every journal ever created on this desk.
                    ("instance_prefix", format(time.time_ns() // 1_000_000, "x")),
                ])
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise JournalError(f"{path}: cannot initialise the journal: {exc}") from exc
        _check_version(conn, path)

    def close(self) -> None:
        """Write what is pending (latest quotes, tick, counters) and close the file."""
        if self._closed:
            return
        try:
            if not self.readonly:
                self.flush()
        finally:
            self._closed = True
            self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # ------------------------------------------------------------------ writing

    def record_event(self, ts: float, event: Event) -> None:
        """Journal an event at clock time `ts`: committed before return, except quotes and ticks (see module)."""
        if type(event).__name__ not in EVENT_TYPES:
            raise TypeError(f"{type(event).__qualname__} is not an event")
        self._writable()
        if isinstance(event, Quote) or (isinstance(event, Tick) and not event.overruns):
            self._lazy.append((ts, event))
            if len(self._lazy) >= LAZY_LIMIT:
                self._write([])
        else:
            self._write([(ts, Direction.IN, event)])

    def record_command(self, ts: float, command: Command) -> None:
        """Journal a command's intent at clock time `ts`; committed before return, so send it only after."""
        self.record_commands(ts, [command])

    def record_commands(self, ts: float, commands: Sequence[Command]) -> None:
        """Journal the intents of several commands in one transaction (one fsync); committed before return."""
        for command in commands:
            if type(command).__name__ not in COMMAND_TYPES:
                raise TypeError(f"{type(command).__qualname__} is not a command")
        self._writable()
        self._write([(ts, Direction.OUT, command) for command in commands])

    def set_counters(self, values: Mapping[str, int]) -> None:
        """Counters to store with the next commit (a durable record, `flush` or `close`)."""
        self._writable()
        for name, value in values.items():
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"counter {name!r} must be an int, got {value!r}")
        self._staged_counters.update(values)

    def flush(self) -> None:
        """Commit the pending quotes, ticks and counters now."""
        self._writable()
        if self._lazy or self._staged_counters:
            self._write([])

    def _writable(self) -> None:
        if self._closed:
            raise JournalError(f"{self.path}: the journal is closed")
        if self.readonly:
            raise JournalError(f"{self.path}: opened read-only")

    def _write(self, durable: list[tuple[float, Direction, Journaled]]) -> None:
        """One transaction: the pending quotes and tick in arrival order, then `durable`, then the counters."""
        batch: list[tuple[float, Direction, Journaled]] = [(t, Direction.IN, obj) for t, obj in self._lazy]
        batch.extend(durable)
        encoded = [(t, d, obj, *encode(obj)) for t, d, obj in batch]  # before the transaction: may raise
        counters = list(self._staged_counters.items())
        conn = self._conn
        started = time.perf_counter()
        try:
            conn.execute("BEGIN IMMEDIATE")
            for t, d, obj, type_name, body in encoded:
                self._insert(t, d, obj, type_name, body)
            if counters:
                conn.executemany("INSERT INTO counters (name, value) VALUES (?, ?) "
                                 "ON CONFLICT (name) DO UPDATE SET value = excluded.value", counters)
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise JournalError(f"{self.path}: write failed: {exc}") from exc
        self._latencies.add(time.perf_counter() - started)
        self._lazy.clear()
        self._staged_counters.clear()

    def _insert(self, ts: float, direction: Direction, item: Journaled, type_name: str, body: str) -> None:
        conn = self._conn
        parent = direct_parent(item)
        if parent is None and (ref := referenced_oms_key(item)) is not None:
            row = conn.execute("SELECT order_id FROM oms_orders WHERE cl_ord_id = ? AND session = ?",
                               (ref[1], ref[0])).fetchone()
            parent = row[0] if row else None
        own = own_oms_key(item)
        conn.execute(
            "INSERT INTO records (ts, direction, type, parent_id, oms_session, oms_cl_ord_id, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (ts, direction.value, type_name, parent, own[0] if own else None, own[1] if own else None, body))
        for (session, cl_ord_id), order_id in aliases(item):
            conn.execute("INSERT OR IGNORE INTO oms_orders (cl_ord_id, session, order_id) VALUES (?, ?, ?)",
                         (cl_ord_id, session, order_id))
            # Requests journaled before we knew their parent (a new order, before our first answer).
            conn.execute("UPDATE records SET parent_id = ? WHERE parent_id IS NULL AND oms_cl_ord_id IS NOT NULL "
                         "AND oms_session = ? AND oms_cl_ord_id = ?", (order_id, session, cl_ord_id))

    # ------------------------------------------------------------------ reading

    def records(self, after_seq: int = 0, *, parent_id: str | None = None,
                types: tuple[str, ...] = ()) -> Iterator[JournalRecord]:
        """Committed records after `after_seq` in order, read a page at a time; optionally one parent's, or some
        types only."""
        where = ["seq > ?"]
        filters: list[Any] = []
        if parent_id is not None:
            where.append("parent_id = ?")
            filters.append(parent_id)
        if types:
            where.append(f"type IN ({', '.join('?' * len(types))})")
            filters.extend(types)
        query = (f"SELECT seq, ts, direction, type, parent_id, body FROM records WHERE {' AND '.join(where)} "
                 f"ORDER BY seq LIMIT {_PAGE}")
        last = after_seq
        while True:
            rows = self._query(query, (last, *filters))
            for seq, ts, direction, type_name, parent, body in rows:
                try:
                    item = decode(type_name, body, seq=seq)
                except RecordDecodeError as exc:
                    raise JournalCorruptError(f"{self.path}: {exc}") from exc
                yield JournalRecord(seq, ts, Direction(direction), type_name, parent, item)
            if len(rows) < _PAGE:
                return
            last = rows[-1][0]

    def last_seq(self) -> int:
        """The sequence number of the last committed record, 0 when there is none."""
        return int(self._query("SELECT COALESCE(MAX(seq), 0) FROM records", ())[0][0])

    def counters(self) -> dict[str, int]:
        """The committed counters."""
        return {name: int(value) for name, value in self._query("SELECT name, value FROM counters", ())}

    def prefix(self) -> str:
        """This journal's instance prefix, made once when the journal was created."""
        return self._meta("instance_prefix")

    def parents_of(self, oms_cl_ord_id: str) -> list[str]:
        """The OrderIDs an OMS ClOrdID was mapped to (in any session)."""
        rows = self._query("SELECT DISTINCT order_id FROM oms_orders WHERE cl_ord_id = ? ORDER BY order_id",
                           (oms_cl_ord_id,))
        return [row[0] for row in rows]

    def has_parent(self, parent_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM records WHERE parent_id = ? LIMIT 1", (parent_id,)))

    def commit_latencies(self) -> list[float]:
        """Seconds each write transaction took (begin to fsynced commit), a bounded uniform sample."""
        return self._latencies.values()

    def _meta(self, key: str) -> str:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        if not rows:
            raise JournalCorruptError(f"{self.path}: meta has no {key}")
        return str(rows[0][0])

    def _query(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        if self._closed:
            raise JournalError(f"{self.path}: the journal is closed")
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise JournalCorruptError(f"{self.path}: cannot read: {exc}") from exc


def _check_version(conn: sqlite3.Connection, path: Path) -> None:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise JournalCorruptError(f"{path}: not a footprint journal ({exc})") from exc
    if row is None or not str(row[0]).isdigit():
        raise JournalCorruptError(f"{path}: not a footprint journal (no schema_version in meta)")
    version = int(row[0])
    if version > SCHEMA_VERSION:
        raise JournalVersionError(f"{path}: journal schema version {version} is newer than this footprint's "
                                  f"{SCHEMA_VERSION}: a newer footprint wrote it; upgrade to read it")
    if version < SCHEMA_VERSION:
        raise JournalVersionError(f"{path}: journal schema version {version} is older than this footprint's "
                                  f"{SCHEMA_VERSION} and no migration exists")
