"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_ip", sa.String(length=64), nullable=False),
        sa.Column("raw_body", sa.Text(), nullable=False),
        sa.Column("body_size", sa.Integer(), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("field", sa.String(length=64), nullable=True),
        sa.Column("duplicate_of", sa.String(length=24), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("ticker", sa.String(length=128), nullable=True),
        sa.Column("strategy", sa.String(length=128), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_body_sha256"), ["body_sha256"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_alerts_idempotency_key"), ["idempotency_key"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_alerts_received_at"), ["received_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_alerts_status_processed_at"), ["status", "processed_at"], unique=False
        )

    op.create_table(
        "app_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_state")),
    )
    op.create_table(
        "trades",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("alert_id", sa.String(length=24), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("strategy", sa.String(length=128), nullable=True),
        sa.Column("timeframe", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_by_name", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_id", sa.String(length=32), nullable=True),
        sa.Column("thread_id", sa.String(length=32), nullable=True),
        sa.Column("entry_price", sa.String(length=48), nullable=True),
        sa.Column("filled_qty", sa.String(length=48), nullable=False),
        sa.Column("closed_qty", sa.String(length=48), nullable=False),
        sa.Column("stop_price", sa.String(length=48), nullable=True),
        sa.Column("breakeven_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("realized_pnl", sa.String(length=48), nullable=False),
        sa.Column("fees", sa.String(length=48), nullable=False),
        sa.Column("close_reason", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_trades_alert_id_alerts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trades")),
        sa.UniqueConstraint("alert_id", name=op.f("uq_trades_alert_id")),
    )
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trades_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_trades_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_trades_symbol_status"), ["symbol", "status"], unique=False
        )

    op.create_table(
        "events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("trade_id", sa.String(length=24), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["trade_id"], ["trades.id"], name=op.f("fk_events_trade_id_trades")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_delivered_at"), ["delivered_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_trade_id"), ["trade_id"], unique=False)

    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("trade_id", sa.String(length=24), nullable=False),
        sa.Column("leg", sa.String(length=16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=40), nullable=False),
        sa.Column("exchange_id", sa.String(length=64), nullable=True),
        sa.Column("type", sa.String(length=24), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("amount", sa.String(length=48), nullable=False),
        sa.Column("price", sa.String(length=48), nullable=True),
        sa.Column("trigger_price", sa.String(length=48), nullable=True),
        sa.Column("reduce_only", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("filled", sa.String(length=48), nullable=False),
        sa.Column("average", sa.String(length=48), nullable=True),
        sa.Column("fee", sa.String(length=48), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["trade_id"], ["trades.id"], name=op.f("fk_orders_trade_id_trades")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("client_id", name=op.f("uq_orders_client_id")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_orders_trade_id_status"), ["trade_id", "status"], unique=False
        )

    op.create_table(
        "fills",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("trade_id", sa.String(length=24), nullable=False),
        sa.Column("leg", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.String(length=48), nullable=False),
        sa.Column("price", sa.String(length=48), nullable=False),
        sa.Column("fee", sa.String(length=48), nullable=False),
        sa.Column("realized_pnl", sa.String(length=48), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_fills_order_id_orders")),
        sa.ForeignKeyConstraint(["trade_id"], ["trades.id"], name=op.f("fk_fills_trade_id_trades")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fills")),
    )
    with op.batch_alter_table("fills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fills_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_fills_trade_id"), ["trade_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("fills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fills_trade_id"))
        batch_op.drop_index(batch_op.f("ix_fills_created_at"))

    op.drop_table("fills")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_trade_id_status"))

    op.drop_table("orders")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_trade_id"))
        batch_op.drop_index(batch_op.f("ix_events_delivered_at"))

    op.drop_table("events")
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trades_symbol_status"))
        batch_op.drop_index(batch_op.f("ix_trades_status"))
        batch_op.drop_index(batch_op.f("ix_trades_closed_at"))

    op.drop_table("trades")
    op.drop_table("app_state")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_status_processed_at"))
        batch_op.drop_index(batch_op.f("ix_alerts_received_at"))
        batch_op.drop_index(batch_op.f("ix_alerts_idempotency_key"))
        batch_op.drop_index(batch_op.f("ix_alerts_body_sha256"))

    op.drop_table("alerts")
