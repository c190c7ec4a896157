"""The execution engine: one way in (`dispatch` of typed events), one way out (typed commands to one outlet).

Pure core: it never sees a FIX message, a socket or the wall clock, and it runs on one thread. The live agent,
the backtester and the journal replay feed the same dispatch. The work is split by responsibility:
- `ParentDesk` (parent side): OMS requests, validation, ExecutionReports, parent completion;
- `ChildManager`: child orders at the venue, their reports, follow-ups and reconciliation;
- `DecisionTick`: strategies and the risk gate.

Invariants it keeps, whatever arrives:
- a parent's CumQty never exceeds its OrderQty: children's possible fills never exceed its leaves;
- CumQty + LeavesQty = OrderQty while working, LeavesQty = 0 once done;
- a parent is only done once none of its children can still fill;
- every fill the venue reports reaches the parent, and the OMS, once.
"""

from __future__ import annotations

import logging
from typing import assert_never

from agent.clock import Clock
from agent.config import AgentConfig
from agent.core.breaker_watch import BreakerWatch
from agent.core.child_manager import ChildManager
from agent.core.commands import Outlet
from agent.core.decision import DecisionTick
from agent.core.events import (
    CancelRequest,
    Event,
    LimitsChange,
    MassCancelRequest,
    NewOrderRequest,
    News,
    OmsSessionState,
    OperatorCommand,
    Quote,
    ReplaceRequest,
    SendFailed,
    ShutdownRequested,
    StatusRequest,
    Tick,
    VenueCancelReject,
    VenueExecReport,
    VenueSessionState,
)
from agent.core.ids import IdSource
from agent.core.operator_desk import OperatorDesk
from agent.core.order_state import OrderEvent
from agent.core.orders import EngineContext, EngineSettings
from agent.core.parent_desk import ParentDesk
from agent.core.parent_order import ParentOrder
from agent.core.parent_validation import ValidationContext
from agent.strategy_registry import build_strategies
from risk.breakers import BreakerBoard
from risk.risk_engine import RiskEngine, RiskLimits, SymbolLimits
from strategies.market_view import DAY_S, MarketView
from strategies.strategy import Strategy
from strategies.twap import Twap

log = logging.getLogger("footprint.engine")

__all__ = ["Engine", "EngineSettings", "IdSource", "engine_from_config", "risk_from_config", "settings_from_config"]


def settings_from_config(cfg: AgentConfig) -> EngineSettings:
    """The engine's settings as the live agent, the backtester and the tests build them."""
    return EngineSettings(
        validation=ValidationContext(cfg.instrument_map(), dict(cfg.target_strategies), cfg.default_strategy,
                                     cfg.default_horizon_s, cfg.max_limit_deviation_pct, cfg.strategy_tags.tags()),
        max_child_rejects=cfg.max_child_rejects,
        ack_timeout_s=cfg.orders.ack_timeout_s,
        unknown_answers_to_drop=cfg.orders.unknown_answers_to_drop,
        reconcile_timeout_s=cfg.orders.reconcile_timeout_s,
        cancel_on_oms_disconnect=cfg.orders.oms_disconnect == "cancel",
        oms_disconnect_grace_s=cfg.orders.oms_disconnect_grace_s,
        retention_s=cfg.orders.retention_s,
        strategy_budget_s=cfg.strategy_budget_s,
        trading_day_s={i.symbol: i.session_hours * 3600.0 for i in cfg.instruments},
    )


def risk_from_config(cfg: AgentConfig) -> RiskEngine:
    """The risk engine with the configured limits."""
    r = cfg.risk
    symbols = {i.symbol: SymbolLimits(
        max_order_qty=i.max_order_qty, adv=i.adv, max_adv_fraction=r.max_adv_fraction,
        collar_bps=i.collar_bps if i.collar_bps is not None else r.child_collar_bps, max_child_qty=i.max_child_qty)
        for i in cfg.instruments}
    # RiskConfig's fields are RiskLimits' own, less the per-instrument ones (and the collar default, above).
    limits = r.model_dump(exclude={"max_adv_fraction", "child_collar_bps"})
    return RiskEngine(RiskLimits(symbols=symbols, **limits), BreakerBoard(cfg.breakers))


def engine_from_config(cfg: AgentConfig, clock: Clock, outlet: Outlet, ids: IdSource) -> Engine:
    """An engine as every host builds it: settings, strategies and risk engine from the configuration."""
    from agent.impact.pretrade import arrival_estimator  # ONNX Runtime loads only for engines that estimate

    engine = Engine(settings_from_config(cfg), clock, outlet, build_strategies(cfg), ids, risk_from_config(cfg),
                    Twap(cfg.twap))
    engine.ctx.arrival_estimate = arrival_estimator(cfg)
    return engine


