"""Speed of the impact model under ONNX Runtime: single-row latency, and throughput at batch 1 to 10,000.

    .venv/bin/python bench/bench_impact_inference.py [--model PATH] [--threads 1] [--card]
    .venv/bin/python bench/bench_impact_inference.py --synthetic [--trees 100] [--leaves 15] [--seed 7]

By default it times the model the repository ships (strategies/impact/model/impact.onnx) on rows drawn inside the
feature ranges it was trained on, both the ONNX Runtime call alone and the whole served path (the call, then
`finish`: scales, calibration, the total's composition, sorting). With --synthetic it trains 21 LightGBM quantile
boosters (3 targets x 7 quantiles; --targets and --quantiles change
that, to see how time scales with the number of boosters) on 25 seeded synthetic features and exports them with
boosters_to_onnx, which checks the export against LightGBM. Targets: single-row p99 under 100 us on CPU, a batch of
1,000 under 2 ms. Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from collections.abc import Callable
from functools import partial

import lightgbm as lgb
import numpy as np
import onnxruntime as ort
from machine import cpu_model

from agent.impact.impact_training import CARD_FILE, CARD_JSON
from agent.impact.pretrade import SHIPPED_MODEL, PreTrade
from strategies.impact.inference import ImpactInference
from strategies.impact.onnx_export import boosters_to_onnx

TARGETS = ("impact_bps", "shortfall_bps", "spread_paid_bps")
QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
N_FEATURES = 25
TRAIN_ROWS = 4_000
BATCHES = (1, 100, 1_000, 10_000)
BATCH_SECONDS = 1.5  # timing budget per batch size, so a slow model still finishes
MAX_BATCH_CALLS = 5_000


def synthetic(rows: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Features [rows, 25] and three heteroscedastic targets [rows, 3] with different shapes."""
    x = rng.normal(size=(rows, N_FEATURES))
    x[:, 1] = rng.integers(0, 10, rows)  # an integer feature, as a bucket would be
    x[rng.random(rows) < 0.5, 2] = 0.0  # a mostly-zero feature
    noise = rng.normal(size=(rows, 3)) * (1.0 + np.abs(x[:, 3:6]))
    y = np.column_stack(
        [
            20 + 8 * np.sqrt(np.abs(x[:, 0])) + 2 * x[:, 1] + 3 * x[:, 2],
            5 + 4 * x[:, 6] * x[:, 7] + np.maximum(x[:, 8], 0) * 6,
            2 + np.abs(x[:, 9]) * 3 + x[:, 10],
        ]
    )
    return x, y + noise


