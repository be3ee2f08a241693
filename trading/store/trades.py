"""The trade store: offers, trades, their orders, fills and events, with compare-and-set moves.

Use ``async with store.begin() as tx`` for a transaction: everything done through ``tx``
commits together or not at all. After a transaction that added events has committed,
:attr:`TradeStore.events_added` is set and every :meth:`TradeStore.subscribe`\\ r receives the
new events (the live feed of the web desk); the notifier reads them back from the store.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection

from trading.events import StoredEvent
from trading.store.database import Database
from trading.store.event_queries import EventQueries
from trading.store.offer_queries import OfferQueries
from trading.store.order_queries import OrderQueries
from trading.store.trade_queries import TradeQueries

__all__ = ["StoredEvent", "TradeStore", "TradeTx"]

_log = logging.getLogger(__name__)
_FEED_QUEUE = 1000


class TradeTx(OfferQueries, TradeQueries, OrderQueries, EventQueries):
    """Queries and writes inside one transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection
        self.added: list[StoredEvent] = []


class TradeStore:
    """Opens transactions on the database and tells listeners about new events."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self.events_added = asyncio.Event()
        self._feeds: set[asyncio.Queue[StoredEvent]] = set()

    @property
    def database(self) -> Database:
        """The database behind the store."""
        return self._db

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[TradeTx]:
        """A transaction; committed when the block ends without an exception."""
        async with self._db.engine.begin() as connection:
            tx = TradeTx(connection)
            yield tx
        if tx.added:
            self.events_added.set()
            self._publish(tx.added)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[TradeTx]:
        """Reads only (no commit needed)."""
        async with self._db.engine.connect() as connection:
            yield TradeTx(connection)

    def subscribe(self) -> asyncio.Queue[StoredEvent]:
        """A queue receiving every event committed from now on (see :meth:`unsubscribe`)."""
        queue: asyncio.Queue[StoredEvent] = asyncio.Queue(_FEED_QUEUE)
        self._feeds.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[StoredEvent]) -> None:
        """Stop feeding ``queue``."""
        self._feeds.discard(queue)

    def _publish(self, added: list[StoredEvent]) -> None:
        for queue in list(self._feeds):
            for stored in added:
                try:
                    queue.put_nowait(stored)
                except asyncio.QueueFull:  # a stalled listener: it reloads from the store
                    _log.warning("an event listener fell behind; dropping it")
                    self._feeds.discard(queue)
                    break
