"""The alert log: every request to the webhook, stored durably before it is answered.

Writes from concurrent requests are grouped into one transaction (group commit): while one
batch is being committed, the next requests queue up and go in the following one. Each
caller waits for its own batch, so an acknowledgement always follows a durable write.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from trading.store.database import Database, StoreUnavailable
from trading.store.schema import alerts

__all__ = ["AlertLog", "AlertRecord", "AlertStatus", "RecentAlert", "StoredAlert"]

_log = logging.getLogger(__name__)


class AlertStatus(StrEnum):
    """How the webhook answered an alert."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One request to the webhook, as stored."""

    id: str
    received_at: datetime
    source_ip: str
    raw_body: str
    body_size: int
    body_sha256: str
    status: AlertStatus
    http_status: int
    idempotency_key: str | None = None
    reason: str | None = None
    field: str | None = None
    duplicate_of: str | None = None
    kind: str | None = None
    ticker: str | None = None
    strategy: str | None = None


_RECORD_FIELDS = tuple(f.name for f in fields(AlertRecord))


@dataclass(frozen=True, slots=True)
class RecentAlert:
    """What deduplication needs to know of an accepted alert."""

    id: str
    idempotency_key: str | None
    body_sha256: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class StoredAlert:
    """An accepted alert read back for processing."""

    id: str
    raw_body: str
    received_at: datetime
    source_ip: str
    processed_at: datetime | None
    outcome: str | None
    status: str
    reason: str | None


def _storable(value: Any) -> Any:
    """Text as every backend stores it: PostgreSQL refuses NUL, kept as the escape ``\\u0000``."""
    return value.replace("\x00", "\\u0000") if isinstance(value, str) else value


class AlertLog:
    """Durable, batched writer and reader of the ``alerts`` table."""

    def __init__(self, database: Database, *, max_batch: int = 512) -> None:
        self._db = database
        self._max_batch = max_batch
        self._pending: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    async def start(self) -> None:
        """Start the writer task."""
        if self._task is None:
            self._closing = False
            self._task = asyncio.create_task(self._run(), name="alert-log-writer")

    async def close(self) -> None:
        """Write what is queued, then stop."""
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def append(self, record: AlertRecord) -> None:
        """Store ``record``; returns once it is committed.

        Raises
        ------
        StoreUnavailable
            When the database could not be written (the caller answers 503).
        """
        if self._task is None or self._closing:
            raise StoreUnavailable("the alert log is not running")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        row = {name: _storable(getattr(record, name)) for name in _RECORD_FIELDS}
        row["status"] = record.status.value
        self._pending.append((row, future))
        self._wakeup.set()
        await future

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                await self._write(batch)
            if self._closing:
                return

    async def _write(self, batch: Sequence[tuple[dict[str, Any], asyncio.Future[None]]]) -> None:
        try:
            async with self._db.engine.begin() as connection:
                await connection.execute(alerts.insert(), [row for row, _ in batch])
        except (SQLAlchemyError, OSError) as exc:
            _log.error("could not store %d alert(s): %s", len(batch), type(exc).__name__)
            error = StoreUnavailable("the alert could not be stored")
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for _, future in batch:
            if not future.done():
                future.set_result(None)

    # --- reads ---------------------------------------------------------------------------

    async def recent(self, since: datetime) -> list[RecentAlert]:
        """Accepted alerts received after ``since``, oldest first (to rebuild dedup)."""
        query = (
            select(
                alerts.c.id, alerts.c.idempotency_key, alerts.c.body_sha256, alerts.c.received_at
            )
            .where(
                and_(alerts.c.status == AlertStatus.ACCEPTED.value, alerts.c.received_at >= since)
            )
            .order_by(alerts.c.received_at)
        )
        async with self._db.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [RecentAlert(*row) for row in rows]

    async def unprocessed(self) -> list[StoredAlert]:
        """Accepted alerts not processed yet, in the order they arrived."""
        query = (
            select(*_STORED_COLUMNS)
            .where(
                and_(alerts.c.status == AlertStatus.ACCEPTED.value, alerts.c.processed_at.is_(None))
            )
            .order_by(alerts.c.received_at, alerts.c.id)
        )
        async with self._db.engine.connect() as connection:
            return [StoredAlert(*row) for row in (await connection.execute(query)).all()]

    async def get(self, alert_id: str) -> StoredAlert | None:
        """One alert by id."""
        query = select(*_STORED_COLUMNS).where(alerts.c.id == alert_id)
        async with self._db.engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return StoredAlert(*row) if row else None

    async def mark_processed(self, alert_id: str, outcome: str, at: datetime) -> bool:
        """Record what processing did; ``False`` when it was already recorded (a replay)."""
        query = (
            update(alerts)
            .where(and_(alerts.c.id == alert_id, alerts.c.processed_at.is_(None)))
            .values(processed_at=at, outcome=outcome[:500])
        )
        async with self._db.engine.begin() as connection:
            return (await connection.execute(query)).rowcount == 1

    async def count(self, since: datetime, status: AlertStatus | None = None) -> int:
        """How many alerts arrived after ``since`` (optionally with ``status``)."""
        condition = alerts.c.received_at >= since
        if status is not None:
            condition = and_(condition, alerts.c.status == status.value)
        async with self._db.engine.connect() as connection:
            return int(
                (await connection.execute(select(func.count()).where(condition))).scalar_one()
            )

    async def all(self) -> list[dict[str, Any]]:
        """Every stored alert as a mapping, oldest first (for tests and audits)."""
        async with self._db.engine.connect() as connection:
            rows = await connection.execute(
                select(alerts).order_by(alerts.c.received_at, alerts.c.id)
            )
            return [dict(row._mapping) for row in rows]


_STORED_COLUMNS = (
    alerts.c.id,
    alerts.c.raw_body,
    alerts.c.received_at,
    alerts.c.source_ip,
    alerts.c.processed_at,
    alerts.c.outcome,
    alerts.c.status,
    alerts.c.reason,
)
