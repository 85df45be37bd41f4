"""Recording events (the envelope of SPEC §6) and reading them back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..adapters.tables import events
from ..domain.ids import new_id

EVENTS_CHANNEL = "mailman_events"


async def record_event(
    conn: AsyncConnection,
    event_type: str,
    data: dict[str, Any],
    *,
    inbox_id: str | None = None,
    message_id: str | None = None,
    fanned_out: bool = False,
) -> dict[str, Any]:
    """Store an event in the caller's transaction and return its envelope.

    The worker's fan-out queues its webhook deliveries after the commit; ``fanned_out`` events (a webhook's
    test event, delivered to that one webhook) are left out of it.

    The envelope is built here rather than read back: ``data`` holds whole messages, bodies included.
    """
    event_id, now = new_id("evt"), datetime.now(UTC)
    await conn.execute(
        insert(events).values(
            id=event_id,
            type=event_type,
            inbox_id=inbox_id,
            message_id=message_id,
            data=data,
            created_at=now,
            fanned_out_at=now if fanned_out else None,
        )
    )
    if not fanned_out:
        await conn.execute(select(func.pg_notify(EVENTS_CHANNEL, "")))  # wakes the fan-out at commit
    return {"id": event_id, "type": event_type, "timestamp": now, "data": data}