def build_model(
    trees: int, leaves: int, targets: int, quantiles: tuple[float, ...], seed: int
) -> tuple[list[lgb.Booster], bytes, float]:
    """Train targets x quantiles boosters and export them: (boosters, model, seconds spent exporting and checking)."""
    x, y = synthetic(TRAIN_ROWS, np.random.default_rng(seed))
    features = [f"f{i:02d}" for i in range(N_FEATURES)]
    boosters, names = [], []
    t0 = time.perf_counter()
    for t, target in enumerate(TARGETS[:targets]):
        dataset = lgb.Dataset(x, y[:, t], feature_name=features, free_raw_data=False)
        for q in quantiles:
            params = {"objective": "quantile", "alpha": q, "num_leaves": leaves, "learning_rate": 0.05}
            # One thread: OpenMP workers spin, and on a busy machine two train many times slower than one.
            params |= {"deterministic": True, "seed": seed, "verbose": -1, "num_threads": 1}
            boosters.append(lgb.train(params, dataset, num_boost_round=trees))
            names.append(f"{target}_q{round(q * 100):02d}")
    print(f"trained {len(boosters)} boosters x {trees} trees x {leaves} leaves in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    model = boosters_to_onnx(boosters, names, features, metadata={"bench_seed": str(seed)})
    return boosters, model, time.perf_counter() - t0


def native_reference(boosters: list[lgb.Booster], rows: np.ndarray) -> None:
    """LightGBM's own predict (one call per booster, one thread) on one row and on 1,000, for comparison."""

    def predict_all(x: np.ndarray) -> list[object]:
        return [b.predict(x, num_threads=1) for b in boosters]

    single, _ = call_times_us(partial(predict_all, rows[:1]), 200, warmup=20)
    batch, _ = call_times_us(partial(predict_all, rows[:1_000]), 10, warmup=1)
    print(
        f"LightGBM predict for reference ({len(boosters)} calls, 1 thread): single row p50 "
        f"{np.percentile(single, 50):.0f} us, batch 1,000 p50 {np.percentile(batch, 50) / 1e3:.3f} ms"
    )


def in_ranges(inference: ImpactInference, rows: int, rng: np.random.Generator) -> np.ndarray:
    """Rows drawn uniformly inside each feature's training range, as the model's metadata records it."""
    ranges = json.loads(inference.metadata["feature_ranges"])
    low = np.array([ranges[name][0] for name in inference.feature_names])
    high = np.array([ranges[name][1] for name in inference.feature_names])
    return np.ascontiguousarray(low + (high - low) * rng.random((rows, len(low))))


def finish_path(served: PreTrade, rows: np.ndarray) -> dict[str, float]:
    """The whole served path: the ONNX call, then `finish` (what a decision tick or a pre-trade estimate runs)."""

    def serve(x: np.ndarray) -> object:
        return served.layout.finish(served.inference.predict(x), x)

    single, _ = call_times_us(partial(serve, rows[:1]), 5_000, warmup=200)
    batch, _ = call_times_us(partial(serve, rows[:1_000]), 300, warmup=10)
    print(
        f"served path (ONNX + finish): single row p50 {np.percentile(single, 50):.1f} us, p99 "
        f"{np.percentile(single, 99):.1f} us; batch 1,000 p50 {np.percentile(batch, 50) / 1e3:.3f} ms, p99 "
        f"{np.percentile(batch, 99) / 1e3:.3f} ms"
    )
    return {"served_single_p50_us": float(np.percentile(single, 50)),
            "served_single_p99_us": float(np.percentile(single, 99)),
            "served_batch_1000_p50_ms": float(np.percentile(batch, 50) / 1e3)}


def call_times_us(call: Callable[[], object], calls: int, warmup: int) -> tuple[np.ndarray, float]:
    """Wall time of each of `calls` calls and the process CPU time per call, in microseconds, after a warm-up.

    On a shared machine wall time includes waiting for a core; CPU time is what the calls themselves cost."""
    for _ in range(warmup):
        call()
    times = np.empty(calls)
    cpu0 = time.process_time_ns()
    for i in range(calls):
        t0 = time.perf_counter_ns()
        call()
        times[i] = time.perf_counter_ns() - t0
    return times / 1e3, (time.process_time_ns() - cpu0) / calls / 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trees", type=int, default=100, help="trees per booster")
    parser.add_argument("--leaves", type=int, default=15, help="num_leaves per tree")
    parser.add_argument(
        "--targets", type=int, choices=(1, 2, 3), default=3, help="targets (boosters = this x quantiles)"
    )
    parser.add_argument("--quantiles", default=",".join(map(str, QUANTILES)), help="comma-separated quantile levels")
    parser.add_argument("--threads", type=int, default=1, help="ONNX Runtime intra_op threads")
    parser.add_argument("--device", choices=("cpu", "cuda", "auto"), default="cpu")
    parser.add_argument("--model", default=str(SHIPPED_MODEL), help="an ONNX file made by `footprint train impact`")
    parser.add_argument("--synthetic", action="store_true", help="train a synthetic model instead of --model")
    parser.add_argument("--save", help="write the trained model's ONNX bytes here")
    parser.add_argument("--single-calls", type=int, default=20_000, help="timed single-row calls")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--card", action="store_true", help="write the figures into the model's card (not --synthetic)")
    args = parser.parse_args()
    if args.card and args.synthetic:
        parser.error("--card writes the figures of a model's card: it cannot go with --synthetic")
    machine = (
        f"{cpu_model()}, {os.cpu_count()} logical cores; Python {platform.python_version()}, "
        f"onnxruntime {ort.__version__}, lightgbm {lgb.__version__}, numpy {np.__version__}"
    )
    print(f"machine: {machine}; seed {args.seed}; load average {os.getloadavg()[0]:.2f}")
    figures: dict[str, object] = {"machine": machine, "load_average_at_start": os.getloadavg()[0]}
    served: PreTrade | None = None
    if not args.synthetic:
        inference = ImpactInference.from_file(args.model, args.device, args.threads)
        served = PreTrade(inference)
        print(f"model {args.model} ({os.path.getsize(args.model) / 1024:.0f} KiB)")
    else:
        quantiles = tuple(float(q) for q in args.quantiles.split(","))
        boosters, model, export_s = build_model(args.trees, args.leaves, args.targets, quantiles, args.seed)
        print(f"exported and checked against LightGBM in {export_s:.2f} s; {len(model) / 2**20:.2f} MiB")
        if args.save:
            with open(args.save, "wb") as out:
                out.write(model)
        inference = ImpactInference(model, args.device, args.threads)
    print(
        f"provider {inference.provider_in_use}"
        + (f" (fell back: {inference.fallback_reason})" if inference.fallback_reason else "")
        + f", intra_op threads {inference.intra_op_threads}; {len(inference.output_names)} outputs, "
        f"{len(inference.feature_names)} features; joined trees for small batches: {inference.small_batch_session}"
    )
    rng = np.random.default_rng(args.seed + 1)
    rows = synthetic(max(BATCHES), rng)[0] if served is None else in_ranges(inference, max(BATCHES), rng)
    row = rows[0]
    single, cpu = call_times_us(partial(inference.predict, row), args.single_calls, warmup=1_000)
    print(
        f"single row ({args.single_calls:,} calls): p50 {np.percentile(single, 50):.1f} us, "
        f"p99 {np.percentile(single, 99):.1f} us, p99.9 {np.percentile(single, 99.9):.1f} us, "
        f"max {single.max():.0f} us, CPU {cpu:.1f} us/call  [target p99 < 100 us]"
    )
    figures |= {"single_p50_us": float(np.percentile(single, 50)), "single_p99_us": float(np.percentile(single, 99)),
                "intra_op_threads": inference.intra_op_threads, "provider": inference.provider_in_use,
                "small_batches": inference.small_batch_session}
    for batch in BATCHES:
        x = np.ascontiguousarray(rows[:batch])
        probe, _ = call_times_us(partial(inference.predict, x), 3, warmup=2)
        calls = int(max(10, min(MAX_BATCH_CALLS, BATCH_SECONDS * 1e6 / np.median(probe))))
        times, cpu = call_times_us(partial(inference.predict, x), calls, warmup=0)
        target = "  [target < 2 ms]" if batch == 1_000 else ""
        print(
            f"batch {batch:>6,} ({calls:>5,} calls): p50 {np.percentile(times, 50) / 1e3:8.3f} ms, "
            f"p99 {np.percentile(times, 99) / 1e3:8.3f} ms, {batch / np.mean(times) * 1e6:>10,.0f} rows/s, "
            f"CPU {cpu / 1e3:8.3f} ms/call{target}"
        )
        figures[f"batch_{batch}"] = {"p50_ms": float(np.percentile(times, 50) / 1e3),
                                     "p99_ms": float(np.percentile(times, 99) / 1e3),
                                     "rows_per_s": float(batch / np.mean(times) * 1e6)}
    if served is not None:
        figures |= finish_path(served, rows)
    else:
        native_reference(boosters, rows)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    if args.card:
        figures["command"] = "python " + shlex.join(["bench/bench_impact_inference.py", *sys.argv[1:]])
        write_card(args.model, figures)


def write_card(model: str, figures: dict[str, object]) -> None:
    """The figures as the card's "Serving speed" section (replacing an older one) and as `serving_speed` in its
    JSON, in the model's folder."""
    folder = os.path.dirname(os.path.abspath(model))
    card_json = os.path.join(folder, CARD_JSON)
    with open(card_json) as js:
        card = json.load(js)
    card["serving_speed"] = figures
    with open(card_json, "w") as js:
        js.write(json.dumps(card, indent=2) + "\n")
    b1, b1k, b10k = (figures[f"batch_{n}"] for n in (1, 1_000, 10_000))
    assert isinstance(b1, dict) and isinstance(b1k, dict) and isinstance(b10k, dict)
    f = figures
    section = [
        SPEED_HEADING, "",
        f"Measured by `{f['command']}` on {f['machine']} (provider {f['provider']}, {f['intra_op_threads']} intra-op "
        f"thread; load average {f['load_average_at_start']:.2f}; the trees joined into one node for small "
        f"batches: {f.get('small_batches', 'off')}):",
        "",
        f"- one row, the ONNX Runtime call: p50 {f['single_p50_us']:.1f} us, p99 {f['single_p99_us']:.1f} us "
        "(target p99 < 100 us)",
        f"- a batch of 1,000: p50 {b1k['p50_ms']:.3f} ms, p99 {b1k['p99_ms']:.3f} ms (target < 2 ms); "
        f"{b1['rows_per_s']:,.0f} rows/s at batch 1, {b1k['rows_per_s']:,.0f} at 1,000, "
        f"{b10k['rows_per_s']:,.0f} at 10,000",
        f"- with `finish` (bps, calibration, the total, sorting): one row p50 {f['served_single_p50_us']:.1f} us, "
        f"p99 {f['served_single_p99_us']:.1f} us; a batch of 1,000 p50 {f['served_batch_1000_p50_ms']:.3f} ms",
        "",
    ]
    card_md = os.path.join(folder, CARD_FILE)
    with open(card_md) as md:
        text = md.read()
    head, _, rest = text.partition(SPEED_HEADING)
    tail = rest[rest.find("\n## "):] if rest and "\n## " in rest else ""
    if not rest:  # first time: before the score tables
        head, _, tail = text.partition(TABLES_HEADING)
        tail = TABLES_HEADING + tail if tail else ""
    with open(card_md, "w") as md:
        md.write(head + "\n".join(section) + "\n" + tail.lstrip("\n"))
    print(f"wrote the figures into {card_md} and {card_json}")


SPEED_HEADING = "## Serving speed"
TABLES_HEADING = "## Against the realised shortfall"


if __name__ == "__main__":
    main()
