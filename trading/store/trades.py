"""The trade store: trades, their orders, fills and events, with compare-and-set moves.

Use ``async with store.begin() as tx`` for a transaction: everything done through ``tx``
commits together or not at all. Listeners waiting on :attr:`TradeStore.events_added` are woken
after a transaction that added events has committed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from trading.alerts import Side
from trading.events import EventKind
from trading.exchange.base import OrderKind
from trading.plan import TradePlan
from trading.states import OrderStatus, TradeStatus, check_transition
from trading.store.database import Database
from trading.store.schema import app_state, events, fills, orders, trades
from trading.trade import OrderRecord, Trade

__all__ = ["StoredEvent", "TradeStore", "TradeTx"]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A trade event waiting to be (or already) told."""

    id: int
    trade_id: str | None
    kind: EventKind
    data: dict[str, Any]
    created_at: datetime
    delivered_at: datetime | None


def _trade(row: Row[Any]) -> Trade:
    m = row._mapping
    return Trade(
        id=m["id"],
        alert_id=m["alert_id"],
        symbol=m["symbol"],
        side=Side(m["side"]),
        status=TradeStatus(m["status"]),
        plan=TradePlan.from_json(m["plan"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        filled_qty=m["filled_qty"],
        closed_qty=m["closed_qty"],
        realized_pnl=m["realized_pnl"],
        fees=m["fees"],
        strategy=m["strategy"],
        timeframe=m["timeframe"],
        expires_at=m["expires_at"],
        decision=m["decision"],
        decided_by=m["decided_by"],
        decided_by_name=m["decided_by_name"],
        decided_at=m["decided_at"],
        channel_id=m["channel_id"],
        message_id=m["message_id"],
        thread_id=m["thread_id"],
        entry_price=m["entry_price"],
        stop_price=m["stop_price"],
        breakeven_at=m["breakeven_at"],
        close_reason=m["close_reason"],
        closed_at=m["closed_at"],
        note=m["note"],
    )


def _order(row: Row[Any]) -> OrderRecord:
    m = row._mapping
    return OrderRecord(
        id=m["id"],
        trade_id=m["trade_id"],
        leg=m["leg"],
        attempt=m["attempt"],
        client_id=m["client_id"],
        kind=OrderKind(m["type"]),
        side=Side(m["side"]),
        amount=m["amount"],
        status=OrderStatus(m["status"]),
        filled=m["filled"],
        fee=m["fee"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        exchange_id=m["exchange_id"],
        price=m["price"],
        trigger_price=m["trigger_price"],
        reduce_only=m["reduce_only"],
        average=m["average"],
        error=m["error"],
    )


def _event(row: Row[Any]) -> StoredEvent:
    m = row._mapping
    return StoredEvent(
        id=m["id"],
        trade_id=m["trade_id"],
        kind=EventKind(m["kind"]),
        data=json.loads(m["data"]),
        created_at=m["created_at"],
        delivered_at=m["delivered_at"],
    )


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in an event")


class TradeTx:
    """Queries and writes inside one transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection
        self.added_events = 0

    # --- trades ------------------------------------------------------------------------

    async def create_trade(
        self,
        trade_id: str,
        alert_id: str,
        plan: TradePlan,
        *,
        now: datetime,
        expires_at: datetime | None,
    ) -> Trade:
        """Store a new pending trade."""
        await self._c.execute(
            insert(trades).values(
                id=trade_id,
                alert_id=alert_id,
                symbol=plan.symbol,
                side=plan.side.value,
                strategy=plan.strategy,
                timeframe=plan.timeframe,
                status=TradeStatus.PENDING.value,
                plan=plan.to_json(),
                created_at=now,
                updated_at=now,
                expires_at=expires_at,
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
        return _trade(row) if row else None

    async def by_alert(self, alert_id: str) -> Trade | None:
        """The trade an entry alert created, if any."""
        query = select(trades).where(trades.c.alert_id == alert_id)
        row = (await self._c.execute(query)).first()
        return _trade(row) if row else None

    async def by_message(self, message_id: str) -> Trade | None:
        """The trade whose approval message is ``message_id``."""
        query = select(trades).where(trades.c.message_id == message_id)
        row = (await self._c.execute(query)).first()
        return _trade(row) if row else None

    async def with_status(
        self, statuses: Iterable[TradeStatus], symbol: str | None = None
    ) -> list[Trade]:
        """Trades in ``statuses`` (optionally of ``symbol``), oldest first."""
        condition = trades.c.status.in_([s.value for s in statuses])
        if symbol is not None:
            condition = and_(condition, trades.c.symbol == symbol)
        query = select(trades).where(condition).order_by(trades.c.created_at, trades.c.id)
        return [_trade(row) for row in await self._c.execute(query)]

    async def closed_since(self, since: datetime) -> list[Trade]:
        """Trades closed after ``since``, newest first."""
        query = (
            select(trades)
            .where(and_(trades.c.status == TradeStatus.CLOSED.value, trades.c.closed_at >= since))
            .order_by(trades.c.closed_at.desc())
        )
        return [_trade(row) for row in await self._c.execute(query)]

    async def recent(self, limit: int) -> list[Trade]:
        """The newest trades, whatever their status."""
        query = select(trades).order_by(trades.c.created_at.desc(), trades.c.id.desc()).limit(limit)
        return [_trade(row) for row in await self._c.execute(query)]

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

    # --- orders and fills --------------------------------------------------------------

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
        order_id = result.inserted_primary_key[0]
        return await self.order(order_id)

    async def order(self, order_id: int) -> OrderRecord:
        """An order by our id."""
        row = (await self._c.execute(select(orders).where(orders.c.id == order_id))).one()
        return _order(row)

    async def orders_of(self, trade_id: str) -> list[OrderRecord]:
        """A trade's orders, in the order they were created."""
        query = select(orders).where(orders.c.trade_id == trade_id).order_by(orders.c.id)
        return [_order(row) for row in await self._c.execute(query)]

    async def live_orders(self) -> list[OrderRecord]:
        """Every order that may still fill, across trades."""
        live = [OrderStatus.SUBMITTING.value, OrderStatus.OPEN.value]
        query = select(orders).where(orders.c.status.in_(live)).order_by(orders.c.id)
        return [_order(row) for row in await self._c.execute(query)]

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

    # --- events ------------------------------------------------------------------------

    async def add_event(
        self, trade_id: str | None, kind: EventKind, data: Mapping[str, Any], *, now: datetime
    ) -> None:
        """Store an event; it is told once the transaction commits."""
        await self._c.execute(
            insert(events).values(
                trade_id=trade_id,
                kind=kind.value,
                data=json.dumps(dict(data), default=_json),
                created_at=now,
            )
        )
        self.added_events += 1

    async def undelivered(self, limit: int = 100) -> list[StoredEvent]:
        """Events not told yet, oldest first."""
        query = (
            select(events).where(events.c.delivered_at.is_(None)).order_by(events.c.id).limit(limit)
        )
        return [_event(row) for row in await self._c.execute(query)]

    async def events_of(self, trade_id: str) -> list[StoredEvent]:
        """A trade's events, oldest first."""
        query = select(events).where(events.c.trade_id == trade_id).order_by(events.c.id)
        return [_event(row) for row in await self._c.execute(query)]

    async def mark_delivered(self, event_id: int, *, now: datetime) -> None:
        """The event was told."""
        await self._c.execute(
            update(events).where(events.c.id == event_id).values(delivered_at=now)
        )

    # --- app state ---------------------------------------------------------------------

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


class TradeStore:
    """Opens transactions on the database and wakes event listeners after commits."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self.events_added = asyncio.Event()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[TradeTx]:
        """A transaction; committed when the block ends without an exception."""
        async with self._db.engine.begin() as connection:
            tx = TradeTx(connection)
            yield tx
        if tx.added_events:
            self.events_added.set()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[TradeTx]:
        """Reads only (no commit needed)."""
        async with self._db.engine.connect() as connection:
            yield TradeTx(connection)
