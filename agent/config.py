"""Agent configuration: pydantic models that reject bad values with a message naming the field."""

from __future__ import annotations

import ipaddress
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

import fix_config
from risk.breakers import BreakersConfig
from strategies.pov import PovConfig
from strategies.schedules.vwap import VolumeProfile
from strategies.shapes import TradingSession
from strategies.twap import TwapConfig
from strategies.types import Instrument


class ConfigError(ValueError):
    """A configuration file or value is wrong; the message names the field."""


class InstrumentConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    symbol: Annotated[str, Field(min_length=1)]
    tick_size: Annotated[float, Field(gt=0)]
    lot_size: Annotated[int, Field(gt=0)]
    # Risk: the largest parent accepted, and the average daily volume `risk.max_adv_fraction` is a fraction of.
    max_order_qty: Annotated[int, Field(gt=0)] | None = None
    adv: Annotated[int, Field(gt=0)] | None = None
    # The impact model: the symbol's daily volatility from history, a fraction (0.02 = 2%); with `adv`, what a new
    # parent's pre-trade estimate needs.
    daily_vol: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] | None = None
    # Risk on each child: its price within this many bps of the mid (default `risk.child_collar_bps`), its size.
    collar_bps: Annotated[float, Field(gt=0)] | None = None
    max_child_qty: Annotated[int, Field(gt=0)] | None = None
    # VWAP: when the symbol trades each day (UTC, "HH:MM"; no daylight saving) and for how long, and its expected
    # volume in equal buckets across that session (relative; empty: even through the session).
    session_open_utc: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] = "00:00"
    session_hours: Annotated[float, Field(gt=0, le=24)] = 24.0
    volume_profile: tuple[Annotated[float, Field(ge=0, allow_inf_nan=False)], ...] = ()

    @model_validator(mode="after")
    def _some_volume(self) -> InstrumentConfig:
        if self.volume_profile and not any(w > 0 for w in self.volume_profile):
            raise ValueError(f"{self.symbol}: volume_profile needs at least one weight > 0")
        return self

    def to_instrument(self) -> Instrument:
        return Instrument(self.symbol, self.tick_size, self.lot_size)

    def trading_session(self) -> TradingSession:
        """The session VWAP weighs by: the configured profile in equal buckets, or an even one."""
        hours, minutes = (int(part) for part in self.session_open_utc.split(":"))
        session_s = self.session_hours * 3600.0
        weights = self.volume_profile or (1.0,)
        bucket_s = session_s / len(weights)
        profile = VolumeProfile(tuple(k * bucket_s for k in range(len(weights))), tuple(weights), session_s)
        return TradingSession(hours * 3600.0 + minutes * 60.0, profile)


class OrderCoreConfig(BaseModel):
    """How the order core follows up, reconciles, and forgets."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # A new, cancel or replace the venue has not answered within this is chased with an OrderStatusRequest.
    ack_timeout_s: Annotated[float, Field(gt=0)] = 2.0
    # This many "unknown order" status answers in a row end a child the venue never acknowledged.
    unknown_answers_to_drop: Annotated[int, Field(ge=1)] = 2
    # After a venue logon, trading waits for the reconciliation at most this long.
    reconcile_timeout_s: Annotated[float, Field(gt=0)] = 10.0
    # OMS session lost: "keep_working" its parents, or "cancel" them after the grace period.
    oms_disconnect: Literal["keep_working", "cancel"] = "keep_working"
    oms_disconnect_grace_s: Annotated[float, Field(ge=0)] = 30.0
    # Finished parents leave memory this long after they are final; the journal keeps them.
    retention_s: Annotated[float, Field(ge=0)] = 3600.0


class RiskConfig(BaseModel):
    """Limits on every parent as it arrives and every child before it leaves (per-symbol caps are on each
    instrument)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_adv_fraction: Annotated[float, Field(gt=0)] | None = 0.5
    max_order_notional: Annotated[float, Field(gt=0)] | None = None
    max_session_notional_per_day: Annotated[float, Field(gt=0)] | None = None
    max_symbol_notional_per_day: Annotated[float, Field(gt=0)] | None = None
    max_live_parents_per_session: Annotated[int, Field(gt=0)] | None = None
    new_orders_per_second: Annotated[float, Field(gt=0)] | None = None
    new_order_burst: Annotated[int, Field(gt=0)] = 1
    child_collar_bps: Annotated[float, Field(gt=0)] | None = 200.0
    max_child_notional: Annotated[float, Field(gt=0)] | None = None
    max_open_children_per_parent: Annotated[int, Field(gt=0)] | None = None
    participation_window_s: Annotated[float, Field(gt=0)] = 60.0
    venue_orders_per_second: Annotated[float, Field(gt=0)] | None = None
    venue_order_burst: Annotated[int, Field(gt=0)] = 1


