"""the order of the event stream: events numbered after their commit, one numbering at a time (event_order),
from a queue their transactions fill (events_unordered)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SEQUENCE events_stream_seq")
    op.create_table(
        "event_order",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_order_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_event_order")),
        sa.UniqueConstraint("event_id", name=op.f("uq_event_order_event_id")),
    )
    op.create_table(
        "events_unordered",
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_events_unordered_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_events_unordered")),
    )
    # Events recorded before are numbered in id order, once: a stream resumed from one of them goes on from there.
    op.execute(
        "INSERT INTO event_order (seq, event_id)"
        " SELECT nextval('events_stream_seq'), id FROM (SELECT id FROM events ORDER BY id) AS ordered"
    )


def downgrade() -> None:
    op.drop_table("events_unordered")
    op.drop_table("event_order")
    op.execute("DROP SEQUENCE events_stream_seq")
