"""The `footprint` command: sim, agent, oms, oms-password, demo, journal."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent.backtest.backtest import BacktestOrder
    from simulator.scenario import CompiledScenario

log = logging.getLogger("footprint.cli")

CONFIG_ENV = "FOOTPRINT_CONFIG"
"""The agent's config file for every command with --config, when the flag is not given."""


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level),
        format="%(asctime)s.%(msecs)03d %(levelname)s %(name)s %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S",
        stream=sys.stderr,
    )


def _cmd_sim(args: argparse.Namespace) -> int:
    from simulator.clock import WallClock
    from simulator.fix_settings import DEFAULT_SETTINGS
    from simulator.fix_venue import VenueServer
    from simulator.scenario import ScenarioError, compile_scenario, load_scenario
    from simulator.scenario_market import scenario_market
    from simulator.venue_faults import FaultsFileError, VenueFaults, load_faults

    if not args.speed > 0:
        print(f"footprint sim: --speed must be > 0, got {args.speed}", file=sys.stderr)
        return 2
    clock = WallClock(speed=args.speed)
    market = None
    seed = 42 if args.seed is None else args.seed
    if args.scenario:
        try:
            compiled = compile_scenario(load_scenario(args.scenario))
        except ScenarioError as exc:
            print(f"footprint sim: {exc}", file=sys.stderr)
            return 2
        # The scenario's timeline starts now: its time 0 is when the venue opens.
        seed = compiled.seed if args.seed is None else args.seed
        market = scenario_market(compiled, seed, start_time=clock.now())
    faults: dict[str, VenueFaults] = {}
    if args.faults:
        try:
            faults = load_faults(Path(args.faults))
        except FaultsFileError as exc:
            print(f"footprint sim: {exc}", file=sys.stderr)
            return 2
    try:
        server = VenueServer(Path(args.state_dir),
                             settings_path=Path(args.settings) if args.settings else DEFAULT_SETTINGS,
                             port=args.port, extra_targets=args.target, seed=seed, clock=clock, market=market,
                             cancel_on_disconnect=not args.keep_orders_on_logout,
                             overrides={"ResetOnLogon": "Y"} if args.reset_on_logon else None, faults=faults)
    except ValueError as exc:
        print(f"footprint sim: {exc}", file=sys.stderr)
        return 2
    what = f"scenario {args.scenario}" if args.scenario else "the default universe"
    print(f"footprint sim: venue SIMVENUE on 127.0.0.1:{args.port}, {what}, seed {seed}, speed {args.speed:g}x",
          flush=True)
    for target, settings in faults.items():
        print(f"footprint sim: faults for {target}: {settings.model_dump(exclude_defaults=True)}", flush=True)
    server.run_forever()
    return 0


def _cmd_tape(args: argparse.Namespace) -> int:
    from simulator.scenario import ScenarioError, compile_scenario, load_scenario
    from simulator.scenario_market import scenario_session
    from simulator.tape_export import write_tape

    try:
        compiled = compile_scenario(load_scenario(args.scenario))
    except ScenarioError as exc:
        print(f"footprint sim tape: {exc}", file=sys.stderr)
        return 2
    seed = compiled.seed if args.seed is None else args.seed
    started = time.perf_counter()
    tape = scenario_session(compiled, seed, record_orders=True)
    paths = write_tape(tape, Path(args.out))
    print(f"footprint sim tape: {compiled.name} seed {seed}, {compiled.duration_s / 3600:.2f} h simulated in "
          f"{time.perf_counter() - started:.2f} s; {len(tape.trades.time):,} trades")
    for path in paths:
        print(f"  {path}")
    return 0


def _cmd_agent(args: argparse.Namespace) -> int:
    from agent.config import ConfigError, load_config
    from agent.crash_points import CrashPointsError
    from agent.journal.journal import JournalError
    from agent.runtime import run_agent
    from strategies.impact.inference import ImpactModelError

    try:
        cfg = load_config(Path(args.config) if args.config else None, oms_port=args.oms_port,
                          venue_port=args.venue_port, state_dir=args.state_dir,
                          admin={"port": args.admin_port} if args.admin_port is not None else None)
        pid_file = _claim_state_dir(cfg.state_dir)
        try:
            run_agent(cfg)
        finally:
            with contextlib.suppress(OSError):
                pid_file.unlink()
    except (ConfigError, JournalError, CrashPointsError, ImpactModelError, OSError) as exc:
        print(f"footprint agent: {exc}", file=sys.stderr)
        return 2
    return 0


