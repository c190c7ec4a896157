"""The kill switch over real FIX: simulator + agent + OMS, with children resting on the venue, and the `footprint`
operator commands run as real processes against the agent's admin endpoint. Also the OMS's mass cancel: like a
kill, it must take every child off the venue and give the OMS every parent's final state."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator

import pytest
from fix_stack import Stack
from resting_orders import ADMIN_TOKEN, final, footprint, rest_parents, wait_gone, working_children

from agent.admin.token import TOKEN_ENV
from agent.core.events import VenueExecReport
from agent.demo import free_port
from agent.fix.oms_client import OmsClient
from agent.journal.journal import Journal, journal_path
from fix_config.vocabulary import ExecType
from risk.trading_state import TradingState

pytestmark = pytest.mark.e2e

KILL_BUDGET_S = 1.0


@pytest.fixture(scope="module")
def admin_token() -> Iterator[str]:
    """The token, in the environment of the agent (started after this) and of every CLI process."""
    before = os.environ.get(TOKEN_ENV)
    os.environ[TOKEN_ENV] = ADMIN_TOKEN
    yield ADMIN_TOKEN
    if before is None:
        del os.environ[TOKEN_ENV]
    else:
        os.environ[TOKEN_ENV] = before


@pytest.fixture(scope="module")
def stack(admin_token: str, stack: Stack) -> Stack:
    """conftest's stack, started with the admin token set."""
    return stack


@pytest.fixture
def oms(stack: Stack, oms: OmsClient) -> Iterator[OmsClient]:
    """conftest's logged-on client; afterwards nothing of this test works on into the next, and nothing stays
    halted."""
    try:
        yield oms
    finally:
        oms.mass_cancel("7")
        wait_gone(stack.venue, set(working_children(stack.venue)))
        engine = stack.agent.runtime.engine
        assert engine is not None
        for scope, state in engine.risk.states().items():
            if state is not TradingState.ACTIVE:
                operator(stack, "resume", *(["--all"] if scope == "*" else ["--symbol", scope]))


