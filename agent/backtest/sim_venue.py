"""The in-process venue for backtests and property tests: the FIX simulator's order desk, without sockets.

A command takes the live path: `build_venue_message` makes its QuickFIX message, the simulator's reader copies
it into a request, the simulator's `OrderDesk` (the one `footprint sim` runs) answers; each answer becomes its
QuickFIX message (`to_quickfix`) and then an event (`parse_venue_message`). So a backtest meets the same
mapping and the same venue behaviour, faults included, as a live session against the simulator.
"""

from __future__ import annotations

import logging

from agent.core.commands import VenueCommand, VenueNewOrder
from agent.core.venue_reports import VenueCancelReject, VenueExecReport
from agent.fix.venue_messages import build_venue_message, parse_news, parse_venue_message
from fix_config.vocabulary import Tag
from simulator.fix_messages import Routed, to_quickfix
from simulator.fix_news_desk import news_record
from simulator.fix_order_desk import LedgerFill, OrderDesk, VenueOrderRecord
from simulator.fix_requests import ORDER_READERS
from simulator.fix_settings import FeedTags
from simulator.market import Market
from simulator.venue_faults import VenueFaults
from strategies.types import QUOTE_LEVELS, News, Quote

__all__ = ["LedgerFill", "SimVenue", "VenueEvent", "VenueOrderRecord"]

log = logging.getLogger("footprint.sim_venue")

VenueEvent = VenueExecReport | VenueCancelReject

_TAGS = FeedTags()

_RUN_TAG = "SIM"
"""Prefix of OrderIDs and ExecIDs: one venue per backtest, so a fixed tag keeps runs identical."""


class SimVenue:
    """The venue for one session over a `Market` that only this object advances."""

    def __init__(self, market: Market, faults: VenueFaults | None = None, session: str = "FOOTPRINT") -> None:
        self.market = market
        self.session = session
        self._desk = OrderDesk(market, _RUN_TAG, {session: faults} if faults is not None else None)
        self._events: list[VenueEvent] = []
        self.sent = 0
        """New orders received."""

    def send(self, command: VenueCommand) -> None:
        """Hand a command to the venue at the market's time; it answers as the FIX venue would, through
        `take_events`. A message the venue cannot read gets no answer, as over FIX (a session Reject at most)."""
        if isinstance(command, VenueNewOrder):
            self.sent += 1
        try:
            message = build_venue_message(command, self.market.now)
            reader = ORDER_READERS.get(message.getHeader().getField(Tag.MSG_TYPE))
            if reader is None:
                log.warning("the venue does not take %s", message.toString().replace("\x01", "|"))
                return
            request = reader(message)
        except Exception as exc:  # the FIX venue logs and drops what it cannot read; so does this one
            log.warning("the venue could not read %r: %s", command, exc)
            return
        self._deliver(self._desk.handle(self.session, request))

    def advance(self, t: float) -> None:
        """Run the market to `t`: fills of resting orders, and what the venue held back as it falls due, in
        time order. ValueError when `t` is before the market's time."""
        while (due := self._desk.next_due()) is not None and due <= t:
            self._step(max(due, self.market.now))
        self._step(t)

    def take_events(self) -> list[VenueEvent]:
        """What the venue said since the last call, in the order it said it."""
        events, self._events = self._events, []
        return events

    def quote(self, symbol: str) -> Quote:
        """The book's top `QUOTE_LEVELS` levels now."""
        depth = self.market.depth(symbol, QUOTE_LEVELS)
        bid = depth.bids[0] if depth.bids else None
        ask = depth.asks[0] if depth.asks else None
        return Quote(symbol, bid.price if bid else None, bid.size if bid else 0, ask.price if ask else None,
                     ask.size if ask else 0, self.market.now, self.market.traded_volume(symbol),
                     tuple((b.price, b.size) for b in depth.bids), tuple((a.price, a.size) for a in depth.asks),
                     self.market.signed_volume(symbol))

    def take_news(self, sentiment_tag: int | None = _TAGS.sentiment_score,
                  amount_tag: int | None = _TAGS.onchain_amount,
                  implied_vol_tag: int | None = _TAGS.implied_vol,
                  scheduled_time_tag: int | None = _TAGS.scheduled_time) -> list[News]:
        """The market's feed events since the last call, each as the FIX venue sends it (News, 35=B, its score,
        amount, implied volatility or release time in the given custom tags) and read back by the agent's parser,
        so a backtest's strategies see what a live agent would. A tag None is not read (the venue still sends the
        value, in its default tag)."""
        events = self.market.drain_feed()
        if not events:  # nearly every step of a backtest: nothing to build
            return []
        sent = FeedTags(**{k: v for k, v in (("sentiment_score", sentiment_tag), ("onchain_amount", amount_tag),
                                             ("implied_vol", implied_vol_tag),
                                             ("scheduled_time", scheduled_time_tag)) if v is not None})
        now = self.market.now
        return [news for event in events
                for news in parse_news(to_quickfix(news_record(event, sent)), now, sentiment_tag, amount_tag,
                                       implied_vol_tag, scheduled_time_tag)]

    def ledger(self) -> list[VenueOrderRecord]:
        """The venue's truth about this session's orders: ClOrdIDs, fills, quantities, whether still working."""
        return self._desk.ledger(self.session)

    def _step(self, t: float) -> None:
        self._deliver(self._desk.report(self.market.advance(t)))
        self._deliver(self._desk.release_due())

    def _deliver(self, routed: list[Routed]) -> None:
        for session, record in routed:
            if session != self.session:
                continue  # another owner's order (none while this object is the market's only client)
            event = parse_venue_message(to_quickfix(record))
            if event is not None:
                self._events.append(event)
