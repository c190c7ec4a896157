"""LightGBM's settings for the impact model's boosters: plain values, so the CLI can show its defaults without
loading LightGBM."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from strategies.impact.quantiles import QUANTILES

CALIBRATION_EVERY = 4
"""Of the training data's seeds, every k-th calibrates the quantiles (conformal offsets) instead of training."""


@dataclass(frozen=True)
class BoostSettings:
    """LightGBM's settings. Few, small trees: the served model has a booster per component and quantile (28), and a
    decision tick scores every live parent in one call; ONNX Runtime walks a 7-leaf tree in about 20 ns a row on this
    project's 2-core machine, so the 46 trees below (and 7 one-leaf boosters) score 1,000 parents in about 1.35 ms
    (p50), where 77 trees took 1.75 ms and 28 boosters of 6 trees 3.1 ms (bench/bench_impact_inference.py).

    - Impact: 6 trees at the median and the quartiles (3 raised the leave-one-scenario-out MAE from 5.49 to 5.77 bps
      on 2,598 records), fewer at the outer quantiles (`level_trees`: 3 at 5% and 95%, 4 at 10% and 90%; the
      impact's CRPS rose 0.3%, 4.062 to 4.075 bps, the realised shortfall's scores did not move).
    - Temporary and permanent cost: one tree at a learning rate of 0.6. Leave one scenario out, their mean pinball
      loss was 1.5% and 0.9% above two trees at 0.35 (temporary 0.1662 against 0.1638 bps, permanent 2.051 against
      2.032), for 14 fewer trees; neither enters the headline figures.
    - Timing, the market's own move in units of σ√T: constant (`constant_components`), each level's booster one
      leaf, the training rows' quantile, so a row's quantile is that times its scale. Trees that learnt it from the
      features did worse out of sample: the Brier score of P(cost > 10 bps) against realised shortfalls was 0.2245
      with 6 trees (the best baseline's 0.2246), 0.2231 with one at 0.35, 0.2232 with one at 0.001 and with none.
    """

    n_estimators: int = 6
    # Boosting rounds of one component's boosters where they differ from n_estimators, e.g. {"timing": 2}.
    component_trees: Mapping[str, int] = field(
        default_factory=lambda: {"timing": 1, "temporary": 1, "permanent": 1})
    # Learning rates of one component's boosters where they differ from learning_rate, e.g. {"timing": 0.01}.
    component_learning_rate: Mapping[str, float] = field(
        default_factory=lambda: {"temporary": 0.6, "permanent": 0.6})
    # Components whose boosters never split: one leaf each, the training rows' quantile of the dimensionless target.
    constant_components: Sequence[str] = ("timing",)
    # Boosting rounds of one component's booster at one quantile level, keyed "COMPONENT:LEVEL" (e.g. "impact:0.05"),
    # where they differ from the component's.
    level_trees: Mapping[str, int] = field(
        default_factory=lambda: {"impact:0.05": 3, "impact:0.1": 4, "impact:0.9": 4, "impact:0.95": 3})
    num_leaves: int = 7
    learning_rate: float = 0.35
    min_data_in_leaf: int = 40
    feature_fraction: float = 0.9
    bagging_fraction: float = 0.8
    lambda_l2: float = 1.0
    seed: int = 7
    threads: int = 1

    @classmethod
    def from_card(cls, values: Mapping[str, object]) -> BoostSettings:
        """The settings a model card recorded (`dataclasses.asdict`). A card written before per-level trees and
        constant boosters existed trained every level of a component alike and every component from the features,
        so those two are read as empty when the card lacks them, not given today's defaults."""
        return cls(**{"level_trees": {}, "constant_components": (), **values})  # type: ignore[arg-type]

    def rounds(self, component: str, level: float | None = None) -> int:
        """Boosting rounds for `component`'s boosters (at quantile `level`, where `level_trees` names it)."""
        if level is not None and (key := level_key(component, level)) in self.level_trees:
            return int(self.level_trees[key])
        return int(self.component_trees.get(component, self.n_estimators))

    def check(self, components: tuple[str, ...], levels: Sequence[float] = QUANTILES) -> None:
        """ValueError naming what cannot be trained: rounds below 1, or rounds for a component (or a component's
        level) the model lacks."""
        for what, given in (("trees", self.component_trees), ("learning rates", self.component_learning_rate),
                            ("constant boosters", dict.fromkeys(self.constant_components))):
            unknown = sorted(set(given) - set(components))
            if unknown:
                raise ValueError(f"{what} given for {', '.join(unknown)}: the model's components are "
                                 f"{', '.join(components)}")
        known = {level_key(c, lv) for c in components for lv in levels}
        unknown = sorted(set(self.level_trees) - known)
        if unknown:
            raise ValueError(f"trees given for {', '.join(unknown)}: not COMPONENT:LEVEL of the model's components "
                             f"({', '.join(components)}) and levels ({', '.join(f'{lv:g}' for lv in levels)})")
        for name, rate in {"every component": self.learning_rate, **self.component_learning_rate}.items():
            if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 < rate <= 1.0:
                raise ValueError(f"the learning rate for {name} must be in (0, 1], got {rate!r}")
        for name, rounds in {"every component": self.n_estimators, **self.component_trees,
                             **self.level_trees}.items():
            if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
                raise ValueError(f"trees for {name} must be a whole number >= 1, got {rounds!r}")

    def params(self, level: float, component: str | None = None) -> dict[str, object]:
        rate = self.learning_rate if component is None else self.component_learning_rate.get(component,
                                                                                             self.learning_rate)
        # A split must gain more than any loss can: the booster stays one leaf, LightGBM's starting quantile.
        constant = {"min_gain_to_split": 1e300} if component in self.constant_components else {}
        return {
            "objective": "quantile", "alpha": level, "learning_rate": float(rate), **constant,
            "num_leaves": self.num_leaves, "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": self.feature_fraction, "bagging_fraction": self.bagging_fraction, "bagging_freq": 1,
            "lambda_l2": self.lambda_l2, "seed": self.seed, "deterministic": True, "force_col_wise": True,
            "num_threads": self.threads, "verbose": -1,
        }


def level_key(component: str, level: float) -> str:
    """`BoostSettings.level_trees`' key of a component's booster at a quantile level: "impact:0.05"."""
    return f"{component}:{level:g}"
