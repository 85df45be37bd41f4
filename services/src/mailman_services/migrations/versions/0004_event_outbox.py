"""events remember when their webhook deliveries were queued (transactional outbox)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 19:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("fanned_out_at", sa.DateTime(timezone=True), nullable=True))
    # Events recorded before webhooks were delivered are not delivered now.
    op.execute("UPDATE events SET fanned_out_at = created_at")
    op.create_index(
        "ix_events_unfanned", "events", ["id"], unique=False, postgresql_where=sa.text("fanned_out_at IS NULL")
    )


def downgrade() -> None:
    op.drop_index("ix_events_unfanned", table_name="events", postgresql_where=sa.text("fanned_out_at IS NULL"))
    op.drop_column("events", "fanned_out_at")
