"""Events and stored settings in a transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from trading.events import Event, StoredEvent, encode
from trading.store.rows import event_of
from trading.store.schema import app_state, events
from trading.trade import Trade

__all__ = ["EventQueries"]


class EventQueries:
    """The event and settings half of a :class:`~trading.store.trades.TradeTx`."""

    _c: AsyncConnection
    added: list[StoredEvent]

    async def add_event(
        self,
        event: Event,
        *,
        now: datetime,
        trade: Trade | None = None,
        offer_id: str | None = None,
    ) -> StoredEvent:
        """Store ``event`` (of ``trade``, or of the offer); it is told once the tx commits."""
        trade_id = trade.id if trade is not None else None
        if trade is not None and offer_id is None:
            offer_id = trade.offer_id
        result = await self._c.execute(
            insert(events).values(
                offer_id=offer_id,
                trade_id=trade_id,
                kind=event.kind,
                data=encode(event),
                created_at=now,
            )
        )
        stored = StoredEvent(result.inserted_primary_key[0], offer_id, trade_id, event, now)
        self.added.append(stored)
        return stored

    async def undelivered(self, limit: int = 100) -> list[StoredEvent]:
        """Events not told yet, oldest first."""
        query = (
            select(events).where(events.c.delivered_at.is_(None)).order_by(events.c.id).limit(limit)
        )
        return [event_of(row) for row in await self._c.execute(query)]

    async def events_of(self, trade_id: str) -> list[StoredEvent]:
        """A trade's events, oldest first."""
        query = select(events).where(events.c.trade_id == trade_id).order_by(events.c.id)
        return [event_of(row) for row in await self._c.execute(query)]

    async def events_of_offer(self, offer_id: str) -> list[StoredEvent]:
        """Every event of an offer and its trades, oldest first."""
        query = select(events).where(events.c.offer_id == offer_id).order_by(events.c.id)
        return [event_of(row) for row in await self._c.execute(query)]

    async def events_after(self, event_id: int, limit: int = 500) -> list[StoredEvent]:
        """Events newer than ``event_id``, oldest first (to catch up a live feed)."""
        query = select(events).where(events.c.id > event_id).order_by(events.c.id).limit(limit)
        return [event_of(row) for row in await self._c.execute(query)]

    async def latest_events(self, limit: int) -> list[StoredEvent]:
        """The newest events, oldest first."""
        query = select(events).order_by(events.c.id.desc()).limit(limit)
        return [event_of(row) for row in reversed((await self._c.execute(query)).all())]

    async def mark_delivered(self, event_id: int, *, now: datetime) -> None:
        """The event was told."""
        await self._c.execute(
            update(events).where(events.c.id == event_id).values(delivered_at=now)
        )

    async def mark_all_delivered(self, *, now: datetime, up_to: int | None = None) -> None:
        """Everything (up to ``up_to``) counts as told: history not to be posted again."""
        condition = events.c.delivered_at.is_(None)
        if up_to is not None:
            condition = condition & (events.c.id <= up_to)
        await self._c.execute(update(events).where(condition).values(delivered_at=now))

    # --- stored settings ----------------------------------------------------------------

    async def state(self, key: str) -> str | None:
        """A stored setting (e.g. ``paused``)."""
        query = select(app_state.c.value).where(app_state.c.key == key)
        return (await self._c.execute(query)).scalar()

    async def set_state(self, key: str, value: str, *, now: datetime) -> None:
        """Store a setting, replacing the old value."""
        changed = await self._c.execute(
            update(app_state).where(app_state.c.key == key).values(value=value, updated_at=now)
        )
        if changed.rowcount == 0:
            await self._c.execute(insert(app_state).values(key=key, value=value, updated_at=now))
