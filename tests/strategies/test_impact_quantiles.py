"""The impact model's quantile vocabulary: sorting crossed quantiles and P(cost > threshold) from a row of quantiles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from strategies.impact.quantiles import (
    INTERVALS,
    QUANTILES,
    check_levels,
    exceed_probability,
    level_index,
    sort_quantiles,
)

LEVELS3 = (0.1, 0.5, 0.9)
# The piecewise-linear CDF through (0, 0.1), (10, 0.5), (30, 0.9), continued with the outer pairs' slopes:
# 0.04 per bp below 0 (reaching 0 at -2.5) and 0.02 per bp above 30 (reaching 1 at 35).
ROW3 = [[0.0, 10.0, 30.0]]


def test_the_vocabulary_is_ordered_and_its_intervals_use_its_levels() -> None:
    assert QUANTILES == (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)
    assert list(QUANTILES) == sorted(QUANTILES)
    for width, (lo, hi) in INTERVALS.items():
        assert lo in QUANTILES and hi in QUANTILES
        assert hi - lo == pytest.approx(width / 100)
    assert level_index(QUANTILES, 0.5) == 3


def test_sort_quantiles_uncrosses_each_row_alone() -> None:
    q = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    np.testing.assert_array_equal(sort_quantiles(q), [[1.0, 2.0, 3.0], [0.0, 4.0, 5.0]])
    np.testing.assert_array_equal(q[0], [3.0, 1.0, 2.0])  # the input is left alone


def test_sort_quantiles_wants_a_matrix() -> None:
    with pytest.raises(ValueError, match="2-D"):
        sort_quantiles(np.array([1.0, 2.0]))


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        (-3.0, 1.0),
        (-2.5, 1.0),
        (-1.0, 0.94),
        (0.0, 0.9),
        (5.0, 0.7),
        (10.0, 0.5),
        (20.0, 0.3),
        (30.0, 0.1),
        (32.0, 0.06),
        (35.0, 0.0),
        (40.0, 0.0),
    ],
)
def test_exceed_probability_is_exact_on_a_piecewise_linear_cdf(threshold: float, expected: float) -> None:
    assert exceed_probability(ROW3, LEVELS3, threshold)[0] == pytest.approx(expected, abs=1e-12)


def test_exceed_probability_matches_samples_of_the_distribution_it_assumes() -> None:
    rng = np.random.default_rng(11)
    # Inverse-CDF samples of the piecewise-linear distribution above, tails included.
    samples = np.interp(rng.uniform(size=400_000), [0.0, 0.1, 0.5, 0.9, 1.0], [-2.5, 0.0, 10.0, 30.0, 35.0])
    for t in (-2.0, -0.5, 3.0, 17.0, 29.0, 33.0):
        assert exceed_probability(ROW3, LEVELS3, t)[0] == pytest.approx(np.mean(samples > t), abs=0.004)


def test_exceed_probability_at_each_quantile_is_one_minus_its_level() -> None:
    q = np.array([[-8.0, -3.0, 0.5, 4.0, 9.0, 15.0, 22.0]])
    for tau, value in zip(QUANTILES, q[0], strict=True):
        assert exceed_probability(q, QUANTILES, value)[0] == pytest.approx(1.0 - tau)


def test_equal_quantiles_are_a_point_mass() -> None:
    q = np.array([[5.0, 5.0, 5.0], [0.0, 0.0, 10.0], [0.0, 10.0, 10.0]])
    np.testing.assert_allclose(exceed_probability(q, LEVELS3, 4.9), [1.0, 0.304, 0.704])
    # Right-continuous: at a tied quantile the CDF already holds the mass at it.
    np.testing.assert_allclose(exceed_probability(q, LEVELS3, 5.0), [0.0, 0.3, 0.7])
    np.testing.assert_allclose(exceed_probability(q, LEVELS3, 0.0), [1.0, 0.5, 0.9])
    np.testing.assert_allclose(exceed_probability(q, LEVELS3, -0.1), [1.0, 1.0, 0.904])
    np.testing.assert_allclose(exceed_probability(q, LEVELS3, 10.0), [0.0, 0.1, 0.0])


def test_exceed_probability_sorts_crossed_rows_and_marks_nan_rows() -> None:
    q = np.array([[30.0, 0.0, 10.0], [0.0, np.nan, 30.0], [0.0, 10.0, 30.0]])
    p = exceed_probability(q, LEVELS3, 5.0)
    assert p[0] == pytest.approx(0.7)
    assert np.isnan(p[1])
    assert p[2] == pytest.approx(0.7)


def test_exceed_probability_rows_are_independent() -> None:
    rng = np.random.default_rng(3)
    q = np.sort(rng.normal(0.0, 20.0, size=(200, len(QUANTILES))), axis=1)
    together = exceed_probability(q, QUANTILES, 4.0)
    alone = np.array([exceed_probability(row[None, :], QUANTILES, 4.0)[0] for row in q])
    np.testing.assert_array_equal(together, alone)


@settings(max_examples=200, deadline=None)
@given(
    q=arrays(np.float64, (5, 4), elements=st.floats(-100.0, 100.0)),
    t1=st.floats(-150.0, 150.0),
    t2=st.floats(-150.0, 150.0),
)
def test_exceed_probability_is_a_probability_that_falls_with_the_threshold(q: np.ndarray, t1: float, t2: float) -> None:
    levels = (0.05, 0.3, 0.6, 0.95)
    lo, hi = min(t1, t2), max(t1, t2)
    p_lo, p_hi = exceed_probability(q, levels, lo), exceed_probability(q, levels, hi)
    assert np.all((p_lo >= 0.0) & (p_lo <= 1.0))
    assert np.all(p_hi <= p_lo + 1e-12)


def test_bad_levels_and_thresholds_are_named() -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        exceed_probability(ROW3, (0.1, 0.9, 0.5), 1.0)
    with pytest.raises(ValueError, match="2 levels for 3 quantile columns"):
        exceed_probability(ROW3, (0.1, 0.9), 1.0)
    with pytest.raises(ValueError, match="inside"):
        check_levels((0.0, 0.5))
    with pytest.raises(ValueError, match="at least two"):
        exceed_probability([[1.0]], (0.5,), 1.0)
    with pytest.raises(ValueError, match="threshold must be finite"):
        exceed_probability(ROW3, LEVELS3, float("nan"))
    with pytest.raises(ValueError, match=r"level 0\.3 is not among"):
        level_index(QUANTILES, 0.3)
