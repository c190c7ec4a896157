"""LightGBM's settings for the impact model's boosters: plain values, so the CLI can show its defaults without
loading LightGBM."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

CALIBRATION_EVERY = 4
"""Of the training data's seeds, every k-th calibrates the quantiles (conformal offsets) instead of training."""


@dataclass(frozen=True)
class BoostSettings:
    """LightGBM's settings. Few, small trees: the served model has a booster per component and quantile (28), and a
    decision tick scores every live parent in one call; ONNX Runtime walks a 7-leaf tree in about 20 ns a row on this
    project's 2-core machine, so the 77 trees below score 1,000 parents in about 1.6 ms, where 28 boosters of 6 trees
    took 3.1 ms (bench/bench_impact_inference.py). Impact keeps 6 trees (3 raised the leave-one-scenario-out MAE from
    5.49 to 5.77 bps on 2,598 records); temporary and permanent cost take 2 (3 lowered their pinball loss out of
    sample by 0.5% and 1.7%, for 14 more trees). Timing, the market's own move in units
    of σ√T, takes one tree at a learning rate of 0.001: its quantiles are, in effect, the training rows' own
    (LightGBM starts every booster from the label's quantile) times each row's scale. Trees that learnt them from the
    features did worse out of sample: the Brier score of P(cost > 10 bps) against realised shortfalls was 0.2245
    with 6 trees (the best baseline's 0.2246), 0.2231 with one at 0.35, 0.2232 at 0.001 (2,598 records; on 1,026 the
    last two were 0.2246 and 0.2227: the same within noise, and the smaller rate keeps the rows' own quantiles)."""

    n_estimators: int = 6
    # Boosting rounds of one component's boosters where they differ from n_estimators, e.g. {"timing": 2}.
    component_trees: Mapping[str, int] = field(
        default_factory=lambda: {"timing": 1, "temporary": 2, "permanent": 2})
    # Learning rates of one component's boosters where they differ from learning_rate, e.g. {"timing": 0.001}.
    component_learning_rate: Mapping[str, float] = field(default_factory=lambda: {"timing": 0.001})
    num_leaves: int = 7
    learning_rate: float = 0.35
    min_data_in_leaf: int = 40
    feature_fraction: float = 0.9
    bagging_fraction: float = 0.8
    lambda_l2: float = 1.0
    seed: int = 7
    threads: int = 1

    def rounds(self, component: str) -> int:
        """Boosting rounds for `component`'s boosters."""
        return int(self.component_trees.get(component, self.n_estimators))

    def check(self, components: tuple[str, ...]) -> None:
        """ValueError naming what cannot be trained: rounds below 1, or rounds for a component the model lacks."""
        for what, given in (("trees", self.component_trees), ("learning rates", self.component_learning_rate)):
            unknown = sorted(set(given) - set(components))
            if unknown:
                raise ValueError(f"{what} given for {', '.join(unknown)}: the model's components are "
                                 f"{', '.join(components)}")
        for name, rate in {"every component": self.learning_rate, **self.component_learning_rate}.items():
            if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 < rate <= 1.0:
                raise ValueError(f"the learning rate for {name} must be in (0, 1], got {rate!r}")
        for name, rounds in {"every component": self.n_estimators, **self.component_trees}.items():
            if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
                raise ValueError(f"trees for {name} must be a whole number >= 1, got {rounds!r}")

    def params(self, level: float, component: str | None = None) -> dict[str, object]:
        rate = self.learning_rate if component is None else self.component_learning_rate.get(component,
                                                                                             self.learning_rate)
        return {
            "objective": "quantile", "alpha": level, "learning_rate": float(rate),
            "num_leaves": self.num_leaves, "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": self.feature_fraction, "bagging_fraction": self.bagging_fraction, "bagging_freq": 1,
            "lambda_l2": self.lambda_l2, "seed": self.seed, "deterministic": True, "force_col_wise": True,
            "num_threads": self.threads, "verbose": -1,
        }
