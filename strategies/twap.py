"""Sliced schedules (TWAP, and VWAP and IS by their shapes): one passive child at the touch per time slice, IOC
catch-up when behind, a final sweep."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from strategies.schedule import PlanPosition, plan_position
from strategies.shapes import ScheduleShape
from strategies.types import (
    CancelChild,
    ChildAction,
    ChildTif,
    ParentView,
    PlaceChild,
    Quote,
    ReplaceChild,
    WorkingChild,
)


class TwapConfig(BaseModel):
    """How a TWAP parent is sliced and worked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slice_interval_s: float = Field(default=10.0, gt=0, allow_inf_nan=False, description="seconds per slice")
    catch_up_slices: float = Field(
        default=0.5, ge=0, allow_inf_nan=False, description="slices' worth behind schedule before crossing"
    )
    final_window_s: float = Field(
        default=5.0, ge=0, allow_inf_nan=False, description="seconds before end when all leaves are swept"
    )
    reprice_ticks: int = Field(default=1, ge=1, description="ticks the touch moves away before re-pegging")


AGGRESSIONS: dict[str, float] = {"passive": 3.0, "balanced": 0.5, "aggressive": 0.0}
"""The tactic's aggression presets, as `catch_up_slices`: how far behind schedule it lets a parent fall before it
crosses the spread (passive waits three slices, aggressive crosses whenever it is behind at all)."""


def with_aggression(config: TwapConfig, aggression: str) -> TwapConfig:
    """The tactic at one of the `AGGRESSIONS` presets; ValueError naming the known ones otherwise."""
    if aggression not in AGGRESSIONS:
        raise ValueError(f"unknown aggression {aggression!r}: one of {', '.join(AGGRESSIONS)}")
    return config.model_copy(update={"catch_up_slices": AGGRESSIONS[aggression]})


class _PriceRules:
    """A parent's price rules for one decision, in whole ticks: its side, grid and hard limit."""

    def __init__(self, parent: ParentView) -> None:
        self.instrument = parent.instrument
        self.side = parent.side
        # Snapping the limit passively keeps an off-grid limit on the safe side of itself.
        self.limit_ticks = (
            None
            if parent.limit_px is None
            else self.instrument.to_ticks(self.instrument.snap(parent.limit_px, parent.side))
        )

    def ticks(self, price: float, passive: bool = True) -> int:
        return self.instrument.to_ticks(self.instrument.snap(price, self.side, passive))

    def through_limit(self, ticks: int) -> bool:
        return self.limit_ticks is not None and (ticks - self.limit_ticks) * self.side.sign > 0

    def capped(self, ticks: int) -> int:
        """The price, or the limit when the price is through it."""
        return self.limit_ticks if self.limit_ticks is not None and self.through_limit(ticks) else ticks

    def passive(self, quote: Quote | None) -> int | None:
        """Our touch, pulled back to the limit when it is through it; None when our side is empty."""
        touch = quote.touch(self.side) if quote else None
        return None if touch is None else self.capped(self.ticks(touch))

    def crossing(self, quote: Quote | None) -> int | None:
        """The far touch, or None when it is empty or through the limit (we never cross beyond it)."""
        far = quote.far_touch(self.side) if quote else None
        if far is None:
            return None
        ticks = self.ticks(far, passive=False)
        return None if self.through_limit(ticks) else ticks


