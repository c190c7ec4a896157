"""A desk's own executions through the documented schema: the same features and shortfall as the simulator's own
records of the same parents, and every bad row reported by file, line and field."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from agent.backtest.backtest import BacktestOrder, run_backtest
from agent.cli import main
from agent.impact.executions import ExecutionsError, desk_records
from agent.impact.impact_runs import SIDES, ImpactRun, history_of, lead_in, run_config, run_impact
from agent.impact.impact_training import load_rows
from simulator.scenario import compile_scenario, load_scenario
from simulator.scenario_market import scenario_market
from strategies.impact.features import FEATURE_NAMES
from strategies.market_view import MarketView
from strategies.types import Quote

# Both parents trade in one market, one after the other, as a desk's do: the second starts after the first's
# reversion window, so only the first has a simulated twin without anything of ours before it.
RUNS = [ImpactRun(0, "calm", 101, "buy", 0.005, 600.0, 600.0, "TWAP", "aggressive", 0.0, reversion_s=120.0),
        ImpactRun(1, "calm", 101, "sell", 0.002, 900.0, 2_460.0, "IS", "balanced", 2.0, reversion_s=120.0)]
SNAPSHOT = ["symbol", "time", "bid_px", "bid_qty", "ask_px", "ask_qty", "volume",
            *(f"{s}_{k}_{n}" for n in range(2, 6) for s, k in (("bid", "px"), ("bid", "qty"), ("ask", "px"),
                                                                ("ask", "qty"))), "implied_vol", "signed_volume"]


def _snapshot_row(q: Quote, implied_vol: float | None) -> list[object]:
    deeper: list[object] = []
    for n in range(1, 5):  # levels 2 to 5: bid px, bid qty, ask px, ask qty
        for book in (q.bids, q.asks):
            deeper += [repr(book[n][0]), book[n][1]] if n < len(book) else ["", ""]
    return [q.symbol, repr(q.timestamp), repr(q.bid_px), q.bid_qty, repr(q.ask_px), q.ask_qty, q.volume, *deeper,
            "" if implied_vol is None else repr(implied_vol), "" if q.signed_volume is None else q.signed_volume]


class Recorder(MarketView):
    """A market view that also keeps every quote it is shown, with the implied volatility known then: the desk's
    snapshots."""

    def __init__(self, symbol: str) -> None:
        super().__init__(symbol)
        self.seen: list[tuple[Quote, float | None]] = []

    def _keep(self, quote: Quote) -> None:
        self.seen.append((quote, None if self.implied_vol is None else self.implied_vol[1]))

    def on_quote(self, quote: Quote) -> None:
        self._keep(quote)
        super().on_quote(quote)

    def on_grid(self, quote: Quote) -> None:
        """During the parent: the quotes on the 10-s grid only, as a desk sampling its feed would keep."""
        if quote.timestamp % 10 == 0:
            self._keep(quote)


def desk_files(folder: Path) -> Path:
    """The runs as a desk would record them: parents, their fills, and the venue's snapshots every 10 s."""
    folder.mkdir()
    parents = [["parent_id", "symbol", "side", "qty", "start", "end", "strategy", "adv", "daily_vol", "aggression",
                "urgency"]]
    fills = [["parent_id", "time", "qty", "price"]]
    snapshots: list[list[object]] = [SNAPSHOT]
    compiled = compile_scenario(load_scenario("calm"))
    market = scenario_market(compiled, 101)
    t0 = market.now
    recorder = Recorder("CRYPTOALPHA")
    for run in RUNS:
        cfg = run_config(run, market)
        history = history_of(compiled, cfg)
        start = t0 + run.start_s
        lead_in(market, recorder, start, 10.0)
        qty = round(run.q_over_adv * history.adv)
        result = run_backtest(cfg, market, BacktestOrder("CRYPTOALPHA", SIDES[run.side], qty, run.horizon_s),
                              on_quote=recorder.on_grid)
        end = start + run.horizon_s
        lead_in(market, recorder, max(market.now, end) + 960.0, 10.0)
        parents.append([f"P{run.run_id}", "CRYPTOALPHA", run.side, qty, repr(start), repr(end), run.strategy,
                        history.adv, history.daily_vol, run.aggression, run.urgency])
        fills += [[f"P{run.run_id}", repr(t), q, repr(p)] for t, q, p in result.fills]
    snapshots += [_snapshot_row(q, iv) for q, iv in recorder.seen]
    for name, rows in (("parents.csv", parents), ("fills.csv", fills), ("snapshots.csv", snapshots)):
        with (folder / name).open("w", newline="") as f:
            csv.writer(f).writerows(rows)
    return folder


