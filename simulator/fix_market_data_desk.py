"""Market data over FIX: subscriptions, full-refresh snapshots and incremental refreshes of the top N levels."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from simulator.depth_diff import LevelAction, diff_depth
from simulator.fix_codes import (
    ENTRY_BID,
    ENTRY_FOR_SIDE,
    ENTRY_OFFER,
    ENTRY_TRADE,
    MD_REJ_DUPLICATE_ID,
    MD_REJ_ENTRY_TYPE,
    MD_REJ_MARKET_DEPTH,
    MD_REJ_SUBSCRIPTION_TYPE,
    MD_REJ_UNKNOWN_SYMBOL,
    MD_REJ_UPDATE_TYPE,
    SIDE_TO_FIX,
    UPDATE_ACTION,
)
from simulator.fix_messages import (
    IncrementalEntry,
    MarketDataIncrement,
    MarketDataReject,
    MarketDataSnapshot,
    Routed,
    SnapshotEntry,
)
from simulator.fix_requests import MarketDataRequest
from simulator.market import Market
from simulator.market_data import BookDepth, Trade

FULL_BOOK_LEVELS = 1_000
"""Levels per side sent for MarketDepth(264) 0, the full book."""

_SNAPSHOT, _SUBSCRIBE, _UNSUBSCRIBE = "0", "1", "2"
_FULL_REFRESH, _INCREMENTAL = "0", "1"
_ENTRY_TYPES = frozenset({ENTRY_BID, ENTRY_OFFER, ENTRY_TRADE})


@dataclass(slots=True)
class _Subscription:
    """One MDReqID of one session, and the book picture each of its symbols was last sent."""

    session: str
    md_req_id: str
    symbols: tuple[str, ...]
    levels: int
    entry_types: frozenset[str]
    incremental: bool
    sent: dict[str, BookDepth]


class MarketDataDesk:
    """Answers MarketDataRequests and, each publish, sends subscribers what changed."""

    def __init__(self, market: Market) -> None:
        # Sessions whose trade entries carry AggressorSide(2446): theirs is the venue dictionary; the others get
        # plain FIX 4.4 (a FIX 4.4 dictionary cannot parse the field inside the entries' group).
        self.aggressor_sessions: set[str] = set()
        self._market = market
        self._subscriptions: dict[tuple[str, str], _Subscription] = {}

    def request(self, session: str, request: MarketDataRequest) -> list[Routed]:
        """Snapshot (and subscribe), unsubscribe, or reject with MarketDataRequestReject."""
        key = (session, request.md_req_id)
        if request.subscription_type == _UNSUBSCRIBE:
            self._subscriptions.pop(key, None)
            return []
        problem = self._problem(key, request)
        if problem is not None:
            return [(session, MarketDataReject(request.md_req_id, *problem))]
        levels = int(request.depth) or FULL_BOOK_LEVELS
        entry_types = frozenset(request.entry_types)
        depths = {symbol: self._market.depth(symbol, levels) for symbol in request.symbols}
        routed: list[Routed] = [
            (session, self._snapshot(request.md_req_id, depth, entry_types)) for depth in depths.values()
        ]
        if request.subscription_type == _SUBSCRIBE:
            self._subscriptions[key] = _Subscription(
                session=session,
                md_req_id=request.md_req_id,
                symbols=request.symbols,
                levels=levels,
                entry_types=entry_types,
                incremental=request.update_type != _FULL_REFRESH,
                sent=depths,
            )
        return routed

    def publish(self, trades: list[Trade]) -> list[Routed]:
        """Refreshes for every subscription whose book or tape changed since it was last sent."""
        trades_by_symbol: dict[str, list[Trade]] = defaultdict(list)
        for trade in trades:
            trades_by_symbol[trade.symbol].append(trade)
        depth_cache: dict[tuple[str, int], BookDepth] = {}
        routed: list[Routed] = []
        for subscription in self._subscriptions.values():
            entries: list[IncrementalEntry] = []
            for symbol in subscription.symbols:
                if not self._market.feed_up(symbol):
                    continue  # an outage: nothing goes out; the next refresh after it carries every change
                cache_key = (symbol, subscription.levels)
                depth = depth_cache.get(cache_key)
                if depth is None:
                    depth = depth_cache[cache_key] = self._market.depth(symbol, subscription.levels)
                before = subscription.sent[symbol]
                subscription.sent[symbol] = depth
                if not subscription.incremental:
                    if depth != before:
                        snapshot = self._snapshot(subscription.md_req_id, depth, subscription.entry_types)
                        routed.append((subscription.session, snapshot))
                    continue
                entries.extend(self._level_entries(symbol, before, depth, subscription.entry_types))
                if ENTRY_TRADE in subscription.entry_types:
                    entries.extend(self._trade_entries(symbol, trades_by_symbol.get(symbol, []),
                                                       subscription.session in self.aggressor_sessions))
            if entries:
                routed.append((subscription.session, MarketDataIncrement(subscription.md_req_id, tuple(entries))))
        return routed

    def subscribers(self, symbol: str) -> list[str]:
        """The sessions with a subscription covering `symbol`, each once, sorted."""
        return sorted({s.session for s in self._subscriptions.values() if symbol in s.symbols})

    def drop_session(self, session: str) -> None:
        """Forget a session's subscriptions (it logged out)."""
        for key in [key for key in self._subscriptions if key[0] == session]:
            del self._subscriptions[key]

    def _problem(self, key: tuple[str, str], request: MarketDataRequest) -> tuple[str, str] | None:
        if request.subscription_type not in (_SNAPSHOT, _SUBSCRIBE):
            return MD_REJ_SUBSCRIPTION_TYPE, f"unsupported SubscriptionRequestType(263) {request.subscription_type}"
        if key in self._subscriptions:
            return MD_REJ_DUPLICATE_ID, f"MDReqID {request.md_req_id} is already subscribed"
        if not request.depth.isdigit():
            text = f"MarketDepth(264) must be 0 (full book) or a number of levels, got {request.depth}"
            return MD_REJ_MARKET_DEPTH, text
        if request.update_type not in (None, _FULL_REFRESH, _INCREMENTAL):
            return MD_REJ_UPDATE_TYPE, f"unsupported MDUpdateType(265) {request.update_type}"
        unsupported = sorted(set(request.entry_types) - _ENTRY_TYPES)
        if unsupported or not request.entry_types:
            return MD_REJ_ENTRY_TYPE, f"MDEntryType(269) must be 0 bid, 1 offer or 2 trade, got {unsupported or 'none'}"
        unknown = [symbol for symbol in request.symbols if symbol not in self._market.symbols]
        if unknown or not request.symbols:
            return MD_REJ_UNKNOWN_SYMBOL, f"unknown symbol {', '.join(unknown) or '(none given)'}"
        return None

    def _snapshot(self, md_req_id: str, depth: BookDepth, entry_types: frozenset[str]) -> MarketDataSnapshot:
        spec = self._market.spec(depth.symbol)
        entries: list[SnapshotEntry] = []
        for entry_type, levels in ((ENTRY_BID, depth.bids), (ENTRY_OFFER, depth.asks)):
            if entry_type in entry_types:
                entries.extend(
                    SnapshotEntry(entry_type, spec.format_price(level.price), level.size, position)
                    for position, level in enumerate(levels, start=1)
                )
        return MarketDataSnapshot(md_req_id, depth.symbol, tuple(entries))

    def _level_entries(
        self, symbol: str, before: BookDepth, after: BookDepth, entry_types: frozenset[str]
    ) -> list[IncrementalEntry]:
        spec = self._market.spec(symbol)
        return [
            IncrementalEntry(
                action=UPDATE_ACTION[change.action],
                entry_type=ENTRY_FOR_SIDE[change.side],
                symbol=symbol,
                price=spec.format_price(change.price),
                size=change.size if change.size else None,
            )
            for change in diff_depth(before, after)
            if ENTRY_FOR_SIDE[change.side] in entry_types
        ]

    def _trade_entries(self, symbol: str, trades: list[Trade], aggressor: bool) -> list[IncrementalEntry]:
        spec = self._market.spec(symbol)
        new = UPDATE_ACTION[LevelAction.NEW]
        return [IncrementalEntry(new, ENTRY_TRADE, symbol, spec.format_price(t.price), t.qty,
                                 SIDE_TO_FIX[t.aggressor] if aggressor else None) for t in trades]
