"""Queue port on a PostgreSQL table (docs/architecture.md#queues): ``FOR UPDATE SKIP LOCKED`` hands each message to one
consumer, and a NOTIFY on ``mailman_queue`` wakes long-polling consumers."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio
import psycopg
from sqlalchemy import TextClause, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..batching import Coalescer
from ..db.engine import autocommit, listen_url
from ..db.schema import queue_messages
from ..ports import QUEUES, OutgoingMessage, QueueMessage, QueueName, QueueSpec

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

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        specs: dict[QueueName, QueueSpec] | None = None,
        visibility_scale: float = 1.0,
        max_wait_seconds: float = 20,
    ) -> None:
        """``visibility_scale`` multiplies every visibility timeout and ``max_wait_seconds`` caps a receive's
        wait (``MAILMAN_QUEUE_VISIBILITY_SCALE``, ``MAILMAN_QUEUE_WAIT_SECONDS``: tests shorten both)."""
        self.engine = engine
        self.visibility_scale = visibility_scale
        self.max_wait_seconds = max_wait_seconds
        self.specs: dict[str, QueueSpec] = dict((QUEUES if specs is None else specs).items())
        self._listener: psycopg.AsyncConnection[Any] | None = None
        self._pump: asyncio.Task[None] | None = None
        self._connecting = anyio.Lock()
        self._wakeups: dict[str, anyio.Event] = {}
        self._sends = Coalescer(self._send_together)
        self._swept_at = time.monotonic()  # when tombstones past their deduplication window were last cleared

    async def send(
        self,
        queue: QueueName,
        body: str,
        *,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        delay_seconds: int = 0,
    ) -> None:
        """Sent, and committed, when this returns; concurrent sends share one statement.

        While one batch commits, the next one gathers: the SMTP listener's ten senders cost about one
        commit per round instead of ten.
        """
        await self._sends((queue, OutgoingMessage(body, group_id, deduplication_id, delay_seconds)))

    async def send_batch(self, queue: QueueName, messages: Sequence[OutgoingMessage]) -> None:
        await self._send_together([(queue, m) for m in messages])

    async def send_in(self, conn: AsyncConnection, queue: str, messages: Sequence[OutgoingMessage]) -> None:
        """One statement, sent with ``conn``'s transaction: it inserts what is not a repeated deduplication id,
        and consumers see the messages (and are woken) when the transaction commits."""
        seen: set[str] = set()
        unique = []
        for outgoing in messages:
            if outgoing.deduplication_id is None or outgoing.deduplication_id not in seen:
                unique.append(outgoing)
            if outgoing.deduplication_id is not None:
                seen.add(outgoing.deduplication_id)
        await conn.execute(
            _SEND,
            {
                "queue": queue,
                "bodies": [m.body for m in unique],
                "groups": [m.group_id for m in unique],
                "deduplication_ids": [m.deduplication_id for m in unique],
                "delays": [float(m.delay_seconds) for m in unique],
            },
        )

    async def _send_together(self, sends: list[tuple[str, OutgoingMessage]]) -> list[None]:
        """One statement per queue, committed at once."""
        by_queue: dict[str, list[OutgoingMessage]] = {}
        for queue, outgoing in sends:
            by_queue.setdefault(queue, []).append(outgoing)
        async with autocommit(self.engine) as conn:
            for queue, messages in by_queue.items():
                await self.send_in(conn, queue, messages)
        return [None] * len(sends)

    async def receive(self, queue: QueueName, *, max_messages: int = 10, wait_seconds: float = 0) -> list[QueueMessage]:
        wait_seconds = min(wait_seconds, self.max_wait_seconds)
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
        """One statement: a message with a deduplication id is kept as a tombstone until 5 minutes after it was
        sent (it still counts for deduplication, as on SQS), the others go; waiting FIFO consumers are woken."""
        ids = [i for i in map(_message_id, receipts) if i is not None]
        if not ids:
            return
        parameters = {"queue": queue, "ids": ids, "receipts": list(receipts), "fifo": self._behaviour(queue).fifo}
        async with autocommit(self.engine) as conn:
            await conn.execute(_DELETE, parameters)
            if time.monotonic() - self._swept_at > DEDUPLICATION_WINDOW.total_seconds() / 10:
                self._swept_at = time.monotonic()
                await conn.execute(delete(queue_messages).where(message.deleted_at < func.now() - DEDUPLICATION_WINDOW))

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

    async def dead_letter(self, queue: QueueName, received: QueueMessage) -> bool:
        """Moved as max receives moves it, to ``{queue}-dlq``; False for a stale receipt (the message is another
        receive's now)."""
        message_id = _message_id(received.receipt)
        if message_id is None:
            return False
        async with self.engine.begin() as conn:
            moved = await conn.execute(
                update(queue_messages)
                .where(message.id == message_id, message.queue == queue, message.receipt == received.receipt)
                .values(queue=f"{queue}-dlq", receipt=None, visible_at=func.now())
            )
            if moved.rowcount and self._behaviour(queue).fifo:
                # The group's next message can be received now.
                await conn.execute(func.pg_notify(CHANNEL, queue).select())
        return bool(moved.rowcount)

    async def aclose(self) -> None:
        """Finish sending, stop reading notifications and close the LISTEN connection (the engine is the caller's)."""
        await self._sends.aclose()
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
        """The messages received now, or none and the seconds until the next one may become visible.

        One statement, in a transaction of its own, takes the messages and dead-letters those received too often.
        """
        behaviour = self._behaviour(queue)
        received: list[QueueMessage] = []
        parameters = {
            "queue": queue,
            "dlq": f"{queue}-dlq",
            "max_receives": behaviour.max_receives or 2**31 - 1,
            "visibility": behaviour.visibility_timeout * self.visibility_scale,
        }
        async with autocommit(self.engine) as conn:
            while len(received) < max_messages:
                rows = (
                    await conn.execute(
                        _RECEIVE_FIFO if behaviour.fifo else _RECEIVE,
                        {**parameters, "limit": max_messages - len(received)},
                    )
                ).all()
                received += [
                    QueueMessage(body=r.body, receipt=r.receipt, receive_count=r.receive_count, group_id=r.group_id)
                    for r in sorted(rows, key=lambda r: r.id)
                    if not r.dead
                ]
                # Only dead-lettering frees room for more (it also unblocks the next message of a FIFO group).
                if not any(r.dead for r in rows):
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
            url = listen_url(self.engine)
            listener = await psycopg.AsyncConnection.connect(url, autocommit=True)
            try:
                await listener.execute(f"LISTEN {CHANNEL}")
            except BaseException:
                await listener.close()
                raise
            self._listener = listener
            self._pump = asyncio.get_running_loop().create_task(self._read_notifications(listener))

    async def _read_notifications(self, listener: psycopg.AsyncConnection[Any]) -> None:
        try:
            async for notify in listener.notifies():
                if event := self._wakeups.pop(notify.payload, None):
                    event.set()
        except psycopg.Error:  # the connection is lost (the database restarted, say)
            await listener.close()  # the next receive connects again
        finally:
            for event in self._wakeups.values():  # nobody would wake them now: let them look again
                event.set()
            self._wakeups.clear()

    async def _wait(self, wakeup: anyio.Event, seconds: float) -> None:
        """Until ``wakeup`` is set or ``seconds`` pass."""
        with anyio.move_on_after(seconds):
            await wakeup.wait()


# Same window as SQS FIFO: a deduplication id sent again within 5 minutes is dropped. Rows are inserted in
# the order given, so a FIFO group keeps it.
_SEND = text(
    """
    WITH incoming AS (
        SELECT * FROM unnest(
            CAST(:bodies AS text[]), CAST(:groups AS text[]), CAST(:deduplication_ids AS text[]),
            CAST(:delays AS float8[])
        ) WITH ORDINALITY AS t(body, group_id, deduplication_id, delay, position)
    ), inserted AS (
        INSERT INTO queue_messages (queue, body, group_id, deduplication_id, visible_at)
        SELECT :queue, body, group_id, deduplication_id, now() + make_interval(secs => delay)
        FROM incoming
        WHERE deduplication_id IS NULL OR NOT EXISTS (
            SELECT 1 FROM queue_messages q
            WHERE q.queue = :queue AND q.deduplication_id = incoming.deduplication_id
              AND q.created_at > now() - :window
        )
        ORDER BY position
        RETURNING 1
    )
    SELECT pg_notify(:channel, :queue) WHERE EXISTS (SELECT 1 FROM inserted)
    """
).bindparams(channel=CHANNEL, window=DEDUPLICATION_WINDOW)


def _receive_statement(fifo: bool) -> TextClause:
    """Lock the oldest visible messages no other consumer holds (FIFO: only the head of each group), move
    those already received ``max_receives`` times to the dead-letter queue and hand out the others."""
    head_of_group = (
        """AND (m.group_id IS NULL OR m.id = (
              SELECT min(e.id) FROM queue_messages e
              WHERE e.queue = m.queue AND e.group_id = m.group_id AND e.deleted_at IS NULL))"""
        if fifo
        else ""
    )
    return text(
        f"""
        WITH picked AS (
            SELECT m.id, m.receive_count FROM queue_messages m
            WHERE m.queue = :queue AND m.deleted_at IS NULL AND m.visible_at <= now() {head_of_group}
            ORDER BY m.id LIMIT :limit
            FOR UPDATE OF m SKIP LOCKED
        ), dead AS (
            UPDATE queue_messages SET queue = :dlq, receipt = NULL, visible_at = now()
            WHERE id IN (SELECT id FROM picked WHERE receive_count >= :max_receives)
            RETURNING id
        ), taken AS (
            UPDATE queue_messages SET
                receive_count = receive_count + 1,
                visible_at = now() + make_interval(secs => :visibility),
                -- the id lets delete and change_visibility find the row by primary key
                receipt = id || '.' || gen_random_uuid()
            WHERE id IN (SELECT id FROM picked WHERE receive_count < :max_receives)
            RETURNING id, body, receipt, receive_count, group_id
        )
        SELECT id, body, receipt, receive_count, group_id, false AS dead FROM taken
        UNION ALL
        SELECT id, NULL, NULL, NULL, NULL, true FROM dead
        """  # noqa: S608 - the only text put in is the constant above
    )


_DELETE = text(
    """
    WITH chosen AS (
        SELECT id, deduplication_id IS NOT NULL AND created_at > now() - :window AS keep
        FROM queue_messages
        WHERE id = ANY(:ids) AND queue = :queue AND receipt = ANY(:receipts)
        FOR UPDATE
    ), kept AS (
        UPDATE queue_messages SET deleted_at = now(), receipt = NULL WHERE id IN (SELECT id FROM chosen WHERE keep)
    ), gone AS (
        DELETE FROM queue_messages WHERE id IN (SELECT id FROM chosen WHERE NOT keep)
    )
    SELECT pg_notify(:channel, :queue) WHERE :fifo
    """
).bindparams(channel=CHANNEL, window=DEDUPLICATION_WINDOW)
_RECEIVE = _receive_statement(fifo=False)
_RECEIVE_FIFO = _receive_statement(fifo=True)


def _message_id(receipt: str) -> int | None:
    head = receipt.partition(".")[0]
    if not head.isdigit() or len(head) > 18:  # not one of ours: nothing to find
        return None
    return int(head)
