"""events get the order of the event stream: a number given after commit, by one numbering at a time

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
    op.add_column("events", sa.Column("stream_seq", sa.BigInteger(), nullable=True))
    # Events recorded before are numbered in id order, once; a stream resumed from one of them goes on from there.
    op.execute(
        "UPDATE events SET stream_seq = numbered.seq FROM"
        " (SELECT id, nextval('events_stream_seq') AS seq FROM (SELECT id FROM events ORDER BY id) AS ordered)"
        " AS numbered WHERE events.id = numbered.id"
    )
    op.create_index("ix_events_stream_seq", "events", ["stream_seq"], unique=True)
    op.create_index("ix_events_unsequenced", "events", ["id"], postgresql_where=sa.text("stream_seq IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_events_unsequenced", table_name="events")
    op.drop_index("ix_events_stream_seq", table_name="events")
    op.drop_column("events", "stream_seq")
    op.execute("DROP SEQUENCE events_stream_seq")
