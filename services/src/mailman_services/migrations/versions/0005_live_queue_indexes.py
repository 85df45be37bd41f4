"""queue indexes cover live messages only: receiving no longer walks the deduplication tombstones

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 21:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

LIVE = sa.text("deleted_at IS NULL")


def upgrade() -> None:
    op.create_index("ix_queue_messages_queue_id", "queue_messages", ["queue", "id"], postgresql_where=LIVE)
    op.drop_index("ix_queue_messages_queue_group_id_id", table_name="queue_messages")
    op.create_index(
        "ix_queue_messages_queue_group_id_id", "queue_messages", ["queue", "group_id", "id"], postgresql_where=LIVE
    )


def downgrade() -> None:
    op.drop_index("ix_queue_messages_queue_group_id_id", table_name="queue_messages")
    op.create_index("ix_queue_messages_queue_group_id_id", "queue_messages", ["queue", "group_id", "id"])
    op.drop_index("ix_queue_messages_queue_id", table_name="queue_messages")
