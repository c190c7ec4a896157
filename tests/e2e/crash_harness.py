"""Crash recovery, end to end: the agent as its own process, SIGKILLed at named points while it works parents,
restarted on the same state folder, then checked against the venue's ledger and what the OMS received.

The venue (the FIX simulator) and the OMS (the bundled QuickFIX client, keeping its sequence numbers so it gets
what it missed by resend) run in this process; the agent runs as `python -m agent.cli agent --config ...`, so the
kill is real. A scenario is a chain of kill points: the agent is started with the first one armed
(FOOTPRINT_CRASH_AT), dies there, is started again with the next, and so on; a last run without any lets every
parent finish. Used by `test_crash_recovery.py` (short, seeded) and `crash_suite.py` (the full run).
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import fix_config
from agent.core.ids import parent_of
from agent.crash_points import ENV as CRASH_ENV
from agent.demo import free_port
from agent.fix.oms_client import TERMINAL_STATUSES, OmsClient, Received
from simulator.fix_order_desk import VenueOrderRecord
from simulator.fix_venue import VenueServer

REPO = Path(__file__).resolve().parents[2]
SYMBOL = "CRYPTOALPHA"
AGENT_COMP_ID = "FOOTPRINT"

# Kill points by what they interrupt. `#n` counts are drawn by the seed where a point recurs.
CATEGORIES: dict[str, tuple[str, ...]] = {
    # a command journaled as an intent, not yet handed to QuickFIX
    "journal-send": ("intent:VenueNewOrder", "intent:ParentExecReport"),
    # a command just handed to QuickFIX, its effects not yet seen
    "after-send": ("sent:VenueNewOrder", "sent:ParentExecReport"),
    # a venue fill journaled, not yet applied, so not yet reported to the OMS
    "fill-report": ("event:fill",),
    # an OMS replace, or a child replace, in flight
    "replace": ("event:ReplaceRequest", "intent:VenueReplace", "sent:VenueReplace"),
    # an OMS cancel, or a child cancel, in flight
    "cancel": ("event:CancelRequest", "intent:VenueCancel", "sent:VenueCancel"),
    # the restart itself: after replay, and while reconciling with the venue
    "recovery": ("replayed", "intent:VenueStatusRequest", "intent:VenueMassStatusRequest",
                 "sent:VenueMassStatusRequest", "event:VenueExecReport"),
}
# Points an OMS message triggers exactly once per run: never `#n` above 1.
_ONCE = {"event:ReplaceRequest", "event:CancelRequest", "replayed", "intent:VenueMassStatusRequest",
         "sent:VenueMassStatusRequest", "event:VenueExecReport", "intent:VenueStatusRequest"}
BEHAVIOURS = ("cancel-on-disconnect", "keep-orders")


@dataclass(frozen=True)
class KillPoint:
    spec: str  # the FOOTPRINT_CRASH_AT value
    category: str


def _point(rng: random.Random, category: str) -> KillPoint:
    name = rng.choice(CATEGORIES[category])
    nth = 1 if name in _ONCE else rng.randint(1, 4)
    return KillPoint(name if nth == 1 else f"{name}#{nth}", category)


def plan_scenarios(seed: int, total: int, per_scenario: int,
                   behaviours: tuple[str, ...] = BEHAVIOURS) -> list[tuple[str, list[KillPoint]]]:
    """`total` kill points split evenly over the venue behaviours, each behaviour's share covering every category
    when it is large enough, in chains of `per_scenario`; no chain starts with a recovery point (the first run
    of a scenario has nothing to recover)."""
    rng = random.Random(seed)
    cats = list(CATEGORIES)
    plan: list[tuple[str, list[KillPoint]]] = []
    for b, behaviour in enumerate(behaviours):
        share = total // len(behaviours) + (1 if b < total % len(behaviours) else 0)
        chosen = rng.sample(cats, min(share, len(cats))) + [rng.choice(cats) for _ in range(share - len(cats))]
        rng.shuffle(chosen)
        for i in range(0, share, per_scenario):
            chain = chosen[i:i + per_scenario]
            if chain[0] == "recovery":
                first = next((j for j, c in enumerate(chain) if c != "recovery"), None)
                if first is None:
                    chain[0] = "fill-report"
                else:
                    chain[0], chain[first] = chain[first], chain[0]
            plan.append((behaviour, [_point(rng, c) for c in chain]))
    return plan


@dataclass
class Ticket:
    """One parent as the OMS sent it, with every ClOrdID the OMS used for it."""

    cl_ord_ids: list[str]
    side: str
    qty: int
    expire: float
    price: str | None = None
    current: str = ""  # the ClOrdID the parent answers to now
    pending: str | None = None  # a cancel or replace not answered yet

    def __post_init__(self) -> None:
        self.current = self.current or self.cl_ord_ids[0]

    @property
    def ord_type(self) -> str:
        return "1" if self.price is None else "2"


@dataclass
class LifeOutcome:
    """One run of the agent."""

    point: KillPoint | None
    reached: bool  # the armed point killed it (rc -9 and its log line)
    rc: int | None
    seconds: float
    journal_records: int = 0  # what the next run replays
    note: str = ""


@dataclass
class ScenarioResult:
    behaviour: str
    seed: int
    lives: list[LifeOutcome] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)
    log_path: Path | None = None
    seconds: float = 0.0

    @property
    def survived(self) -> list[KillPoint]:
        """Kill points that killed the agent, in a scenario whose checks all passed."""
        if self.failures:
            return []
        return [life.point for life in self.lives if life.point is not None and life.reached]


def agent_config_text(oms_port: int, venue_port: int, state_dir: Path) -> str:
    """fix_config/agent.toml with this run's ports, state folder and fast timings.

    A --config file replaces agent.toml as a whole, so this is the whole file with some values changed."""
    values = {
        "oms_port": str(oms_port), "venue_port": str(venue_port), "state_dir": f'"{state_dir}"',
        "decision_interval_s": "0.1", "slice_interval_s": "1.0", "final_window_s": "1.5",
        "ack_timeout_s": "1.0", "reconcile_timeout_s": "5",
    }
    text = fix_config.path("agent.toml").read_text()
    for key, value in values.items():
        text, n = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
        assert n == 1, f"agent.toml: {key} set {n} times"
    return text


def venue_ledger(venue: VenueServer) -> list[VenueOrderRecord]:
    """The venue's truth about every order it took."""
    return venue.ledger()


