"""The scenario file schema: pydantic models that reject a bad value with a message naming the field.

Durations and offsets are seconds or text ("90s", "30m", "+2h", "1h30m"); every offset counts from the
session start. Field-level checks live on the models; checks that need two fields raise `FieldProblems`,
which carries the path of each field at fault so the loader can name it.
"""

from __future__ import annotations

import dataclasses
import math
import re
from datetime import UTC, date, datetime, time
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from simulator.instruments import DEFAULT_UNIVERSE, SymbolSpec
from simulator.orders import Side
from simulator.regime import MAX_LEAD_S
from simulator.scenario_offsets import format_offset, parse_offset

Loc = tuple[str | int, ...]

Offset = Annotated[float, BeforeValidator(parse_offset)]
Multiplier = Annotated[float, Field(gt=0, allow_inf_nan=False)]

# Annualising a daily volatility: a 24h market trades every calendar day, an equity market about 252 a year.
_DAYS_PER_YEAR: dict[str, float] = {"24h": 365.0, "equity": 252.0}
_EQUITY_SESSION_S = 23_400.0
# A fixed default day keeps a scenario without `start` reproducible; 2024-01-02 was a trading Tuesday.
_DEFAULT_DATE = date(2024, 1, 2)
# 09:30 New York (EST, UTC-5 in January) for equities; midnight UTC for a 24h market.
_DEFAULT_OPEN: dict[str, time] = {"24h": time(0, 0), "equity": time(14, 30)}

CHANNEL_BASE: dict[str, float] = {
    "vol_mult": 1.0,
    "spread_mult": 1.0,
    "depth_mult_bid": 1.0,
    "depth_mult_ask": 1.0,
    "activity_mult": 1.0,
    "drift_bps_per_hour": 0.0,
    "implied_vol_mult": 1.0,
}
"""The regime channels a timeline moves, and their calm values."""


# SymbolSpec's field -> this schema's name for it.
_SPEC_FIELDS: dict[str, str] = {
    "ref_price": "price", "tick_size": "tick", "lot_size": "lot", "adv": "adv", "base_spread_bps": "spread_bps",
    "daily_vol": "daily_vol", "session": "session", "book_depth": "depth", "typical_order_size": "typical_order_size",
}


def annualised_vol(daily_vol: float, session: str) -> float:
    """A daily volatility annualised over the session's trading days a year (365 for 24h, 252 for equity)."""
    return daily_vol * math.sqrt(_DAYS_PER_YEAR[session])


