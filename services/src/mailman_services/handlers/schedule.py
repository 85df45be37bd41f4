"""Scheduled sending: the due-scan that turns ``scheduled`` messages whose ``send_at`` has come into ``queued`` ones.

The schedule is the messages table itself (SQS delays stop at 15 minutes), the same on both backends. A scan
locks the due rows ``FOR UPDATE SKIP LOCKED`` and queues their outbound jobs in the same transaction, so
several workers scanning at once each take different messages, and each message is queued once. Suppressions
are checked again: a recipient suppressed since the message was scheduled is dropped, and a message left
with no one is ``failed``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..db.engine import Database
from ..db.schema import messages
from ..ports import Queue
from . import jobs, views
from .messages import record_message_event
from .suppressions import suppressed_among

DUE_BATCH = 100


async def release_due(database: Database, queue: Queue, limit: int = DUE_BATCH) -> int:
    """Queue (or fail) up to ``limit`` due scheduled messages, earliest first; returns how many were taken."""
    async with jobs.transaction(database, queue) as conn:
        return await release_due_in(conn, queue, limit)


async def release_due_in(conn: AsyncConnection, queue: Queue, limit: int = DUE_BATCH) -> int:
    """``release_due`` in the caller's transaction (the rows stay locked until it ends)."""
    due = (
        await conn.execute(
            select(messages.c.id, messages.c.to, messages.c.cc, messages.c.bcc)
            .where(messages.c.status == "scheduled", messages.c.send_at <= func.now())
            .order_by(messages.c.send_at, messages.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if not due:
        return 0
    # One look-up and one update for the whole batch: a crowd due at one instant is queued in a few statements.
    listed = await suppressed_among(conn, sorted({r["address"] for row in due for r in [*row.to, *row.cc, *row.bcc]}))
    untouched = [row.id for row in due if not {r["address"] for r in [*row.to, *row.cc, *row.bcc]} & listed]
    if untouched:
        await conn.execute(update(messages).where(messages.c.id.in_(untouched)).values(status="queued"))
    queued = list(untouched)
    for row in due:
        everyone = [r["address"] for r in [*row.to, *row.cc, *row.bcc]]
        suppressed = listed.intersection(everyone)
        if not suppressed:
            continue
        to, cc, bcc = ([r for r in group if r["address"] not in suppressed] for group in (row.to, row.cc, row.bcc))
        if not to + cc + bcc:
            failed = await _set(conn, row.id, status="failed")
            reason = f"every recipient was suppressed before the send time: {', '.join(sorted(suppressed))}"
            await record_message_event(
                conn,
                "message.failed",
                failed,
                recipients=sorted(suppressed),
                smtp_response=None,
                bounce=None,
                complaint=None,
                reason=reason,
            )
            continue
        if not to:  # as when composing: keep a visible recipient
            to = [(cc or bcc).pop(0)]
        # The raw copy keeps its To and Cc headers; only the envelope, read from these columns, leaves them out.
        await _set(conn, row.id, status="queued", to=to, cc=cc, bcc=bcc)
        queued.append(row.id)
    if queued:
        await jobs.enqueue(conn, queue, "outbound", [jobs.outbound_job(message_id) for message_id in queued])
    return len(due)


async def _set(conn: AsyncConnection, message_id: str, **values: Any) -> Any:
    return (
        await conn.execute(
            update(messages).where(messages.c.id == message_id).values(**values).returning(*views.MESSAGE_COLUMNS)
        )
    ).one()


async def next_due(database: Database) -> datetime | None:
    """The earliest ``send_at`` of a scheduled message (the partial index ix_messages_scheduled), or None."""
    async with database.read() as conn:
        due: datetime | None = (
            await conn.execute(select(func.min(messages.c.send_at)).where(messages.c.status == "scheduled"))
        ).scalar_one()
    return due
