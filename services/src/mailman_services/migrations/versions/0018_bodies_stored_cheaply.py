"""message bodies, headers and search vectors compressed with lz4 where the server has it, else kept uncompressed:
pglz, PostgreSQL's default, took ~13 % of the database's CPU when mail comes in (perf, bench-ingest)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 02:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# The columns of a message that are long enough to be compressed (TOAST: a row over ~2 KB).
COLUMNS = ("text", "html", "extracted_text", "extracted_html", "headers", "search")


def _alter(action: str) -> str:
    return "ALTER TABLE messages " + ", ".join(f'ALTER COLUMN "{column}" SET {action}' for column in COLUMNS)


def upgrade() -> None:
    # lz4 (RDS, Debian's PostgreSQL) compresses several times faster than pglz, for a little more space; a server
    # built without it (the embedded one of the local stack) stores these values out of line uncompressed
    # (EXTERNAL), about twice the space of pglz for prose. Rows stored before keep how they were stored.
    op.execute(
        f"""
        DO $$
        BEGIN
            {_alter("COMPRESSION lz4")};
        EXCEPTION WHEN feature_not_supported THEN
            {_alter("STORAGE EXTERNAL")};
        END $$
        """
    )


def downgrade() -> None:
    op.execute(_alter("STORAGE EXTENDED"))
    op.execute(_alter("COMPRESSION DEFAULT"))
