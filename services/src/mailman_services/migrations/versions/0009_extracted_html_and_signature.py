"""messages keep the HTML of the new part of a reply (null when it is the html itself, which is stored once) and
the sign-off block detected at the end of the new part

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable and without a default: adding them rewrites no row. Messages received before read back their
    # html as extracted_html (views.EXTRACTED_HTML) and no signature.
    op.add_column("messages", sa.Column("extracted_html", sa.Text(), nullable=True))
    op.add_column("messages", sa.Column("signature", sa.Text(), nullable=True))


def downgrade() -> None:
    # Events store their message without its bodies (0008), these two included: nothing to put back there.
    op.drop_column("messages", "signature")
    op.drop_column("messages", "extracted_html")