def test_desk_records_match_the_simulators_own(tmp_path: Path) -> None:
    files = desk_files(tmp_path / "desk")
    records = desk_records(files / "parents.csv", files / "fills.csv", files / "snapshots.csv")
    assert [r["parent_id"] for r in records] == ["P0", "P1"]
    ours = run_impact(RUNS[0])
    desk = records[0]
    # Snapshots every 10 s up to the start are what the simulator's run showed its market view: same features.
    assert [desk[name] for name in FEATURE_NAMES] == pytest.approx([ours[name] for name in FEATURE_NAMES],
                                                                   rel=1e-12, abs=1e-12)
    assert desk["total_bps"] == pytest.approx(ours["total_bps"], abs=1e-9)
    for record in records:
        assert record["filled"] == 1.0 and record["counterfactual"] == 0.0
        assert record["impact_bps"] == record["total_bps"] and record["horizon_days"] > 0
    assert records[1]["urgency"] == 2.0 and records[1]["side"] == -1.0  # the feature: a sell

    out = tmp_path / "dataset"
    argv = ["data", "executions", "--parents", str(files / "parents.csv"), "--fills", str(files / "fills.csv"),
            "--snapshots", str(files / "snapshots.csv"), "--out", str(out)]
    assert main(argv) == 0
    assert len(load_rows(out)) == 2 and "no counterfactual" in (out / "DATASET.md").read_text()
    assert main(argv) == 2  # the folder holds a dataset already: nothing is overwritten


def test_every_bad_row_is_reported_by_file_line_and_field(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "parents.csv").write_text(
        "parent_id,symbol,side,qty,start,end,strategy,adv,daily_vol,session_open_utc,session_hours\n"
        "A,X,buy,100,1000,2000,TWAP,1e6,0.02,,\n"
        "B,X,hold,abc,1000,900,TWAP,1e6,0.02,,\n"
        "C,X,sell,100,2020-01-01T00:00:00,2020-01-01T01:00:00,POV,1e6,0.02,25:00,6.5\n"
        "A,X,buy,100,1000,2000,TWAP,1e6,0.02,,\n")
    (tmp_path / "fills.csv").write_text("parent_id,time,qty,price\nA,1500,100,10.01\nZ,1500,5,10\nA,1600,-1,10\n")
    (tmp_path / "snapshots.csv").write_text("symbol,time,bid_px,bid_qty,ask_px,ask_qty,volume,implied_vol,"
                                            "signed_volume\n"
                                            "X,900,9.99,100,10.01,100,0,,\nX,950,10.02,100,10.01,100,5,0.8,-5\n"
                                            "X,960,9.99,100,10.01,100,6,-0.5,sold\n")
    with pytest.raises(ExecutionsError) as caught:
        desk_records(tmp_path / "parents.csv", tmp_path / "fills.csv", tmp_path / "snapshots.csv")
    problems = caught.value.problems
    assert "parents.csv line 3, field side: must be buy or sell, got 'hold'" in problems
    assert "parents.csv line 3, field qty: must be a number > 0, got 'abc'" in problems
    assert "parents.csv line 4, field strategy: must be one of TWAP, VWAP, IS, got 'POV'" in problems
    assert "parents.csv line 4, field session_open_utc: must be HH:MM (UTC), got '25:00'" in problems
    assert "parents.csv line 5, field parent_id: 'A' appears twice" in problems
    assert "fills.csv line 3, field parent_id: no parent 'Z' in the parents file" in problems
    assert ("snapshots.csv line 4, field signed_volume: must be a number (bought minus sold, cumulative), got 'sold'"
            in problems)
    assert "fills.csv line 4, field qty: must be a number > 0, got '-1'" in problems
    assert any(p.startswith("snapshots.csv line 3, field ask_px: the book is crossed") for p in problems)
    assert ("snapshots.csv line 4, field implied_vol: must be an annualised volatility > 0 (0.76 = 76%), got '-0.5'"
            in problems)
    out = tmp_path / "out"
    assert main(["data", "executions", "--parents", str(tmp_path / "parents.csv"), "--fills",
                 str(tmp_path / "fills.csv"), "--snapshots", str(tmp_path / "snapshots.csv"), "--out", str(out)]) == 2
    assert "field qty" in capsys.readouterr().err and not out.exists()
    (tmp_path / "empty.csv").write_text("parent_id,time\nA,1\n")
    with pytest.raises(ExecutionsError, match="missing column"):
        desk_records(tmp_path / "parents.csv", tmp_path / "fills.csv", tmp_path / "empty.csv")
