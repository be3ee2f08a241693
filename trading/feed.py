"""The event feed the interfaces read, and where each offer was posted.

The Discord notifier posts undelivered events in order and marks each delivered once Discord
has it; the web desk follows :meth:`EventFeed.subscribe` live. Both read typed events.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from trading.events import StoredEvent
from trading.offer import Offer
from trading.store.trades import TradeStore
from trading.trade import Trade

__all__ = ["EventFeed"]


class EventFeed:
    """Reads and acknowledges events; remembers the messages that show offers."""

    def __init__(self, store: TradeStore, *, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    @property
    def added(self) -> asyncio.Event:
        """Set after a transaction that stored events has committed."""
        return self._store.events_added

    def subscribe(self) -> asyncio.Queue[StoredEvent]:
        """Every event committed from now on."""
        return self._store.subscribe()

    def unsubscribe(self, queue: asyncio.Queue[StoredEvent]) -> None:
        """Stop a :meth:`subscribe` queue."""
        self._store.unsubscribe(queue)

    async def undelivered(self, limit: int = 100) -> list[StoredEvent]:
        """Events not told yet, oldest first."""
        async with self._store.read() as tx:
            return await tx.undelivered(limit)

    async def mark_delivered(self, event_id: int) -> None:
        """The event was told."""
        async with self._store.begin() as tx:
            await tx.mark_delivered(event_id, now=self._clock())

    async def forget_history(self) -> None:
        """Count every stored event as told (an interface starting on an old database)."""
        async with self._store.begin() as tx:
            await tx.mark_all_delivered(now=self._clock())

    async def after(self, event_id: int, limit: int = 500) -> list[StoredEvent]:
        """Events newer than ``event_id`` (to catch up a live feed)."""
        async with self._store.read() as tx:
            return await tx.events_after(event_id, limit)

    async def latest(self, limit: int = 100) -> list[StoredEvent]:
        """The newest events, oldest first."""
        async with self._store.read() as tx:
            return await tx.latest_events(limit)

    async def context(self, stored: StoredEvent) -> tuple[Offer | None, Trade | None]:
        """The offer and trade an event belongs to."""
        async with self._store.read() as tx:
            trade = await tx.get(stored.trade_id) if stored.trade_id else None
            offer_id = stored.offer_id or (trade.offer_id if trade else None)
            offer = await tx.offer(offer_id) if offer_id else None
        return offer, trade

    async def offer_by_message(self, message_id: str) -> Offer | None:
        """The offer whose approval message is ``message_id``."""
        async with self._store.read() as tx:
            return await tx.offer_by_message(message_id)

    async def link_message(self, offer_id: str, channel_id: str, message_id: str) -> Offer:
        """Remember the message that shows the offer."""
        async with self._store.begin() as tx:
            return await tx.update_offer(
                offer_id, now=self._clock(), channel_id=channel_id, message_id=message_id
            )

    async def link_thread(self, offer_id: str, thread_id: str) -> Offer:
        """Remember the thread where the offer's trades are followed."""
        async with self._store.begin() as tx:
            return await tx.update_offer(offer_id, now=self._clock(), thread_id=thread_id)
