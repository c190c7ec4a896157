"""A session's tape as Parquet files, one per table, and back.

| file | column | type | meaning |
| --- | --- | --- | --- |
| trades.parquet | time | float64 | epoch seconds of the simulated clock |
|  | price | float64 | execution price |
|  | qty | int64 | executed quantity (units) |
|  | aggressor | int8 | +1 a buyer took liquidity, -1 a seller |
|  | ours | bool | one side of the trade was our order |
| fills.parquet | (as trades) | | the trades with ours = true |
| quotes.parquet | time | float64 | sample time, every quote_interval_s |
|  | bid | float64 | best bid, NaN when the side is empty |
|  | ask | float64 | best ask, NaN when the side is empty |
|  | bid_qty | int64 | quantity at the best bid |
|  | ask_qty | int64 | quantity at the best ask |
| snapshots.parquet | time | float64 | snapshot time, every snapshot_interval_s |
|  | side | int8 | +1 bid, -1 ask |
|  | level | int64 | 0 = best |
|  | price | float64 | level price |
|  | qty | int64 | quantity resting at the level |
| orders.parquet | time | float64 | event time; written only when order events were recorded |
|  | kind | int8 | 0 limit, 1 market, 2 cancel |
|  | side | int8 | +1 buy, -1 sell |
|  | price | float64 | limit price, NaN for a market order |
|  | qty | int64 | order or cancelled quantity |
| feed.parquet | time | float64 | publication time; written for a scenario's session (empty when it has no feed) |
|  | kind | int8 | 0 headline, 1 on-chain transfer, 2 implied volatility, 3 calendar entry (values in the text) |
|  | score | float64 | sentiment in [-1, 1], > 0 good for the price; 0 for kinds 2 and 3 |
|  | amount | int64 | units an on-chain event moved; 0 for a headline |
|  | text | string | the headline as published |

Every file carries the tape's header (symbol, start, end, quote and snapshot intervals) as Parquet key-value
metadata under `footprint.tape`, so each file stands alone.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from simulator.tape import Feed, OrderEvents, Quotes, Snapshots, Tape, Trades

_META_KEY = b"footprint.tape"

# table → column → (Arrow type, meaning): the module docstring's table is columns_markdown() of this (a test).
COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "trades": {
        "time": ("float64", "epoch seconds of the simulated clock"),
        "price": ("float64", "execution price"),
        "qty": ("int64", "executed quantity (units)"),
        "aggressor": ("int8", "+1 a buyer took liquidity, -1 a seller"),
        "ours": ("bool", "one side of the trade was our order"),
    },
    "quotes": {
        "time": ("float64", "sample time, every quote_interval_s"),
        "bid": ("float64", "best bid, NaN when the side is empty"),
        "ask": ("float64", "best ask, NaN when the side is empty"),
        "bid_qty": ("int64", "quantity at the best bid"),
        "ask_qty": ("int64", "quantity at the best ask"),
    },
    "snapshots": {
        "time": ("float64", "snapshot time, every snapshot_interval_s"),
        "side": ("int8", "+1 bid, -1 ask"),
        "level": ("int64", "0 = best"),
        "price": ("float64", "level price"),
        "qty": ("int64", "quantity resting at the level"),
    },
    "orders": {
        "time": ("float64", "event time; written only when order events were recorded"),
        "kind": ("int8", "0 limit, 1 market, 2 cancel"),
        "side": ("int8", "+1 buy, -1 sell"),
        "price": ("float64", "limit price, NaN for a market order"),
        "qty": ("int64", "order or cancelled quantity"),
    },
    "feed": {
        "time": ("float64", "publication time; written for a scenario's session (empty when it has no feed)"),
        "kind": ("int8", "0 headline, 1 on-chain transfer, 2 implied volatility, 3 calendar entry "
                         "(values in the text)"),
        "score": ("float64", "sentiment in [-1, 1], > 0 good for the price; 0 for kinds 2 and 3"),
        "amount": ("int64", "units an on-chain event moved; 0 for a headline"),
        "text": ("string", "the headline as published"),
    },
}
FILLS = "fills"  # the trades with ours = true, same columns as trades

_TYPES: dict[str, Any] = {"float64": pa.float64(), "int64": pa.int64(), "int8": pa.int8(), "bool": pa.bool_(),
                          "string": pa.string()}
_NUMPY: dict[str, type[np.generic]] = {"float64": np.float64, "int64": np.int64, "int8": np.int8, "bool": np.bool_,
                                       "string": np.object_}


def columns_markdown() -> str:
    """The column documentation as a markdown table (`file | column | type | meaning`) for the README."""
    lines = ["| file | column | type | meaning |", "| --- | --- | --- | --- |"]
    for table, columns in COLUMNS.items():
        for i, (name, (kind, meaning)) in enumerate(columns.items()):
            lines.append(f"| {f'{table}.parquet' if i == 0 else ''} | {name} | {kind} | {meaning} |")
        if table == "trades":
            lines.append(f"| {FILLS}.parquet | (as trades) | | the trades with ours = true |")
    return "\n".join(lines)


def _header(tape: Tape) -> bytes:
    return json.dumps({
        "symbol": tape.symbol,
        "start": tape.start,
        "end": tape.end,
        "quote_interval_s": tape.quote_interval_s,
        "snapshot_interval_s": tape.snapshot_interval_s,
    }).encode()


def _write(table: str, record: Any, directory: Path, header: bytes, name: str | None = None) -> Path:
    schema = pa.schema([(c, _TYPES[kind]) for c, (kind, _) in COLUMNS[table].items()], metadata={_META_KEY: header})
    arrays = [pa.array(np.asarray(getattr(record, c)), type=schema.field(c).type) for c in COLUMNS[table]]
    path = directory / f"{name or table}.parquet"
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), path)
    return path


def write_tape(tape: Tape, directory: Path) -> list[Path]:
    """Write trades, fills, quotes, snapshots and (when recorded) orders and feed as Parquet files in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    header = _header(tape)
    ours = tape.trades.ours
    fills = Trades(*(getattr(tape.trades, f.name)[ours] for f in fields(Trades)))
    paths = [
        _write("trades", tape.trades, directory, header),
        _write("trades", fills, directory, header, FILLS),
        _write("quotes", tape.quotes, directory, header),
        _write("snapshots", tape.snapshots, directory, header),
    ]
    for table in ("orders", "feed"):
        record = getattr(tape, table)
        if record is not None:
            paths.append(_write(table, record, directory, header))
        else:
            # A stale file from an earlier tape in the same directory would be read back as this tape's.
            (directory / f"{table}.parquet").unlink(missing_ok=True)
    return paths


