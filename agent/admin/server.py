"""The admin HTTP endpoint, on aiohttp, on the agent's own event loop.

Running on the loop that runs the engine, a handler can read the engine and feed it events directly, with no lock
and no thread hand-over: a POST /kill is journaled and dispatched before the handler returns, exactly like a FIX
message. Reads: GET /health, /ready, /parents, /parents/{id}, /risk. Actions (a bearer token required): POST
/kill, /halt, /resume, /limits, each fed to the engine as an event through the host's journaled dispatch.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from agent.admin.bodies import LimitsBody, ScopeBody
from agent.admin.token import bearer_matches
from agent.admin.views import outcome_view, parent_detail, parent_summary, ready_problems, risk_view
from agent.config import AdminConfig, ConfigError
from agent.core.engine import Engine
from agent.core.events import Event
from agent.core.limit_changes import LimitChangeError, changed_limits
from agent.core.operator_desk import find_parent, scope_problem
from agent.core.operator_requests import LimitsChange, OperatorAction, OperatorCommand, OperatorScope

log = logging.getLogger("footprint.admin")

PORT_FILE = "admin.json"
NO_TOKEN = "admin actions disabled: no token configured"
_MAX_BODY = 64 * 1024

_B = TypeVar("_B", bound=BaseModel)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def port_file(state_dir: Path) -> Path:
    """Where a running agent says which address its admin endpoint is bound to."""
    return state_dir / PORT_FILE


class _Refused(Exception):
    """An action refused before anything was changed: answered as JSON with this status."""

    def __init__(self, status: int, error: str, field: str | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.field = field


class AdminServer:
    """Serves the endpoint for one engine. `feed` is the host's journaled dispatch; `oms_open` says whether the
    OMS side has opened."""

    def __init__(self, cfg: AdminConfig, engine: Engine, feed: Callable[[Event], None], oms_open: Callable[[], bool],
                 token: str | None) -> None:
        self._cfg = cfg
        self._engine = engine
        self._feed = feed
        self._oms_open = oms_open
        self._token = token
        self._runner: web.AppRunner | None = None
        self._port_file: Path | None = None
        self.port: int | None = None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=_MAX_BODY, middlewares=[_json_errors])
        app.add_routes([
            web.get("/health", self._health),
            web.get("/ready", self._ready),
            web.get("/parents", self._parents),
            web.get("/parents/{ref}", self._parent),
            web.get("/risk", self._risk),
            web.get("/market/{symbol}", self._market),
            web.post("/kill", self._action(OperatorAction.KILL)),
            web.post("/halt", self._action(OperatorAction.HALT)),
            web.post("/resume", self._action(OperatorAction.RESUME)),
            web.post("/limits", self._limits),
        ])
        return app

    async def start(self, state_dir: Path) -> int:
        """Listen, write the bound address to `admin.json` in `state_dir`, and return the port."""
        # No access log: readiness probes would drown the log; actions are logged by the engine.
        runner = web.AppRunner(self.app(), access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self._cfg.host, self._cfg.port).start()
        except OSError as exc:
            await runner.cleanup()
            raise ConfigError(f"admin: cannot listen on {self._cfg.host}:{self._cfg.port} ({exc.strerror or exc}); "
                              "set [admin] port (0 picks a free one)") from exc
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        self._port_file = port_file(state_dir)
        tmp = self._port_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"host": self._cfg.host, "port": self.port, "pid": os.getpid()}))
        tmp.replace(self._port_file)
        log.info("admin endpoint on http://%s:%d (actions %s)", self._cfg.host, self.port,
                 "need the bearer token" if self._token else "disabled: no token configured")
        return self.port

    async def stop(self) -> None:
        if self._port_file is not None:
            self._port_file.unlink(missing_ok=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------ reads

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def _ready(self, request: web.Request) -> web.Response:
        problems = ready_problems(self._engine, self._oms_open())
        return web.json_response({"ready": not problems, "reasons": problems}, status=503 if problems else 200)

    async def _parents(self, request: web.Request) -> web.Response:
        return web.json_response({"parents": [parent_summary(p) for p in self._engine.parents.values()]})

    async def _parent(self, request: web.Request) -> web.Response:
        ref = request.match_info["ref"]
        parent = find_parent(self._engine.ctx.book, ref)
        if parent is None:
            raise _Refused(404, f"unknown parent order {ref!r}")
        return web.json_response(parent_detail(parent))

    async def _risk(self, request: web.Request) -> web.Response:
        return web.json_response(risk_view(self._engine.risk))

    async def _market(self, request: web.Request) -> web.Response:
        symbol = request.match_info["symbol"]
        view = self._engine.views.get(symbol)
        if view is None:
            raise _Refused(404, f"no market view of {symbol!r}: not configured, or no quote yet", "symbol")
        return web.json_response({"now": self._engine.ctx.clock.now(), "view": view.snapshot()})

    # ------------------------------------------------------------------ actions

    def _action(self, action: OperatorAction) -> Handler:
        async def handle(request: web.Request) -> web.Response:
            body = await self._authorized_body(request, ScopeBody)
            target = body.target
            if body.scope is OperatorScope.PARENT:
                assert target is not None
                parent = find_parent(self._engine.ctx.book, target)
                if parent is None:
                    raise _Refused(404, f"unknown parent order {target!r}", "target")
                target = parent.order_id
            problem = scope_problem(self._engine.ctx, body.scope, target)
            if problem is not None:
                raise _Refused(400, f"target: {problem}", "target")
            command = OperatorCommand(action, body.scope, target, body.reason, _source(request, body.operator))
            return self._apply(command)

        return handle

    async def _limits(self, request: web.Request) -> web.Response:
        body = await self._authorized_body(request, LimitsBody)
        try:
            changed_limits(self._engine.risk.limits, body.limits)
        except LimitChangeError as exc:
            raise _Refused(400, str(exc), exc.field) from None
        return self._apply(LimitsChange(body.limits, body.reason, _source(request, body.operator)))

    async def _authorized_body(self, request: web.Request, model: type[_B]) -> _B:
        if self._token is None:
            raise _Refused(503, NO_TOKEN)
        if not bearer_matches(self._token, request.headers.get("Authorization")):
            log.warning("admin %s from %s refused: missing or wrong bearer token", request.path, request.remote)
            raise _Refused(401, "missing or wrong bearer token")
        try:
            text = await request.text()
        except web.HTTPRequestEntityTooLarge:
            raise _Refused(413, f"body: larger than {_MAX_BODY} bytes", "body") from None
        try:
            return model.model_validate_json(text or "{}")
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "body"
            raise _Refused(400, f"{field}: {first['msg']}", field) from None

    def _apply(self, event: OperatorCommand | LimitsChange) -> web.Response:
        """Feed the event (journaled, then dispatched) and answer with what it did."""
        desk = self._engine.operator
        before = desk.last
        try:
            self._feed(event)
        except Exception as exc:
            log.exception("admin: %r failed", event)
            raise _Refused(500, f"not applied: {type(exc).__name__}: {exc}") from None
        outcome = desk.last
        if outcome is None or outcome is before:
            raise _Refused(503, "not applied: the agent is shutting down")
        if outcome.refused is not None:
            raise _Refused(409, outcome.refused)
        return web.json_response(outcome_view(outcome, self._engine))


def _source(request: web.Request, operator: str) -> str:
    return f"{operator or 'unnamed operator'} via admin {request.remote}"


@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error as JSON {"error": ..., "field": ...}, the way a script reading the answer expects."""
    try:
        return await handler(request)
    except _Refused as refused:
        body: dict[str, Any] = {"error": refused.error}
        if refused.field is not None:
            body["field"] = refused.field
        headers = {"WWW-Authenticate": "Bearer"} if refused.status == 401 else None
        return web.json_response(body, status=refused.status, headers=headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return web.json_response({"error": exc.reason}, status=exc.status)
