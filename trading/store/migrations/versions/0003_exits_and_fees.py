"""exits in flight, exact fees and funding

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

``trades.exit_reason``: an exit (alert, /close, emergency) under way survives a restart, so the
take-profits it cancelled are not put back and the close is sent again until flat.
``trades.funding``: funding paid (−) or received (+) while the position was open.
``orders.fee_exact``: the fee came from the exchange's fills, not from the market's rate.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exit_reason", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("funding", sa.String(length=48), nullable=False, server_default="0")
        )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("fee_exact", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("fee_exact")
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.drop_column("funding")
        batch_op.drop_column("exit_reason")
