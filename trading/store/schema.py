"""Tables of the Greenlight store (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Money is stored as text through :class:`DecimalText` so it stays exact on every backend.
Times are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    false,
)

__all__ = [
    "DecimalText",
    "UtcDateTime",
    "alerts",
    "app_state",
    "events",
    "fills",
    "metadata",
    "offer_charts",
    "offers",
    "orders",
    "trades",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class DecimalText(TypeDecorator[Decimal]):
    """A ``Decimal`` stored as its exact string."""

    impl = String(48)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        """Store the exact decimal string."""
        return None if value is None else str(Decimal(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """Read it back as ``Decimal``."""
        return None if value is None else Decimal(value)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Normalise to UTC before storing."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Give back an aware UTC datetime."""
        if value is None:
            return None
        return value if value.tzinfo else value.replace(tzinfo=UTC)


_BIG_ID = BigInteger().with_variant(Integer, "sqlite")

alerts = Table(
    "alerts",
    metadata,
    Column("id", String(24), primary_key=True),
    Column("received_at", UtcDateTime, nullable=False),
    Column("source_ip", String(64), nullable=False),
    Column("raw_body", Text, nullable=False),
    Column("body_size", Integer, nullable=False),
    Column("body_sha256", String(64), nullable=False),
    Column("idempotency_key", String(128)),
    Column("status", String(16), nullable=False),  # accepted / duplicate / rejected
    Column("http_status", Integer, nullable=False),
    Column("reason", Text),
    Column("field", String(64)),
    Column("duplicate_of", String(24)),
    Column("kind", String(16)),
    Column("ticker", String(128)),
    Column("strategy", String(128)),
    Column("processed_at", UtcDateTime),
    Column("outcome", Text),
    Index(None, "received_at"),
    Index(None, "idempotency_key"),
    Index(None, "body_sha256"),
    Index(None, "status", "processed_at"),
)

offers = Table(
    "offers",
    metadata,
    Column("id", String(24), primary_key=True),
    Column("alert_id", String(24), ForeignKey("alerts.id"), nullable=False, unique=True),
    Column("symbol", String(64), nullable=False),
    Column("side", String(4), nullable=False),
    Column("strategy", String(128)),
    Column("timeframe", String(8)),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime),
    Column("decided_by", String(64)),
    Column("decided_by_name", String(100)),
    Column("decided_via", String(16)),
    Column("decided_at", UtcDateTime),
    Column("channel_id", String(32)),
    Column("message_id", String(32)),
    Column("thread_id", String(32)),
    Column("note", Text),
    Index(None, "status"),
    Index(None, "message_id"),
)

offer_charts = Table(
    "offer_charts",
    metadata,
    Column("offer_id", String(24), ForeignKey("offers.id"), primary_key=True),
    Column("png", LargeBinary),
    Column("note", Text),
)

trades = Table(
    "trades",
    metadata,
    Column("id", String(24), primary_key=True),
    Column("offer_id", String(24), ForeignKey("offers.id"), nullable=False),
    Column("account", String(64), nullable=False),
    Column("symbol", String(64), nullable=False),
    Column("side", String(4), nullable=False),
    Column("strategy", String(128)),
    Column("timeframe", String(8)),
    Column("status", String(16), nullable=False),
    Column("plan", Text, nullable=False),  # JSON of trading.plan.TradePlan
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("entry_price", DecimalText),
    Column("filled_qty", DecimalText, nullable=False),
    Column("closed_qty", DecimalText, nullable=False),
    Column("stop_price", DecimalText),
    Column("breakeven_at", UtcDateTime),
    Column("realized_pnl", DecimalText, nullable=False),
    Column("fees", DecimalText, nullable=False),
    Column("close_reason", String(64)),
    Column("closed_at", UtcDateTime),
    Column("note", Text),
    Column("exit_reason", Text),  # set while an exit is under way
    Column("funding", DecimalText, nullable=False, server_default="0"),
    Index(None, "status"),
    Index(None, "symbol", "status"),
    Index(None, "closed_at"),
    Index(None, "offer_id"),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("trade_id", String(24), ForeignKey("trades.id"), nullable=False),
    Column("leg", String(16), nullable=False),  # entry, stop, tp1..tpN, close
    Column("attempt", Integer, nullable=False),
    Column("client_id", String(40), nullable=False, unique=True),
    Column("exchange_id", String(64)),
    Column("type", String(24), nullable=False),
    Column("side", String(4), nullable=False),
    Column("amount", DecimalText, nullable=False),
    Column("price", DecimalText),
    Column("trigger_price", DecimalText),
    Column("reduce_only", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("filled", DecimalText, nullable=False),
    Column("average", DecimalText),
    Column("fee", DecimalText, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("error", Text),
    Column("fee_exact", Boolean, nullable=False, server_default=false()),
    Index(None, "trade_id", "status"),
)

fills = Table(
    "fills",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", Integer, ForeignKey("orders.id"), nullable=False),
    Column("trade_id", String(24), ForeignKey("trades.id"), nullable=False),
    Column("leg", String(16), nullable=False),
    Column("amount", DecimalText, nullable=False),
    Column("price", DecimalText, nullable=False),
    Column("fee", DecimalText, nullable=False),
    Column("realized_pnl", DecimalText, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index(None, "trade_id"),
    Index(None, "created_at"),
)

events = Table(
    "events",
    metadata,
    Column("id", _BIG_ID, primary_key=True, autoincrement=True),
    Column("offer_id", String(24), ForeignKey("offers.id")),
    Column("trade_id", String(24), ForeignKey("trades.id")),
    Column("kind", String(32), nullable=False),
    Column("data", Text, nullable=False),  # JSON
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime),
    Index(None, "delivered_at"),
    Index(None, "trade_id"),
    Index(None, "offer_id"),
)

app_state = Table(
    "app_state",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
