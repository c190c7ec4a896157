"""The agent SIGKILLed at seeded points while it works parents, restarted on the same state folder, left to
finish: nothing lost, nothing sent twice, nothing overfilled, nothing left working. The short version of
`tests/e2e/crash_suite.py` (which runs 20+ points)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from crash_harness import CATEGORIES, CrashScenario, log_context, plan_scenarios

pytestmark = pytest.mark.e2e

SEED = 1  # 8 points over both venue behaviours; with this seed they cover every category
PLAN = plan_scenarios(SEED, total=8, per_scenario=4)


def test_the_seeded_plan_covers_every_kind_of_kill_point() -> None:
    covered = {p.category for _, chain in PLAN for p in chain}
    assert covered >= set(CATEGORIES) - {"after-send"}, covered
    assert {b for b, _ in PLAN} == {"cancel-on-disconnect", "keep-orders"}
    assert all(chain[0].category != "recovery" for _, chain in PLAN)


@pytest.mark.parametrize(("behaviour", "points"), PLAN, ids=[b for b, _ in PLAN])
def test_agent_survives_kills(tmp_path: Path, behaviour: str, points: list) -> None:
    result = CrashScenario(tmp_path, behaviour, points, SEED, point_timeout_s=15.0, progress=print).run()
    lives = "\n".join(f"{life.point.spec if life.point else '-'}: rc {life.rc} reached {life.reached} {life.note}"
                      for life in result.lives)
    evidence = "\n".join(result.failures) + "\n" + lives + "\n" + log_context(
        tmp_path / "agent.log", r"ERROR|CRITICAL|sending .* again", before=2, after=4, limit=8)
    assert not result.failures, evidence
    # The kills were real: every run ended with SIGKILL (its own at the point, or the harness's when the point
    # never came), on a journal that was there and growing for the next run to replay.
    assert [life.rc for life in result.lives] == [-signal.SIGKILL] * len(points), lives
    reached = [life for life in result.lives if life.reached]
    assert len(reached) >= len(points) - 1, f"kill points not reached:\n{lives}"
    records = [life.journal_records for life in result.lives]
    assert records[0] > 0 and records == sorted(records), records
    figures = result.figures
    assert figures["parents"] >= 3 and figures["filled"] > 0 and figures["venue orders"] > 0, figures
    assert figures.get("lost", 0) == figures.get("duplicated", 0) == figures.get("overfilled", 0) == 0, figures
