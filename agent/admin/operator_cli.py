"""`footprint kill | halt | resume | status | parents`: the operator's commands, each one request to a running
agent's admin endpoint.

The standard library's HTTP client keeps the command quick to start (a kill switch is measured in milliseconds);
with --port or --state-dir and the token in the environment, not even the configuration is loaded.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent.config import AgentConfig

TOKEN_ENV = "FOOTPRINT_ADMIN_TOKEN"  # agent.admin.token's, repeated to keep this module's imports light
PORT_FILE = "admin.json"  # agent.admin.server's


class OperatorError(Exception):
    """Why the command did not do its job, in one line."""


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register kill, halt, resume and status on the `footprint` parser."""
    helps = {
        "kill": "cancel every child in a scope, finish its parents as Canceled, halt it until resumed",
        "halt": "halt a scope: cancel its children, keep its parents open and paused until resumed",
        "resume": "let a halted or killed scope trade again",
    }
    for action, text in helps.items():
        p = sub.add_parser(action, help=text)
        scope = p.add_mutually_exclusive_group(required=True)
        scope.add_argument("--all", action="store_true", help="everything")
        scope.add_argument("--symbol", help="one instrument")
        scope.add_argument("--parent", help="one parent order: its OrderID or OMS ClOrdID")
        p.add_argument("--reason", default="", help="why: logged, journaled, and sent to the OMS in Text(58)")
        _connection_args(p)
        p.set_defaults(func=_cmd_action, action=action)
    status = sub.add_parser("status", help="readiness, trading states, limits and breakers of a running agent")
    status.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                        help="wait up to this long for the agent to be ready (exit 1 if it is not)")
    _connection_args(status)
    status.set_defaults(func=_cmd_status)
    parents = sub.add_parser("parents", help="the parents a running agent holds, or one parent with its children")
    parents.add_argument("--parent", help="one parent: its OrderID or OMS ClOrdID")
    parents.add_argument("--working", action="store_true", help="only parents not yet final")
    _connection_args(parents)
    parents.set_defaults(func=_cmd_parents)


def _connection_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="the agent's TOML config: admin host, port and token file, state folder")
    p.add_argument("--state-dir", help="the agent's state folder: its admin.json says where the endpoint is")
    p.add_argument("--host", help="admin endpoint host (default: the config's, 127.0.0.1)")
    p.add_argument("--port", type=int, help="admin endpoint port (default: the config's, or admin.json's)")
    p.add_argument("--token-file", help=f"file holding the admin token (default: ${TOKEN_ENV}, else the config's)")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the agent")


def _cmd_action(args: argparse.Namespace) -> int:
    scope, target = ("all", None) if args.all else ("symbol", args.symbol) if args.symbol else ("parent", args.parent)
    body = {"scope": scope, "target": target, "reason": args.reason, "operator": _who()}
    try:
        answer = _request(args, "POST", f"/{args.action}", {k: v for k, v in body.items() if v is not None})
    except OperatorError as exc:
        print(f"footprint {args.action}: {exc}", file=sys.stderr)
        return 1
    print(answer["summary"])
    for p in answer["parents"]:
        state = p["status"] + (f", finishing as {p['finishing']}" if p["finishing"] else "") + (
            ", paused" if p["holds"] else "")
        print(f"  {p['order_id']} {p['symbol']} {p['side']} {p['order_qty']:,} (filled {p['cum_qty']:,}) "
              f"ClOrdID {p['cl_ord_id']}: {state}")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    try:
        ready = _wait_ready(args)
        risk = _request(args, "GET", "/risk")
    except OperatorError as exc:
        print(f"footprint status: {exc}", file=sys.stderr)
        return 1
    print("ready" if ready["ready"] else f"NOT READY: {'; '.join(ready['reasons'])}")
    states = risk["trading_states"]
    print("trading: " + ", ".join(f"{'everything' if k == '*' else k} {v}" for k, v in sorted(states.items())))
    limits = dict(risk["limits"])
    symbols = limits.pop("symbols", {})
    print("limits: " + ", ".join(f"{k}={v}" for k, v in limits.items() if v is not None))
    for symbol, per in sorted(symbols.items()):
        print(f"  {symbol}: " + ", ".join(f"{k}={v}" for k, v in per.items() if v is not None))
    breakers = risk["breakers"]
    tripped = breakers.get("tripped", [])
    if not breakers.get("enabled", True):
        print("breakers: disabled")
    else:
        print(f"breakers: {len(tripped)} tripped" + ("" if tripped else " (all clear)"))
    for trip in tripped:
        print(f"  {trip['breaker']} ({trip['scope']}), action {trip['action']}: {trip['text']}")
    return 0 if ready["ready"] else 1


