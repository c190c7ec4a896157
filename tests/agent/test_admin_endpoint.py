"""The admin endpoint over a real local socket (aiohttp's test server), feeding a real engine through a journaled
dispatch into a real SQLite journal."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from engine_harness import Harness, HarnessOutlet

import agent.admin.token as token_module
from agent.admin.server import NO_TOKEN, AdminServer, port_file
from agent.admin.token import TOKEN_ENV, bearer_matches, load_token
from agent.config import AdminConfig, ConfigError
from agent.core.commands import Command, VenueCancel
from agent.journal.journal import Journal
from agent.journaled_dispatch import JournaledDispatch
from agent.recovery import EventClock
from risk.trading_state import TradingState

TOKEN = "s3cret-token-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@dataclass
class Admin:
    client: TestClient[Any, Any]
    h: Harness
    journal: Journal
    dispatch: JournaledDispatch
    oms_open: list[bool]

    def records(self, type_name: str) -> list[object]:
        return [r.item for r in self.journal.records() if r.type_name == type_name]


def _serve(tmp_path: Path, token: str | None) -> tuple[Harness, Journal, JournaledDispatch, list[bool], AdminServer]:
    h = Harness()
    h.quote(9.99, 10.01, symbol="ACME")
    for symbol in ("CRYPTOALPHA", "CRYPTOALPHA", "ACME"):
        h.new(6000, symbol=symbol)
    h.tick()
    h.ack_all()
    journal = Journal.open(tmp_path / "journal.sqlite")
    outlet = HarnessOutlet(h.oms, h.venue)

    def deliver(command: Command) -> str | None:
        outlet.emit(command)
        return None

    dispatch = JournaledDispatch(h.engine, journal, EventClock(h.clock), deliver=deliver)
    h.engine.ctx.outlet = dispatch
    h.send = dispatch.feed  # type: ignore[method-assign]  # from now on the harness is journaled too
    oms_open = [True]
    server = AdminServer(AdminConfig(port=0), h.engine, dispatch.feed, lambda: oms_open[0], token)
    return h, journal, dispatch, oms_open, server


@pytest.fixture
async def admin(tmp_path: Path) -> AsyncIterator[Admin]:
    h, journal, dispatch, oms_open, server = _serve(tmp_path, TOKEN)
    async with TestClient(TestServer(server.app(), host="127.0.0.1")) as client:
        yield Admin(client, h, journal, dispatch, oms_open)
    journal.close()


@pytest.fixture
async def tokenless(tmp_path: Path) -> AsyncIterator[Admin]:
    h, journal, dispatch, oms_open, server = _serve(tmp_path, None)
    async with TestClient(TestServer(server.app(), host="127.0.0.1")) as client:
        yield Admin(client, h, journal, dispatch, oms_open)
    journal.close()


async def post(a: Admin, path: str, body: object, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = body if isinstance(body, str) else json.dumps(body)
    resp = await a.client.post(path, data=data, headers=AUTH if headers is None else headers)
    return resp.status, await resp.json()


async def get(a: Admin, path: str) -> tuple[int, Any]:
    resp = await a.client.get(path)
    return resp.status, await resp.json()


# ---------------------------------------------------------------------- reads

async def test_health_and_readiness(admin: Admin) -> None:
    assert await get(admin, "/health") == (200, {"status": "alive"})
    assert await get(admin, "/ready") == (200, {"ready": True, "reasons": []})
    admin.oms_open[0] = False
    admin.h.venue_session(False)
    status, body = await get(admin, "/ready")
    assert status == 503 and body["reasons"] == ["venue session not logged on", "OMS side not open yet"]


async def test_parents_list_detail_and_unknown(admin: Admin) -> None:
    status, body = await get(admin, "/parents")
    assert status == 200 and len(body["parents"]) == 3
    first = body["parents"][0]
    assert first["status"] == "NEW" and first["live_children"] == 1 and first["holds"] == {}
    status, detail = await get(admin, f"/parents/{first['order_id']}")
    assert status == 200 and detail["order_id"] == first["order_id"] and len(detail["children"]) == 1
    status, by_cl = await get(admin, f"/parents/{first['cl_ord_id']}")
    assert status == 200 and by_cl["order_id"] == first["order_id"]
    assert await get(admin, "/parents/NOPE") == (404, {"error": "unknown parent order 'NOPE'"})


async def test_risk_shows_states_limits_and_breakers(admin: Admin) -> None:
    status, body = await get(admin, "/risk")
    assert status == 200
    assert body["trading_states"] == {"*": "ACTIVE"}
    assert body["limits"]["max_order_notional"] == 50_000_000
    assert body["limits"]["symbols"]["ACME"]["max_order_qty"] == 2_500_000
    assert body["breakers"]["tripped"] == [] and "recent" in body["breakers"]


# ---------------------------------------------------------------------- refusals change nothing

def _unchanged(a: Admin) -> None:
    assert a.records("OperatorCommand") == [] and a.records("LimitsChange") == []
    assert a.h.engine.risk.states() == {"*": TradingState.ACTIVE}
    assert not [m for m in a.h.venue.sent if isinstance(m, VenueCancel)]


async def test_actions_without_a_configured_token_are_disabled(tokenless: Admin) -> None:
    for path in ("/kill", "/halt", "/resume", "/limits"):
        assert await post(tokenless, path, {"scope": "all"}) == (503, {"error": NO_TOKEN})
    _unchanged(tokenless)


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer wrong-token-wrong-token-wrong"},
    {"Authorization": f"Basic {TOKEN}"},
    {"Authorization": f"Bearer {TOKEN}x"},
    {"Authorization": "Bearer"},
])
async def test_a_missing_or_wrong_token_is_refused(admin: Admin, headers: dict[str, str]) -> None:
    resp = await admin.client.post("/kill", data=json.dumps({"scope": "all"}), headers=headers)
    assert resp.status == 401 and resp.headers["WWW-Authenticate"] == "Bearer"
    assert (await resp.json())["error"] == "missing or wrong bearer token"
    _unchanged(admin)


BAD_BODIES = [
    ("/kill", "{not json", "", "Invalid JSON"),
    ("/kill", [], "", "should be an object"),
    ("/kill", {}, "scope", "Field required"),
    ("/kill", {"scope": "everything"}, "scope", "'all', 'symbol' or 'parent'"),
    ("/kill", {"scope": "symbol"}, "target", "required for scope 'symbol'"),
    ("/halt", {"scope": "all", "target": "ACME"}, "target", "takes no target"),
    ("/kill", {"scope": "symbol", "target": "NOPE"}, "target", "unknown symbol 'NOPE'"),
    ("/kill", {"scope": "all", "reason": "a\u0001b"}, "reason", "printable ASCII"),
    ("/kill", {"scope": "all", "reason": "x" * 201}, "reason", "at most 200"),
    ("/kill", {"scope": "all", "force": True}, "force", "Extra inputs"),
    ("/resume", {"scope": "all", "reason": 5}, "reason", "valid string"),
    ("/limits", {"limits": {"max_order_notional": -1}}, "limits.max_order_notional", "greater than 0"),
    ("/limits", {"limits": {"no_such_limit": 1}}, "limits.no_such_limit", "unknown limit"),
    ("/limits", {"limits": {"symbols": {"ACME": {"max_order_qty": "many"}}}}, "limits.symbols.ACME.max_order_qty",
     "valid integer"),
    ("/limits", {"limits": {}}, "limits", "no change given"),
    ("/limits", {"reason": "nothing"}, "limits", "Field required"),
]


@pytest.mark.parametrize(("path", "body", "field", "message"), BAD_BODIES,
                         ids=[f"{p}:{f or 'body'}:{m}" for p, _, f, m in BAD_BODIES])
async def test_a_bad_body_is_refused_naming_the_field(admin: Admin, path: str, body: object, field: str,
                                                      message: str) -> None:
    status, answer = await post(admin, path, body)
    assert status == 400, answer
    assert answer["field"] == (field or "body") and message in answer["error"]
    assert answer["error"].startswith(f"{field or 'body'}:")
    _unchanged(admin)


async def test_an_oversized_body_is_refused(admin: Admin) -> None:
    status, answer = await post(admin, "/kill", {"scope": "all", "reason": "x" * 70_000})
    assert status == 413 and answer["field"] == "body"
    _unchanged(admin)


async def test_an_unknown_parent_is_404(admin: Admin) -> None:
    assert await post(admin, "/kill", {"scope": "parent", "target": "P-NOPE"}) == (
        404, {"error": "unknown parent order 'P-NOPE'", "field": "target"})
    _unchanged(admin)


# ---------------------------------------------------------------------- actions

async def test_kill_all_answers_with_what_it_affected_and_is_journaled(admin: Admin) -> None:
    status, body = await post(admin, "/kill", {"scope": "all", "reason": "desk closing", "operator": "alice"})
    assert status == 200, body
    assert len(body["parents"]) == 3 and len(body["children_cancelled"]) == 3
    assert body["trading_states"] == {"*": "HALTED"}
    assert "operator kill (all) from alice via admin 127.0.0.1: desk closing" in body["summary"]
    (command,) = admin.records("OperatorCommand")
    assert command.source == "alice via admin 127.0.0.1" and command.reason == "desk closing"  # type: ignore[attr-defined]
    cancels = [m for m in admin.h.venue.sent if isinstance(m, VenueCancel)]
    assert len(cancels) == 3
    assert len(admin.records("VenueCancel")) == 3  # the intents, journaled before they left


async def test_kill_parent_by_its_cl_ord_id(admin: Admin) -> None:
    parent = next(iter(admin.h.engine.parents.values()))
    status, body = await post(admin, "/kill", {"scope": "parent", "target": parent.cl_ord_id})
    assert status == 200 and [p["order_id"] for p in body["parents"]] == [parent.order_id]
    (command,) = admin.records("OperatorCommand")
    assert command.target == parent.order_id  # type: ignore[attr-defined]


async def test_halt_then_resume_symbol(admin: Admin) -> None:
    status, body = await post(admin, "/halt", {"scope": "symbol", "target": "ACME"})
    assert status == 200 and [p["symbol"] for p in body["parents"]] == ["ACME"]
    assert body["parents"][0]["holds"] and body["trading_states"]["ACME"] == "HALTED"
    status, body = await post(admin, "/resume", {"scope": "symbol", "target": "ACME"})
    assert status == 200 and body["parents"][0]["holds"] == {}
    assert body["trading_states"] == {"*": "ACTIVE"}  # ACME follows the global state again
    assert "trading ACME ACTIVE; 0 circuit breakers cleared; 1 parents resume" in body["summary"]


async def test_limits_change_is_applied_and_journaled(admin: Admin) -> None:
    status, body = await post(admin, "/limits", {"limits": {"max_live_parents_per_session": 3}, "reason": "calm"})
    assert status == 200, body
    assert body["changed"] == ["max_live_parents_per_session: 500 -> 3"]
    assert admin.h.engine.risk.limits.max_live_parents_per_session == 3
    assert len(admin.records("LimitsChange")) == 1
    refused = admin.h.new(100)
    assert admin.h.oms.for_order(refused)[-1].exec_type == "8"


async def test_an_action_after_the_dispatch_closed_is_not_applied(admin: Admin) -> None:
    admin.dispatch.close()
    status, body = await post(admin, "/kill", {"scope": "all"})
    assert status == 503 and "shutting down" in body["error"]
    assert admin.h.engine.risk.state() is TradingState.ACTIVE


async def test_the_token_is_compared_in_constant_time(admin: Admin, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real: Callable[[bytes, bytes], bool] = token_module.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(token_module.hmac, "compare_digest", spy)
    await post(admin, "/halt", {"scope": "all"}, {"Authorization": "Bearer not-the-token"})
    await post(admin, "/halt", {"scope": "all"})
    assert calls == [(b"not-the-token", TOKEN.encode()), (TOKEN.encode(), TOKEN.encode())]


# ---------------------------------------------------------------------- token and listening

def test_bearer_matching() -> None:
    assert bearer_matches(TOKEN, f"Bearer {TOKEN}") and bearer_matches(TOKEN, f"bearer {TOKEN}")
    assert not bearer_matches(TOKEN, None) and not bearer_matches(TOKEN, TOKEN)


def test_the_token_comes_from_the_environment_first_then_the_file(tmp_path: Path) -> None:
    file = tmp_path / "token"
    file.write_text(f"{TOKEN}\n")
    file.chmod(0o600)
    assert load_token(file, {}) == TOKEN
    assert load_token(file, {TOKEN_ENV: "from-the-environment-123"}) == "from-the-environment-123"
    assert load_token(None, {}) is None


@pytest.mark.parametrize(("content", "env", "message"), [
    (None, {}, "admin.token_file: cannot read"),
    ("short", {}, "fewer than 16"),
    ("", {}, "has 0 characters"),
    ("has a space in it, sadly", {}, "without spaces"),
    (None, {TOKEN_ENV: "tiny"}, f"${TOKEN_ENV}: the admin token has 4 characters"),
])
def test_an_unusable_token_stops_the_start(tmp_path: Path, content: str | None, env: dict[str, str],
                                           message: str) -> None:
    file = tmp_path / "token"
    if content is not None:
        file.write_text(content)
    with pytest.raises(ConfigError, match=message.replace("$", r"\$")):
        load_token(file, env)


async def test_the_server_writes_its_port_and_refuses_a_busy_one(tmp_path: Path) -> None:
    h, journal, dispatch, _, server = _serve(tmp_path, TOKEN)
    port = await server.start(tmp_path)
    try:
        assert json.loads(port_file(tmp_path).read_text())["port"] == port > 0
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
        busy = AdminServer(AdminConfig(port=port), h.engine, dispatch.feed, lambda: True, TOKEN)
        with pytest.raises(ConfigError, match=rf"admin: cannot listen on 127.0.0.1:{port}"):
            await busy.start(tmp_path / "other")
    finally:
        await server.stop()
        journal.close()
    assert not port_file(tmp_path).exists()


def test_the_admin_host_must_be_loopback() -> None:
    with pytest.raises(ValueError, match="not a loopback address"):
        AdminConfig(host="0.0.0.0")
    assert AdminConfig(host="::1").host == "::1"


async def test_market_view_is_served_and_read_back(admin: Admin) -> None:
    from strategies.market_view import MarketView

    for k in range(1, 40):
        admin.h.clock.t += 10.0
        admin.h.quote(9.99 + 0.01 * (k % 3), 10.01 + 0.01 * (k % 3), symbol="ACME")
    resp = await admin.client.get("/market/ACME")
    assert resp.status == 200
    body = await resp.json()
    view = admin.h.engine.views["ACME"]
    again = MarketView.from_snapshot(body["view"])
    assert again.quote == view.quote
    assert again.window(300.0) == view.window(300.0) and again.window(1800.0) == view.window(1800.0)
    assert body["now"] == admin.h.clock.now()
    missing = await admin.client.get("/market/NOPE")
    assert missing.status == 404 and "NOPE" in (await missing.json())["error"]


async def test_pretrade_reads_the_live_agents_market(admin: Admin, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from agent.cli import main

    for _ in range(39):
        admin.h.clock.t += 10.0
        admin.h.quote(9.99, 10.01, symbol="ACME")
    url = str(admin.client.make_url("/")).rstrip("/")
    argv = ["pretrade", "--symbol", "ACME", "--side", "buy", "--qty", "100000", "--horizon", "1h", "--agent", url,
            "--json"]
    assert await asyncio.to_thread(main, argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["strategy"] for r in rows][:3] == ["aggressive", "balanced", "passive"]
    assert all(r["q05_bps"] <= r["q50_bps"] <= r["q95_bps"] for r in rows)
    assert await asyncio.to_thread(main, [*argv[:-3], "--agent", url.replace("ACME", ""), "--symbol", "NOPE"]) == 2
    assert "adv and daily_vol" in capsys.readouterr().err
