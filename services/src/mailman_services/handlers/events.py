"""Recording events (the envelope of docs/architecture.md#events-and-webhooks) and reading them back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..db.schema import events, events_unordered
from ..domain.ids import new_id

EVENTS_CHANNEL = "mailman_events"  # the webhook fan-out listens
STREAM_CHANNEL = "mailman_stream"  # the event stream's listener in each API process (handlers/stream.py)


@dataclass(frozen=True)
class NewEvent:
    type: str
    data: dict[str, Any]
    inbox_id: str | None = None
    message_id: str | None = None


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
    """
    [envelope] = await record_events(conn, [NewEvent(event_type, data, inbox_id, message_id)], fanned_out=fanned_out)
    return envelope


async def record_events(
    conn: AsyncConnection, new: Sequence[NewEvent], *, fanned_out: bool = False
) -> list[dict[str, Any]]:
    """Store several events in one statement; returns their envelopes.

    The envelopes are built here rather than read back: ``data`` holds whole messages, bodies included.
    """
    now = datetime.now(UTC)
    rows = [
        {
            "id": new_id("evt"),
            "type": event.type,
            "inbox_id": event.inbox_id,
            "message_id": event.message_id,
            "data": event.data,
            "created_at": now,
            "fanned_out_at": now if fanned_out else None,
        }
        for event in new
    ]
    await conn.execute(insert(events), rows)
    # Numbered for the event stream once committed (handlers/stream.py): ids do not follow the commits.
    await conn.execute(insert(events_unordered), [{"event_id": row["id"]} for row in rows])
    # Sent at commit. Statements, not SELECT pg_notify(): in a pipelined transaction they cost no round trip.
    if not fanned_out:
        await conn.execute(text(f"NOTIFY {EVENTS_CHANNEL}"))  # wakes the fan-out
    await conn.execute(text(f"NOTIFY {STREAM_CHANNEL}"))  # wakes the streams
    return [{"id": row["id"], "type": row["type"], "timestamp": now, "data": row["data"]} for row in rows]
