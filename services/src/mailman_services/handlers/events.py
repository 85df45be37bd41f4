"""Recording events (the envelope of SPEC §6) and reading them back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ..adapters.tables import events
from ..domain.ids import new_id


async def record_event(
    conn: AsyncConnection,
    event_type: str,
    data: dict[str, Any],
    *,
    inbox_id: str | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    """Store an event in the caller's transaction and return its envelope."""
    row = (
        await conn.execute(
            insert(events)
            .values(id=new_id("evt"), type=event_type, inbox_id=inbox_id, message_id=message_id, data=data)
            .returning(events)
        )
    ).one()
    return {"id": row.id, "type": row.type, "timestamp": row.created_at, "data": row.data}
