"""The full crash-recovery run: the agent SIGKILLed at 20+ seeded points against the FIX simulator, with and
without cancel-on-disconnect, restarted on the same state folder each time, then checked.

    .venv/bin/python tests/e2e/crash_suite.py --seed 7 --points 24

Prints the seed, a line per kill point, then a table of every point and the line
"survived N of M kill points; L lost, D duplicated, O overfilled". Exits 1 on any failed check, or when fewer
than --min-survived points were survived. State folders and agent logs stay under --out for a look afterwards.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from crash_harness import CrashScenario, ScenarioResult, log_context, plan_scenarios  # this script's folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7, help="draws the kill points and the parents (default 7)")
    parser.add_argument("--points", type=int, default=24, help="kill points in all (default 24)")
    parser.add_argument("--per-scenario", type=int, default=4, help="kills chained in one scenario (default 4)")
    parser.add_argument("--min-survived", type=int, default=20, help="fail below this many survived (default 20)")
    parser.add_argument("--point-timeout", type=float, default=20.0,
                        help="seconds a run may take to reach its point before it counts as not reached")
    parser.add_argument("--out", type=Path, default=None, help="where state folders and logs go (default: a temp dir)")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="footprint-crash-"))
    plan = plan_scenarios(args.seed, args.points, args.per_scenario)
    print(f"crash suite: seed {args.seed}, {args.points} kill points in {len(plan)} scenarios, state under {out}",
          flush=True)
    started = time.monotonic()
    results: list[ScenarioResult] = []
    for i, (behaviour, points) in enumerate(plan, 1):
        print(f"scenario {i}/{len(plan)} ({behaviour}): {', '.join(p.spec for p in points)}", flush=True)
        result = CrashScenario(out / f"s{i:02d}-{behaviour}", behaviour, points, args.seed * 1000 + i,
                               point_timeout_s=args.point_timeout,
                               progress=lambda line: print(line, flush=True)).run()
        results.append(result)

    print()
    print(f"{'#':>3}  {'kill point':<32} {'category':<13} {'venue':<21} {'reached':<8} survived")
    n = 0
    for i, result in enumerate(results, 1):
        for life in result.lives:
            assert life.point is not None
            n += 1
            survived = "yes" if life.reached and not result.failures else ("-" if not life.reached else "NO")
            print(f"{n:>3}  {life.point.spec:<32} {life.point.category:<13} {result.behaviour:<21} "
                  f"{'yes' if life.reached else 'no':<8} {survived}  (scenario {i})")
    failed = [r for r in results if r.failures]
    for r in failed:
        print(f"\nFAILED scenario {r.log_path.parent if r.log_path else '?'} ({r.behaviour}, seed {r.seed}):")
        for line in r.failures:
            print(f"  {line}")
        if r.log_path is not None:
            print(log_context(r.log_path, r"ERROR|sending .* again|harness", before=1, after=3, limit=12))
    survived = sum(len(r.survived) for r in results)
    total = sum(len(r.lives) for r in results)
    not_reached = sum(1 for r in results for life in r.lives if not life.reached)
    lost = sum(r.figures.get("lost", 0) for r in results)
    duplicated = sum(r.figures.get("duplicated", 0) for r in results)
    overfilled = sum(r.figures.get("overfilled", 0) for r in results)
    print(f"\nseed {args.seed}: {not_reached} points not reached; {len(failed)} of {len(results)} scenarios failed "
          f"their checks; {time.monotonic() - started:.0f}s")
    print(f"survived {survived} of {total} kill points; {lost} lost, {duplicated} duplicated, {overfilled} overfilled")
    return 1 if failed or survived < min(args.min_survived, args.points) else 0


if __name__ == "__main__":
    sys.exit(main())
