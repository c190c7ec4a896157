"""The breaker board on its own: each breaker trips on its condition with the measured value and threshold,
clears once normal for `resume_after_s` (or stays, when halted, until cleared), and imposes its trading state."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from agent.config import ConfigError, load_config
from risk.breakers import BreakerBoard, BreakersConfig, Scope
from risk.risk_engine import RiskEngine, RiskLimits
from risk.trading_state import TradingState
from strategies.types import Quote, Side

T0 = 1_800_000_000.0
SYM = "CRYPTOALPHA"


def quote(t: float, mid: float = 20.0, spread_bps: float = 5.0, bid_qty: int = 2000, ask_qty: int = 2000) -> Quote:
    half = mid * spread_bps / 2e4
    return Quote(SYM, mid - half, bid_qty, mid + half, ask_qty, t)


def wiggle(k: int) -> float:
    """A calm mid: about a basis point a second, deterministic."""
    return 20.0 * math.exp(1e-4 * math.sin(k * 1.7) * 1.5)


def warmed(config: BreakersConfig | None = None, seconds: int = 400) -> tuple[BreakerBoard, float]:
    board = BreakerBoard(config or BreakersConfig())
    t = T0
    for k in range(seconds):
        t = T0 + k
        board.on_quote(quote(t, wiggle(k)), t)
        board.on_tick(t, feed_up=True)
    assert board.trips() == []
    return board, t


def feed(board: BreakerBoard, start: float, seconds: int, **q: float) -> float:
    t = start
    for k in range(1, seconds + 1):
        t = start + k
        board.on_quote(quote(t, q.get("mid", wiggle(k)), q.get("spread_bps", 5.0), int(q.get("bid_qty", 2000)),
                             int(q.get("ask_qty", 2000))), t)
        board.on_tick(t, feed_up=True)
    return t


def test_a_gap_trips_with_the_move_and_its_limit_then_clears_after_resume_after_s() -> None:
    board, t = warmed()
    sigma = board.snapshot()["symbols"][SYM]["sigma_1s_bps"]
    t = feed(board, t, 1, mid=19.7)  # -150 bps in one second
    (trip,) = board.trips()
    assert (trip.breaker, trip.scope, trip.action) == ("gap", Scope(SYM), "pause")
    assert trip.value == pytest.approx(max(abs(math.log(19.7 / wiggle(k))) * 1e4 for k in range(395, 400)))
    assert trip.threshold == pytest.approx(max(50.0, 30 * sigma * math.sqrt(5.0)))
    assert "mid moved" in trip.text and f"limit {trip.threshold:.1f} bps" in trip.text
    t = feed(board, t, 124, mid=19.7)
    assert [c.breaker for c in board.history if not c.tripped] == []
    feed(board, t, 2, mid=19.7)
    assert board.trips() == [] and board.history[-1].text.startswith("cleared: normal for 120 s")


def test_spread_over_its_multiple_trips_and_the_cap_trips_alone() -> None:
    board, t = warmed()
    feed(board, t, 30, spread_bps=40.0)
    (trip,) = [x for x in board.trips() if x.breaker == "spread"]
    # The baseline has seen 400 s, so the first seconds of the blow-out already weigh on it.
    assert 3.5 * 5.0 < trip.threshold < 3.5 * 6.0 and trip.value > trip.threshold
    capped, t = warmed(BreakersConfig(spread={"max_multiple": 10, "max_bps": 8}))
    feed(capped, t, 30, spread_bps=9.0)
    assert [x.threshold for x in capped.trips()] == [8.0]


def test_depth_collapse_trips_for_the_side_that_takes_that_liquidity() -> None:
    board, t = warmed()
    feed(board, t, 90, bid_qty=100)  # bids collapse: sellers are hurt, buyers are not
    (trip,) = board.trips()
    # The baseline is a geometric mean that has already taken in the first seconds of the collapse.
    assert trip.scope == Scope(SYM, Side.SELL) and trip.value < trip.threshold < 0.25 * 2000
    assert trip.scope.covers(SYM, Side.SELL, "P1") and not trip.scope.covers(SYM, Side.BUY, "P1")


def test_volatility_spike_trips_on_the_ratio_to_its_baseline() -> None:
    board, t = warmed(seconds=3600)
    t0 = t
    for k in range(1, 60):  # ±24 bps a second, against about 1.6 before
        t = t0 + k
        board.on_quote(quote(t, 20.0 * math.exp(1e-4 * 12 * (1 if k % 2 else -1))), t)
    trip = next(x for x in board.trips() if x.breaker == "volatility")
    assert trip.value > 3.0 and trip.threshold == 3.0


def test_no_breaker_judging_a_baseline_trips_during_warmup() -> None:
    board = BreakerBoard(BreakersConfig())
    for k in range(100):
        board.on_quote(quote(T0 + k, 20.0 if k < 50 else 19.0, 5.0 if k < 50 else 50.0), T0 + k)
    assert board.trips() == []


def test_stale_data_trips_only_while_the_feed_should_be_up() -> None:
    board, t = warmed()
    board.on_tick(t + 9.9, feed_up=True)
    assert board.trips() == []
    board.on_tick(t + 10, feed_up=True)
    (trip,) = board.trips()
    assert (trip.breaker, trip.value, trip.threshold) == ("stale", 10.0, 10.0)
    board.on_tick(t + 30, feed_up=False)  # venue down: no judgement either way
    board.on_tick(t + 31, feed_up=True)  # back: staleness counts from now
    board.on_quote(quote(t + 32), t + 32)
    board.on_tick(t + 37, feed_up=True)
    assert board.trips() == []


def test_a_symbol_reject_storm_pauses_and_a_venue_wide_one_halts_until_cleared() -> None:
    board, t = warmed()
    for k in range(4):
        board.on_child_reject(SYM, "no", t + k)
    (trip,) = board.trips()
    assert (trip.breaker, trip.scope, trip.value, trip.action) == ("reject_storm", Scope(SYM), 4, "pause")
    for k in range(8):
        board.on_child_reject("ACME", "no", t + 4 + k)
    venue = next(x for x in board.trips() if x.scope == Scope(None))
    assert (venue.value, venue.action) == (12, "halted")
    assert board.state(SYM) is TradingState.HALTED and board.state(None) is TradingState.HALTED
    board.on_tick(t + 1000, feed_up=False)  # no quotes meanwhile: not a stale-data test
    board.on_tick(t + 1200, feed_up=False)
    assert [x.scope for x in board.trips()] == [Scope(None)]  # the symbol storms cleared; halted stays
    changes = board.clear(t + 1300)
    assert [c.text for c in changes] == ["cleared by operator resume (tripped 1289 s, worst 12 rejects)"]
    assert board.state(SYM) is TradingState.ACTIVE


def test_fill_anomalies_off_the_book_and_over_quantity() -> None:
    board, t = warmed()
    q = quote(t)
    board.on_fill(SYM, Side.SELL, 100, 20.0, None, 100, 1000, q, t)  # at the mid: fine
    assert board.trips() == []
    board.on_fill(SYM, Side.SELL, 100, 19.8, None, 100, 1000, q, t)  # 100 bps under the bid
    (trip,) = board.trips()
    assert (trip.breaker, trip.action, trip.unit) == ("fill_anomaly", "halted", "bps")
    assert trip.value == pytest.approx((q.bid_px - 19.8) / 20.0 * 1e4) and trip.threshold == 50.0
    assert board.state(SYM) is TradingState.HALTED
    other = BreakerBoard(BreakersConfig())
    other.on_fill(SYM, Side.BUY, 150, 20.0, 20.0, 100, 1000, None, t)
    assert other.trips()[0].text == "fill of 150 is 50 past the quantity left (100 on the child, 1000 on the parent)"
    limit = BreakerBoard(BreakersConfig())
    limit.on_fill(SYM, Side.BUY, 10, 20.02, 20.0, 100, 1000, None, t)
    assert "beyond its child's limit 20" in limit.trips()[0].text


def test_strategy_failures_and_decision_overruns_count_in_their_windows() -> None:
    board = BreakerBoard(BreakersConfig())
    for k in range(3):
        board.on_strategy_failure(SYM, f"P{k}", "TWAP", "raised ValueError", T0 + k * 100)
    (trip,) = board.trips()
    assert (trip.breaker, trip.value, trip.action) == ("strategy_failure", 3, "halted")
    slow = BreakerBoard(BreakersConfig())
    for k in range(3):  # overruns of different parents count together: the strategies are overloaded
        slow.on_decision_overrun(SYM, f"P{k}", 0.3, T0 + k * 30)
    assert slow.trips() == []  # the first fell out of the 60 s window
    slow.on_decision_overrun("ACME", "P9", 0.3, T0 + 61)
    (trip,) = slow.trips()
    assert (trip.scope, trip.action, trip.state) == (Scope(None), "twap", None)
    slow.on_tick(T0 + 200, feed_up=True)
    slow.on_tick(T0 + 260, feed_up=True)
    assert slow.trips() == []


def test_the_risk_engine_reads_the_boards_states() -> None:
    board = BreakerBoard(BreakersConfig(strategy_failure={"max_failures": 1, "action": "reducing"}))
    risk = RiskEngine(RiskLimits(), board)
    board.on_strategy_failure(SYM, "P1", "TWAP", "nan", T0)
    assert risk.state(SYM) is TradingState.REDUCING and risk.state("ACME") is TradingState.ACTIVE
    verdict = risk.check_parent("S", SYM, 100, 20.0, 0, T0)
    assert not verdict.ok and "REDUCING" in verdict.reason


def test_snapshot_is_plain_data() -> None:
    board, t = warmed()
    feed(board, t, 1, mid=19.5)
    snap = board.snapshot()
    assert snap["tripped"][0]["breaker"] == "gap" and snap["recent"][0]["event"] == "tripped"
    assert snap["symbols"][SYM]["spread_bps"] == pytest.approx(5.0, rel=1e-3)


def test_disabled_board_does_nothing() -> None:
    board = BreakerBoard(BreakersConfig(enabled=False))
    board.on_child_reject(SYM, "x", T0)
    board.on_fill(SYM, Side.BUY, 10, 99.0, 1.0, 1, 1, None, T0)
    assert board.trips() == []


@pytest.mark.parametrize(("toml", "field"), [
    ("[breakers.spread]\nmax_multiple = 0.5", "breakers.spread.max_multiple"),
    ('[breakers.gap]\naction = "panic"', "breakers.gap.action"),
    ('[breakers.decision_overrun]\naction = "stop"', "breakers.decision_overrun.action"),
    ("[breakers.reject_storm]\nmax_rejects = 5\nvenue_max_rejects = 2", "breakers.reject_storm"),
    ("[breakers.stale]\nstale_after_s = 0", "breakers.stale.stale_after_s"),
    ("[breakers]\nsurprise = 1", "breakers.surprise"),
])
def test_bad_breaker_settings_name_the_field(tmp_path: Path, toml: str, field: str) -> None:
    path = tmp_path / "agent.toml"
    path.write_text(toml + "\n")
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        load_config(path)
