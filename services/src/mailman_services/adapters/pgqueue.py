"""Queue port on a PostgreSQL table (SPEC §5): ``FOR UPDATE SKIP LOCKED`` hands each message to one
consumer, and a NOTIFY on ``mailman_queue`` wakes long-polling consumers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio
import psycopg
from sqlalchemy import Float, Select, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..ports import QUEUES, OutgoingMessage, QueueMessage, QueueName, QueueSpec
from .tables import queue_messages

CHANNEL = "mailman_queue"
DEDUPLICATION_WINDOW = timedelta(minutes=5)

message = queue_messages.c


@dataclass(frozen=True)
class _Behaviour:
    visibility_timeout: int
    max_receives: int | None  # None: never dead-lettered (a dead-letter queue keeps what it holds)
    fifo: bool


class PgQueue:
    """Messages are rows of ``queue_messages``; a queue's dead-letter queue is the same table under ``{queue}-dlq``.

    On a FIFO queue only the oldest undeleted message of each group can be received, so one receive returns at
    most one message per group and a group waits while that message is in flight (SQS may return several).
    """

    def __init__(self, engine: AsyncEngine, *, specs: dict[QueueName, QueueSpec] | None = None) -> None:
        self.engine = engine
        self.specs: dict[str, QueueSpec] = dict((QUEUES if specs is None else specs).items())
        self._listener: psycopg.AsyncConnection[Any] | None = None
        self._pump: asyncio.Task[None] | None = None
        self._connecting = anyio.Lock()
        self._wakeups: dict[str, anyio.Event] = {}
        self._unsent: list[tuple[str, OutgoingMessage, asyncio.Future[None]]] = []
        self._sender: asyncio.Task[None] | None = None

    async def send(
        self,
        queue: QueueName,
        body: str,
        *,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        delay_seconds: int = 0,
    ) -> None:
        """Sent when the transaction that holds it commits; concurrent sends share one transaction.

        While one batch commits, the next one gathers: the SMTP listener's ten senders cost about one
        commit per round instead of ten.
        """
        done = asyncio.get_running_loop().create_future()
        self._unsent.append((queue, OutgoingMessage(body, group_id, deduplication_id, delay_seconds), done))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.get_running_loop().create_task(self._send_unsent())
        await done

    async def send_batch(self, queue: QueueName, messages: Sequence[OutgoingMessage]) -> None:
        async with self.engine.begin() as conn:
            await self._insert(conn, queue, messages)

    async def _send_unsent(self) -> None:
        while self._unsent:
            batch, self._unsent = self._unsent, []
            by_queue: dict[str, list[OutgoingMessage]] = {}
            for queue, outgoing, _ in batch:
                by_queue.setdefault(queue, []).append(outgoing)
            try:
                async with self.engine.begin() as conn:
                    for queue, messages in by_queue.items():
                        await self._insert(conn, queue, messages)
            except Exception as exc:  # noqa: BLE001 - each waiting sender gets it
                for *_, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for *_, done in batch:
                    if not done.done():
                        done.set_result(None)

    async def _insert(self, conn: AsyncConnection, queue: str, messages: Sequence[OutgoingMessage]) -> None:
        ids = {m.deduplication_id for m in messages if m.deduplication_id is not None}
        seen: set[str | None] = set()
        if ids:
            # Same window as SQS FIFO: a repeated deduplication id within 5 minutes is dropped.
            seen.update(
                await conn.scalars(
                    select(message.deduplication_id).where(
                        message.queue == queue,
                        message.deduplication_id.in_(ids),
                        message.created_at > func.now() - DEDUPLICATION_WINDOW,
                    )
                )
            )
        rows = []
        for outgoing in messages:
            if outgoing.deduplication_id in seen:
                continue
            if outgoing.deduplication_id is not None:
                seen.add(outgoing.deduplication_id)
            rows.append(
                {
                    "q": queue,
                    "b": outgoing.body,
                    "g": outgoing.group_id,
                    "d": outgoing.deduplication_id,
                    "delay": float(outgoing.delay_seconds),
                }
            )
        if rows:
            await conn.execute(_INSERT, rows)
            await conn.execute(func.pg_notify(CHANNEL, queue).select())

    async def receive(self, queue: QueueName, *, max_messages: int = 10, wait_seconds: float = 0) -> list[QueueMessage]:
        if wait_seconds <= 0:
            messages, _ = await self._receive_once(queue, max_messages)
            return messages
        deadline = anyio.current_time() + wait_seconds
        while True:
            # Listening, and taking the wake-up event, before looking means a message sent just after
            # the look still wakes this call.
            await self._listen()
            wakeup = self._wakeups.setdefault(queue, anyio.Event())
            messages, next_visible_in = await self._receive_once(queue, max_messages)
            remaining = deadline - anyio.current_time()
            if messages or remaining <= 0:
                return messages
            await self._wait(wakeup, remaining if next_visible_in is None else min(remaining, next_visible_in))

    async def delete(self, queue: QueueName, receipt: str) -> None:
        await self.delete_batch(queue, [receipt])

    async def delete_batch(self, queue: QueueName, receipts: Sequence[str]) -> None:
        ids = [i for i in map(_message_id, receipts) if i is not None]
        if not ids:
            return
        current = (message.id.in_(ids), message.queue == queue, message.receipt.in_(receipts))
        async with self.engine.begin() as conn:
            # A deleted message still counts for deduplication until 5 minutes after it was sent, as on SQS.
            kept = (
                await conn.scalars(
                    update(queue_messages)
                    .where(
                        *current,
                        message.deduplication_id.is_not(None),
                        message.created_at > func.now() - DEDUPLICATION_WINDOW,
                    )
                    .values(deleted_at=func.now(), receipt=None)
                    .returning(message.id)
                )
            ).all()
            if len(kept) < len(ids):
                await conn.execute(delete(queue_messages).where(*current))
            if kept:
                # Kept messages are cleared where they are made, once their window is over.
                await conn.execute(delete(queue_messages).where(message.deleted_at < func.now() - DEDUPLICATION_WINDOW))
            if self._behaviour(queue).fifo:
                # The group's next message may be received now: waiting consumers should look again.
                await conn.execute(func.pg_notify(CHANNEL, queue).select())

    async def change_visibility(self, queue: QueueName, receipt: str, timeout_seconds: int) -> None:
        message_id = _message_id(receipt)
        if message_id is None:
            return
        async with self.engine.begin() as conn:
            changed = await conn.execute(
                update(queue_messages)
                .where(message.id == message_id, message.queue == queue, message.receipt == receipt)
                .values(visible_at=func.now() + timedelta(seconds=timeout_seconds))
            )
            if changed.rowcount:
                # Waiting consumers planned their wake-up with the old visibility.
                await conn.execute(func.pg_notify(CHANNEL, queue).select())

    async def aclose(self) -> None:
        """Finish sending, stop reading notifications and close the LISTEN connection (the engine is the caller's)."""
        if self._sender is not None:
            await self._sender
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, psycopg.Error):
                await self._pump
            self._pump = None
        if self._listener is not None:
            await self._listener.close()
            self._listener = None

    def _behaviour(self, queue: str) -> _Behaviour:
        if spec := self.specs.get(queue):
            return _Behaviour(spec.visibility_timeout, spec.max_receives, spec.fifo)
        source = self.specs.get(queue.removesuffix("-dlq")) if queue.endswith("-dlq") else None
        if source is None:
            raise KeyError(f"unknown queue {queue!r}")
        return _Behaviour(source.visibility_timeout, None, source.fifo)

    async def _receive_once(self, queue: str, max_messages: int) -> tuple[list[QueueMessage], float | None]:
        """The messages received now, or none and the seconds until the next one may become visible."""
        behaviour = self._behaviour(queue)
        received: list[QueueMessage] = []
        async with self.engine.begin() as conn:
            while len(received) < max_messages:
                rows = (await conn.execute(_receivable(queue, behaviour.fifo, max_messages - len(received)))).all()
                exhausted = [
                    row.id
                    for row in rows
                    if behaviour.max_receives is not None and row.receive_count >= behaviour.max_receives
                ]
                if exhausted:
                    await conn.execute(
                        update(queue_messages)
                        .where(message.id.in_(exhausted))
                        .values(queue=f"{queue}-dlq", receipt=None, visible_at=func.now())
                    )
                received += await _mark_received(
                    conn, [row.id for row in rows if row.id not in exhausted], behaviour.visibility_timeout
                )
                # Only dead-lettering frees room for more (it also unblocks the next message of a FIFO group).
                if not exhausted:
                    break
            if received:
                return received, None
            next_visible_in = await conn.scalar(
                select(func.extract("epoch", func.min(message.visible_at) - func.now())).where(
                    message.queue == queue, message.deleted_at.is_(None), message.visible_at > func.now()
                )
            )
        return [], None if next_visible_in is None else float(next_visible_in)

    async def _listen(self) -> None:
        """Make sure one task reads the LISTEN connection and wakes the waiters of each queue it hears of.

        Notifications reach psycopg only while something reads the connection, so one reader runs all the
        time rather than each waiter reading in turn (which lost notifications between turns).
        """
        async with self._connecting:
            if self._pump is not None and not self._pump.done():
                return
            url = self.engine.url.render_as_string(hide_password=False)
            url = url.replace("postgresql+psycopg://", "postgresql://", 1)
            listener = await psycopg.AsyncConnection.connect(url, autocommit=True)
            await listener.execute(f"LISTEN {CHANNEL}")
            self._listener = listener
            self._pump = asyncio.get_running_loop().create_task(self._read_notifications(listener))

    async def _read_notifications(self, listener: psycopg.AsyncConnection[Any]) -> None:
        try:
            async for notify in listener.notifies():
                if event := self._wakeups.pop(notify.payload, None):
                    event.set()
        except psycopg.OperationalError:
            await listener.close()  # the next receive connects again
        finally:
            for event in self._wakeups.values():  # nobody would wake them now: let them look again
                event.set()
            self._wakeups.clear()

    async def _wait(self, wakeup: anyio.Event, seconds: float) -> None:
        """Until ``wakeup`` is set or ``seconds`` pass."""
        with anyio.move_on_after(seconds):
            await wakeup.wait()


