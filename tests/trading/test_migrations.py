"""Schema migrations on a database that already holds data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.trading.test_trade_store import PLAN
from trading.events import OfferApproved, StopMoved
from trading.states import OfferStatus, TradeStatus
from trading.store.database import Database, alembic_config
from trading.store.trades import TradeStore

NOW = datetime(2021, 11, 17, 10, tzinfo=UTC)


async def _at_revision(connection: AsyncConnection, revision: str) -> None:
    def upgrade(sync: object) -> None:
        command.upgrade(alembic_config(sync), revision)  # type: ignore[arg-type]

    await connection.run_sync(upgrade)


_ROWS_0001 = [
    "INSERT INTO alerts (id, received_at, source_ip, raw_body, body_size, body_sha256, status, "
    "http_status) VALUES ('a1', :now, '1.2.3.4', '{}', 2, 'x1', 'accepted', 200), "
    "('a2', :now, '1.2.3.4', '{}', 2, 'x2', 'accepted', 200)",
    # a pending trade with its approval message, and a closed one decided in Discord
    "INSERT INTO trades (id, alert_id, symbol, side, status, plan, created_at, updated_at, "
    "expires_at, channel_id, message_id, filled_qty, closed_qty, realized_pnl, fees) VALUES "
    "('t1', 'a1', 'XRP/USDT:USDT', 'buy', 'pending', :plan, :now, :now, :now, '9', '91', "
    "'0', '0', '0', '0')",
    "INSERT INTO trades (id, alert_id, symbol, side, status, plan, created_at, updated_at, "
    "decision, decided_by, decided_by_name, decided_at, message_id, thread_id, filled_qty, "
    "closed_qty, realized_pnl, fees, close_reason) VALUES "
    "('t2', 'a2', 'XRP/USDT:USDT', 'sell', 'closed', :plan, :now, :now, 'approved', '1001', "
    "'alice', :now, '92', '93', '10', '10', '1.5', '0.1', 'take-profit')",
    "INSERT INTO orders (trade_id, leg, attempt, client_id, type, side, amount, reduce_only, "
    "status, filled, fee, created_at, updated_at) VALUES ('t2', 'entry', 1, 'gl-t2-entry-1', "
    "'market', 'sell', '10', 0, 'filled', '10', '0', :now, :now)",
    "INSERT INTO events (trade_id, kind, data, created_at) VALUES "
    '(\'t2\', \'approved\', \'{"by": "alice", "by_id": "1001", "price": "1.07"}\', :now), '
    '(\'t2\', \'stop_moved\', \'{"from": "1.1", "to": "1.06", "reason": "TP1 filled", '
    '"breakeven": true, "remaining": "5"}\', :now)',
]


async def test_0002_makes_an_offer_of_every_trade_keeping_ids_and_decisions(
    tmp_path: Path,
) -> None:
    database = await Database.open(f"sqlite+aiosqlite:///{tmp_path}/old.db", migrate=False)
    try:
        async with database.engine.begin() as connection:
            await _at_revision(connection, "0001")
            for statement in _ROWS_0001:
                values = {"now": NOW.isoformat(), "plan": PLAN.to_json()}
                await connection.execute(text(statement), values)

        await database.migrate()
        await database.migrate()  # a second start changes nothing

        store = TradeStore(database)
        async with store.read() as tx:
            pending, closed = await tx.offer("t1"), await tx.offer("t2")
            trades = {t.id: t for t in await tx.recent(10)}
            events = await tx.events_of_offer("t2")
            assert await tx.offer_by_message("91") == pending
        assert pending is not None and closed is not None
        assert (pending.alert_id, pending.status, pending.message_id, pending.decided_via) == (
            "a1",
            OfferStatus.PENDING,
            "91",
            None,
        )
        assert (closed.status, closed.decided_by_name, closed.decided_via, closed.thread_id) == (
            OfferStatus.APPROVED,
            "alice",
            "discord",
            "93",
        )
        assert {(t.id, t.offer_id, t.account, t.status) for t in trades.values()} == {
            ("t1", "t1", "default", TradeStatus.PENDING),
            ("t2", "t2", "default", TradeStatus.CLOSED),
        }
        assert [type(e.event) for e in events] == [OfferApproved, StopMoved]
        assert all(e.offer_id == "t2" for e in events)
    finally:
        await database.close()
