"""queue semantics: tombstones for deduplication, an index for FIFO group heads

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("queue_messages", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        op.f("ix_queue_messages_queue_group_id_id"), "queue_messages", ["queue", "group_id", "id"], unique=False
    )
    op.create_index(
        op.f("ix_queue_messages_deleted_at"),
        "queue_messages",
        ["deleted_at"],
        unique=False,
        postgresql_where=sa.text("deleted_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_queue_messages_deleted_at"), table_name="queue_messages")
    op.drop_index(op.f("ix_queue_messages_queue_group_id_id"), table_name="queue_messages")
    op.execute("DELETE FROM queue_messages WHERE deleted_at IS NOT NULL")
    op.drop_column("queue_messages", "deleted_at")
