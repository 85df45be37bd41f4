"""drafts, and scheduled sending: messages.send_at with a partial index of the scheduled ones

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("send_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_messages_scheduled",
        "messages",
        ["send_at", "id"],
        postgresql_where=sa.text("status = 'scheduled'"),
    )
    op.create_table(
        "drafts",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("inbox_id", sa.Text(), nullable=False),
        sa.Column("to", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("cc", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("bcc", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("reply_to", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("subject", sa.Text()),
        sa.Column("text", sa.Text()),
        sa.Column("html", sa.Text()),
        sa.Column("headers", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("attachments", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("labels", postgresql.ARRAY(sa.Text()), nullable=False, server_default="{}"),
        sa.Column("in_reply_to", sa.Text()),
        sa.Column("reply_all", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("forward_of", sa.Text()),
        sa.Column("send_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.CheckConstraint("in_reply_to IS NULL OR forward_of IS NULL", name=op.f("ck_drafts_reply_or_forward")),
        sa.ForeignKeyConstraint(
            ["inbox_id"], ["inboxes.id"], name=op.f("fk_drafts_inbox_id_inboxes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
    )
    op.create_index("ix_drafts_inbox_id", "drafts", ["inbox_id", sa.text("id DESC")])


def downgrade() -> None:
    op.drop_index("ix_drafts_inbox_id", table_name="drafts")
    op.drop_table("drafts")
    op.drop_index("ix_messages_scheduled", table_name="messages")
    op.drop_column("messages", "send_at")