def _read(table: str, directory: Path) -> dict[str, Any]:
    data = pq.read_table(directory / f"{table}.parquet")
    return {c: data.column(c).to_numpy().astype(_NUMPY[kind], copy=False) for c, (kind, _) in COLUMNS[table].items()}


def read_tape(directory: Path) -> Tape:
    """Read a tape written by `write_tape` (orders and feed are None when their file was not written)."""
    meta = pq.read_schema(directory / "trades.parquet").metadata or {}
    if _META_KEY not in meta:
        raise ValueError(f"{directory / 'trades.parquet'} has no footprint tape header")
    header = json.loads(meta[_META_KEY])
    orders = OrderEvents(**_read("orders", directory)) if (directory / "orders.parquet").exists() else None
    feed = Feed(**_read("feed", directory)) if (directory / "feed.parquet").exists() else None
    return Tape(
        symbol=str(header["symbol"]),
        start=float(header["start"]),
        end=float(header["end"]),
        quote_interval_s=float(header["quote_interval_s"]),
        snapshot_interval_s=float(header["snapshot_interval_s"]),
        trades=Trades(**_read("trades", directory)),
        quotes=Quotes(**_read("quotes", directory)),
        snapshots=Snapshots(**_read("snapshots", directory)),
        orders=orders,
        feed=feed,
    )