class FieldProblems(ValueError):
    """Problems that involve several fields; each names the field at fault relative to the model that raised."""

    def __init__(self, problems: list[tuple[Loc, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{dotted(loc)}: {message}" for loc, message in problems))


def dotted(loc: Loc) -> str:
    """A field path as a user reads it: ("timeline", 2, "at") -> "timeline[2].at"."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SymbolParams(_Strict):
    """The traded symbol; a built-in name fills every parameter not given here.

    Volatility is `daily_vol` (a fraction of price per day: 0.04 = 4%) or `annual_vol` (annualised over 365
    days for a 24h market, 252 for equities), not both.
    """

    name: Annotated[str, Field(min_length=1)]
    price: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    tick: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    lot: Annotated[int, Field(gt=0)] | None = None
    adv: Annotated[int, Field(gt=0)] | None = None
    spread_bps: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    daily_vol: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    annual_vol: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    depth: Annotated[int, Field(gt=0)] | None = None
    session: Literal["24h", "equity"] | None = None
    typical_order_size: Annotated[int, Field(gt=0)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _name_alone(cls, data: object) -> object:
        # `symbol: CRYPTOALPHA` is shorthand for `symbol: {name: CRYPTOALPHA}`.
        return {"name": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _complete(self) -> SymbolParams:
        if self.daily_vol is not None and self.annual_vol is not None:
            raise FieldProblems([(("annual_vol",), "give daily_vol or annual_vol, not both")])
        if self.name not in DEFAULT_UNIVERSE:
            given = self.model_dump()
            missing = [f for f in ("price", "tick", "lot", "adv", "spread_bps", "depth", "session",
                                   "typical_order_size") if given[f] is None]
            if self.daily_vol is None and self.annual_vol is None:
                missing.append("daily_vol or annual_vol")
            if missing:
                known = ", ".join(sorted(DEFAULT_UNIVERSE))
                raise FieldProblems([(("name",), f"{self.name!r} is not a built-in symbol ({known}); "
                                      f"give its parameters too, missing: {', '.join(missing)}")])
        self._check_spec()
        return self

    def _check_spec(self) -> None:
        # SymbolSpec owns the checks (price on the tick grid, order size vs lot); name this block's fields.
        try:
            SymbolSpec(**self._merged_values())  # type: ignore[arg-type]
        except TypeError as exc:  # SymbolSpec gained a required field this schema does not know yet
            raise FieldProblems([((), f"cannot build the symbol: {exc}")]) from exc
        except ValueError as exc:
            text = str(exc).removeprefix(f"{self.name}: ")
            theirs_first = next((theirs for theirs in _SPEC_FIELDS if text.startswith(theirs)), None)
            if theirs_first is not None:
                text = text.removeprefix(theirs_first).lstrip(": ")
            for theirs, ours in _SPEC_FIELDS.items():
                text = re.sub(rf"\b{theirs}\b", ours, text)
            raise FieldProblems([((_SPEC_FIELDS[theirs_first],) if theirs_first else (), text)]) from exc

    def _merged_values(self) -> dict[str, object]:
        base = DEFAULT_UNIVERSE.get(self.name)
        values: dict[str, object] = dataclasses.asdict(base) if base is not None else {"symbol": self.name}
        given = self.model_dump()
        values.update({theirs: given[ours] for theirs, ours in _SPEC_FIELDS.items() if given[ours] is not None})
        if self.annual_vol is not None:
            values["daily_vol"] = self.annual_vol / annualised_vol(1.0, str(values["session"]))
        return values

    def to_spec(self) -> SymbolSpec:
        """The SymbolSpec the simulator lists: the built-in one with this block's values over it."""
        return SymbolSpec(**self._merged_values())  # type: ignore[arg-type]


class HeadlineSpec(_Strict):
    """A headline about a release, published `lead` before it (0: at it), with a sentiment score whose sign is
    the jump's with probability `accuracy` (0.5: a coin toss, 1: always right); see `simulator/scenario_feed.py`."""

    lead: Offset = 0.0
    accuracy: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class NewsSpec(_Strict):
    """A release: the price jumps |N(mean, std)| bps, drawn from the seed, up, down or either way; optionally
    announced by a headline; `scheduled` when the venue's calendar shows its time from the session start (a known
    event, like a data release), not when it comes unannounced (a crash)."""

    jump_bps_mean: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    jump_bps_std: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.0
    direction: Literal["up", "down", "random"] = "random"
    headline: HeadlineSpec | None = None
    scheduled: bool = False


class OnChainSpec(_Strict):
    """A transfer of `amount` units to exchanges, seen on-chain at the step's `at`: selling of that amount
    follows from `lead` after it, over `pressure`. Only for 24h (crypto) symbols."""

    amount: Annotated[int, Field(gt=0)]
    lead: Offset = 0.0
    pressure: Offset

    @model_validator(mode="after")
    def _some_pressure(self) -> OnChainSpec:
        if self.pressure <= 0:
            raise FieldProblems([(("pressure",), "must be > 0: the selling takes some time")])
        return self


class MetaorderSpec(_Strict):
    """Another desk's block, unannounced: `amount` units bought or sold at a steady pace from the step's `at`
    over `over`. Nothing is published; it shows only on the tape (the co-impact a parent meets when it trades
    alongside, or against, someone else's metaorder)."""

    side: Literal["buy", "sell"]
    amount: Annotated[int, Field(gt=0)]
    over: Offset

    @model_validator(mode="after")
    def _some_time(self) -> MetaorderSpec:
        if self.over <= 0:
            raise FieldProblems([(("over",), "must be > 0: the block takes some time")])
        return self

    @property
    def sign(self) -> int:
        return 1 if self.side == "buy" else -1


class TimelineStep(_Strict):
    """A regime change at `at`: reached at once, or linearly over `ramp`; `recover` returns every channel
    this step does not name to its calm value over the given duration."""

    at: Offset
    ramp: Offset = 0.0
    recover: Offset | None = None
    vol_mult: Multiplier | None = None
    spread_mult: Multiplier | None = None
    spread_bps: Multiplier | None = None
    depth_mult: Multiplier | None = None
    depth_mult_bid: Multiplier | None = None
    depth_mult_ask: Multiplier | None = None
    activity_mult: Multiplier | None = None
    trend_bps_per_hour: Annotated[float, Field(allow_inf_nan=False)] | None = None
    implied_vol_mult: Multiplier | None = None
    news: NewsSpec | None = None
    onchain: OnChainSpec | None = None
    metaorder: MetaorderSpec | None = None
    # The venue publishes no market data for this long from `at` (quotes freeze; trading goes on).
    market_data_outage: Offset | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TimelineStep:
        problems: list[tuple[Loc, str]] = []
        if self.spread_mult is not None and self.spread_bps is not None:
            problems.append((("spread_bps",), "give spread_mult or spread_bps, not both"))
        if self.depth_mult is not None and (self.depth_mult_bid is not None or self.depth_mult_ask is not None):
            problems.append((("depth_mult",), "give depth_mult (both sides) or depth_mult_bid/_ask, not both"))
        if self.recover is not None and self.ramp:
            problems.append((("recover",), "give ramp or recover, not both: recover is its own ramp"))
        if self.market_data_outage is not None and self.market_data_outage <= 0:
            problems.append((("market_data_outage",), "must be > 0"))
        headline = self.news.headline if self.news is not None else None
        if headline is not None and headline.lead > self.at:
            problems.append((("news", "headline", "lead"),
                             f"{format_offset(headline.lead)} before the release at {format_offset(self.at)} is "
                             "before the session start"))
        changes = [*self._changes().values(), self.spread_bps, self.recover, self.news, self.onchain,
                   self.metaorder, self.market_data_outage]
        if all(change is None for change in changes):
            problems.append(((), "this step changes nothing; give a multiplier, a trend, news, an on-chain event, "
                                 "a metaorder, recover or a market data outage"))
        if problems:
            raise FieldProblems(problems)
        return self

    @property
    def ramp_s(self) -> float:
        """How long the move to the new values takes (0: at once)."""
        return self.recover if self.recover is not None else self.ramp

    @property
    def end_s(self) -> float:
        """When the new values are reached."""
        return self.at + self.ramp_s

    def _changes(self) -> dict[str, float | None]:
        both = self.depth_mult
        return {
            "vol_mult": self.vol_mult,
            "spread_mult": self.spread_mult,
            "depth_mult_bid": self.depth_mult_bid if both is None else both,
            "depth_mult_ask": self.depth_mult_ask if both is None else both,
            "activity_mult": self.activity_mult,
            "drift_bps_per_hour": self.trend_bps_per_hour,
            "implied_vol_mult": self.implied_vol_mult,
        }

    def targets(self, base_spread_bps: float) -> dict[str, float]:
        """The channel values this step moves to (CHANNEL_BASE names); channels it leaves alone are absent."""
        changes = self._changes()
        if self.spread_bps is not None:
            changes["spread_mult"] = self.spread_bps / base_spread_bps
        if self.recover is not None:
            changes = {k: CHANNEL_BASE[k] if v is None else v for k, v in changes.items()}
        return {k: v for k, v in changes.items() if v is not None}


class ImpliedVolSpec(_Strict):
    """The implied-volatility feed: it prices the highest realised volatility expected within `lead`."""

    lead: Offset = 0.0
    base: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None  # annualised; default from daily_vol


class InformedSpec(_Strict):
    """Informed traders: each news jump of the scenario (a scheduled release or a random one) is learnt `lead` before
    it happens with `probability`, and the one who knows buys or sells `size_adv` of ADV its way until it does."""

    probability: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
    lead: Offset = 600.0
    size_adv: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 0.005

    @model_validator(mode="after")
    def _lead_in_range(self) -> InformedSpec:
        if not 0 < self.lead <= MAX_LEAD_S:
            raise FieldProblems([(("lead",), f"must be > 0 and at most {format_offset(MAX_LEAD_S)}, got "
                                             f"{format_offset(self.lead)}")])
        return self


class PredatorSpec(_Strict):
    """Predatory traders who watch the tape for a strict schedule and trade ahead of its children; `strength` 0-1
    is how much of a child's size they take ahead of it."""

    strength: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class OrderSpec(_Strict):
    """The test parent a QA backtest works in this scenario; it ends at `end`, after `duration`, or at the
    scenario's end."""

    side: Side
    qty: Annotated[int, Field(gt=0)]
    start: Offset = 0.0
    duration: Offset | None = None
    end: Offset | None = None
    strategy: Annotated[str, Field(min_length=1)] = "TWAP"
    limit: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _one_end(self) -> OrderSpec:
        if self.duration is not None and self.end is not None:
            raise FieldProblems([(("end",), "give duration or end, not both")])
        if self.duration == 0:
            raise FieldProblems([(("duration",), "must be > 0")])
        return self

    def end_s(self, scenario_duration_s: float) -> float:
        """When the order must be done, seconds since the session start."""
        if self.end is not None:
            return self.end
        return self.start + self.duration if self.duration is not None else scenario_duration_s


def _start_text(value: object) -> object:
    # YAML turns unquoted dates and timestamps into objects; keep one canonical form, ISO text.
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, str):
        _parse_start(value)
        return value
    if value is None:
        return value
    raise ValueError(f"{value!r} is not a date or time; write e.g. 2024-03-04, 09:30:00 or 2024-03-04T09:30:00Z "
                     "(quote a time written h:mm: YAML reads 9:30 as a number)")


def _parse_start(text: str) -> datetime | date | time:
    # date first: datetime.fromisoformat also reads a bare date, as midnight, which would lose the session open.
    for parse in (date.fromisoformat, datetime.fromisoformat, time.fromisoformat):
        try:
            return parse(text)
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not an ISO date or time; write e.g. 2024-03-04, 09:30:00 or 2024-03-04T09:30:00Z")


class Scenario(_Strict):
    """A market scenario as written in a YAML file; `compile_scenario` turns it into what the flow reads."""

    name: Annotated[str, Field(min_length=1)]
    description: str
    seed: Annotated[int, Field(ge=0)]
    duration: Offset
    start: Annotated[str | None, BeforeValidator(_start_text)] = None
    symbol: SymbolParams
    implied_vol: ImpliedVolSpec = ImpliedVolSpec()
    informed: InformedSpec | None = None
    predators: PredatorSpec | None = None
    timeline: tuple[TimelineStep, ...] = ()
    order: OrderSpec | None = None

    @model_validator(mode="after")
    def _fits(self) -> Scenario:
        problems: list[tuple[Loc, str]] = []
        if self.duration <= 0:
            problems.append((("duration",), "must be > 0"))
        spec = self.symbol.to_spec()
        if spec.session == "equity" and self.duration > _EQUITY_SESSION_S:
            problems.append((("duration",), f"an equity session lasts at most {format_offset(_EQUITY_SESSION_S)}, "
                                            f"got {format_offset(self.duration)}"))
        problems += self._timeline_problems()
        problems += self._flow_problems(spec)
        if self.order is not None:
            problems += [(("order", *loc), msg) for loc, msg in self._order_problems(self.order, spec)]
        if problems:
            raise FieldProblems(problems)
        return self

    def _timeline_problems(self) -> list[tuple[Loc, str]]:
        problems: list[tuple[Loc, str]] = []
        total = format_offset(self.duration)
        for i, step in enumerate(self.timeline):
            if step.at >= self.duration:
                problems.append((("timeline", i, "at"), f"{format_offset(step.at)} is not before the end of the "
                                                        f"scenario ({total})"))
            elif step.end_s > self.duration:
                field = "recover" if step.recover is not None else "ramp"
                problems.append((("timeline", i, field), f"ends at {format_offset(step.end_s)}, after the end of "
                                                        f"the scenario ({total})"))
            elif step.market_data_outage is not None and step.at + step.market_data_outage > self.duration:
                problems.append((("timeline", i, "market_data_outage"),
                                 f"ends at {format_offset(step.at + step.market_data_outage)}, after the end of the "
                                 f"scenario ({total})"))
            if i == 0:
                continue
            before = self.timeline[i - 1]
            if step.at <= before.at:
                problems.append((("timeline", i, "at"), f"{format_offset(step.at)} is not after timeline[{i - 1}] "
                                                        f"({format_offset(before.at)}); list steps in time order"))
            elif step.at < before.end_s:
                problems.append((("timeline", i, "at"), f"{format_offset(step.at)} starts inside the ramp of "
                                                        f"timeline[{i - 1}], which ends at "
                                                        f"{format_offset(before.end_s)}"))
        return problems

    def _flow_problems(self, spec: SymbolSpec) -> list[tuple[Loc, str]]:
        """The flows the timeline schedules (on-chain selling, other desks' metaorders): inside the scenario and on
        the lot grid; on-chain events only on 24h symbols."""
        problems: list[tuple[Loc, str]] = []
        total = format_offset(self.duration)

        def on_grid(loc: Loc, amount: int) -> None:
            if amount % spec.lot_size:
                problems.append(((*loc, "amount"), f"{amount} is not a multiple of the lot size {spec.lot_size}"))

        for i, step in enumerate(self.timeline):
            if (onchain := step.onchain) is not None:
                loc: Loc = ("timeline", i, "onchain")
                if spec.session != "24h":
                    problems.append((loc, f"on-chain events need a 24h (crypto) symbol; {spec.symbol} trades an "
                                          f"{spec.session} session"))
                    continue
                start, end = step.at + onchain.lead, step.at + onchain.lead + onchain.pressure
                if start >= self.duration:
                    problems.append(((*loc, "lead"), f"the selling would start at {format_offset(start)}, not before "
                                                     f"the end of the scenario ({total})"))
                elif end > self.duration:
                    problems.append(((*loc, "pressure"), f"the selling ends at {format_offset(end)}, after the end of "
                                                         f"the scenario ({total})"))
                on_grid(loc, onchain.amount)
            if (block := step.metaorder) is not None:
                loc = ("timeline", i, "metaorder")
                if step.at + block.over > self.duration:
                    problems.append(((*loc, "over"), f"the block ends at {format_offset(step.at + block.over)}, after "
                                                     f"the end of the scenario ({total})"))
                on_grid(loc, block.amount)
        return problems

    def _order_problems(self, order: OrderSpec, spec: SymbolSpec) -> list[tuple[Loc, str]]:
        problems: list[tuple[Loc, str]] = []
        end = order.end_s(self.duration)
        if order.start >= self.duration:
            problems.append((("start",), f"{format_offset(order.start)} is not before the end of the scenario "
                                         f"({format_offset(self.duration)})"))
        elif end <= order.start:
            problems.append((("end",), f"{format_offset(end)} is not after the start ({format_offset(order.start)})"))
        elif end > self.duration:
            field = "end" if order.end is not None else "duration"
            problems.append(((field,), f"the order ends at {format_offset(end)}, after the end of the scenario "
                                       f"({format_offset(self.duration)})"))
        if order.qty % spec.lot_size:
            problems.append((("qty",), f"{order.qty} is not a multiple of the lot size {spec.lot_size}"))
        if order.limit is not None and spec.price_to_ticks(order.limit) is None:
            problems.append((("limit",), f"{order.limit} is not on the tick grid {spec.tick_size}"))
        return problems

    def start_epoch(self) -> float:
        """The session start as Unix seconds (UTC); a missing date or time takes the fixed default."""
        session = self.symbol.to_spec().session
        parsed = _parse_start(self.start) if self.start is not None else None
        if isinstance(parsed, datetime):
            moment = parsed
        elif isinstance(parsed, date):
            moment = datetime.combine(parsed, _DEFAULT_OPEN[session])
        else:
            moment = datetime.combine(_DEFAULT_DATE, parsed if parsed is not None else _DEFAULT_OPEN[session])
        return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).timestamp()
