"""Parquet export of a tape: the documented columns, our fills, and an exact round trip."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simulator.tape_export as tape_export
from simulator.tape import Feed, FeedCode, OrderEvents, OrderKind, Quotes, Snapshots, Tape, Trades
from simulator.tape_export import COLUMNS, FILLS, columns_markdown, read_tape, write_tape


def _tape(with_orders: bool = True, with_feed: bool = True) -> Tape:
    f, i, i8, b = np.float64, np.int64, np.int8, np.bool_
    return Tape(
        symbol="ACME", start=1_704_205_800.0, end=1_704_229_200.0, quote_interval_s=1.0, snapshot_interval_s=60.0,
        trades=Trades(np.array([1.0, 2.5, 3.0], f), np.array([50.01, 50.02, 49.99], f), np.array([100, 300, 200], i),
                      np.array([1, 1, -1], i8), np.array([False, True, False], b)),
        quotes=Quotes(np.array([0.0, 1.0], f), np.array([49.99, np.nan], f), np.array([50.01, 50.02], f),
                      np.array([500, 0], i), np.array([700, 800], i)),
        snapshots=Snapshots(np.array([0.0, 0.0], f), np.array([1, -1], i8), np.array([0, 0], i),
                            np.array([49.99, 50.01], f), np.array([500, 700], i)),
        orders=OrderEvents(np.array([0.1, 0.2], f), np.array([OrderKind.LIMIT, OrderKind.MARKET], i8),
                           np.array([1, -1], i8), np.array([49.98, np.nan], f), np.array([100, 200], i))
        if with_orders else None,
        feed=Feed(np.array([0.5, 2.0], f), np.array([FeedCode.HEADLINE, FeedCode.ONCHAIN], i8),
                  np.array([0.6234, -1.0], f), np.array([0, 250_000], i),
                  np.array(["ACME: scheduled release in 10m, sentiment +0.62", "ACME: 250,000 moved to exchanges"],
                           np.object_))
        if with_feed else None,
    )  # fmt: skip


def _assert_same(a: Tape, b: Tape) -> None:
    assert (a.symbol, a.start, a.end, a.quote_interval_s, a.snapshot_interval_s) == (
        b.symbol, b.start, b.end, b.quote_interval_s, b.snapshot_interval_s)  # fmt: skip
    for table in ("trades", "quotes", "snapshots", "orders", "feed"):
        x, y = getattr(a, table), getattr(b, table)
        assert (x is None) == (y is None), table
        if x is None:
            continue
        for column in COLUMNS[table]:
            got, want = getattr(y, column), getattr(x, column)
            assert got.dtype == want.dtype, (table, column)
            np.testing.assert_array_equal(got, want, err_msg=f"{table}.{column}")


def test_a_tape_round_trips_through_parquet_exactly(tmp_path: Path) -> None:
    tape = _tape()
    paths = write_tape(tape, tmp_path / "day")
    assert sorted(p.name for p in paths) == sorted(
        ["trades.parquet", "fills.parquet", "quotes.parquet", "snapshots.parquet", "orders.parquet", "feed.parquet"])
    _assert_same(tape, read_tape(tmp_path / "day"))


def test_files_carry_exactly_the_documented_columns_and_types(tmp_path: Path) -> None:
    write_tape(_tape(), tmp_path)
    for table, columns in COLUMNS.items():
        schema = pq.read_schema(tmp_path / f"{table}.parquet")
        assert schema.names == list(columns), table
        assert schema.types == [pa.type_for_alias(kind) for kind, _ in columns.values()], table
        assert b"footprint.tape" in schema.metadata


def test_our_fills_are_the_trades_marked_ours(tmp_path: Path) -> None:
    write_tape(_tape(), tmp_path)
    fills = pq.read_table(tmp_path / f"{FILLS}.parquet").to_pydict()
    assert fills == {"time": [2.5], "price": [50.02], "qty": [300], "aggressor": [1], "ours": [True]}


@pytest.mark.parametrize("table", ["orders", "feed"])
def test_a_tape_without_a_table_writes_no_file_for_it_and_clears_a_stale_one(tmp_path: Path, table: str) -> None:
    write_tape(_tape(), tmp_path)
    without = _tape(with_orders=table != "orders", with_feed=table != "feed")
    paths = write_tape(without, tmp_path)
    assert f"{table}.parquet" not in {p.name for p in paths}
    assert not (tmp_path / f"{table}.parquet").exists()
    _assert_same(without, read_tape(tmp_path))


def test_an_empty_feed_round_trips(tmp_path: Path) -> None:
    empty = Feed(np.zeros(0), np.zeros(0, np.int8), np.zeros(0), np.zeros(0, np.int64), np.array([], np.object_))
    tape = dataclasses.replace(_tape(), feed=empty)
    write_tape(tape, tmp_path)
    _assert_same(tape, read_tape(tmp_path))


def test_reading_a_foreign_parquet_file_names_what_is_missing(tmp_path: Path) -> None:
    write_tape(_tape(), tmp_path)
    table = pq.read_table(tmp_path / "trades.parquet").replace_schema_metadata(None)
    pq.write_table(table, tmp_path / "trades.parquet")
    with pytest.raises(ValueError, match="no footprint tape header"):
        read_tape(tmp_path)


def test_the_module_docstring_table_is_the_columns_mapping() -> None:
    assert tape_export.__doc__ is not None
    assert columns_markdown() in tape_export.__doc__
    assert columns_markdown().count("\n") == 2 + sum(len(c) for c in COLUMNS.values())  # + the fills line


@settings(max_examples=25, deadline=None)
@given(
    prices=st.lists(st.one_of(st.floats(0.001, 1e6), st.just(float("nan"))), max_size=30),
    data=st.data(),
)
def test_any_quotes_and_trades_round_trip(prices: list[float], data: st.DataObject) -> None:
    n = len(prices)
    ints = data.draw(st.lists(st.integers(0, 2**62), min_size=n, max_size=n))
    flags = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    p, q = np.array(prices, np.float64), np.array(ints, np.int64)
    side = np.where(flags, 1, -1).astype(np.int8)
    tape = Tape("S", 0.0, 1.0, 1.0, 60.0, Trades(np.arange(n, dtype=np.float64), p, q, side, np.array(flags, np.bool_)),
                Quotes(np.arange(n, dtype=np.float64), p, p, q, q), Snapshots(p, side, q, p, q), None)
    with tempfile.TemporaryDirectory() as directory:
        write_tape(tape, Path(directory))
        _assert_same(tape, read_tape(Path(directory)))