class Engine:
    """Owns every parent and child; reacts to every event through `dispatch`."""

    def __init__(self, settings: EngineSettings, clock: Clock, outlet: Outlet, strategies: dict[str, Strategy],
                 ids: IdSource, risk: RiskEngine, fallback: Strategy) -> None:
        self.ctx = EngineContext(settings, clock, outlet, ids, risk)
        self.children = ChildManager(self.ctx)
        self.parent_desk = ParentDesk(self.ctx, self.children)
        self.children.parents = self.parent_desk
        self.decisions = DecisionTick(self.ctx, self.parent_desk, self.children, strategies, fallback)
        self.operator = OperatorDesk(self.ctx, self.parent_desk, self.children)
        self.breakers = BreakerWatch(self.ctx, self.parent_desk, self.children, self.decisions)
        self.children.watch = self.breakers
        self.decisions.on_failure = self.breakers.on_strategy_failure
        self.decisions.on_overrun = self.breakers.on_decision_overrun

    # ------------------------------------------------------------------ the one way in

    def dispatch(self, event: Event) -> None:
        """Apply one event. Every event type has a branch; an unknown one is a programming error."""
        match event:
            case NewOrderRequest():
                self.parent_desk.on_new_order(event)
            case CancelRequest():
                self.parent_desk.on_cancel_request(event)
            case ReplaceRequest():
                self.parent_desk.on_replace_request(event)
            case MassCancelRequest():
                self.parent_desk.on_mass_cancel(event)
            case StatusRequest():
                self.parent_desk.on_status_request(event)
            case OmsSessionState():
                self._on_oms_session(event)
            case VenueExecReport():
                self.children.on_report(event)
                self.children.check_reconciled()
                self.breakers.apply()
            case VenueCancelReject():
                self.children.on_cancel_reject(event)
            case VenueSessionState():
                self._on_venue_session(event.logged_on)
            case Quote():
                self.ctx.quotes[event.symbol] = event
                self._view(event.symbol).on_quote(event)
                self.ctx.risk.on_quote(event, self.ctx.clock.now())
                self.breakers.on_quote(event)
            case News():
                self._view(event.symbol).on_news(event)
            case Tick():
                self._on_tick(event)
            case SendFailed():
                log.warning("%s not sent: %s", type(event.command).__name__, event.reason)
                self.children.on_send_failed(event.command)
            case ShutdownRequested():
                self.ctx.stopping = True
                self.parent_desk.shutdown(event.reason)
            case OperatorCommand() | LimitsChange():
                self.operator.on_event(event)
                self.breakers.apply()  # a resume may have cleared breakers
            case _:
                assert_never(event)

    # ------------------------------------------------------------------ read-only views for hosts and tests

    @property
    def parents(self) -> dict[str, ParentOrder]:
        return self.ctx.book.parents

    @property
    def quotes(self) -> dict[str, Quote]:
        return self.ctx.quotes

    def _view(self, symbol: str) -> MarketView:
        view = self.ctx.views.get(symbol)
        if view is None:
            day_s = self.ctx.settings.trading_day_s.get(symbol, DAY_S)
            view = self.ctx.views[symbol] = MarketView(symbol, day_s=day_s)
        return view

    @property
    def views(self) -> dict[str, MarketView]:
        """Each quoted symbol's market view: depth, recent volume, signed flow, realised volatility."""
        return self.ctx.views

    @property
    def venue_up(self) -> bool:
        return self.ctx.venue_up

    @property
    def reconciling(self) -> bool:
        return self.ctx.reconciling_since is not None

    @property
    def idle(self) -> bool:
        """No child can still fill."""
        return not any(True for _ in self.ctx.book.active_children())

    @property
    def ids(self) -> IdSource:
        return self.ctx.ids

    @property
    def risk(self) -> RiskEngine:
        return self.ctx.risk

    # ------------------------------------------------------------------ sessions and time

    def _on_venue_session(self, logged_on: bool) -> None:
        ctx = self.ctx
        was_up, ctx.venue_up = ctx.venue_up, logged_on
        if logged_on and not was_up:
            # After any (re)connect, find out the truth before trading again.
            self.children.reconcile()
        if not logged_on and was_up:
            ctx.reconciling_since = None
            ctx.mass_status_req_id = None
            for child in ctx.book.active_children():
                child.status_sent_at = None  # those answers will not come; asked again on logon
            if not ctx.stopping:
                log.warning("venue session down: strategies paused, no new parents accepted")

    def _on_oms_session(self, event: OmsSessionState) -> None:
        ctx = self.ctx
        if event.logged_on:
            if ctx.oms_down_since.pop(event.session, None) is not None:
                log.info("OMS session %s back", event.session)
        elif not ctx.stopping:
            ctx.oms_down_since.setdefault(event.session, ctx.clock.now())
            log.warning("OMS session %s down: parents %s", event.session,
                        f"cancelled after {ctx.settings.oms_disconnect_grace_s:g} s"
                        if ctx.settings.cancel_on_oms_disconnect else "keep working")

    def _on_tick(self, tick: Tick) -> None:
        now = self.ctx.clock.now()
        self.children.check_reconciled()
        self.children.follow_up()
        self._cancel_for_lost_oms(now)
        self.breakers.on_tick()
        self.decisions.run(tick.overruns)
        self.breakers.apply()  # strategy failures of this round
        self._retire(now)

    def _cancel_for_lost_oms(self, now: float) -> None:
        ctx = self.ctx
        if not ctx.settings.cancel_on_oms_disconnect:
            return
        for session, since in list(ctx.oms_down_since.items()):
            if now - since < ctx.settings.oms_disconnect_grace_s:
                continue
            del ctx.oms_down_since[session]
            for parent in list(ctx.book.parents.values()):
                if parent.session == session and not parent.is_done:
                    self.parent_desk.begin_finish(parent, OrderEvent.CANCELED,
                                                  f"OMS session lost for {now - since:.0f} s")

    def _retire(self, now: float) -> None:
        """Finished parents leave memory `retention_s` after they are final (the journal keeps them)."""
        book, keep = self.ctx.book, self.ctx.settings.retention_s
        while book.finished and book.finished[0][0] + keep <= now:
            _, order_id = book.finished.popleft()
            parent = book.parents.get(order_id)
            if parent is None:
                continue
            if parent.active_children:
                book.finished.append((now, order_id))  # a late fill is still due: look again later
                continue
            book.forget(parent)
            self.ctx.risk.forget_parent(order_id)
        self.children.forget_strays(now - keep)
        while book.stray_keys and book.stray_keys[0][0] + keep <= now:
            book.seen_cl_ord_ids.discard(book.stray_keys.popleft()[1])