def _cmd_config(args: argparse.Namespace) -> int:
    from agent.config import ConfigError, load_config

    try:
        cfg = load_config(Path(args.config) if args.config else None)
    except ConfigError as exc:
        print(f"footprint config: {exc}", file=sys.stderr)
        return 2
    print(cfg.model_dump_json(indent=2))
    return 0


def _claim_state_dir(state: Path) -> Path:
    """Refuse a state folder another live agent holds; else write our pid file there and send the log there too
    (where the runbooks look). The pid file is how an operator stops the agent: `kill -TERM`."""
    state.mkdir(parents=True, exist_ok=True)
    pid_file = state / "agent.pid"
    try:
        other = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        other = None
    if other is not None and other != os.getpid() and _alive(other):
        raise OSError(f"another agent (pid {other}) is running on {state}: stop it first")
    pid_file.write_text(f"{os.getpid()}\n")
    log_file = logging.FileHandler(state / "agent.log")
    log_file.setFormatter(logging.getLogger().handlers[0].formatter)
    logging.getLogger().addHandler(log_file)
    return pid_file


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


OMS_PASSWORD_ENV = "FOOTPRINT_OMS_PASSWORD"


def _oms_password(args: argparse.Namespace) -> str | None:
    """The OMS's logon password: the first line of --password-file, else $FOOTPRINT_OMS_PASSWORD, else none.
    Never an argument: the command line is visible to every user of the machine."""
    if args.password_file is None:
        return os.environ.get(OMS_PASSWORD_ENV) or None
    try:
        lines = Path(args.password_file).read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"--password-file {args.password_file}: {exc}") from exc
    if not lines or not lines[0]:
        raise ValueError(f"--password-file {args.password_file}: the first line is empty")
    return lines[0]


def _cmd_oms(args: argparse.Namespace) -> int:
    from agent.fix.oms_client import OmsClient, describe

    side = {"buy": "1", "sell": "2"}[args.side]
    state = Path(args.state_dir)
    try:
        password = _oms_password(args)
        tags = [_custom_tag(text) for text in args.tag]
    except ValueError as exc:
        print(f"footprint oms: {exc}", file=sys.stderr)
        return 2
    client = OmsClient(args.port, state, host=args.host, sender=args.sender, target=args.target,
                       on_message=lambda m: print(describe(m), flush=True), username=args.username,
                       password=password)
    client.start()
    try:
        if not client.wait_logged_on(args.logon_timeout):
            print(f"footprint oms: no logon to {args.host}:{args.port} as {args.sender} within "
                  f"{args.logon_timeout:.0f}s (a refused logon is logged by the agent, with the reason)",
                  file=sys.stderr)
            return 1
        now = time.time()
        cl_ord_id = client.new_order(
            args.symbol, side, args.qty, ord_type="2" if args.limit else "1", price=args.limit,
            tif="6" if args.duration else None,
            expire_time=now + args.duration if args.duration else None,
            target_strategy=args.strategy, participation_rate=args.participation_rate, extra=tags)
        ids = [cl_ord_id]
        deadline = now + (args.duration or 0) + args.grace
        if args.cancel_after is not None:
            time.sleep(args.cancel_after)
            ids.append(client.cancel(ids[-1], args.symbol, side))
        if args.replace_qty is not None:
            time.sleep(args.replace_after)
            ids.append(client.replace(ids[-1], args.symbol, side, args.replace_qty,
                                      ord_type="2" if args.limit else "1", price=args.limit))
        done = client.wait_done(ids, max(deadline - time.time(), 1.0))
        if done is None:
            print("footprint oms: the order was not done in time", file=sys.stderr)
            return 1
        return 0 if done.get(39) in ("2", "4") else 1
    finally:
        client.stop()


def _custom_tag(text: str) -> tuple[int, str]:
    """TAG=VALUE of `footprint oms --tag`; ValueError naming what is wrong."""
    tag, sep, value = text.partition("=")
    if not sep or not tag.strip().isdigit() or not value.strip():
        raise ValueError(f"--tag {text!r}: write TAG=VALUE with a numeric tag, e.g. 7001=3")
    return int(tag), value.strip()


