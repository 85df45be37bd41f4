"""the order in which messages were stored: numbered after their commit, one numbering at a time (message_order),
from a queue an INSERT trigger on messages fills (messages_unordered), so that waiting for mail after a message
gets every message committed after it, whatever its id

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 18:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SEQUENCE messages_stored_seq")
    op.create_table(
        "message_order",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_message_order_message_id_messages"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_message_order")),
        sa.UniqueConstraint("message_id", name=op.f("uq_message_order_message_id")),
    )
    op.create_table(
        "messages_unordered",
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_messages_unordered_message_id_messages"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_messages_unordered")),
    )
    # One statement-level trigger per INSERT (a batch of inbound copies is one INSERT), whatever code stores mail.
    op.execute(
        """
        CREATE FUNCTION messages_queue_for_order() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO messages_unordered (message_id) SELECT id FROM inserted;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER messages_queue_for_order AFTER INSERT ON messages REFERENCING NEW TABLE AS inserted"
        " FOR EACH STATEMENT EXECUTE FUNCTION messages_queue_for_order()"
    )
    # Messages stored before are numbered in id order, once: waiting after one of them goes on from there.
    op.execute(
        "INSERT INTO message_order (seq, message_id)"
        " SELECT nextval('messages_stored_seq'), id FROM (SELECT id FROM messages ORDER BY id) AS ordered"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER messages_queue_for_order ON messages")
    op.execute("DROP FUNCTION messages_queue_for_order()")
    op.drop_table("messages_unordered")
    op.drop_table("message_order")
    op.execute("DROP SEQUENCE messages_stored_seq")
