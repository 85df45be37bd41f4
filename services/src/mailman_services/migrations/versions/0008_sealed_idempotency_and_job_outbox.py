"""idempotency rows hold no readable secret (keys as HMACs, answers sealed); a job outbox for SQS; events keep
their message without its bodies (the messages table has them)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Stored answers were plaintext (API keys, webhook secrets): they go, and a replay within the next 24 h
    # answers afresh. Nothing else can be done with them: the new rows are keyed by what the database never saw.
    op.execute("DELETE FROM idempotency_keys")
    op.drop_column("idempotency_keys", "response_headers")
    op.create_table(
        "job_outbox",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("queue", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("group_id", sa.Text(), nullable=True),
        sa.Column("deduplication_id", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_outbox")),
    )
    op.execute(
        "UPDATE events SET data = jsonb_set(data, '{message}', (data->'message') - 'text' - 'html' - 'extracted_text')"
        " WHERE jsonb_typeof(data->'message') = 'object'"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE events SET data = jsonb_set(data, '{message}', (data->'message') || (SELECT jsonb_build_object("
        "'text', m.text, 'html', m.html, 'extracted_text', m.extracted_text) FROM messages AS m WHERE m.id = events.message_id))"
        " WHERE jsonb_typeof(data->'message') = 'object' AND EXISTS (SELECT 1 FROM messages WHERE id = events.message_id)"
    )
    op.drop_table("job_outbox")
    op.execute("DELETE FROM idempotency_keys")
    op.add_column(
        "idempotency_keys",
        sa.Column("response_headers", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