def _cmd_oms_password(args: argparse.Namespace) -> int:
    import getpass

    from agent.fix.access.oms_credentials import CredentialsError, secrets_entry

    if sys.stdin.isatty():
        password = getpass.getpass(f"password for {args.username} on session {args.session}: ")
        if getpass.getpass("the same again: ") != password:
            print("footprint oms-password: the two passwords differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        print(secrets_entry(args.session, args.username, password), end="")
    except CredentialsError as exc:
        print(f"footprint oms-password: {exc}", file=sys.stderr)
        return 2
    return 0


def _cmd_scenarios(args: argparse.Namespace) -> int:
    from simulator.scenario import ScenarioError, compile_scenario, list_scenarios, load_scenario

    for name in list_scenarios():
        try:
            compiled = compile_scenario(load_scenario(name))
        except ScenarioError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return 2
        print(f"{name:32s} {compiled.symbol.symbol:12s} {compiled.duration_s / 3600:5.2f} h  {compiled.description}")
    return 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    from agent.backtest.backtest import run_backtest, with_market_instruments
    from agent.config import ConfigError, load_config
    from simulator.scenario import ScenarioError, compile_scenario, load_scenario
    from simulator.scenario_market import scenario_market

    if (args.qty is not None and args.qty <= 0) or (args.duration is not None and not args.duration > 0):
        print("footprint backtest: --qty and --duration must be > 0", file=sys.stderr)
        return 2
    try:
        compiled = compile_scenario(load_scenario(args.scenario))
        market = scenario_market(compiled, args.seed)
        order = _backtest_order(compiled, args.side, args.qty, args.duration)
        strategy = args.strategy or (compiled.order.strategy if compiled.order else None)
        cfg = with_market_instruments(load_config(Path(args.config) if args.config else None,
                                                  default_strategy=strategy, decision_interval_s=args.step), market)
    except (ScenarioError, ConfigError, ValueError) as exc:
        print(f"footprint backtest: {exc}", file=sys.stderr)
        return 2
    seed = compiled.seed if args.seed is None else args.seed
    side = "buy" if order.side == "1" else "sell"
    print(f"backtest {compiled.name} (seed {seed}): {side} {order.qty:,} {order.symbol} with {cfg.default_strategy} "
          f"over {order.duration_s / 60:.0f} min from +{order.start_offset_s / 60:.0f} min")
    r = run_backtest(cfg, market, order)
    if r.status == "8":
        print(f"  rejected: {r.reports[-1].text}")
        return 1
    status = {"2": "filled", "4": "canceled", "C": "expired", "3": "done for day"}.get(r.status, r.status)
    print(f"  {status}: {r.cum_qty:,} of {r.order_qty:,} in {len(r.fills)} fills from {r.children_sent} child orders")
    if r.cum_qty:
        print(f"  AvgPx {r.avg_px:.6f}, arrival mid {r.arrival_mid:.6f}, implementation shortfall "
              f"{r.shortfall_bps:+.2f} bps")
    done = f"done after {(r.finished - r.started) / 60:.1f} min" if r.finished else "not done"
    print(f"  {done}; {r.sim_seconds / 3600:.2f} h simulated in {r.wall_seconds:.1f} s wall "
          f"({r.sim_seconds / max(r.wall_seconds, 1e-9):,.0f}x real time)")
    if args.breakers:
        from agent.backtest.breaker_runs import describe

        print(f"  circuit breakers: {sum(1 for c in r.breakers if c.tripped)} trips")
        for change in r.breakers:
            print(f"    {describe(change, compiled.start_epoch)}")
    return 0 if r.status == "2" else 1


def _backtest_order(compiled: CompiledScenario, side: str | None, qty: int | None,
                    duration: float | None) -> BacktestOrder:
    """The scenario's own order with --side, --qty and --duration over it (it keeps its start and limit); for a
    scenario without one, --qty is needed, and the order starts at the scenario's start."""
    from agent.backtest.backtest import BacktestOrder, scenario_order

    sides = {"buy": "1", "sell": "2"}
    if compiled.order is None:
        if qty is None:
            raise ValueError(f"scenario {compiled.name} has no order block: give --qty (and --side, --duration)")
        return BacktestOrder(compiled.symbol.symbol, sides[side or "sell"], qty, duration or 3600.0)
    own = scenario_order(compiled)
    return dataclasses.replace(own, side=sides[side] if side else own.side, qty=qty if qty is not None else own.qty,
                               duration_s=duration if duration is not None else own.duration_s)


def _cmd_demo(args: argparse.Namespace) -> int:
    from agent.demo import run_demo

    return run_demo(qty=args.qty, duration_s=args.duration, symbol=args.symbol, seed=args.seed)


def _cmd_journal(args: argparse.Namespace) -> int:
    from agent.config import ConfigError, load_config
    from agent.journal.journal import Journal, JournalError, journal_path
    from agent.journal.show import UnknownParentError, print_history, print_parents, resolve_parent

    try:
        state_dir = Path(args.state_dir) if args.state_dir else load_config(
            Path(args.config) if args.config else None).state_dir
        with Journal.open(journal_path(state_dir), readonly=True) as journal:
            if args.parent is None:
                if print_parents(journal, sys.stdout) == 0:
                    print(f"footprint journal: no parent orders in {journal.path}", file=sys.stderr)
            else:
                print_history(journal, resolve_parent(journal, args.parent), sys.stdout)
    except (ConfigError, JournalError, UnknownParentError) as exc:
        print(f"footprint journal: {exc}", file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="footprint", description="Execution agent for block trades.")
    p.add_argument("--log-level", type=str.upper, choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                   help="default INFO; WARNING for the demo")
    sub = p.add_subparsers(dest="command", required=True)

    sim = sub.add_parser("sim", help="run the FIX exchange simulator (venue SIMVENUE)")
    sim.add_argument("--port", type=int, default=9879)
    sim.add_argument("--seed", type=int, help="flow seed (default 42, or the scenario's)")
    sim.add_argument("--speed", type=float, default=1.0, help="simulated seconds per wall second")
    sim.add_argument("--state-dir", default="var/sim", help="QuickFIX stores and logs")
    sim.add_argument("--settings", help="QuickFIX settings template (default fix_config/simulator.cfg)")
    sim.add_argument("--target", action="append", default=[], help="extra TargetCompID to accept (repeatable)")
    sim.add_argument("--keep-orders-on-logout", action="store_true", help="no cancel-on-disconnect")
    sim.add_argument("--reset-on-logon", action="store_true",
                     help="reset sequence numbers at every logon (what was sent while a session was away is lost)")
    sim.add_argument("--faults", metavar="FILE",
                     help="TOML or YAML: TargetCompID -> fault settings (seed, max_delay_s, drop_cancels, ...)")
    sim.add_argument("--scenario", help="run a scenario's market (built-in name or YAML path), timeline from now")
    sim.set_defaults(func=_cmd_sim)
    sim_sub = sim.add_subparsers(dest="sim_command", metavar="{realism,scenarios,tape}")
    # `footprint sim realism ...` is handed whole to the realism report's own parser (see main).
    sim_sub.add_parser("realism", help="run a scenario for N seeded days and check it against the stylized facts")
    scen = sim_sub.add_parser("scenarios", help="list the built-in scenarios")
    scen.set_defaults(func=_cmd_scenarios)
    tape = sim_sub.add_parser("tape", help="simulate one session of a scenario and write its tape as Parquet")
    tape.add_argument("--scenario", default="calm", help="built-in name or YAML path")
    tape.add_argument("--seed", type=int, help="default: the scenario's")
    tape.add_argument("--out", default="var/tape", help="folder for the Parquet files")
    tape.set_defaults(func=_cmd_tape)

    bt = sub.add_parser("backtest", help="the engine and a strategy against a scenario in simulated time")
    bt.add_argument("--scenario", default="volatility_surge_before_news", help="built-in name or YAML path")
    bt.add_argument("--seed", type=int, help="market seed (default: the scenario's)")
    bt.add_argument("--side", choices=["buy", "sell"], help="default: the scenario's order's, else sell")
    bt.add_argument("--qty", type=int, help="parent quantity (default: the scenario's order's)")
    bt.add_argument("--duration", type=float, help="seconds (default: the scenario's order's, else 3600)")
    bt.add_argument("--strategy",
                    help="strategy name: TWAP, VWAP or IS (default: the scenario's, else the configured default)")
    bt.add_argument("--step", type=float, default=1.0, help="decision interval in simulated seconds")
    bt.add_argument("--config", help=f"TOML file overriding fix_config/agent.toml (default: ${CONFIG_ENV})")
    bt.add_argument("--breakers", action="store_true", help="also print every circuit breaker trip and clear")
    bt.set_defaults(func=_cmd_backtest)

    agent = sub.add_parser("agent", help="run the execution agent (OMS acceptor, venue initiator)")
    agent.add_argument("--config", help=f"TOML file overriding fix_config/agent.toml (default: ${CONFIG_ENV})")
    agent.add_argument("--oms-port", type=int)
    agent.add_argument("--venue-port", type=int)
    agent.add_argument("--admin-port", type=int, help="admin endpoint port (0: a free one, written to admin.json)")
    agent.add_argument("--state-dir")
    agent.set_defaults(func=_cmd_agent)

    config = sub.add_parser("config", help="check the agent's configuration and print it as the agent will use it")
    config.add_argument("--config", help=f"TOML file overriding fix_config/agent.toml (default: ${CONFIG_ENV})")
    config.set_defaults(func=_cmd_config)

    oms = sub.add_parser("oms", help="send a parent order as an OMS and print every ExecutionReport")
    oms.add_argument("side", choices=["buy", "sell"])
    oms.add_argument("symbol")
    oms.add_argument("qty", help="OrderQty(38)")
    oms.add_argument("--limit", help="limit price, Price(44); market order without it")
    oms.add_argument("--duration", type=float, help="seconds until ExpireTime(126); agent default without it")
    oms.add_argument("--strategy", help="TargetStrategy(847) value: 1000 TWAP, 1 VWAP, 2 POV, 1001 IS")
    oms.add_argument("--participation-rate", help="ParticipationRate(849), a cap as a fraction of volume")
    oms.add_argument("--tag", action="append", default=[], metavar="TAG=VALUE",
                     help="a custom tag, e.g. 7001=3 (IS urgency) or 7002=0.05 (POV participation); repeatable")
    oms.add_argument("--cancel-after", type=float, help="send a cancel after this many seconds")
    oms.add_argument("--replace-qty", type=int, help="send a replace to this OrderQty ...")
    oms.add_argument("--replace-after", type=float, default=5.0, help="... after this many seconds")
    oms.add_argument("--host", default="127.0.0.1")
    oms.add_argument("--port", type=int, default=9878)
    oms.add_argument("--sender", default="OMS")
    oms.add_argument("--target", default="FOOTPRINT")
    oms.add_argument("--logon-timeout", type=float, default=15.0)
    oms.add_argument("--grace", type=float, default=30.0, help="seconds past ExpireTime to wait for the end")
    oms.add_argument("--state-dir", default="var/oms")
    oms.add_argument("--username", help="Username(553) in the Logon")
    oms.add_argument("--password-file", help=f"Password(554) in the Logon: this file's first line (default: "
                     f"${OMS_PASSWORD_ENV})")
    oms.set_defaults(func=_cmd_oms)

    pw = sub.add_parser("oms-password", help="print a secrets-file entry (salted scrypt hash) for an OMS logon; "
                        "the password is read from the terminal, or from stdin's first line")
    pw.add_argument("--session", default="OMS", help="the OMS CompID, its SenderCompID(49)")
    pw.add_argument("--username", required=True, help="the Username(553) it logs on with")
    pw.set_defaults(func=_cmd_oms_password)

    demo = sub.add_parser("demo", help="simulator + agent + OMS: one TWAP parent end to end")
    demo.add_argument("--symbol", default="CRYPTOALPHA")
    demo.add_argument("--qty", type=int, default=50_000)
    demo.add_argument("--duration", type=float, default=60.0)
    demo.add_argument("--seed", type=int, default=42)
    demo.set_defaults(func=_cmd_demo)

    journal = sub.add_parser("journal", help="read the agent's order journal")
    journal_sub = journal.add_subparsers(dest="journal_command", required=True)
    show = journal_sub.add_parser("show", help="the parents in the journal, or one parent's whole history")
    show.add_argument("--parent", help="an OrderID or any of its OMS ClOrdIDs: that parent's records in order")
    show.add_argument("--state-dir", help="the agent's state folder (default: the config's state_dir)")
    show.add_argument("--config", help=f"TOML file overriding fix_config/agent.toml (default: ${CONFIG_ENV})")
    show.set_defaults(func=_cmd_journal)

    from agent.admin.operator_cli import add_commands as add_operator_commands
    from agent.impact.impact_cli import add_commands as add_impact_commands
    from agent.schedule_cli import add_command as add_schedule_command

    add_operator_commands(sub)  # kill, halt, resume, status
    add_schedule_command(sub)  # schedule
    add_impact_commands(sub)  # data impact, train impact, impact evaluate, pretrade
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["sim", "realism"]:
        from agent.backtest.shortfall_curve import shortfall_study
        from simulator.realism.report import main_realism

        _setup_logging("WARNING")
        return main_realism(argv[2:], extra_studies=(shortfall_study,))
    args = build_parser().parse_args(argv)
    if getattr(args, "config", "") is None:  # every command that reads the agent's config
        args.config = os.environ.get(CONFIG_ENV) or None
    _setup_logging(args.log_level or ("WARNING" if args.command == "demo" else "INFO"))
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `footprint journal show | head`: the reader has gone, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