_INSERT = insert(queue_messages).values(
    queue=bindparam("q"),
    body=bindparam("b"),
    group_id=bindparam("g"),
    deduplication_id=bindparam("d"),
    visible_at=func.now() + func.make_interval(0, 0, 0, 0, 0, 0, bindparam("delay", type_=Float)),
)


def _receivable(queue: str, fifo: bool, limit: int) -> Select[tuple[int, int]]:
    """Lock the oldest visible messages no other consumer holds (FIFO: only the head of each group)."""
    query = select(message.id, message.receive_count).where(
        message.queue == queue, message.deleted_at.is_(None), message.visible_at <= func.now()
    )
    if fifo:
        earlier = queue_messages.alias("earlier")
        group_head = (
            select(func.min(earlier.c.id))
            .where(
                earlier.c.queue == message.queue, earlier.c.group_id == message.group_id, earlier.c.deleted_at.is_(None)
            )
            .scalar_subquery()
        )
        query = query.where(or_(message.group_id.is_(None), message.id == group_head))
    return query.order_by(message.id).limit(limit).with_for_update(of=queue_messages, skip_locked=True)


async def _mark_received(conn: AsyncConnection, ids: Sequence[int], visibility_timeout: int) -> list[QueueMessage]:
    if not ids:
        return []
    rows = await conn.execute(
        update(queue_messages)
        .where(message.id.in_(ids))
        .values(
            receive_count=message.receive_count + 1,
            visible_at=func.now() + timedelta(seconds=visibility_timeout),
            # The id lets delete and change_visibility find the row by primary key.
            receipt=func.concat(message.id, ".", func.gen_random_uuid()),
        )
        .returning(message.id, message.body, message.receipt, message.receive_count, message.group_id)
    )
    return [
        QueueMessage(body=row.body, receipt=row.receipt, receive_count=row.receive_count, group_id=row.group_id)
        for row in sorted(rows, key=lambda row: row.id)
    ]


def _message_id(receipt: str) -> int | None:
    head = receipt.partition(".")[0]
    if not head.isdigit() or len(head) > 18:  # not one of ours: nothing to find
        return None
    return int(head)
