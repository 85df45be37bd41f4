"""batch sending: an idempotency answer names every message it holds (a batch holds up to 100), so deleting
any of them deletes the stored answer; drafts keep their attachments in the blob store, found by what names
them (the sweep keeps a blob a draft still holds)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "idempotency_keys",
        sa.Column("resource_ids", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    )
    op.execute("UPDATE idempotency_keys SET resource_ids = ARRAY[resource_id] WHERE resource_id IS NOT NULL")
    op.drop_index(op.f("ix_idempotency_keys_resource_id"), table_name="idempotency_keys")
    op.drop_column("idempotency_keys", "resource_id")
    op.create_index(
        "ix_idempotency_keys_resource_ids", "idempotency_keys", ["resource_ids"], postgresql_using="gin"
    )
    # Drafts saved before keep their base64 content in the row, which sending still reads.
    op.create_index(
        "ix_drafts_attachments",
        "drafts",
        ["attachments"],
        postgresql_using="gin",
        postgresql_ops={"attachments": "jsonb_path_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_drafts_attachments", table_name="drafts")
    op.drop_index("ix_idempotency_keys_resource_ids", table_name="idempotency_keys")
    op.add_column("idempotency_keys", sa.Column("resource_id", sa.Text(), nullable=True))
    op.execute("UPDATE idempotency_keys SET resource_id = resource_ids[1]")
    op.drop_column("idempotency_keys", "resource_ids")
    op.create_index(
        op.f("ix_idempotency_keys_resource_id"),
        "idempotency_keys",
        ["resource_id"],
        postgresql_where=sa.text("resource_id IS NOT NULL"),
    )
