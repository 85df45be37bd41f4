"""Recording events (the envelope of docs/architecture.md#events-and-webhooks) and reading them back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ..db.rows import insert_together
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
    """Store several events and wake their listeners, in one statement; returns their envelopes."""
    rows = event_rows(new, fanned_out=fanned_out)
    await insert_together(conn, [(events, rows)], *wake(new, fan_out=not fanned_out))
    return envelopes(rows)


def event_rows(new: Sequence[NewEvent], *, fanned_out: bool = False) -> list[dict[str, Any]]:
    """The rows of ``new`` events, to insert in the ``events`` table, then NOTIFY with ``wake``.

    The insert's trigger (migration 0013) queues them to be numbered for the event stream once committed
    (handlers/stream.py: ids do not follow the commits) and NOTIFYs STREAM_CHANNEL, whatever code inserts.
    """
    now = datetime.now(UTC)
    return [
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


def envelopes(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The envelopes of events from their rows: built, not read back (``data`` holds whole messages)."""
    return [{"id": row["id"], "type": row["type"], "timestamp": row["created_at"], "data": row["data"]} for row in rows]


def wake(new: Sequence[NewEvent], *, fan_out: bool) -> tuple[str, str]:
    """The SELECT that, at commit, wakes the API's waiters for mail of these events' inboxes
    (handlers/waiting.py), and with ``fan_out`` the worker's fan-out: for ``rows.insert_together``."""
    return _NOTIFY_BOTH if fan_out else _NOTIFY, _payload([event.inbox_id for event in new])


def wake_unless_hooks(new: Sequence[NewEvent]) -> tuple[str, str]:
    """``wake`` for events recorded with ``UNLESS_HOOKS`` (fanned out unless a webhook is enabled): it also wakes
    the worker's fan-out when one is, and its one row's first column says whether one was."""
    return _NOTIFY_UNLESS_HOOKS, _payload([event.inbox_id for event in new])


async def notify(conn: AsyncConnection, inbox_ids: Sequence[str | None]) -> None:
    """At commit, wake the API's waiters for mail of these inboxes (handlers/waiting.py)."""
    await insert_together(conn, [], _NOTIFY, _payload(inbox_ids))


def _payload(inbox_ids: Sequence[str | None]) -> str:
    # The inboxes concerned, comma-separated (empty: maybe any), so that a waiter for another inbox is not woken.
    named = {inbox_id for inbox_id in inbox_ids if inbox_id is not None}
    everyone = len(named) < len(set(inbox_ids)) or len(named) > _NAMED_INBOXES
    return "" if everyone else ",".join(sorted(named))


# Parameters numbered from {first} (rows.insert_together); the result is not read: pipelined, it rides with the COMMIT.
_NOTIFY = f"SELECT pg_notify('{EVENTS_CHANNEL}', ${{first}})"
_NOTIFY_BOTH = f"SELECT pg_notify('{EVENTS_CHANNEL}', ${{first}}), pg_notify('{FAN_OUT_CHANNEL}', '')"
_HOOKS = "EXISTS (SELECT FROM webhooks WHERE enabled)"  # in the statement's snapshot, as the fan-out would read them
# For insert_together's ``wrapped``: events marked fanned out as they are recorded when no webhook is enabled (there
# is nothing to deliver), else left to the worker's fan-out, which ``wake_unless_hooks`` wakes.
UNLESS_HOOKS = {"fanned_out_at": f"CASE WHEN {_HOOKS} THEN NULL ELSE {{}}::timestamptz END"}
_NOTIFY_UNLESS_HOOKS = (
    f"SELECT hooks, pg_notify('{EVENTS_CHANNEL}', ${{first}}),"  # noqa: S608 - constants only
    f" CASE WHEN hooks THEN pg_notify('{FAN_OUT_CHANNEL}', '') END"
    f" FROM (SELECT {_HOOKS} AS hooks) AS enabled"
)