class AgentProcess:
    """`footprint agent` in a process of its own, its log appended to `log_path`."""

    def __init__(self, config: Path, log_path: Path, crash_at: str | None) -> None:
        env = dict(os.environ)
        env.pop(CRASH_ENV, None)
        if crash_at:
            env[CRASH_ENV] = crash_at
        self.log_path = log_path
        self._log_start = log_path.stat().st_size if log_path.exists() else 0
        with log_path.open("ab") as out:
            out.write(f"==== harness: agent start, {CRASH_ENV}={crash_at or ''}\n".encode())
            out.flush()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "agent.cli", "agent", "--config", str(config), "--admin-port", "0"],
                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def log_text(self) -> str:
        with self.log_path.open("rb") as f:
            f.seek(self._log_start)
            return f.read().decode(errors="replace")

    def poll(self) -> int | None:
        return self.proc.poll()

    def wait(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> int:
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGKILL)
        return self.proc.wait(30)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM: the agent cancels every child and logs out; SIGKILL if it does not end in time."""
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGTERM)
        rc = self.wait(timeout)
        return rc if rc is not None else self.kill()


def journal_records(state: Path) -> int:
    path = state / "journal.sqlite"
    if not path.is_file():
        return 0
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return int(conn.execute("SELECT count(*) FROM records").fetchone()[0])


class CrashScenario:
    """One venue, one OMS, one agent state folder; a chain of kill points, then a run to the end, then checks."""

    def __init__(self, root: Path, behaviour: str, points: list[KillPoint], seed: int, *,
                 point_timeout_s: float = 20.0, startup_timeout_s: float = 45.0,
                 progress: Callable[[str], None] | None = None) -> None:
        assert behaviour in BEHAVIOURS, behaviour
        self.root = root
        self.behaviour = behaviour
        self.points = points
        self.rng = random.Random(seed)
        self.seed = seed
        self.point_timeout_s = point_timeout_s
        self.startup_timeout_s = startup_timeout_s
        self.progress = progress or (lambda line: None)
        self.state = root / "agent"
        self.log_path = root / "agent.log"
        self.tickets: list[Ticket] = []
        self.requests: list[str] = []  # ClOrdIDs of the OMS's cancels and replaces
        self.replaced = False
        self.cancelled = False
        self.result = ScenarioResult(behaviour, seed, log_path=self.log_path)

    # ------------------------------------------------------------------ running

    def run(self) -> ScenarioResult:
        started = time.monotonic()
        self.root.mkdir(parents=True, exist_ok=True)
        venue_port, oms_port = free_port(), free_port()
        self.venue = VenueServer(self.root / "sim", port=venue_port, seed=self.seed,
                                 cancel_on_disconnect=self.behaviour == "cancel-on-disconnect")
        config = self.root / "agent.toml"
        config.write_text(agent_config_text(oms_port, venue_port, self.state))
        self.oms = OmsClient(oms_port, self.root / "oms", overrides={"ResetOnLogon": "N"})
        self.venue.start()
        self.oms.start()
        agent: AgentProcess | None = None
        try:
            for i, point in enumerate(self.points):
                if i > 0 and journal_records(self.state) == 0:
                    self.result.failures.append(f"no journal records in {self.state} before restart {i}")
                agent = AgentProcess(config, self.log_path, point.spec)
                self.result.lives.append(self._life(agent, point))
                agent = None
            if journal_records(self.state) == 0:
                self.result.failures.append(f"no journal records in {self.state} before the last restart")
            agent = AgentProcess(config, self.log_path, None)
            self._finish(agent)
            rc = agent.stop()
            if rc != 0:
                self.result.failures.append(f"the last agent run ended with rc {rc} on SIGTERM, not 0")
            agent = None
        finally:
            if agent is not None:
                agent.kill()
            self.oms.stop()
            self.venue.stop()
        self.result.seconds = time.monotonic() - started
        verdict = f"FAILED {len(self.result.failures)} checks" if self.result.failures else "all checks passed"
        self.progress(f"  [{self.behaviour}] {verdict}; {self.result.figures}; {self.result.seconds:.0f}s")
        return self.result

    def _wait_ready(self, agent: AgentProcess, timeout: float) -> bool:
        """True once the OMS is logged on to this agent; False if the agent ended first or time ran out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if agent.poll() is not None:
                return False
            if self.oms.logged_on:
                return True
            time.sleep(0.05)
        return False

    def _wait_logged_off(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.oms.logged_on and time.monotonic() < deadline:
            time.sleep(0.05)

    def _life(self, agent: AgentProcess, point: KillPoint) -> LifeOutcome:
        started = time.monotonic()
        if self._wait_ready(agent, self.startup_timeout_s):
            self._stimulate(agent, point)
            rc = agent.wait(max(0.0, self.point_timeout_s - (time.monotonic() - started)))
        else:
            rc = agent.poll()
        note = ""
        if rc is None:
            rc = agent.kill()
            note = f"not reached in {self.point_timeout_s:.0f}s; killed by the harness"
            reached = False
        else:
            line = f"crash point {point.spec if '#' in point.spec else point.spec + '#1'} reached: SIGKILL"
            reached = rc == -signal.SIGKILL and line in agent.log_text()
            if rc != -signal.SIGKILL:
                self.result.failures.append(f"{point.spec}: the agent ended with rc {rc}, not -9")
            elif not reached:
                self.result.failures.append(f"{point.spec}: rc -9 without the crash point's log line")
        self._wait_logged_off()
        outcome = LifeOutcome(point, reached, rc, time.monotonic() - started, journal_records(self.state), note)
        self.progress(f"  [{self.behaviour}] {point.spec:<32} {point.category:<13} "
                      f"{'killed there' if reached else 'NOT REACHED'} (rc {rc}, {outcome.seconds:.1f}s)")
        return outcome

    # ------------------------------------------------------------------ the OMS's part

    def _working(self, min_left_s: float = 0.0) -> list[Ticket]:
        now = time.time()
        return [t for t in self.tickets if not self._is_final(t) and t.expire - now > min_left_s]

    def _stimulate(self, agent: AgentProcess, point: KillPoint) -> None:
        """Keep two or more parents working, and send the cancel or replace the point needs (one of each per
        scenario at least), a moment apart, while this agent lives."""
        want = 3 if not self.tickets else 2
        for _ in range(want - len(self._working(min_left_s=10.0))):
            self._send_parent()
        actions = []
        if point.category == "replace" or not self.replaced:
            actions.append(self._send_replace)
        if point.category == "cancel" or not self.cancelled:
            actions.append(self._send_cancel)
        for action in actions:
            if agent.wait(1.5) is not None or not self.oms.logged_on:
                return
            with contextlib.suppress(RuntimeError):  # the agent died between the check and the send
                action()

    def _send_parent(self) -> None:
        n = len(self.tickets)
        side = "1" if n % 2 == 0 else "2"
        qty = self.rng.randrange(2_000, 8_000, 100)
        expire = time.time() + self.rng.uniform(20.0, 30.0)
        price = None
        if n % 3 == 2:  # a limit a little through the mid: it binds sometimes, never always
            mid = self.venue.depth(SYMBOL, 1).mid
            assert mid is not None
            price = f"{mid * (1.002 if side == '1' else 0.998):.3f}"
        cl = self.oms.new_order(SYMBOL, side, qty, ord_type="1" if price is None else "2", price=price, tif="6",
                                expire_time=expire, target_strategy="1000")
        self.tickets.append(Ticket([cl], side, qty, expire, price))

    def _current(self, ticket: Ticket) -> tuple[str, int] | None:
        """The ClOrdID and OrderQty the parent stands under now; None while a request about it is unanswered."""
        if ticket.pending is not None:
            answers = [m for m in list(self.oms.messages) if m.get(11) == ticket.pending]
            if any(m.msg_type == "9" for m in answers):
                ticket.pending = None
            elif any(m.msg_type == "8" and m.get(150) == "5" for m in answers):
                ticket.current, ticket.pending = ticket.pending, None
            else:
                return None
        reports = self._reports(ticket)
        if not reports or reports[-1].get(39) in TERMINAL_STATUSES:
            return None
        return ticket.current, reports[-1].as_int(38)

    def _send_replace(self) -> None:
        for ticket in sorted(self._working(min_left_s=8.0), key=lambda t: -t.expire):
            current = self._current(ticket)
            if current is None:
                continue
            cl, qty = current
            new_qty = qty + 1_000 if self.rng.random() < 0.5 else max(qty - 1_000, 500)
            rcl = self.oms.replace(cl, SYMBOL, ticket.side, new_qty, ord_type=ticket.ord_type, price=ticket.price)
            ticket.cl_ord_ids.append(rcl)
            ticket.pending = rcl
            self.requests.append(rcl)
            self.replaced = True
            return

    def _send_cancel(self) -> None:
        working = self._working()
        if len(working) < 2:
            self._send_parent()
            working = self._working()
        for ticket in sorted(working, key=lambda t: t.expire)[:-1]:  # keep the newest working
            current = self._current(ticket)
            if current is None:
                continue
            ccl = self.oms.cancel(current[0], SYMBOL, ticket.side)
            ticket.cl_ord_ids.append(ccl)
            ticket.pending = ccl
            self.requests.append(ccl)
            self.cancelled = True
            return

    # ------------------------------------------------------------------ the end

    def _finish(self, agent: AgentProcess) -> None:
        if not self._wait_ready(agent, self.startup_timeout_s):
            rc = agent.poll()
            self.result.failures.append(f"the last agent run never became ready (rc {rc})")
            return
        deadline = max([t.expire for t in self.tickets], default=time.time()) + 20.0
        while time.time() < deadline and not all(self._is_final(t) for t in self.tickets):
            if agent.poll() is not None:
                self.result.failures.append(f"the last agent run ended by itself with rc {agent.poll()}")
                return
            time.sleep(0.2)
        self._check_status_answers()
        self.check()

    def _check_status_answers(self) -> None:
        """After the restarts, an OrderStatusRequest for each parent is answered from the rebuilt state: the same
        OrdStatus and CumQty as the OMS's last report."""
        for ticket in self.tickets:
            reports = self._reports(ticket)
            if not reports:
                continue  # reported as lost by check()
            last = reports[-1]
            start = len(self.oms.messages)
            self.oms.status(ticket.cl_ord_ids[0], last.get(55) or "", last.get(54) or "")
            answer = self.oms.wait_for(lambda m, ids=frozenset(ticket.cl_ord_ids): m.msg_type == "8"
                                       and m.get(150) == "I" and m.get(11) in ids, 10, start)
            if answer is None:
                self.result.failures.append(f"parent {ticket.cl_ord_ids[0]}: no answer to an OrderStatusRequest")
            elif (answer.get(39), answer.as_int(14)) != (last.get(39), last.as_int(14)):
                self.result.failures.append(
                    f"parent {ticket.cl_ord_ids[0]}: status answer OrdStatus {answer.get(39)} CumQty {answer.get(14)}"
                    f" differs from the last report's {last.get(39)} / {last.get(14)}")

    # ------------------------------------------------------------------ checks

    def _exec_reports(self) -> list[Received]:
        return [m for m in list(self.oms.messages) if m.msg_type == "8"]

    def _reports(self, ticket: Ticket) -> list[Received]:
        ids = set(ticket.cl_ord_ids)
        return [m for m in self._exec_reports() if m.get(11) in ids and m.get(150) != "I"]

    def _is_final(self, ticket: Ticket) -> bool:
        reports = self._reports(ticket)
        return bool(reports) and reports[-1].get(39) in TERMINAL_STATUSES

    def check(self) -> None:
        """Every invariant the issue names, per parent; failures are collected, figures counted."""
        fail = self.result.failures.append
        figures = Counter[str]()
        messages = list(self.oms.messages)
        reports = [m for m in messages if m.msg_type == "8"]
        exec_ids = Counter(m.get(17) for m in reports)
        for exec_id, n in exec_ids.items():
            if n > 1:
                fail(f"ExecID {exec_id} reached the OMS {n} times")
                figures["duplicated"] += 1
        answered = {m.get(11) for m in messages if m.msg_type in ("8", "9")}
        for cl in self.requests:
            if cl not in answered:
                fail(f"the OMS's request {cl} was never answered")

        ledger = [r for r in venue_ledger(self.venue) if r.session.endswith(AGENT_COMP_ID)]
        used = Counter(cl for r in ledger for cl in r.cl_ord_ids)
        for cl, n in used.items():
            if n > 1:
                fail(f"child ClOrdID {cl} used {n} times at the venue")
        duplicates = self._venue_log_lines("duplicate ClOrdID")
        for line in duplicates[:5]:
            fail(f"the venue refused a duplicate ClOrdID: {line}")
        for r in ledger:
            if r.working:
                fail(f"venue order {r.order_id} ({'/'.join(r.cl_ord_ids)}) still working: {r.cum_qty}/{r.qty}")
                figures["left working"] += 1
            if sum(f.qty for f in r.fills) != r.cum_qty:
                fail(f"venue order {r.order_id}: ledger fills {sum(f.qty for f in r.fills)} != CumQty {r.cum_qty}")

        venue_by_parent: dict[str, list[VenueOrderRecord]] = {}
        for r in ledger:
            owner = parent_of(r.cl_ord_ids[0])
            venue_by_parent.setdefault(owner or "?", []).append(r)

        order_ids: set[str] = set()
        for ticket in self.tickets:
            figures["parents"] += 1
            name = ticket.cl_ord_ids[0]
            mine = self._reports(ticket)
            if not mine:
                fail(f"parent {name}: the OMS received no ExecutionReport at all")
                figures["lost"] += 1
                continue
            ids = {m.get(37) for m in mine}
            if len(ids) != 1:
                fail(f"parent {name}: reports carry OrderIDs {sorted(map(str, ids))}")
                continue
            order_id = str(ids.pop())
            order_ids.add(order_id)
            last = mine[-1]
            status = last.get(39)
            if status not in TERMINAL_STATUSES:
                fail(f"parent {name} ({order_id}): last report OrdStatus {status} ExecType {last.get(150)}, not final")
                figures["not final"] += 1
            cum, qty = last.as_int(14), last.as_int(38)
            trades = [m for m in mine if m.get(150) == "F"]
            traded = sum(m.as_int(32) for m in trades)
            venue_fills = [f for r in venue_by_parent.get(order_id, []) for f in r.fills]
            at_venue = sum(f.qty for f in venue_fills)
            figures["filled"] += cum
            if cum > qty or any(m.as_int(14) > m.as_int(38) for m in mine):
                fail(f"parent {name} ({order_id}): overfilled, CumQty {cum} > OrderQty {qty}")
                figures["overfilled"] += 1
            if traded != cum:
                fail(f"parent {name} ({order_id}): trade reports' LastQty sum {traded} != CumQty {cum}")
                figures["lost" if traded < cum else "duplicated"] += 1
            if at_venue != cum:
                fail(f"parent {name} ({order_id}): OMS CumQty {cum} != venue fills {at_venue} over "
                     f"{len(venue_by_parent.get(order_id, []))} children")
                figures["lost" if at_venue > cum else "duplicated"] += 1
            if cum > 0:
                vwap = sum(m.as_int(32) * m.as_float(31) for m in trades) / max(traded, 1)
                if abs(last.as_float(6) - vwap) > 1e-6 * vwap:
                    fail(f"parent {name} ({order_id}): AvgPx {last.get(6)} != fill-weighted LastPx {vwap:.6f}")
        for owner, records in venue_by_parent.items():
            if owner not in order_ids:
                filled = sum(r.cum_qty for r in records)
                fail(f"{len(records)} venue orders of no parent the OMS knows ({owner}), {filled} filled")
                figures["lost"] += filled > 0
        figures["venue orders"] = len(ledger)
        figures["oms reports"] = len(reports)
        self.result.figures = dict(figures)

    def _venue_log_lines(self, needle: str) -> list[str]:
        lines = []
        for path in sorted((self.root / "sim" / "log").glob("*.messages.current.log")):
            lines.extend(ln.replace("\x01", "|") for ln in path.read_text(errors="replace").splitlines()
                         if needle in ln)
        return lines


def log_context(log_path: Path, pattern: str, before: int = 15, after: int = 15, limit: int = 3) -> str:
    """The agent log lines around the first `limit` lines matching `pattern`, overlapping windows merged."""
    if not log_path.is_file():
        return ""
    lines = log_path.read_text(errors="replace").splitlines()
    hits = [i for i, ln in enumerate(lines) if re.search(pattern, ln)][:limit]
    windows: list[list[int]] = []
    for i in hits:
        lo, hi = max(0, i - before), min(len(lines), i + after + 1)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    out: list[str] = []
    for lo, hi in windows:
        out.append(f"--- {log_path}:{lo + 1}")
        out.extend(ln[:400] for ln in lines[lo:hi])
    return "\n".join(out)
