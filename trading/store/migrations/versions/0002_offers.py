"""offers apart from trades; trades carry their account

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06

An offer is one per entry alert and holds the decision and the Discord message; a trade is
one account's position for it. Every existing trade gets an offer with the same id, so
approval buttons already posted (``greenlight:approve:<id>``) still resolve, and the account
``default``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_OFFER_STATUS = """
    CASE
        WHEN status = 'pending' THEN 'pending'
        WHEN status IN ('rejected', 'expired') THEN status
        WHEN status = 'cancelled' AND decided_at IS NULL THEN 'cancelled'
        ELSE 'approved'
    END
"""
_VIA = """
    CASE
        WHEN decided_by IS NULL THEN NULL
        WHEN decided_by = 'expiry' THEN 'greenlight'
        ELSE 'discord'
    END
"""
_MOVED = (
    "alert_id",
    "expires_at",
    "decision",
    "decided_by",
    "decided_by_name",
    "decided_at",
    "channel_id",
    "message_id",
    "thread_id",
)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "offers",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("alert_id", sa.String(length=24), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("strategy", sa.String(length=128), nullable=True),
        sa.Column("timeframe", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_by_name", sa.String(length=100), nullable=True),
        sa.Column("decided_via", sa.String(length=16), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_id", sa.String(length=32), nullable=True),
        sa.Column("thread_id", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_offers_alert_id_alerts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
        sa.UniqueConstraint("alert_id", name=op.f("uq_offers_alert_id")),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offers_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_message_id"), ["message_id"], unique=False)
    op.create_table(
        "offer_charts",
        sa.Column("offer_id", sa.String(length=24), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_offer_charts_offer_id_offers")
        ),
        sa.PrimaryKeyConstraint("offer_id", name=op.f("pk_offer_charts")),
    )
    op.execute(
        "INSERT INTO offers (id, alert_id, symbol, side, strategy, timeframe, status, "
        "created_at, updated_at, expires_at, decided_by, decided_by_name, decided_via, "
        "decided_at, channel_id, message_id, thread_id, note) "
        f"SELECT id, alert_id, symbol, side, strategy, timeframe, {_OFFER_STATUS}, created_at, "
        f"updated_at, expires_at, decided_by, decided_by_name, {_VIA}, decided_at, channel_id, "
        "message_id, thread_id, NULL FROM trades"
    )
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.add_column(sa.Column("offer_id", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("account", sa.String(length=64), nullable=True))
    op.execute("UPDATE trades SET offer_id = id, account = 'default'")
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.alter_column("offer_id", existing_type=sa.String(length=24), nullable=False)
        batch_op.alter_column("account", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint("uq_trades_alert_id", type_="unique")
        batch_op.drop_constraint("fk_trades_alert_id_alerts", type_="foreignkey")
        for column in _MOVED:
            batch_op.drop_column(column)
        batch_op.create_foreign_key(
            batch_op.f("fk_trades_offer_id_offers"), "offers", ["offer_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_trades_offer_id"), ["offer_id"], unique=False)
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("offer_id", sa.String(length=24), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_events_offer_id_offers"), "offers", ["offer_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_events_offer_id"), ["offer_id"], unique=False)
    op.execute(
        "UPDATE events SET offer_id = "
        "(SELECT trades.offer_id FROM trades WHERE trades.id = events.trade_id)"
    )


def downgrade() -> None:
    """Revert this revision (offers of several trades keep their first trade)."""
    raise NotImplementedError("0002 is not reversible: restore a backup of the database")
