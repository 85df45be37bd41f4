"""Jobs queued in the transaction that creates the rows they refer to: nothing sent for a rollback, nothing
lost after a commit.

A queue kept in the database (the local backend's) takes the job in that transaction. For SQS the job is
written to ``job_outbox`` instead and relayed after the commit, by the API at once and by the worker for
whatever the API could not send (SQS down, the process killed): a job may then go out twice, but never not at all.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..db.schema import job_outbox
from ..ports import OutgoingMessage, Queue, QueueName, TransactionalQueue

log = logging.getLogger("mailman.jobs")


def outbound_job(message_id: str) -> OutgoingMessage:
    """The job that sends a composed message (outbound.handle)."""
    return OutgoingMessage(json.dumps({"message_id": message_id}))


async def enqueue(conn: AsyncConnection, queue: Queue, name: QueueName, messages: Sequence[OutgoingMessage]) -> None:
    """Queue ``messages`` when ``conn``'s transaction commits."""
    if isinstance(queue, TransactionalQueue):
        await queue.send_in(conn, name, messages)
        return
    await conn.execute(
        insert(job_outbox),
        [
            {"queue": name, "body": m.body, "group_id": m.group_id, "deduplication_id": m.deduplication_id}
            for m in messages
        ],
    )


async def relay(engine: AsyncEngine, queue: Queue, limit: int = 100) -> int:
    """Send up to ``limit`` jobs of the outbox, oldest first; returns how many went. A send that fails
    leaves its jobs for the next relay."""
    if isinstance(queue, TransactionalQueue):
        return 0
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                select(job_outbox).order_by(job_outbox.c.id).limit(limit).with_for_update(skip_locked=True)
            )
        ).all()
        by_queue: dict[QueueName, list[OutgoingMessage]] = {}
        for row in rows:
            by_queue.setdefault(row.queue, []).append(OutgoingMessage(row.body, row.group_id, row.deduplication_id))
        for name, messages in by_queue.items():
            await queue.send_batch(name, messages)
        if rows:
            await conn.execute(delete(job_outbox).where(job_outbox.c.id.in_([row.id for row in rows])))
    return len(rows)


async def relay_now(engine: AsyncEngine, queue: Queue) -> None:
    """After a commit: send its jobs without waiting for the worker, which relays them if this fails."""
    try:
        await relay(engine, queue)
    except Exception:  # the jobs are safe in the outbox; the worker sends them
        log.warning("could not relay jobs now; the worker will", exc_info=True)
