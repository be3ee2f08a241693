"""Trades in a transaction: create, find, move (compare-and-set), change their totals."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from trading.plan import TradePlan
from trading.states import TradeStatus, check_transition
from trading.store.rows import trade_of
from trading.store.schema import trades
from trading.trade import DEFAULT_ACCOUNT, Trade

__all__ = ["TradeQueries"]

_ZERO = Decimal(0)


class TradeQueries:
    """The trade half of a :class:`~trading.store.trades.TradeTx`."""

    _c: AsyncConnection

    async def create_trade(
        self,
        trade_id: str,
        offer_id: str,
        plan: TradePlan,
        *,
        now: datetime,
        account: str = DEFAULT_ACCOUNT,
    ) -> Trade:
        """Store a new pending trade of ``account`` for an offer."""
        await self._c.execute(
            insert(trades).values(
                id=trade_id,
                offer_id=offer_id,
                account=account,
                symbol=plan.symbol,
                side=plan.side.value,
                strategy=plan.strategy,
                timeframe=plan.timeframe,
                status=TradeStatus.PENDING.value,
                plan=plan.to_json(),
                created_at=now,
                updated_at=now,
                filled_qty=_ZERO,
                closed_qty=_ZERO,
                realized_pnl=_ZERO,
                fees=_ZERO,
                stop_price=plan.stop_price,
            )
        )
        trade = await self.get(trade_id)
        assert trade is not None
        return trade

    async def get(self, trade_id: str) -> Trade | None:
        """A trade by id."""
        row = (await self._c.execute(select(trades).where(trades.c.id == trade_id))).first()
        return trade_of(row) if row else None

    async def trades_of(self, offer_id: str) -> list[Trade]:
        """The trades an offer holds, in the order they were made."""
        query = select(trades).where(trades.c.offer_id == offer_id).order_by(trades.c.id)
        return [trade_of(row) for row in await self._c.execute(query)]

    async def with_status(
        self, statuses: Iterable[TradeStatus], symbol: str | None = None
    ) -> list[Trade]:
        """Trades in ``statuses`` (optionally of ``symbol``), oldest first."""
        condition = trades.c.status.in_([s.value for s in statuses])
        if symbol is not None:
            condition = and_(condition, trades.c.symbol == symbol)
        query = select(trades).where(condition).order_by(trades.c.created_at, trades.c.id)
        return [trade_of(row) for row in await self._c.execute(query)]

    async def closed_since(self, since: datetime) -> list[Trade]:
        """Trades closed after ``since``, newest first."""
        query = (
            select(trades)
            .where(and_(trades.c.status == TradeStatus.CLOSED.value, trades.c.closed_at >= since))
            .order_by(trades.c.closed_at.desc())
        )
        return [trade_of(row) for row in await self._c.execute(query)]

    async def recent(self, limit: int) -> list[Trade]:
        """The newest trades, whatever their status."""
        query = select(trades).order_by(trades.c.created_at.desc(), trades.c.id.desc()).limit(limit)
        return [trade_of(row) for row in await self._c.execute(query)]

    async def move(
        self,
        trade_id: str,
        to: TradeStatus,
        *,
        now: datetime,
        expect: Iterable[TradeStatus],
        **fields: Any,
    ) -> Trade | None:
        """Compare-and-set: move the trade to ``to`` if its status is one of ``expect``.

        Returns the updated trade, or ``None`` when another actor moved it first.
        """
        expected = list(expect)
        for status in expected:
            check_transition(status, to)
        query = (
            update(trades)
            .where(and_(trades.c.id == trade_id, trades.c.status.in_([s.value for s in expected])))
            .values(status=to.value, updated_at=now, **fields)
        )
        if (await self._c.execute(query)).rowcount != 1:
            return None
        return await self.get(trade_id)

    async def update_trade(self, trade_id: str, *, now: datetime, **fields: Any) -> Trade:
        """Change fields other than the status."""
        if "status" in fields:
            raise ValueError("use move() to change a trade's status")
        await self._c.execute(
            update(trades).where(trades.c.id == trade_id).values(updated_at=now, **fields)
        )
        trade = await self.get(trade_id)
        assert trade is not None
        return trade
