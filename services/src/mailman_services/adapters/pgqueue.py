"""Queue port on a PostgreSQL table; a NOTIFY on ``mailman_queue`` wakes waiting consumers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from ..ports import QueueName
from .tables import queue_messages


class PgQueue:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def send(
        self,
        queue: QueueName,
        body: str,
        *,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        delay_seconds: int = 0,
    ) -> None:
        visible_at = datetime.now(UTC) + timedelta(seconds=delay_seconds)
        async with self.engine.begin() as conn:
            if deduplication_id is not None:
                # Same window as SQS FIFO: a repeated deduplication id within 5 minutes is dropped.
                seen = await conn.scalar(
                    select(func.count())
                    .select_from(queue_messages)
                    .where(
                        queue_messages.c.queue == queue,
                        queue_messages.c.deduplication_id == deduplication_id,
                        queue_messages.c.created_at > func.now() - timedelta(minutes=5),
                    )
                )
                if seen:
                    return
            await conn.execute(
                insert(queue_messages).values(
                    queue=queue,
                    body=body,
                    group_id=group_id,
                    deduplication_id=deduplication_id,
                    visible_at=visible_at,
                )
            )
            await conn.execute(func.pg_notify("mailman_queue", queue).select())
