"""Trade-sign memory: a sign series built the way long memory arises (split metaorders with Pareto sizes) gives
the exponent theory predicts; independent signs give none."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.realism.trade_signs import sign_memory


def split_metaorders(n_trades: int, alpha: float, concurrent: int, seed: int) -> np.ndarray:
    """Lillo, Mike & Farmer (2005): `concurrent` metaorders at a time, each of a random sign and a Pareto(alpha)
    number of trades; each trade comes from one of them at random. C(l) ~ l^-(alpha - 1)."""
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1, 1], concurrent)
    left = np.ceil(rng.pareto(alpha, concurrent) + 1).astype(np.int64)
    out = np.empty(n_trades, dtype=np.int8)
    for t in range(n_trades):
        k = int(rng.integers(concurrent))
        out[t] = signs[k]
        left[k] -= 1
        if left[k] == 0:
            signs[k] = rng.choice([-1, 1])
            left[k] = int(np.ceil(rng.pareto(alpha) + 1))
    return out


def test_split_metaorders_give_the_predicted_exponent() -> None:
    signs = split_metaorders(400_000, alpha=1.5, concurrent=10, seed=7)
    memory = sign_memory(signs, max_lag=100)
    assert memory.c1 > 0.05
    assert memory.gamma == pytest.approx(0.5, abs=0.15)
    assert memory.prefactor > 0


def test_independent_signs_have_no_memory() -> None:
    signs = np.random.default_rng(3).choice(np.array([-1, 1], dtype=np.int8), 200_000)
    memory = sign_memory(signs)
    assert abs(memory.c1) < 0.01
    assert np.isnan(memory.gamma) and np.isnan(memory.prefactor)


def test_a_lag_range_too_short_is_refused() -> None:
    with pytest.raises(ValueError, match="max_lag must be >= 2"):
        sign_memory(np.ones(10, dtype=np.int8), max_lag=1)
