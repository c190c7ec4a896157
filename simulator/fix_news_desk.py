"""News over FIX: each feed event goes out as News (35=B) to the sessions subscribed to its symbol's market data.

A session gets an event once however many of its subscriptions cover the symbol; a session that asked for no
market data in the symbol gets none. News is not the book's feed: it goes out during a market data outage too.
Headline(148) and the one line of text (58) carry the event's text, OrigTime(42) its time, NoRelatedSym(146) its
symbol; the sentiment score, an on-chain event's amount, an implied-volatility update's value (annualised, a
fraction) and a calendar entry's release time (UTCTimestamp) go in the custom tags of `FeedTags` (settings file);
an implied-volatility update or a calendar entry carries no score.
No Urgency(61): every event is Normal.
"""

from __future__ import annotations

from collections.abc import Sequence

from simulator.feed_events import FeedEvent
from simulator.fix_codes import utc_timestamp
from simulator.fix_market_data_desk import MarketDataDesk
from simulator.fix_messages import News, Routed
from simulator.fix_settings import FeedTags


class NewsDesk:
    """Turns the market's feed events into News for the market data subscribers of each event's symbol."""

    def __init__(self, market_data: MarketDataDesk, tags: FeedTags) -> None:
        self._market_data = market_data
        self._tags = tags

    def publish(self, events: Sequence[FeedEvent]) -> list[Routed]:
        """News for every event, in order, to each session subscribed to its symbol."""
        routed: list[Routed] = []
        for event in events:
            news = self.news(event)
            routed.extend((session, news) for session in self._market_data.subscribers(event.symbol))
        return routed

    def news(self, event: FeedEvent) -> News:
        """The News record of one event."""
        return news_record(event, self._tags)


def news_record(event: FeedEvent, tags: FeedTags) -> News:
    """The News record of one feed event, its score, amount or implied volatility in `tags` (the in-process venue uses
    it too)."""
    if event.implied_vol is not None:
        custom = [(tags.implied_vol, f"{event.implied_vol:.4f}")]
    elif event.event_time is not None:
        custom = [(tags.scheduled_time, utc_timestamp(event.event_time))]
    else:
        custom = [(tags.sentiment_score, f"{event.score:.4f}")]
    if event.amount is not None:
        custom.append((tags.onchain_amount, str(event.amount)))
    return News(event.text, utc_timestamp(event.time), event.symbol, tuple(custom))