class OmsAccessConfig(BaseModel):
    """Who may reach the OMS side and how: the logon gate in front of QuickFIX's acceptor."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # The gate listens on bind_address:oms_port; QuickFIX on 127.0.0.1:internal_port (0: a free one at start).
    bind_address: str = "127.0.0.1"
    internal_port: Annotated[int, Field(ge=0, le=65535)] = 0
    # TOML secrets (see agent/fix/access/oms_credentials.py); unset: the file the FOOTPRINT_OMS_SECRETS variable names.
    secrets_file: Path | None = None
    # True: every OMS session needs an entry and logs on with Username(553)/Password(554). False: only those
    # with an entry do.
    require_password: bool = False
    logon_timeout_s: Annotated[float, Field(gt=0)] = 10.0
    max_pending_connections: Annotated[int, Field(ge=1)] = 64
    max_logon_bytes: Annotated[int, Field(ge=256, le=65536)] = 4096

    @field_validator("bind_address")
    @classmethod
    def _an_address(cls, value: str) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an IP address") from exc
        return value

    @model_validator(mode="after")
    def _password_off_loopback(self) -> OmsAccessConfig:
        if not ipaddress.ip_address(self.bind_address).is_loopback and not self.require_password:
            raise ValueError(f"bind_address {self.bind_address} is reachable from other hosts: "
                             "set require_password = true")
        return self


class AdminConfig(BaseModel):
    """The admin HTTP endpoint: health, readiness, parents, risk; kill, halt, resume and limits with a token."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 9880  # 0: a free port, written to admin.json in state_dir
    # Holds the bearer token for actions; $FOOTPRINT_ADMIN_TOKEN wins over it. Neither: actions are disabled.
    token_file: Path | None = None

    @field_validator("host")
    @classmethod
    def _loopback(cls, value: str) -> str:
        # Actions can stop all trading: the endpoint is for this machine only (a proxy may publish it).
        try:
            loopback = ipaddress.ip_address(value).is_loopback
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an IP address") from exc
        if not loopback:
            raise ValueError(f"{value} is not a loopback address; the admin endpoint listens on this machine only")
        return value


class ImplementationShortfallConfig(BaseModel):
    """IS (Almgren–Chriss): how front-loaded its schedule is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # κT of Almgren & Chriss 2000 (T √(λσ²/η)): 0 trades like TWAP; at 1 about 56% is due by half time, at 3 79%.
    urgency: Annotated[float, Field(ge=0, le=50, allow_inf_nan=False)] = 1.0


class StrategyTagsConfig(BaseModel):
    """Custom NewOrderSingle tags that carry a parent's strategy parameters (FIX's user-defined range, 5000-9999);
    unset: the parameter cannot be sent and the configured default applies."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    urgency: Annotated[int, Field(ge=5000, le=9999)] | None = 7001  # IS: Almgren–Chriss κT, [0, 50]
    participation: Annotated[int, Field(ge=5000, le=9999)] | None = 7002  # POV: share of volume, (0, 1]

    @model_validator(mode="after")
    def _distinct(self) -> StrategyTagsConfig:
        if self.urgency is not None and self.urgency == self.participation:
            raise ValueError(f"urgency and participation cannot share tag {self.urgency}")
        return self

    def tags(self) -> dict[str, int]:
        """Parameter name -> tag, for the configured ones."""
        return {name: tag for name, tag in (("urgency", self.urgency), ("participation", self.participation))
                if tag is not None}


class VenueNewsConfig(BaseModel):
    """Where the venue's News (35=B) carries a sentiment score, an on-chain event's amount, an implied-volatility
    update and a calendar entry's release time: custom tags agreed with the venue (the bundled simulator's defaults);
    unset: that value is not read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sentiment_tag: Annotated[int, Field(ge=5000)] | None = 20101  # a score in [-1, 1], > 0 good for the price
    amount_tag: Annotated[int, Field(ge=5000)] | None = 20102  # units an on-chain transfer moved
    implied_vol_tag: Annotated[int, Field(ge=5000)] | None = 20103  # annualised implied volatility, 0.76 = 76%
    scheduled_time_tag: Annotated[int, Field(ge=5000)] | None = 20104  # a scheduled release's time (UTCTimestamp)

    @model_validator(mode="after")
    def _distinct(self) -> VenueNewsConfig:
        seen: dict[int, str] = {}
        for name, tag in (("sentiment_tag", self.sentiment_tag), ("amount_tag", self.amount_tag),
                          ("implied_vol_tag", self.implied_vol_tag), ("scheduled_time_tag", self.scheduled_time_tag)):
            if tag is not None and tag in seen:
                raise ValueError(f"{seen[tag]} and {name} cannot share tag {tag}")
            if tag is not None:
                seen[tag] = name
        return self

    @property
    def tags(self) -> tuple[int | None, int | None, int | None, int | None]:
        """(sentiment, amount, implied volatility, scheduled time) tags, as `parse_news` takes them."""
        return self.sentiment_tag, self.amount_tag, self.implied_vol_tag, self.scheduled_time_tag


class ImpactConfig(BaseModel):
    """The impact model: which one, where it runs, and whether a new parent's New report carries its estimate."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: Path | None = None  # an ONNX file made by `footprint train impact`; unset: the one the package ships
    device: Literal["cpu", "cuda", "auto"] = "cpu"  # cuda: fail unless the session really runs on CUDA
    pretrade_on_new: bool = True


