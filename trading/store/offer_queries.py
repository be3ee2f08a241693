"""Offers in a transaction: create, find, decide once (compare-and-set), their chart."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from trading.offer import Offer
from trading.plan import TradePlan
from trading.states import OfferStatus, check_offer_transition
from trading.store.rows import offer_of
from trading.store.schema import offer_charts, offers

__all__ = ["OfferQueries"]


class OfferQueries:
    """The offer half of a :class:`~trading.store.trades.TradeTx`."""

    _c: AsyncConnection

    async def create_offer(
        self,
        offer_id: str,
        alert_id: str,
        plan: TradePlan,
        *,
        now: datetime,
        expires_at: datetime | None,
    ) -> Offer:
        """Store a new pending offer for ``plan``'s symbol and side."""
        await self._c.execute(
            insert(offers).values(
                id=offer_id,
                alert_id=alert_id,
                symbol=plan.symbol,
                side=plan.side.value,
                strategy=plan.strategy,
                timeframe=plan.timeframe,
                status=OfferStatus.PENDING.value,
                created_at=now,
                updated_at=now,
                expires_at=expires_at,
            )
        )
        offer = await self.offer(offer_id)
        assert offer is not None
        return offer

    async def offer(self, offer_id: str) -> Offer | None:
        """An offer by id."""
        row = (await self._c.execute(select(offers).where(offers.c.id == offer_id))).first()
        return offer_of(row) if row else None

    async def offer_by_alert(self, alert_id: str) -> Offer | None:
        """The offer an entry alert created, if any."""
        query = select(offers).where(offers.c.alert_id == alert_id)
        row = (await self._c.execute(query)).first()
        return offer_of(row) if row else None

    async def offer_by_message(self, message_id: str) -> Offer | None:
        """The offer whose approval message is ``message_id``."""
        query = select(offers).where(offers.c.message_id == message_id)
        row = (await self._c.execute(query)).first()
        return offer_of(row) if row else None

    async def offers_with_status(
        self, statuses: Iterable[OfferStatus], *, limit: int | None = None
    ) -> list[Offer]:
        """Offers in ``statuses``, oldest first."""
        query = (
            select(offers)
            .where(offers.c.status.in_([s.value for s in statuses]))
            .order_by(offers.c.created_at, offers.c.id)
        )
        if limit is not None:
            query = query.limit(limit)
        return [offer_of(row) for row in await self._c.execute(query)]

    async def recent_offers(self, limit: int) -> list[Offer]:
        """The newest offers, whatever their status."""
        query = select(offers).order_by(offers.c.created_at.desc(), offers.c.id.desc()).limit(limit)
        return [offer_of(row) for row in await self._c.execute(query)]

    async def move_offer(
        self,
        offer_id: str,
        to: OfferStatus,
        *,
        now: datetime,
        expect: OfferStatus = OfferStatus.PENDING,
        **fields: Any,
    ) -> Offer | None:
        """Compare-and-set: move the offer to ``to`` if it is still ``expect``.

        Returns the updated offer, or ``None`` when someone else moved it first.
        """
        check_offer_transition(expect, to)
        query = (
            update(offers)
            .where(and_(offers.c.id == offer_id, offers.c.status == expect.value))
            .values(status=to.value, updated_at=now, **fields)
        )
        if (await self._c.execute(query)).rowcount != 1:
            return None
        return await self.offer(offer_id)

    async def update_offer(self, offer_id: str, *, now: datetime, **fields: Any) -> Offer:
        """Change fields other than the status (message and thread ids...)."""
        if "status" in fields:
            raise ValueError("use move_offer() to change an offer's status")
        await self._c.execute(
            update(offers).where(offers.c.id == offer_id).values(updated_at=now, **fields)
        )
        offer = await self.offer(offer_id)
        assert offer is not None
        return offer

    async def save_chart(self, offer_id: str, png: bytes | None, note: str | None) -> None:
        """Keep the offer's chart (or why it has none)."""
        await self._c.execute(insert(offer_charts).values(offer_id=offer_id, png=png, note=note))

    async def chart(self, offer_id: str) -> tuple[bytes | None, str | None] | None:
        """The offer's chart and note, or ``None`` when none was made."""
        query = select(offer_charts.c.png, offer_charts.c.note).where(
            offer_charts.c.offer_id == offer_id
        )
        row = (await self._c.execute(query)).first()
        return (row[0], row[1]) if row else None
