"""Circuit breakers in the real engine: each trips on a scenario (or injected failure) that provokes it, takes its
action, tells the OMS in a Restated report naming it, and clears (or, halted, stays until an operator clears it).
A calm market trips nothing over its whole run."""

from __future__ import annotations

from engine_harness import Harness
from test_strategy_fallback import Broken, raises

from agent.backtest.backtest import BacktestResult
from agent.backtest.breaker_runs import scenario_backtest
from risk.trading_state import TradingState
from simulator.venue_faults import VenueFaults


def trips(result: BacktestResult) -> list[str]:
    return [c.breaker for c in result.breakers if c.tripped]


def cleared(result: BacktestResult) -> list[str]:
    return [c.breaker for c in result.breakers if not c.tripped]


def restated(result: BacktestResult) -> list[str]:
    return [r.text or "" for r in result.reports if r.exec_type == "D"]


def test_calm_trips_nothing() -> None:
    result, _ = scenario_backtest("calm")
    assert result.breakers == () and restated(result) == []
    assert result.cum_qty == result.order_qty


def test_flash_crash_trips_gap_spread_volatility_and_depth_pauses_then_resumes() -> None:
    result, compiled = scenario_backtest("flash_crash")
    crash = compiled.start_epoch + 15 * 60
    first = {c.breaker: c for c in reversed(result.breakers) if c.tripped}
    assert set(first) == {"gap", "spread", "volatility", "depth"}
    assert crash <= first["gap"].at < crash + 5
    # Volatility leaves the gap itself out (the gap breaker's business): it trips as the turbulence after it fills
    # its 120-s window; the bids' touch thins below a quarter of its baseline within the crash's five minutes.
    assert all(crash <= first[b].at < crash + 120 for b in ("spread", "volatility"))
    assert crash <= first["depth"].at < crash + 300
    assert first["gap"].value > first["gap"].threshold >= 50.0
    assert first["depth"].scope.side is not None and first["depth"].scope.side.name == "SELL"  # bids, a seller
    assert all(c.action == "pause" for c in result.breakers)
    assert sorted(trips(result)) == sorted(cleared(result))  # every trip cleared before the end
    texts = restated(result)
    assert texts[0].startswith("circuit breaker gap (CRYPTOALPHA): mid moved ")
    assert texts[0].endswith("paused, working children cancelled, until it clears")
    assert any("still held: breaker " in t for t in texts)  # one breaker cleared, another holds on
    assert "cleared: normal for" in texts[-1] and "resuming, schedule re-planned" in texts[-1]
    assert result.cum_qty == result.order_qty


def test_a_spread_blowout_without_a_jump_trips_the_spread_breaker_and_no_price_breaker() -> None:
    result, compiled = scenario_backtest("spread_blowout")
    # The spread first, as it widens; the touch may thin too as makers step back; no gap, no volatility.
    assert trips(result)[0] == "spread" and set(trips(result)) <= {"spread", "depth"}
    assert sorted(trips(result)) == sorted(cleared(result))
    trip = result.breakers[0]
    assert compiled.start_epoch + 20 * 60 < trip.at < compiled.start_epoch + 23 * 60 and trip.value > trip.threshold
    spread_clear = next(c for c in result.breakers if c.breaker == "spread" and not c.tripped)
    assert spread_clear.at > compiled.start_epoch + 35 * 60
    texts = restated(result)
    assert texts[0].startswith("circuit breaker spread") and "resuming" in texts[-1]


def test_a_market_data_outage_trips_the_stale_breaker_until_quotes_return() -> None:
    result, compiled = scenario_backtest("market_data_outage")
    (trip, clear) = result.breakers
    outage = compiled.start_epoch + 20 * 60
    assert (trip.breaker, trip.tripped, trip.threshold) == ("stale", True, 10.0)
    assert trip.at == outage - 0.5 + 10  # 10 s after the last quote (quotes every 0.5 s)
    assert outage + 120 < clear.at <= outage + 126  # quotes back at +2 min, normal for 5 s
    assert restated(result)[0] == ("circuit breaker stale (CRYPTOALPHA): no quote for 10.0 s (limit 10 s); paused, "
                                   "working children cancelled, until it clears")


def test_a_reject_storm_from_the_venue_pauses_the_symbol() -> None:
    result, _ = scenario_backtest("market_data_outage", faults=VenueFaults(seed=5, reject_new=0.6))
    storms = [c for c in result.breakers if c.breaker == "reject_storm"]
    assert storms and storms[0].tripped and storms[0].value == 4 and storms[0].action == "pause"
    assert any(not c.tripped for c in storms)
    assert any(t.startswith("circuit breaker reject_storm (CRYPTOALPHA): 4 child orders rejected by the venue")
               for t in restated(result))


def test_an_off_book_fill_halts_the_symbol_until_an_operator_clears_it() -> None:
    h = Harness(breakers={"enabled": True, "stale": {"enabled": False}})
    cl = h.new(1000, duration=3600)
    h.tick()
    h.ack_all()
    (order,) = h.live_venue_orders()
    h.fill(order.cl_ord_id, order.qty, 19.0)  # 500 bps under the bid for a buy child at the touch
    board = h.engine.risk.breakers
    (trip,) = board.trips()
    assert (trip.breaker, trip.action) == ("fill_anomaly", "halted")
    assert f"fill of {order.qty} @ 19 is 497.5 bps outside the touch 19.995/20.005" in trip.text
    assert h.engine.risk.state("CRYPTOALPHA") is TradingState.HALTED
    (text,) = [r.text for r in h.oms.for_order(cl) if r.exec_type == "D"]
    assert text is not None and text.endswith("trading in CRYPTOALPHA HALTED, order paused and working children "
                                              "cancelled until an operator resumes")
    h.ack_all()
    h.tick(600)  # halted stays
    assert board.trips() == [trip] and h.live_venue_orders() == []
    board.clear(h.clock.now(), "CRYPTOALPHA")
    h.tick(1)
    last = [r.text or "" for r in h.oms.for_order(cl) if r.exec_type == "D"][-1]
    assert "cleared by operator resume" in last and "resuming" in last
    assert all(p.holds == {} for p in h.engine.parents.values())


def test_repeated_strategy_failures_halt_the_symbol() -> None:
    h = Harness(breakers={"enabled": True, "stale": {"enabled": False}})
    slot = h.engine.decisions.strategies
    slot["TWAP"] = Broken(slot["TWAP"], raises)  # type: ignore[assignment]
    orders = [h.new(1000) for _ in range(3)]
    h.tick()
    (trip,) = h.engine.risk.breakers.trips()
    assert (trip.breaker, trip.value, trip.action) == ("strategy_failure", 3, "halted")
    for cl in orders:
        texts = [r.text or "" for r in h.oms.for_order(cl) if r.exec_type == "D"]
        assert texts[0].startswith("strategy TWAP failed (raised ZeroDivisionError")
        assert texts[-1].startswith("circuit breaker strategy_failure (CRYPTOALPHA): 3 strategy failures")
    assert h.engine.risk.state("CRYPTOALPHA") is TradingState.HALTED
