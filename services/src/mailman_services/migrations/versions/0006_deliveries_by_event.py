"""deliveries are found by (event, webhook): a delivery's attempts no longer scan every delivery of its webhook

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 23:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_deliveries_event_id_webhook_id", "deliveries", ["event_id", "webhook_id"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_event_id_webhook_id", table_name="deliveries")
