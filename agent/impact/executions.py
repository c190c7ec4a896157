"""A desk's own executions as impact training data: `footprint data executions`.

Three files, CSV or Parquet (by extension), with a header row; times are epoch seconds or ISO-8601 (UTC when no
offset is given):

- parents: `parent_id, symbol, side (buy|sell), qty, start, end, strategy (TWAP|VWAP|IS), adv, daily_vol`, and
  optionally `aggression` (passive|balanced|aggressive, default balanced), `urgency` (IS's κT, default 0), `group`
  (what evaluation holds out together, like a scenario; default the symbol), and the symbol's trading session
  `session_open_utc` (HH:MM) with `session_hours` (default: around the clock);
- fills: `parent_id, time, qty, price`;
- snapshots: `symbol, time, bid_px, bid_qty, ask_px, ask_qty, volume` (the venue's cumulative traded volume), and
  optionally deeper levels `bid_px_2, bid_qty_2, ask_px_2, ask_qty_2` up to 5, `implied_vol` (the symbol's
  implied volatility then, annualised, 0.76 = 76%; blank when there is none) and `signed_volume` (of the cumulative
  volume, bought minus sold by the aggressor, when the venue's trades say; the model's takers' flow features fall
  back to the volume classified from mid moves without it).

Each parent becomes one record of the same shape `footprint data impact` writes: the features at its start from a
market view fed with the symbol's snapshots (the same `impact_features` as everywhere), and its outcomes from its
fills against the snapshots' mids. A desk has no counterfactual, so `impact_bps` is the realised shortfall and
`permanent_impact_bps` the realised permanent move (timing noise included), and `counterfactual` is 0. Every bad row
is reported by file, line and field, and nothing is written until every row is good.
"""

from __future__ import annotations

import bisect
import csv
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pyarrow.parquet as pq

from agent.impact.impact_runs import MidPath, fill_cost_bps
from strategies.impact.features import FEATURE_NAMES, STRATEGY_NAMES, OrderSpec, SymbolHistory, impact_features
from strategies.market_view import MarketView
from strategies.schedules.vwap import VolumeProfile
from strategies.shapes import TradingSession
from strategies.twap import AGGRESSIONS
from strategies.types import QUOTE_LEVELS, News, Quote, Side

MAX_REPORTED = 50
REVERSION_S = 900.0


class ExecutionsError(ValueError):
    """The files cannot be read as executions; `problems` lists every bad row by file, line and field."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:MAX_REPORTED]
        more = f"\n... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        super().__init__(f"{len(problems)} problem(s):\n" + "\n".join(shown) + more)
        self.problems = problems


@dataclass(frozen=True)
class DeskParent:
    parent_id: str
    symbol: str
    side: Side
    qty: float
    start: float
    end: float
    strategy: str
    adv: float
    daily_vol: float
    aggression: str
    urgency: float
    group: str
    session: TradingSession | None
    index: int  # its place in the parents file: every k-th calibrates in training, as seeds do for simulated data


def read_table(path: Path) -> list[dict[str, str]]:
    """Rows as text by column name, from CSV or Parquet; ExecutionsError when the file cannot be read."""
    try:
        if path.suffix.lower() == ".parquet":
            return [{k: "" if v is None else str(v) for k, v in row.items()} for row in pq.read_table(path).to_pylist()]
        with path.open(newline="", encoding="utf-8") as f:
            return [dict(row) for row in csv.DictReader(f)]
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ExecutionsError([f"{path}: cannot read it: {exc}"]) from exc


class _Rows:
    """Reads typed fields from one file's rows, noting each problem by file, line and field."""

    def __init__(self, path: Path, rows: list[dict[str, str]], required: Iterable[str],
                 problems: list[str]) -> None:  # fmt: skip
        self.name = path.name
        self.rows = rows
        self.problems = problems
        header = set(rows[0]) if rows else set()
        missing = [c for c in required if c not in header]
        if not rows:
            problems.append(f"{self.name}: no rows")
        elif missing:
            problems.append(f"{self.name}: missing column(s) {', '.join(missing)}")
            self.rows = []

    def get(self, line: int, row: Mapping[str, str], name: str, parse: Callable[[str], Any], what: str,
            default: Any = None) -> Any:
        text = (row.get(name) or "").strip()
        if not text and default is not None:
            return default
        try:
            return parse(text)
        except (ValueError, OverflowError):
            self.problems.append(f"{self.name} line {line}, field {name}: {what}, got {text!r}")
            return None


