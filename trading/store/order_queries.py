"""A trade's orders and fills in a transaction: stored before sent, updated from answers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from trading.alerts import Side
from trading.orders import OrderKind, OrderRecord, OrderStatus
from trading.store.rows import order_of
from trading.store.schema import fills, orders

__all__ = ["OrderQueries"]

_ZERO = Decimal(0)


class OrderQueries:
    """The order half of a :class:`~trading.store.trades.TradeTx`."""

    _c: AsyncConnection

    async def add_order(
        self,
        trade_id: str,
        leg: str,
        attempt: int,
        client_id: str,
        kind: OrderKind,
        side: Side,
        amount: Decimal,
        *,
        now: datetime,
        price: Decimal | None = None,
        trigger_price: Decimal | None = None,
        reduce_only: bool = False,
    ) -> OrderRecord:
        """Store an order before it is sent (status ``submitting``)."""
        result = await self._c.execute(
            insert(orders).values(
                trade_id=trade_id,
                leg=leg,
                attempt=attempt,
                client_id=client_id,
                type=kind.value,
                side=side.value,
                amount=amount,
                price=price,
                trigger_price=trigger_price,
                reduce_only=reduce_only,
                status=OrderStatus.SUBMITTING.value,
                filled=_ZERO,
                fee=_ZERO,
                created_at=now,
                updated_at=now,
            )
        )
        return await self.order(result.inserted_primary_key[0])

    async def order(self, order_id: int) -> OrderRecord:
        """An order by our id."""
        row = (await self._c.execute(select(orders).where(orders.c.id == order_id))).one()
        return order_of(row)

    async def orders_of(self, trade_id: str) -> list[OrderRecord]:
        """A trade's orders, in the order they were created."""
        query = select(orders).where(orders.c.trade_id == trade_id).order_by(orders.c.id)
        return [order_of(row) for row in await self._c.execute(query)]

    async def live_orders(self) -> list[OrderRecord]:
        """Every order that may still fill, across trades."""
        live = [OrderStatus.SUBMITTING.value, OrderStatus.OPEN.value]
        query = select(orders).where(orders.c.status.in_(live)).order_by(orders.c.id)
        return [order_of(row) for row in await self._c.execute(query)]

    async def next_attempt(self, trade_id: str, leg: str) -> int:
        """1 + the highest attempt used for ``leg``."""
        query = select(func.max(orders.c.attempt)).where(
            and_(orders.c.trade_id == trade_id, orders.c.leg == leg)
        )
        return int((await self._c.execute(query)).scalar() or 0) + 1

    async def update_order(self, order_id: int, *, now: datetime, **fields: Any) -> OrderRecord:
        """Change an order's exchange id, status, fill or error."""
        values = {("type" if k == "kind" else k): v for k, v in fields.items()}
        for key in ("status", "type"):
            if key in values and hasattr(values[key], "value"):
                values[key] = values[key].value
        await self._c.execute(
            update(orders).where(orders.c.id == order_id).values(updated_at=now, **values)
        )
        return await self.order(order_id)

    async def add_fill(
        self,
        order: OrderRecord,
        amount: Decimal,
        price: Decimal,
        fee: Decimal,
        realized_pnl: Decimal,
        *,
        now: datetime,
    ) -> None:
        """Record one execution."""
        await self._c.execute(
            insert(fills).values(
                order_id=order.id,
                trade_id=order.trade_id,
                leg=order.leg,
                amount=amount,
                price=price,
                fee=fee,
                realized_pnl=realized_pnl,
                created_at=now,
            )
        )
