"""Recording events (the envelope of docs/architecture.md#events-and-webhooks) and reading them back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..db.rows import insert_rows
from ..db.schema import events
from ..domain.ids import new_id

EVENTS_CHANNEL = "mailman_events"  # the API's waiters for mail listen (handlers/waiting.py)
# The webhook fan-out listens; events fanned out in their own transaction (a queue in the database) do not wake
# it. Another release's unwoken events are found by its poll (at most a second later).
FAN_OUT_CHANNEL = "mailman_fan_out"
STREAM_CHANNEL = "mailman_stream"  # NOTIFYed by the events trigger; the event stream's listener (handlers/stream.py)
# A NOTIFY payload holds at most 8,000 bytes; past this many inboxes it is left empty, which means "any inbox".
_NAMED_INBOXES = 200


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
    # The insert's trigger (migration 0013) queues them to be numbered for the event stream once committed
    # (handlers/stream.py: ids do not follow the commits) and NOTIFYs STREAM_CHANNEL, whatever code inserts.
    await insert_rows(conn, events, rows)
    await notify(conn, [event.inbox_id for event in new], fan_out=not fanned_out)
    return [{"id": row["id"], "type": row["type"], "timestamp": now, "data": row["data"]} for row in rows]


async def notify(conn: AsyncConnection, inbox_ids: Sequence[str | None], *, fan_out: bool = False) -> None:
    """At commit, wake the API's waiters for mail (handlers/waiting.py), and with ``fan_out`` the worker's
    fan-out, in one statement.

    The payload names the inboxes concerned (comma-separated; empty: maybe any), so a waiter for another
    inbox is not woken."""
    named = {inbox_id for inbox_id in inbox_ids if inbox_id is not None}
    everyone = len(named) < len(set(inbox_ids)) or len(named) > _NAMED_INBOXES
    payload = "" if everyone else ",".join(sorted(named))
    woken = [func.pg_notify(EVENTS_CHANNEL, payload)]
    if fan_out:
        woken.append(func.pg_notify(FAN_OUT_CHANNEL, ""))
    await conn.execute(select(*woken))
