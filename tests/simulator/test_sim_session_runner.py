"""The fast session runner: reproducible tapes, our metaorder on the tape, the activity profile, schedules."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.instruments import ACME, CRYPTOALPHA
from simulator.kernel.activity_profile import default_schedule, session_activity_profile
from simulator.market import simulated_market
from simulator.regime import RegimeSchedule
from simulator.session_runner import Metaorder, simulate_session
from simulator.tape import Tape


def columns(tape: Tape) -> list[np.ndarray]:
    t, q, s = tape.trades, tape.quotes, tape.snapshots
    assert tape.orders is not None
    o = tape.orders
    return [t.time, t.price, t.qty, t.aggressor, t.ours, q.time, q.bid, q.ask, q.bid_qty, q.ask_qty,
            s.time, s.price, s.qty, o.time, o.kind, o.side, o.price, o.qty]  # fmt: skip


def test_same_arguments_give_the_same_tape_and_another_seed_does_not() -> None:
    order = Metaorder(1, 20_000, 300.0, 600.0, 10.0)
    runs = [simulate_session(CRYPTOALPHA, None, seed, 1e9, 1800.0, metaorder=order, record_orders=True)
            for seed in (3, 3, 4)]  # fmt: skip
    first, again, other = (columns(tape) for tape in runs)
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[1], other[1])
    assert runs[0].start == 1e9 and runs[0].quotes.time[0] == 1e9 and len(runs[0].quotes.time) == 1801


def test_our_child_orders_trade_the_whole_metaorder_and_are_flagged_ours() -> None:
    order = Metaorder(-1, 50_000, 60.0, 600.0, 10.0)
    tape = simulate_session(ACME, None, 9, 0.0, 900.0, metaorder=order)
    ours = tape.trades.ours
    assert tape.trades.qty[ours].sum() == 50_000
    assert np.all(tape.trades.aggressor[ours] == -1)
    times = np.unique(tape.trades.time[ours])
    assert len(times) == 60 and times[0] == 60.0 and np.allclose(np.diff(times), 10.0)


def test_a_metaorder_with_fewer_lots_than_slots_spreads_them_over_its_duration() -> None:
    children = Metaorder(1, 500, 0.0, 1000.0, 10.0).children(ACME, 0.0)
    assert (children.count, children.interval_s) == (5, 200.0)
    with pytest.raises(ValueError, match="lot size"):
        Metaorder(1, 150, 0.0, 100.0, 10.0).children(ACME, 0.0)
    with pytest.raises(ValueError, match="side"):
        Metaorder(0, 100, 0.0, 100.0, 10.0)


def test_the_equity_profile_is_a_u_shape_with_mean_one_and_crypto_is_flat() -> None:
    times, mult = session_activity_profile(ACME, 300.0)
    widths = np.diff(np.append(times, ACME.session_seconds))
    assert np.isclose(np.sum(mult * widths) / ACME.session_seconds, 1.0)
    assert mult[0] > 2.0 and mult[-1] > 1.6 and mult[len(mult) // 2] < 0.8
    assert session_activity_profile(CRYPTOALPHA)[1].tolist() == [1.0]


def test_the_equity_day_trades_more_near_the_open_and_close_and_about_adv() -> None:
    # Two days summed: busy and quiet spells (the stochastic activity factor) blur one day's profile.
    bins = np.linspace(0.0, ACME.session_seconds, 14)
    volume = np.zeros(13)
    for seed in (5, 6):
        tape = simulate_session(ACME, default_schedule(ACME), seed, 0.0, ACME.session_seconds, snapshot_interval_s=1e9)
        volume += np.histogram(tape.trades.time, bins, weights=tape.trades.qty)[0]
    midday = np.mean(volume[3:10])
    assert volume[0] > 1.8 * midday and volume[-1] > 1.4 * midday
    assert 1.4 * ACME.adv <= volume.sum() <= 2.6 * ACME.adv


def _calm_with(**changes: float) -> RegimeSchedule:
    calm = RegimeSchedule.calm()
    values = {name: np.array([changes.get(name, float(getattr(calm, name)[0]))]) for name in (
        "vol_mult", "spread_mult", "depth_mult_bid", "depth_mult_ask", "activity_mult", "drift_bps_per_hour",
        "implied_vol")}  # fmt: skip
    return RegimeSchedule(times=np.zeros(1), **values)


def test_the_wall_clock_market_takes_a_schedule_per_symbol() -> None:
    spreads = []
    for schedules in (None, {"CRYPTOALPHA": _calm_with(spread_mult=3.0)}):
        market = simulated_market(seed=1, start_time=1e9, schedules=schedules)
        samples = []
        for k in range(1, 121):
            market.advance(1e9 + 5.0 * k)
            depth = market.depth("CRYPTOALPHA", 1)
            assert depth.best_bid is not None and depth.best_ask is not None
            samples.append(depth.best_ask - depth.best_bid)
        spreads.append(np.mean(samples))
    assert spreads[1] > 2.0 * spreads[0]
    with pytest.raises(ValueError, match="not listed"):
        simulated_market(seed=1, schedules={"NOPE": RegimeSchedule.calm()})
