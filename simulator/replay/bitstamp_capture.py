"""Load the Bitstamp BTC/USD market-by-order capture that ships inside the optional `ob-analytics` package.

Prices become integer ticks of 0.01 USD and volumes integer lots of 1e-8 BTC (one satoshi, Bitstamp's own
precision), so the conversion is exact: a value with more decimals than that raises instead of rounding.
"""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
B = npt.NDArray[np.bool_]

TICK_USD = 0.01
LOT_BTC = 1e-8
PRICE_DECIMALS = 2
VOLUME_DECIMALS = 8

CREATED = 0
CHANGED = 1
DELETED = 2
_ACTIONS = {"created": CREATED, "changed": CHANGED, "deleted": DELETED}

_INSTALL_HINT = "pip install 'footprint[replay]'"


class ReplayDataMissing(RuntimeError):
    """The optional capture is not installed (or is not where the package says it is)."""


@dataclass(frozen=True)
class RecordedTrades:
    """The venue's own trade prints (`trades.csv`), one row per match; taker_buys: the taker was the buyer."""

    exchange_ms: I64
    price_ticks: I64
    qty_lots: I64
    buy_order_id: I64
    sell_order_id: I64
    taker_buys: B

    def __len__(self) -> int:
        return len(self.price_ticks)


@dataclass(frozen=True)
class BitstampCapture:
    """Order events in file order (one row per WebSocket message), the trades, and the capture's metadata.

    The first `snapshot_rows` rows are the collector's synthetic `created` rows for the REST book snapshot.
    """

    order_id: I64
    received_ms: I64
    exchange_ms: I64
    price_ticks: I64
    volume_lots: I64
    action: I8  # CREATED / CHANGED / DELETED
    is_bid: B
    trades: RecordedTrades
    snapshot_rows: int
    meta: dict[str, object]

    def __len__(self) -> int:
        return len(self.order_id)


def capture_dir() -> Path:
    """The folder holding the capture inside the installed `ob-analytics`, or ReplayDataMissing."""
    try:
        import ob_analytics
    except ImportError as exc:
        raise ReplayDataMissing(
            f"the Bitstamp replay needs the optional GPL package ob-analytics: {_INSTALL_HINT}"
        ) from exc
    folder = Path(ob_analytics.sample_data_dir())
    missing = [name for name in ("orders.csv.gz", "trades.csv", "meta.json") if not (folder / name).is_file()]
    if missing:
        raise ReplayDataMissing(
            f"ob-analytics is installed but its sample capture lacks {', '.join(missing)} in {folder}; "
            f"reinstall it: {_INSTALL_HINT}"
        )
    return folder


def load_bitstamp_capture(folder: Path | None = None) -> BitstampCapture:
    """Read orders.csv.gz, trades.csv and meta.json (from the installed package unless `folder` is given)."""
    folder = capture_dir() if folder is None else folder
    meta: dict[str, object] = json.loads((folder / "meta.json").read_text())
    columns: list[list[int]] = [[] for _ in range(7)]
    with gzip.open(folder / "orders.csv.gz", "rt", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        expected = ["id", "timestamp", "exchange_timestamp", "price", "volume", "action", "direction"]
        if header != expected:
            raise ValueError(f"orders.csv.gz columns {header}, expected {expected}")
        for oid, received, exchange, price, volume, action, direction in reader:
            row = (
                int(oid),
                int(received),
                int(exchange),
                to_fixed_point(price, PRICE_DECIMALS),
                to_fixed_point(volume, VOLUME_DECIMALS),
                _ACTIONS[action],
                direction == "bid",
            )
            for column, value in zip(columns, row, strict=True):
                column.append(value)
    snapshot_rows = meta.get("synthetic_created", 0)
    return BitstampCapture(
        order_id=np.array(columns[0], dtype=np.int64),
        received_ms=np.array(columns[1], dtype=np.int64),
        exchange_ms=np.array(columns[2], dtype=np.int64),
        price_ticks=np.array(columns[3], dtype=np.int64),
        volume_lots=np.array(columns[4], dtype=np.int64),
        action=np.array(columns[5], dtype=np.int8),
        is_bid=np.array(columns[6], dtype=np.bool_),
        trades=_load_trades(folder / "trades.csv"),
        snapshot_rows=int(snapshot_rows) if isinstance(snapshot_rows, int) else 0,
        meta=meta,
    )


def to_fixed_point(text: str, decimals: int) -> int:
    """`text` (plain or scientific notation) times 10**decimals as an exact int; more precision raises."""
    if "e" not in text and "E" not in text:
        whole, _, fraction = text.partition(".")
        fraction = fraction.rstrip("0")
        if len(fraction) <= decimals:
            sign = -1 if whole.startswith("-") else 1
            scale: int = 10**decimals
            return int(whole or "0") * scale + sign * int(fraction.ljust(decimals, "0") or "0")
    scaled = Decimal(text).scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{text!r} has more than {decimals} decimals; converting it would lose precision")
    return int(scaled)


def _load_trades(path: Path) -> RecordedTrades:
    exchange_ms: list[int] = []
    price: list[int] = []
    qty: list[int] = []
    buy_id: list[int] = []
    sell_id: list[int] = []
    taker_buys: list[bool] = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            exchange_ms.append(int(row["exchange_timestamp"]))
            price.append(to_fixed_point(row["price"], PRICE_DECIMALS))
            qty.append(to_fixed_point(row["amount"], VOLUME_DECIMALS))
            buy_id.append(int(row["buy_order_id"]))
            sell_id.append(int(row["sell_order_id"]))
            taker_buys.append(row["side"] == "buy")
    return RecordedTrades(
        exchange_ms=np.array(exchange_ms, dtype=np.int64),
        price_ticks=np.array(price, dtype=np.int64),
        qty_lots=np.array(qty, dtype=np.int64),
        buy_order_id=np.array(buy_id, dtype=np.int64),
        sell_order_id=np.array(sell_id, dtype=np.int64),
        taker_buys=np.array(taker_buys, dtype=np.bool_),
    )
