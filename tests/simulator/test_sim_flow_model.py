"""The background flow model: regime multipliers act through the flow, news moves the book, and the flow
reacts to our metaorder (paired runs: same seed with and without it)."""

from __future__ import annotations

import numpy as np

from simulator.instruments import CRYPTOALPHA
from simulator.regime import RegimeSchedule
from simulator.session_runner import Metaorder, simulate_session
from simulator.tape import Tape

HOUR = 3600.0


def schedule(**changes: float) -> RegimeSchedule:
    """One calm segment with some multipliers changed."""
    calm = RegimeSchedule.calm()
    names = ("vol_mult", "spread_mult", "depth_mult_bid", "depth_mult_ask", "activity_mult", "drift_bps_per_hour",
             "implied_vol")  # fmt: skip
    return RegimeSchedule(np.zeros(1), **{n: np.array([changes.get(n, float(getattr(calm, n)[0]))]) for n in names})


def run(sched: RegimeSchedule, seed: int = 2, duration: float = HOUR, order: Metaorder | None = None) -> Tape:
    return simulate_session(CRYPTOALPHA, sched, seed, 0.0, duration, metaorder=order, snapshot_interval_s=30.0)


def mean_spread_bps(tape: Tape) -> float:
    q = tape.quotes
    return float(np.mean((q.ask - q.bid) / q.mid) * 1e4)


def top10(tape: Tape, side: int) -> float:
    s = tape.snapshots
    return float(np.sum(s.qty[s.side == side]) / len(np.unique(s.time)))


def test_the_calm_regime_sits_near_the_specs_spread_depth_and_volume() -> None:
    tape = run(RegimeSchedule.calm())
    assert 3.5 <= mean_spread_bps(tape) <= 6.0
    assert 0.6 * CRYPTOALPHA.book_depth <= top10(tape, 1) <= 1.2 * CRYPTOALPHA.book_depth
    hourly = CRYPTOALPHA.adv / 24
    assert 0.5 * hourly <= tape.trades.qty.sum() <= 1.6 * hourly


def test_spread_mult_widens_the_spread() -> None:
    assert mean_spread_bps(run(schedule(spread_mult=2.0))) > 1.6 * mean_spread_bps(run(RegimeSchedule.calm()))


def test_depth_mult_thins_one_side_only() -> None:
    calm, thin = run(RegimeSchedule.calm()), run(schedule(depth_mult_bid=0.3))
    assert top10(thin, 1) < 0.5 * top10(calm, 1)
    assert top10(thin, -1) > 0.8 * top10(calm, -1)


def test_activity_mult_scales_volume_and_vol_mult_scales_volatility() -> None:
    calm, busy, wild = run(RegimeSchedule.calm()), run(schedule(activity_mult=3.0)), run(schedule(vol_mult=3.0))
    assert busy.trades.qty.sum() > 2.0 * calm.trades.qty.sum()

    def vol(tape: Tape) -> float:
        return float(np.std(np.diff(np.log(tape.quotes.mid[::60]))))

    assert vol(wild) > 2.0 * vol(calm)


def test_a_news_jump_moves_the_mid_by_about_its_size() -> None:
    calm = RegimeSchedule.calm()
    news = RegimeSchedule(calm.times, calm.vol_mult, calm.spread_mult, calm.depth_mult_bid, calm.depth_mult_ask,
                          calm.activity_mult, calm.drift_bps_per_hour, calm.implied_vol,
                          jump_times=np.array([600.0]), jump_bps=np.array([-100.0]))  # fmt: skip
    before, after = run(calm, duration=900.0), run(news, duration=900.0)
    at = slice(605, 620)  # quotes are sampled every second from t=0
    moved = np.mean(np.log(after.quotes.mid[at] / before.quotes.mid[at])) * 1e4
    assert -130.0 < moved < -70.0
    assert np.allclose(after.quotes.mid[:600], before.quotes.mid[:600])


def test_the_flow_reacts_to_a_buy_metaorder_and_partly_reverts_after_it() -> None:
    order = Metaorder(1, 40_000, 600.0, 1800.0, 10.0)  # 2% of ADV over 30 minutes
    peaks, lates = [], []
    for seed in (1, 2, 3):
        base = run(RegimeSchedule.calm(), seed, 2.0 * HOUR)
        ours = run(RegimeSchedule.calm(), seed, 2.0 * HOUR, order)
        impact = np.log(ours.quotes.mid / base.quotes.mid) * 1e4
        peaks.append(np.mean(impact[2390:2401]))
        lates.append(np.mean(impact[4200:6001]))
    peak, late = float(np.mean(peaks)), float(np.mean(lates))
    assert peak > 15.0  # the book went up: makers re-quoted above the liquidity we took
    assert 0.3 * peak < late < 0.9 * peak  # and it partly reverted