class AgentConfig(BaseModel):
    """Everything the agent needs to start; the defaults live in fix_config/agent.toml."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    oms_settings: str = "agent-oms.cfg"
    venue_settings: str = "agent-venue.cfg"
    oms_port: Annotated[int, Field(ge=0, le=65535)] = 9878
    venue_host: str = "127.0.0.1"
    venue_port: Annotated[int, Field(ge=1, le=65535)] = 9879
    state_dir: Path = Path("var/agent")
    instruments: tuple[InstrumentConfig, ...] = ()
    default_strategy: str = "TWAP"
    # TargetStrategy(847) value -> strategy name. FIX's own values are 1-3; ours start at 1000.
    target_strategies: dict[str, str] = Field(default_factory=dict)
    default_horizon_s: Annotated[float, Field(gt=0)] = 1800.0
    decision_interval_s: Annotated[float, Field(gt=0)] = 1.0
    # A strategy that takes longer than this to decide on one parent has failed: the parent falls back to TWAP.
    strategy_budget_s: Annotated[float, Field(gt=0)] | None = 0.25
    max_limit_deviation_pct: Annotated[float, Field(gt=0)] = 10.0
    max_child_rejects: Annotated[int, Field(gt=0)] = 5
    market_data_depth: Annotated[int, Field(ge=1, le=50)] = 5
    venue_logon_timeout_s: Annotated[float, Field(gt=0)] = 30.0
    twap: TwapConfig = TwapConfig()
    implementation_shortfall: ImplementationShortfallConfig = ImplementationShortfallConfig()
    pov: PovConfig = PovConfig()
    strategy_tags: StrategyTagsConfig = StrategyTagsConfig()
    venue_news: VenueNewsConfig = VenueNewsConfig()
    impact: ImpactConfig = ImpactConfig()
    orders: OrderCoreConfig = OrderCoreConfig()
    risk: RiskConfig = RiskConfig()
    breakers: BreakersConfig = BreakersConfig()
    oms_access: OmsAccessConfig = OmsAccessConfig()
    admin: AdminConfig = AdminConfig()

    @field_validator("target_strategies")
    @classmethod
    def _integer_codes(cls, value: dict[str, str]) -> dict[str, str]:
        for code in value:
            if not code.isdigit():
                raise ValueError(f"TargetStrategy code {code!r} must be a non-negative integer")
        return value

    @model_validator(mode="after")
    def _known_strategies(self) -> AgentConfig:
        from agent.strategy_registry import STRATEGIES

        names = {self.default_strategy, *self.target_strategies.values()}
        unknown = sorted(n for n in names if n not in STRATEGIES)
        if unknown:
            raise ValueError(f"unknown strategy {', '.join(unknown)}; known: {', '.join(sorted(STRATEGIES))}")
        symbols = [i.symbol for i in self.instruments]
        if len(set(symbols)) != len(symbols):
            raise ValueError("instruments: a symbol is listed twice")
        return self

    def instrument_map(self) -> dict[str, Instrument]:
        return {i.symbol: i.to_instrument() for i in self.instruments}


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"]) or "config"
        parts.append(f"{where}: {e['msg']}")
    return "; ".join(parts)


def load_config(path: Path | None = None, **overrides: object) -> AgentConfig:
    """The packaged fix_config/agent.toml, with the TOML file `path` over it (tables merge key by key, any other
    value, lists included, replaces the default), then `overrides`."""
    data = _read_toml(fix_config.path("agent.toml"))
    source = fix_config.path("agent.toml")
    if path is not None:
        data = _merge(data, _read_toml(path))
        source = path
    data = _merge(data, {k: v for k, v in overrides.items() if v is not None})
    try:
        return AgentConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_describe(exc)}") from exc


def _read_toml(source: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(source.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {source}") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"config file {source} is a directory") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged
