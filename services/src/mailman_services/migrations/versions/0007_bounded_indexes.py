"""inbound mail is stored whatever its size: the Message-ID index and the search vector read a bounded prefix, and
messages remember the bucket their raw mail was received into

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SEARCH = (
    "to_tsvector('simple', left(coalesce(subject, ''), 2000) || ' ' || left(coalesce(\"from\"->>'address', ''), 1000)"
    " || ' ' || left(coalesce(\"from\"->>'name', ''), 1000) || ' ' || left(coalesce(text, ''), 80000))"
)
UNBOUNDED_SEARCH = (
    "to_tsvector('simple', coalesce(subject, '') || ' ' || coalesce(\"from\"->>'address', '') || ' '"
    " || coalesce(\"from\"->>'name', '') || ' ' || left(coalesce(text, ''), 100000))"
)


def _search(expression: str) -> None:
    # A generated column's expression cannot be altered before PostgreSQL 17: the column is made again.
    op.drop_index("ix_messages_search", table_name="messages", postgresql_using="gin")
    op.drop_column("messages", "search")
    op.add_column("messages", sa.Column("search", postgresql.TSVECTOR(), sa.Computed(expression, persisted=True)))
    op.create_index("ix_messages_search", "messages", ["search"], postgresql_using="gin")


def upgrade() -> None:
    op.add_column("messages", sa.Column("raw_bucket", sa.Text(), nullable=True))
    op.drop_index("ix_messages_message_id", table_name="messages")
    op.create_index("ix_messages_message_id", "messages", ["inbox_id", sa.text("left(message_id, 512)")])
    _search(SEARCH)


def downgrade() -> None:
    _search(UNBOUNDED_SEARCH)
    op.drop_index("ix_messages_message_id", table_name="messages")
    op.create_index("ix_messages_message_id", "messages", ["inbox_id", "message_id"])
    op.drop_column("messages", "raw_bucket")
