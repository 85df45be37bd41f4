"""deletion and retention: inboxes keep mail for ``retention_days`` (null: for ever); blobs of deleted mail wait
in ``blob_deletions`` until they are gone from the store; idempotency answers name the object they hold so
deleting it deletes them; attachments and raw copies are found by what holds them (deleting one checks that no
other message does)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing inboxes keep their mail: MAILMAN_RETENTION_DAYS is the default of inboxes created from now on.
    op.add_column("inboxes", sa.Column("retention_days", sa.Integer(), nullable=True))
    op.create_check_constraint(op.f("ck_inboxes_retention_days"), "inboxes", "retention_days > 0")
    op.add_column("idempotency_keys", sa.Column("resource_id", sa.Text(), nullable=True))
    op.create_index(
        op.f("ix_idempotency_keys_resource_id"),
        "idempotency_keys",
        ["resource_id"],
        postgresql_where=sa.text("resource_id IS NOT NULL"),
    )
    op.create_table(
        "blob_deletions",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("bucket", sa.Text(), nullable=True),
        sa.Column("sha256", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blob_deletions")),
    )
    op.create_index(
        "ix_messages_attachments",
        "messages",
        ["attachments"],
        postgresql_using="gin",
        postgresql_ops={"attachments": "jsonb_path_ops"},
    )
    op.create_index(op.f("ix_messages_inbox_id_created_at"), "messages", ["inbox_id", "created_at"])
    op.create_index(op.f("ix_messages_raw_key"), "messages", ["raw_key"])


def downgrade() -> None:
    op.drop_index(op.f("ix_messages_raw_key"), table_name="messages")
    op.drop_index(op.f("ix_messages_inbox_id_created_at"), table_name="messages")
    op.drop_index("ix_messages_attachments", table_name="messages")
    op.drop_table("blob_deletions")
    op.drop_index(op.f("ix_idempotency_keys_resource_id"), table_name="idempotency_keys")
    op.drop_column("idempotency_keys", "resource_id")
    op.drop_constraint(op.f("ck_inboxes_retention_days"), "inboxes", type_="check")
    op.drop_column("inboxes", "retention_days")
