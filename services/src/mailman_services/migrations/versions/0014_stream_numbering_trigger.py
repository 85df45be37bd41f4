"""the event stream's queue filled by PostgreSQL: an events INSERT queues its rows in events_unordered and
NOTIFYs mailman_stream itself, so events inserted by any code (an old release during a rolling deploy) are numbered

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 15:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One statement-level trigger per INSERT: a batch of events is queued by one INSERT ... SELECT.
    op.execute(
        """
        CREATE FUNCTION events_queue_for_stream() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO events_unordered (event_id) SELECT id FROM inserted;
            PERFORM pg_notify('mailman_stream', '');
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER events_queue_for_stream AFTER INSERT ON events REFERENCING NEW TABLE AS inserted"
        " FOR EACH STATEMENT EXECUTE FUNCTION events_queue_for_stream()"
    )
    # Releases between 0010 and this one queue their events themselves, after the trigger has: their insert
    # of the same event is skipped rather than failing their transaction.
    op.execute(
        """
        CREATE FUNCTION events_unordered_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM events_unordered WHERE event_id = NEW.event_id) THEN
                RETURN NULL;
            END IF;
            RETURN NEW;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER events_unordered_once BEFORE INSERT ON events_unordered"
        " FOR EACH ROW EXECUTE FUNCTION events_unordered_once()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER events_unordered_once ON events_unordered")
    op.execute("DROP FUNCTION events_unordered_once()")
    op.execute("DROP TRIGGER events_queue_for_stream ON events")
    op.execute("DROP FUNCTION events_queue_for_stream()")