def operator(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    """A `footprint` operator command against the stack's agent, found through its state folder."""
    result = footprint(*args, "--state-dir", str(stack.state / "agent"))
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def last_cancel_ack(stack: Stack, children: set[str], since: float, timeout: float = 5) -> float:
    """When the agent received the venue's Canceled for the last of `children` (journal time); the venue may
    have cancelled them a moment before its reports reach the agent's journal."""
    names = {cl: r.cl_ord_ids[0] for r in stack.venue.ledger() if r.cl_ord_ids[0] in children for cl in r.cl_ord_ids}
    acks: dict[str, float] = {}
    deadline = time.time() + timeout
    while acks.keys() != children and time.time() < deadline:
        with Journal.open(journal_path(stack.state / "agent"), readonly=True) as journal:
            for record in journal.records(types=("VenueExecReport",)):
                rep = record.item
                assert isinstance(rep, VenueExecReport)
                if record.ts >= since and rep.exec_type == ExecType.CANCELED:
                    child = names.get(rep.cl_ord_id) or names.get(rep.orig_cl_ord_id or "")
                    if child is not None:
                        acks[child] = record.ts
        time.sleep(0.05)
    assert acks.keys() == children, f"no Canceled for {children - acks.keys()}"
    return max(acks.values())


def test_kill_all_from_the_cli_cancels_everything_within_a_second(stack: Stack, oms: OmsClient) -> None:
    ids = rest_parents(stack.venue, oms, [("CRYPTOALPHA", "1", 40_000), ("CRYPTOALPHA", "2", 30_000),
                                    ("ACME", "1", 60_000), ("ACME", "2", 60_000)])
    children = set(working_children(stack.venue))
    assert len(children) == 4
    started = time.time()
    result = operator(stack, "kill", "--all", "--reason", "e2e kill switch")
    cli_s = time.time() - started
    wait_gone(stack.venue, children)
    latency = last_cancel_ack(stack, children, started) - started
    print(f"\nkill --all: {len(children)} children on {len(ids)} parents; last Canceled from the venue "
          f"{latency * 1000:.0f} ms after the CLI started (CLI round trip {cli_s * 1000:.0f} ms)")
    assert latency < KILL_BUDGET_S
    assert "operator kill (all)" in result.stdout and "4 parents finishing as Canceled" in result.stdout
    for cl in ids:
        done = final(oms, cl)
        assert done.get(39) == "4" and done.as_int(151) == 0
        assert "killed by operator" in (done.get(58) or "") and "e2e kill switch" in (done.get(58) or "")

    refused = oms.new_order("CRYPTOALPHA", "1", 1_000, tif="6", expire_time=time.time() + 30)
    rej = final(oms, refused, 5)
    assert rej.get(39) == "8" and "HALTED" in (rej.get(58) or "")
    status = operator(stack, "status")
    assert "trading: everything HALTED" in status.stdout and status.stdout.startswith("ready")

    operator(stack, "resume", "--all")
    accepted = oms.new_order("CRYPTOALPHA", "1", 1_000, tif="6", expire_time=time.time() + 30)
    new = oms.wait_for(lambda m: m.get(11) == accepted and m.get(150) in ("0", "8"), 5)
    assert new is not None and new.get(150) == "0", new and new.raw


def test_kill_symbol_leaves_the_other_symbol_working(stack: Stack, oms: OmsClient) -> None:
    ids = rest_parents(stack.venue, oms, [("CRYPTOALPHA", "1", 40_000), ("ACME", "1", 60_000), ("ACME", "2", 60_000)])
    first, *rest = ids
    acme = {c for c, oid in working_children(stack.venue).items() if oid != ids[first]}
    started = time.time()
    operator(stack, "kill", "--symbol", "ACME", "--reason", "symbol kill")
    wait_gone(stack.venue, acme)
    print(f"\nkill --symbol ACME: last Canceled {(last_cancel_ack(stack, acme, started) - started) * 1000:.0f} ms")
    for cl in rest:
        assert final(oms, cl).get(39) == "4"
    assert ids[first] in working_children(stack.venue).values()  # CRYPTOALPHA works on
    rej = final(oms, oms.new_order("ACME", "1", 1_000, tif="6", expire_time=time.time() + 30), 5)
    assert rej.get(39) == "8" and "ACME is HALTED" in (rej.get(58) or "")
    operator(stack, "resume", "--symbol", "ACME")


def test_kill_one_parent_by_its_cl_ord_id(stack: Stack, oms: OmsClient) -> None:
    ids = rest_parents(stack.venue, oms, [("CRYPTOALPHA", "1", 40_000), ("CRYPTOALPHA", "2", 40_000)])
    target, other = ids
    children = {c for c, oid in working_children(stack.venue).items() if oid == ids[target]}
    result = operator(stack, "kill", "--parent", target)
    assert ids[target] in result.stdout
    wait_gone(stack.venue, children)
    assert final(oms, target).get(39) == "4"
    assert ids[other] in working_children(stack.venue).values()
    # A parent kill halts nothing else: a new order is accepted straight away.
    new_cl = oms.new_order("CRYPTOALPHA", "1", 1_000, tif="6", expire_time=time.time() + 30)
    new = oms.wait_for(lambda m: m.get(11) == new_cl and m.get(150) in ("0", "8"), 5)
    assert new is not None and new.get(150) == "0"


def test_halt_pauses_and_resume_carries_on(stack: Stack, oms: OmsClient) -> None:
    ids = rest_parents(stack.venue, oms, [("CRYPTOALPHA", "1", 40_000), ("ACME", "2", 60_000)])
    children = set(working_children(stack.venue))
    start = len(oms.messages)
    operator(stack, "halt", "--all", "--reason", "news pending")
    wait_gone(stack.venue, children)
    for cl in ids:
        restated = oms.wait_for(lambda m, cl=cl: m.get(11) == cl and m.get(150) == "D", 5, start=start)
        assert restated is not None and restated.get(39) in ("0", "1")
        assert "halted by operator" in (restated.get(58) or "")
    time.sleep(1.5)  # a few decision rounds: nothing goes back while halted
    assert not working_children(stack.venue)
    operator(stack, "resume", "--all")
    deadline = time.time() + 10
    while time.time() < deadline and set(working_children(stack.venue).values()) != set(ids.values()):
        time.sleep(0.05)
    assert set(working_children(stack.venue).values()) == set(ids.values())
    for cl in ids:
        assert oms.wait_for(lambda m, cl=cl: m.get(11) == cl and m.get(150) == "D"
                            and "resumed by operator" in (m.get(58) or ""), 5, start=start)


def test_oms_mass_cancel_takes_every_child_off(stack: Stack, oms: OmsClient) -> None:
    ids = rest_parents(stack.venue, oms, [("CRYPTOALPHA", "1", 40_000), ("ACME", "1", 60_000), ("ACME", "2", 60_000)])
    children = set(working_children(stack.venue))
    m = oms.mass_cancel("7")
    report = oms.wait_for(lambda x: x.msg_type == "r" and x.get(11) == m, 5)
    assert report is not None and report.as_int(533) == 3
    wait_gone(stack.venue, children)
    for cl in ids:
        done = final(oms, cl)
        assert done.get(39) == "4" and done.as_int(151) == 0


def test_the_cli_refuses_a_wrong_token_and_an_unreachable_agent(stack: Stack) -> None:
    env = {**os.environ, TOKEN_ENV: "not-the-token-of-this-agent"}
    result = footprint("halt", "--all", "--state-dir", str(stack.state / "agent"), env=env)
    assert result.returncode == 1 and "refused the token" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    engine = stack.agent.runtime.engine
    assert engine is not None and set(engine.risk.states().values()) == {TradingState.ACTIVE}
    result = footprint("kill", "--all", "--port", str(free_port()))
    assert result.returncode == 1 and "agent not reachable" in result.stderr