def _wait_ready(args: argparse.Namespace) -> Any:
    """GET /ready, again every half second for up to --wait seconds while the agent is not (yet) ready."""
    deadline = time.monotonic() + args.wait
    while True:
        try:
            ready = _request(args, "GET", "/ready", answers=(503,))
        except OperatorError:
            if time.monotonic() >= deadline:
                raise
        else:
            if ready["ready"] or time.monotonic() >= deadline:
                return ready
        time.sleep(0.5)


def _cmd_parents(args: argparse.Namespace) -> int:
    try:
        if args.parent:
            detail = _request(args, "GET", f"/parents/{urllib.parse.quote(args.parent, safe='')}")
            print(json.dumps(detail, indent=2, sort_keys=True))
            return 0
        parents = _request(args, "GET", "/parents")["parents"]
    except OperatorError as exc:
        print(f"footprint parents: {exc}", file=sys.stderr)
        return 1
    shown = [p for p in parents if not args.working or not p["done"]]
    print(f"{len(shown)} parent{'s' if len(shown) != 1 else ''}" + (" working" if args.working else ""))
    for p in shown:
        notes = [f"held: {'; '.join(p['holds'].values())}"] if p["holds"] else []
        if p.get("fallback"):
            notes.append(f"on TWAP: {p['fallback']}")
        print(f"  {p['order_id']} {p['symbol']} {p['side']} {p['order_qty']:,} filled {p['cum_qty']:,} "
              f"{p['status']} {p['strategy']} children {p['live_children']} ClOrdID {p['cl_ord_id']}"
              + (f" ({' | '.join(notes)})" if notes else ""))
    return 0


# ---------------------------------------------------------------------- talking to the agent

def _request(args: argparse.Namespace, method: str, path: str, body: dict[str, Any] | None = None,
             answers: tuple[int, ...] = ()) -> Any:
    """The JSON answer; an HTTP error status in `answers` is an answer too (GET /ready's 503)."""
    host, port = _address(args)
    url = f"http://{host}:{port}{path}"
    headers = {"Content-Type": "application/json"}
    token = _token(args) if body is not None else ""
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=args.timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raw = exc.read().decode(errors="replace")
        if exc.code in answers:
            return json.loads(raw)
        error = _error_text(raw) or str(exc.reason)
        if exc.code == 401:
            given = "the agent refused the token" if token else "no admin token given"
            raise OperatorError(f"{given}: put the agent's admin token in ${TOKEN_ENV}, --token-file or the "
                                "config's [admin] token_file") from None
        raise OperatorError(f"{error} (HTTP {exc.code})") from None
    except (urllib.error.URLError, OSError) as exc:
        why = getattr(exc, "reason", exc)
        if isinstance(why, OSError) and why.strerror:
            why = why.strerror.lower()
        raise OperatorError(f"agent not reachable at {url}: {why}") from None


def _error_text(raw: str) -> str:
    try:
        return str(json.loads(raw)["error"])
    except (ValueError, KeyError, TypeError):
        return raw.strip()


def _address(args: argparse.Namespace) -> tuple[str, int]:
    """--host/--port; else the admin.json of --state-dir; else the config's port, or its state folder's admin.json
    when the config lets the agent pick one (port 0)."""
    if args.port is not None:
        return args.host or "127.0.0.1", args.port
    if args.state_dir is not None:
        return _from_port_file(Path(args.state_dir), args.host)
    cfg = _config(args.config)
    if cfg.admin.port:
        return args.host or cfg.admin.host, cfg.admin.port
    return _from_port_file(cfg.state_dir, args.host)


def _from_port_file(state_dir: Path, host: str | None) -> tuple[str, int]:
    path = state_dir / PORT_FILE
    try:
        bound = json.loads(path.read_text())
        return host or str(bound["host"]), int(bound["port"])
    except FileNotFoundError:
        raise OperatorError(f"no {path}: no agent is running with that state folder") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OperatorError(f"cannot read {path}: {exc}") from None


def _token(args: argparse.Namespace) -> str:
    """$FOOTPRINT_ADMIN_TOKEN, else --token-file, else the config's token file; empty when none is set (the agent
    then answers whether actions need one)."""
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV].strip()
    file = Path(args.token_file) if args.token_file else None
    # The config is read for the token only where it is read for the address anyway, or named outright.
    if file is None and (args.config or (args.port is None and args.state_dir is None)):
        file = _config(args.config).admin.token_file
    if file is None:
        return ""
    try:
        return file.read_text().strip()
    except OSError as exc:
        raise OperatorError(f"cannot read the token file {file}: {exc.strerror or exc}") from None


@cache
def _config(path: str | None) -> AgentConfig:
    from agent.config import ConfigError, load_config

    try:
        return load_config(Path(path) if path else None)
    except ConfigError as exc:
        raise OperatorError(str(exc)) from None


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