class Sliced:
    """A schedule worked in time slices: the shape says how much is due by each slice's end (even for TWAP), and the
    same tactic works every shape (one passive child at the touch, IOC catch-up when behind, a final sweep)."""

    def __init__(self, config: TwapConfig | None = None, shape: ScheduleShape | None = None,
                 name: str = "TWAP") -> None:  # fmt: skip
        self.config = config if config is not None else TwapConfig()
        self.shape = shape
        self.name = name

    def decide(self, parent: ParentView, quote: Quote | None, now: float) -> list[ChildAction]:
        """Child actions that bring the parent back onto its schedule at `now`."""
        if now < parent.start:
            return []
        cfg = self.config
        prices = _PriceRules(parent)
        lots_down = parent.instrument.round_lots_down
        final = self.sweeps and now >= parent.end - cfg.final_window_s
        cross_ticks = prices.crossing(quote)
        if final and (quote is None or quote.far_touch(parent.side) is None):
            return []

        resting = [
            c for c in parent.children if not c.pending and c.tif is ChildTif.DAY and c.price is not None
        ]
        passive = resting[0] if resting else None
        actions: list[ChildAction] = [
            CancelChild(c.child_id, "one passive child at a time") for c in resting[1:]
        ]
        # Everything working except the passive child we manage counts towards the schedule as is.
        others = parent.working_qty - (passive.leaves_qty if passive else 0)
        pos = self.position(parent, quote, now)

        behind = pos.due_now - parent.cum_qty - others
        if final:
            cross_want = parent.order_qty - parent.cum_qty - others
            goal = parent.order_qty
        else:
            cross_want = behind if behind > cfg.catch_up_slices * pos.slice_qty else 0
            goal = pos.due_by_slice_end
        if cross_ticks is None:
            cross_want = 0
        # The passive child is sized as if the whole catch-up went out, so it shrinks to make room for it.
        passive_want = lots_down(max(0, goal - parent.cum_qty - others - cross_want))
        cross_qty = lots_down(max(0, min(cross_want, parent.uncommitted_qty)))

        label = "final sweep" if final else f"passive slice {pos.slice_index}/{pos.slices}"
        actions += self._work_passive(parent, passive, passive_want, prices, quote, label)
        if cross_qty > 0 and cross_ticks is not None:
            reason = "final sweep" if final else f"catch-up {behind} behind"
            cross_px = parent.instrument.from_ticks(cross_ticks)
            actions.append(PlaceChild(cross_qty, cross_px, ChildTif.IOC, reason))

        if any(c.pending for c in parent.children):
            # A request in flight changes the books under us: only cancels go out until it settles.
            actions = [a for a in actions if isinstance(a, CancelChild)]
        return sorted(actions, key=_send_order)

    sweeps = True
    """Whether everything left is swept in the last seconds (a schedule that must finish does)."""

    def position(self, parent: ParentView, quote: Quote | None, now: float) -> PlanPosition:
        """Where the schedule stands at `now`: due so far, due by the slice's end, one slice's size."""
        return plan_position(parent, now, self.config.slice_interval_s, self.shape)

    def _work_passive(
        self,
        parent: ParentView,
        child: WorkingChild | None,
        want: int,
        prices: _PriceRules,
        quote: Quote | None,
        label: str,
    ) -> list[ChildAction]:
        """Place, re-peg, resize or cancel the one resting child so it carries `want` at the touch."""
        touch = prices.passive(quote)
        instrument = parent.instrument
        if child is None:
            if want > 0 and touch is not None:
                return [PlaceChild(want, instrument.from_ticks(touch), ChildTif.DAY, label)]
            return []
        if want == 0:
            return [CancelChild(child.child_id, f"{label}: not needed")]
        if child.price is None:  # never chosen as the resting child; narrows the type
            return []

        old = instrument.to_ticks(child.price)
        # A parent replace may have tightened the limit past a child that was fine before.
        stale = prices.through_limit(old)
        moved_away = touch is not None and (touch - old) * parent.side.sign >= self.config.reprice_ticks
        new = old
        # Growing loses queue priority anyway, so it also re-pegs to the current touch.
        if stale or moved_away or want > child.leaves_qty:
            new = touch if touch is not None else prices.capped(old)
        if new == old and want == child.leaves_qty:
            return []
        new_px = instrument.from_ticks(new)
        note = f"re-peg to {instrument.format_price(new_px)}" if new != old else f"resize to {want}"
        return [ReplaceChild(child.child_id, want, new_px, f"{label}: {note}")]


class Twap(Sliced):
    """Time-weighted schedule: the Strategy for TargetStrategy TWAP."""

    def __init__(self, config: TwapConfig | None = None) -> None:
        super().__init__(config, None, "TWAP")


def _send_order(action: ChildAction) -> int:
    """Cancels first, then replaces, then new children: exposure is reduced before it is added."""
    if isinstance(action, CancelChild):
        return 0
    return 1 if isinstance(action, ReplaceChild) else 2
