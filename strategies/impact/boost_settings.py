"""LightGBM's settings for the impact model's boosters: plain values, so the CLI can show its defaults without
loading LightGBM."""

from __future__ import annotations

from dataclasses import dataclass

CALIBRATION_EVERY = 4
"""Of the training data's seeds, every k-th calibrates the quantiles (conformal offsets) instead of training."""


@dataclass(frozen=True)
class BoostSettings:
    """LightGBM's settings, one set for every booster. Few, small trees: the served model has a booster per
    component and quantile (28), and a decision tick scores every live parent in one call. ONNX Runtime walks a
    7-leaf tree in about 10 ns a row on this project's 2-core machine, so 28 boosters of 6 trees score 1,000 parents
    in under 2 ms (bench/bench_impact_inference.py); 20 or 150 trees did not forecast better out of sample."""

    n_estimators: int = 6
    num_leaves: int = 7
    learning_rate: float = 0.35
    min_data_in_leaf: int = 40
    feature_fraction: float = 0.9
    bagging_fraction: float = 0.8
    lambda_l2: float = 1.0
    seed: int = 7
    threads: int = 1

    def params(self, level: float) -> dict[str, object]:
        return {
            "objective": "quantile", "alpha": level, "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves, "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": self.feature_fraction, "bagging_fraction": self.bagging_fraction, "bagging_freq": 1,
            "lambda_l2": self.lambda_l2, "seed": self.seed, "deterministic": True, "force_col_wise": True,
            "num_threads": self.threads, "verbose": -1,
        }