def _positive(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(text)
    return value


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _non_negative(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(text)
    return value


def _time(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
        value = (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp()
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _choice(options: Iterable[str]) -> Callable[[str], str]:
    known = tuple(options)

    def parse(text: str) -> str:
        if text not in known:
            raise ValueError(text)
        return text

    return parse


def _nonempty(text: str) -> str:
    if not text:
        raise ValueError(text)
    return text


def read_parents(path: Path, problems: list[str]) -> list[DeskParent]:
    rows = _Rows(path, read_table(path), ("parent_id", "symbol", "side", "qty", "start", "end", "strategy", "adv",
                                          "daily_vol"), problems)
    out: list[DeskParent] = []
    seen: set[str] = set()
    for line, row in enumerate(rows.rows, start=2):
        values = {
            "parent_id": rows.get(line, row, "parent_id", _nonempty, "must not be empty"),
            "symbol": rows.get(line, row, "symbol", _nonempty, "must not be empty"),
            "side": rows.get(line, row, "side", _choice(("buy", "sell")), "must be buy or sell"),
            "qty": rows.get(line, row, "qty", _positive, "must be a number > 0"),
            "start": rows.get(line, row, "start", _time, "must be epoch seconds or an ISO-8601 time"),
            "end": rows.get(line, row, "end", _time, "must be epoch seconds or an ISO-8601 time"),
            "strategy": rows.get(line, row, "strategy", _choice(STRATEGY_NAMES),
                                 f"must be one of {', '.join(STRATEGY_NAMES)}"),
            "adv": rows.get(line, row, "adv", _positive, "must be a number > 0"),
            "daily_vol": rows.get(line, row, "daily_vol", _positive, "must be a fraction > 0 (0.02 = 2%)"),
            "aggression": rows.get(line, row, "aggression", _choice(AGGRESSIONS),
                                   f"must be one of {', '.join(AGGRESSIONS)}", "balanced"),
            "urgency": rows.get(line, row, "urgency", _non_negative, "must be a number >= 0", 0.0),
        }
        session = _session(rows, line, row)
        if any(v is None for v in values.values()) or session is False:
            continue
        if values["end"] <= values["start"]:
            problems.append(f"{rows.name} line {line}, field end: must be after start")
            continue
        if values["parent_id"] in seen:
            problems.append(f"{rows.name} line {line}, field parent_id: {values['parent_id']!r} appears twice")
            continue
        seen.add(values["parent_id"])
        group = (row.get("group") or "").strip() or values["symbol"]
        out.append(DeskParent(values["parent_id"], values["symbol"], Side.BUY if values["side"] == "buy" else Side.SELL,
                              values["qty"], values["start"], values["end"], values["strategy"], values["adv"],
                              values["daily_vol"], values["aggression"], values["urgency"], group,
                              session, len(out)))
    return out


def _session(rows: _Rows, line: int, row: Mapping[str, str]) -> TradingSession | Literal[False] | None:
    """The parent's trading session from its optional columns; None without them, False (noted) when bad."""
    opens = (row.get("session_open_utc") or "").strip()
    hours = (row.get("session_hours") or "").strip()
    if not opens and not hours:
        return None
    match = re.fullmatch(r"([01][0-9]|2[0-3]):([0-5][0-9])", opens)
    if match is None:
        rows.problems.append(f"{rows.name} line {line}, field session_open_utc: must be HH:MM (UTC), got {opens!r}")
        return False
    length = rows.get(line, row, "session_hours", _positive, "must be hours in (0, 24]")
    if length is None:
        return False
    if length > 24:
        rows.problems.append(f"{rows.name} line {line}, field session_hours: must be hours in (0, 24], got {hours!r}")
        return False
    session_s = length * 3600.0
    return TradingSession(int(match[1]) * 3600.0 + int(match[2]) * 60.0,
                          VolumeProfile((0.0,), (1.0,), session_s))


def read_fills(path: Path, parents: Mapping[str, DeskParent], problems: list[str]
               ) -> dict[str, list[tuple[float, float, float]]]:
    rows = _Rows(path, read_table(path), ("parent_id", "time", "qty", "price"), problems)
    out: dict[str, list[tuple[float, float, float]]] = {}
    for line, row in enumerate(rows.rows, start=2):
        pid = (row.get("parent_id") or "").strip()
        t = rows.get(line, row, "time", _time, "must be epoch seconds or an ISO-8601 time")
        qty = rows.get(line, row, "qty", _positive, "must be a number > 0")
        px = rows.get(line, row, "price", _positive, "must be a number > 0")
        if pid not in parents:
            problems.append(f"{rows.name} line {line}, field parent_id: no parent {pid!r} in the parents file")
            continue
        if None in (t, qty, px):
            continue
        out.setdefault(pid, []).append((t, qty, px))
    return out


@dataclass
class Snapshots:
    """A snapshots file: each symbol's quotes in time, and the implied volatility the rows carrying one gave."""

    quotes: dict[str, list[Quote]]
    implied_vol: dict[str, list[tuple[float, float]]]

    def implied_vol_at(self, symbol: str, t: float) -> tuple[float, float] | None:
        """The symbol's latest (time, implied volatility) at or before `t`; None when no row gave one."""
        updates = self.implied_vol.get(symbol, [])
        i = bisect.bisect_right([u for u, _ in updates], t)
        return updates[i - 1] if i > 0 else None


def read_snapshots(path: Path, problems: list[str]) -> Snapshots:
    rows = _Rows(path, read_table(path), ("symbol", "time", "bid_px", "bid_qty", "ask_px", "ask_qty", "volume"),
                 problems)
    out: dict[str, list[Quote]] = {}
    implied: dict[str, list[tuple[float, float]]] = {}
    for line, row in enumerate(rows.rows, start=2):
        symbol = rows.get(line, row, "symbol", _nonempty, "must not be empty")
        t = rows.get(line, row, "time", _time, "must be epoch seconds or an ISO-8601 time")
        volume = rows.get(line, row, "volume", _non_negative, "must be a number >= 0")
        levels: list[tuple[list[tuple[float, int]], str]] = [([], "bid"), ([], "ask")]
        ok = symbol is not None and t is not None and volume is not None
        for k in range(1, QUOTE_LEVELS + 1):
            suffix = "" if k == 1 else f"_{k}"
            for book, side in levels:
                px_name, qty_name = f"{side}_px{suffix}", f"{side}_qty{suffix}"
                if k > 1 and not (row.get(px_name) or "").strip():
                    continue
                px = rows.get(line, row, px_name, _positive, "must be a price > 0")
                qty = rows.get(line, row, qty_name, _non_negative, "must be a size >= 0")
                if px is None or qty is None:
                    ok = False
                else:
                    book.append((px, int(qty)))
        bids, asks = levels[0][0], levels[1][0]
        if ok and bids and asks and bids[0][0] >= asks[0][0]:
            problems.append(f"{rows.name} line {line}, field ask_px: the book is crossed (bid {bids[0][0]} >= ask "
                            f"{asks[0][0]})")
            ok = False
        iv = None
        if (row.get("implied_vol") or "").strip():
            iv = rows.get(line, row, "implied_vol", _positive, "must be an annualised volatility > 0 (0.76 = 76%)")
            ok = ok and iv is not None
        signed = None
        if (row.get("signed_volume") or "").strip():
            signed = rows.get(line, row, "signed_volume", _number, "must be a number (bought minus sold, cumulative)")
            ok = ok and signed is not None
        if ok:
            out.setdefault(symbol, []).append(Quote(symbol, bids[0][0], bids[0][1], asks[0][0], asks[0][1], t,
                                                    int(volume), tuple(bids), tuple(asks),
                                                    None if signed is None else int(signed)))
            if iv is not None:
                implied.setdefault(symbol, []).append((t, iv))
    for quotes in out.values():
        quotes.sort(key=lambda q: q.timestamp)
    for updates in implied.values():
        updates.sort()
    return Snapshots(out, implied)


def desk_records(parents_path: Path, fills_path: Path, snapshots_path: Path) -> list[dict[str, Any]]:
    """One record per parent, as `footprint data impact` writes them; ExecutionsError listing every bad row."""
    problems: list[str] = []
    parents = read_parents(parents_path, problems)
    by_id = {p.parent_id: p for p in parents}
    fills = read_fills(fills_path, by_id, problems)
    snapshots = read_snapshots(snapshots_path, problems)
    paths = {symbol: _mid_path(quotes) for symbol, quotes in snapshots.quotes.items()}
    records = []
    for p in parents:
        quotes = snapshots.quotes.get(p.symbol, [])
        if not quotes or quotes[0].timestamp > p.start:
            problems.append(f"{parents_path.name}: parent {p.parent_id}: no {p.symbol} snapshot at or before its start")
            continue
        if p.parent_id not in fills:
            problems.append(f"{parents_path.name}: parent {p.parent_id}: no fills")
            continue
        records.append(_record(p, fills[p.parent_id], quotes, paths[p.symbol],
                               snapshots.implied_vol_at(p.symbol, p.start)))
    if problems:
        raise ExecutionsError(problems)
    return records


def _mid_path(quotes: list[Quote]) -> MidPath:
    """A symbol's snapshots as mids in time (every snapshot is two-sided: the reader checks it)."""
    path = MidPath()
    for q in quotes:
        path.add(q.timestamp, q.mid)
    return path


def _record(p: DeskParent, fills: list[tuple[float, float, float]], quotes: list[Quote], mids: MidPath,
            implied_vol: tuple[float, float] | None) -> dict[str, Any]:
    history = SymbolHistory(p.adv, p.daily_vol, p.session)
    view = MarketView(p.symbol, day_s=history.trading_day_s)
    first = bisect.bisect_left(mids.times, p.start - view.memory_s)
    for q in quotes[first:bisect.bisect_right(mids.times, p.start)]:
        view.on_quote(q)
    if implied_vol is not None:
        when, value = implied_vol
        view.on_news(News(p.symbol, when, f"{p.symbol}: implied volatility", implied_vol=value))
    order = OrderSpec(p.side, p.qty, p.end - p.start, p.strategy, AGGRESSIONS[p.aggression],
                      p.urgency if p.strategy == "IS" else 0.0)
    features = impact_features(order, history, view, p.start)

    arrival = mids.at(p.start)
    sign = p.side.sign
    filled = sum(q for _, q, _ in fills)
    total = fill_cost_bps(fills, arrival, sign)
    last_fill = max(t for t, _, _ in fills)
    permanent = sign * (mids.at(max(p.end, last_fill) + REVERSION_S) - arrival) / arrival * 1e4
    record: dict[str, Any] = {
        "run_id": p.index, "parent_id": p.parent_id, "scenario": p.group, "seed": p.index,
        "side": "buy" if p.side is Side.BUY else "sell",
        "q_over_adv": p.qty / p.adv, "horizon_s": p.end - p.start, "start_s": p.start, "strategy": p.strategy,
        "aggression": p.aggression, "urgency": p.urgency, "symbol": p.symbol, "qty": p.qty, "adv": p.adv,
        "daily_vol": p.daily_vol, **dict(zip(FEATURE_NAMES, (float(x) for x in features), strict=True)),
        "filled": filled / p.qty, "arrival_mid": arrival, "total_bps": total,
        "temporary_bps": fill_cost_bps(fills, arrival, sign, mids.at),
        "permanent_bps": permanent, "impact_bps": total, "permanent_impact_bps": permanent, "counterfactual": 0.0,
    }
    return record


def write_desk_dataset(out: Path, records: list[dict[str, Any]], sources: Iterable[Path], command: str) -> None:
    """The records as a dataset folder `footprint train impact` reads, with its card; refuses a non-empty folder."""
    from agent.impact.impact_dataset import PART_GLOB, write_records

    if out.exists() and any(out.glob(PART_GLOB)):
        raise ExecutionsError([f"{out} already holds a dataset: write to a new --out"])
    out.mkdir(parents=True, exist_ok=True)
    write_records(out, records)
    groups: dict[str, int] = {}
    for r in records:
        groups[r["scenario"]] = groups.get(r["scenario"], 0) + 1
    lines = ["# Impact training data from a desk's executions", "",
             f"Made by `{command}` from {', '.join(f'`{s}`' for s in sources)}.", "",
             f"- records: {len(records):,} parents",
             "- by group (held out together in evaluation): "
             + ", ".join(f"{k} {v}" for k, v in sorted(groups.items())),
             "- no counterfactual: `impact_bps` is the realised shortfall and `permanent_impact_bps` the realised "
             "permanent move (timing noise included); `counterfactual` is 0", "",
             "Columns as in `footprint data impact`'s card; the schema of the source files is in "
             "agent/impact/executions.py and the README.", ""]
    (out / "DATASET.md").write_text("\n".join(lines))
