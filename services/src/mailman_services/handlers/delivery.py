"""Webhook delivery: fan events out to matching endpoints, then POST each one, signed, in order per group.

Fan-out reads events not yet fanned out (a transactional outbox), queues one job per enabled webhook whose
``events`` and ``inbox_ids`` match, in the FIFO group ``{webhook_id}:{inbox_id}`` with deduplication id
``{event_id}:{webhook_id}``, and only then marks the events: a crash in between queues a job twice, which
the deduplication id drops. A job may be received before the fan-out commits, so it carries what the
deliverer needs, and the delivery's id is derived from the event and the webhook (a fan-out rolled back
and run again makes the same rows). Where the queue lives in the same database (the local backend), the
inbound store queues the deliveries of its events in its own transaction (``fan_out_in``): no relay, no
second hop, nothing to lose in between. Delivery records every attempt; a failure keeps the job (and so its
group) in the queue until the next attempt of the schedule, and the seventh failure sends it to the
dead-letter queue.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import re
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import anyio
import orjson
import psycopg
from sqlalchemy import Text, bindparam, cast, func, insert, select, text, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..batching import Coalescer
from ..db.engine import autocommit
from ..db.schema import deliveries, events, webhooks
from ..domain.ids import derived_id, new_id
from ..domain.network import is_public, private_addresses
from ..domain.signing import sign
from ..ports import QUEUES, OutgoingMessage, PoisonMessage, Queue, TemporaryFailure, TransactionalQueue
from . import views

log = logging.getLogger("mailman.webhooks")

# Seconds before attempts 2..7 (docs/architecture.md#events-and-webhooks): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h.
SCHEDULE = [5, 300, 1800, 7200, 18000, 36000]
MAX_ATTEMPTS = QUEUES["webhooks"].max_receives
TIMEOUT = 15.0
RESPONSE_BYTES = 1024
# SQS refuses a visibility timeout beyond 12 hours after the receive; the attempt has taken up to TIMEOUT of that.
MAX_DELAY = 12 * 3600 - 60


def job_body(delivery_id: str, event_id: str, webhook_id: str, attempt: int = 1) -> str:
    """A delivery job carries all it needs: the deliverer never waits for the row that announced it."""
    return json.dumps({"delivery_id": delivery_id, "event_id": event_id, "webhook_id": webhook_id, "attempt": attempt})


@dataclass(frozen=True)
class Recorded:
    """What fan-out needs of an event."""

    id: str
    type: str
    inbox_id: str | None


async def fan_out(engine: AsyncEngine, queue: Queue, limit: int = 100) -> int:
    """Queue the deliveries of up to ``limit`` events not fanned out yet; returns how many events it took."""
    async with engine.begin() as conn:
        pending = (
            await conn.execute(
                select(events.c.id, events.c.type, events.c.inbox_id)
                .where(events.c.fanned_out_at.is_(None))
                .order_by(events.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not pending:
            return 0
        rows, jobs = _matches(
            (await conn.execute(text(ENABLED_WEBHOOKS))).all(), [Recorded(e.id, e.type, e.inbox_id) for e in pending]
        )
        if rows:
            await conn.execute(pg_insert(deliveries).on_conflict_do_nothing(), rows)
            # Queued before the events are marked: a crash in between re-queues, and deduplication drops the copy.
            await queue.send_batch("webhooks", jobs)
        await conn.execute(
            update(events).where(events.c.id.in_([e.id for e in pending])).values(fanned_out_at=datetime.now(UTC))
        )
    return len(pending)


ENABLED_WEBHOOKS = "SELECT id, events, inbox_ids FROM webhooks WHERE enabled"


async def fan_out_in(
    conn: AsyncConnection, queue: TransactionalQueue, hooks: Sequence[Any], recorded: Sequence[Recorded]
) -> None:
    """Queue the deliveries of events recorded in ``conn``'s transaction, to commit with them: with a queue
    kept in the same database the events need no relay from the outbox (record them ``fanned_out``).

    ``hooks`` are the rows of ENABLED_WEBHOOKS read in that transaction; this only writes (it may be pipelined).
    """
    rows, jobs = _matches(hooks, recorded)
    if rows:
        await conn.execute(insert(deliveries), rows)
        await queue.send_in(conn, "webhooks", jobs)


def _matches(hooks: Sequence[Any], recorded: Sequence[Recorded]) -> tuple[list[dict[str, Any]], list[OutgoingMessage]]:
    """A pending delivery row and a queue job per enabled webhook whose events and inboxes match an event."""
    rows, jobs = [], []
    for event in recorded:
        for hook in hooks:
            if event.type in hook.events and (not hook.inbox_ids or event.inbox_id in hook.inbox_ids):
                # Derived, not new: a fan-out rolled back after its jobs were queued recreates the same ids.
                delivery_id = derived_id("dlv", event.id, event.id, hook.id)
                rows.append(
                    {"id": delivery_id, "webhook_id": hook.id, "event_id": event.id, "attempt": 1, "status": "pending"}
                )
                jobs.append(
                    OutgoingMessage(
                        job_body(delivery_id, event.id, hook.id),
                        group_id=f"{hook.id}:{event.inbox_id or 'account'}",
                        deduplication_id=f"{event.id}:{hook.id}",
                    )
                )
    return rows, jobs


def _retry_after(value: str | None) -> float:
    """The seconds a ``Retry-After`` header asks for (delay-seconds or an HTTP date); 0 when it is neither."""
    if not value:
        return 0.0
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    if moment.tzinfo is None:  # an HTTP date is GMT, but parsedate leaves "-0000" naive
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable(text: str | None) -> str | None:
    """``text`` as PostgreSQL can store it: no NUL, no lone surrogate (a receiver's answer may hold either)."""
    return None if text is None else _UNSTORABLE.sub("\ufffd", text)


@dataclass(frozen=True)
class Attempt:
    """One attempt as recorded: a row of ``deliveries``, the Delivery object of openapi.yaml."""

    delivery_id: str
    webhook_id: str
    event_id: str
    attempt: int
    status: str
    response_status: int | None
    response_body: str | None
    duration_ms: int
    next_attempt_at: datetime | None


class Deliverer:
    """POSTs the event of each webhook job, signed; records the attempt; raises TemporaryFailure to retry later.

    Jobs in flight share their database round trips: the jobs received together are loaded by one query, and
    the attempts that end together are recorded in one transaction.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        queue: Queue,
        http: aiohttp.ClientSession,
        *,
        retry_scale: float = 1.0,
        public_only: bool = False,
    ) -> None:
        self.engine = engine
        self.queue = queue
        self.http = http
        self.retry_scale = retry_scale
        self.public_only = public_only
        self._load = Coalescer(self._load_together)
        self._record = Coalescer(self._record_together)

    async def deliver(self, body: str, receipt: str) -> str:
        """POST one job's event; returns the attempt's status ("dropped" when the webhook or the event is gone,
        deleted with its deliveries, before or while the attempt is made)."""
        try:
            job = json.loads(body)
            pair, delivery_id = (str(job["event_id"]), str(job["webhook_id"])), str(job["delivery_id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise PoisonMessage(f"not a webhook delivery job: {exc}") from exc
        try:
            return await self._deliver(job, pair, delivery_id, receipt)
        except _Gone:
            return "dropped"

    async def _deliver(self, job: dict[str, Any], pair: tuple[str, str], job_delivery: str, receipt: str) -> str:
        loaded = await self._load(pair)
        if loaded is None:
            raise _Gone
        row, last_attempt, settled = loaded
        # Attempts are counted from what is recorded, not from receives: a job handed back unattempted
        # (behind a failed one of its FIFO group) is received again without having been tried.
        first = job.get("attempt", 1)
        if job_delivery in settled:
            delivery_id, attempt = new_id("dlv"), last_attempt + 1
        else:
            delivery_id, attempt = job_delivery, first
        tries = attempt - first + 1  # this job's attempts, this one included

        async def record(status: str, code: int | None, text: str | None, ms: int, at: datetime | None) -> None:
            outcome = await self._record(
                Attempt(delivery_id, row.webhook_id, row.event_id, attempt, status, code, _storable(text), ms, at)
            )
            if isinstance(outcome, Exception):
                raise outcome
            if not outcome:
                raise _Gone  # deleted while the attempt was made: the job has nothing left to do

        if not row.enabled:
            await record("failed", None, "webhook disabled", 0, None)
            return "failed"
        if self.public_only and (refused := await anyio.to_thread.run_sync(private_addresses, row.url)):
            # Checked again now: the name may have been pointed at a private address since (DNS rebinding).
            await record("failed", None, f"refused: {row.url} resolves to {refused}", 0, None)
            return "failed"

        # The stored JSON goes out as it is, rather than parsed and serialised again.
        event = {"id": row.event_id, "type": row.type, "timestamp": row.created_at, "data": orjson.Fragment(row.data)}
        payload = orjson.dumps(event, option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC)
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "user-agent": "Mailman-Webhooks/1",
            "webhook-id": row.event_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(row.secret, row.event_id, timestamp, payload),
        }
        started = time.perf_counter()
        status: int | None = None
        retry_after: str | None = None
        try:
            async with self.http.post(
                row.url, data=payload, headers=headers, allow_redirects=False, timeout=aiohttp.ClientTimeout(TIMEOUT)
            ) as response:
                status, retry_after = response.status, response.headers.get("retry-after")
                excerpt = b""
                while len(excerpt) < RESPONSE_BYTES and (chunk := await response.content.read(RESPONSE_BYTES)):
                    excerpt += chunk
            text = excerpt[:RESPONSE_BYTES].decode(errors="replace")
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            text = failure_text(exc)[:RESPONSE_BYTES]
        duration = int((time.perf_counter() - started) * 1000)

        if status is not None and 200 <= status < 300:
            await record("succeeded", status, text, duration, None)
            return "succeeded"
        if status == 410:
            await record("failed", status, text, duration, None)
            async with self.engine.begin() as conn:
                await conn.execute(update(webhooks).where(webhooks.c.id == row.webhook_id).values(enabled=False))
            log.info("webhook disabled by 410 Gone", extra={"webhook": row.webhook_id})
            return "failed"
        if tries >= MAX_ATTEMPTS:
            await record("failed", status, text, duration, None)
            await self.queue.change_visibility("webhooks", receipt, 0)  # on to the dead-letter queue at once
            raise TemporaryFailure(f"delivery {delivery_id} failed {tries} times")
        # Capped: a Retry-After of 20 digits is no timedelta, nor a visibility timeout SQS takes.
        delay = min(max(SCHEDULE[tries - 1] * self.retry_scale, _retry_after(retry_after)), MAX_DELAY)
        await record("failed", status, text, duration, datetime.now(UTC) + timedelta(seconds=delay))
        # The job stays in its FIFO group, holding back that group's later events until it is delivered.
        await self.queue.change_visibility("webhooks", receipt, max(0, round(delay)))
        raise TemporaryFailure(f"attempt {attempt} answered {status}; next in {delay:.0f} s")

    async def _load_together(self, pairs: list[tuple[str, str]]) -> list[tuple[Any, int, set[str]] | None]:
        """For each (event id, webhook id): both rows joined, the last attempt recorded and the deliveries
        that record one; None when the event or the webhook is gone. One query, one round trip."""
        event_ids, webhook_ids = {e for e, _ in pairs}, {w for _, w in pairs}
        recorded = (
            deliveries.c.event_id == events.c.id,
            deliveries.c.webhook_id == webhooks.c.id,
            deliveries.c.status != "pending",
        )
        async with autocommit(self.engine) as conn:
            rows = await conn.execute(
                select(
                    events.c.id.label("event_id"),
                    events.c.type,
                    events.c.created_at,
                    cast(views.EVENT_DATA, Text).label("data"),
                    webhooks.c.id.label("webhook_id"),
                    webhooks.c.url,
                    webhooks.c.secret,
                    webhooks.c.enabled,
                    select(func.coalesce(func.max(deliveries.c.attempt), 0))
                    .where(*recorded)
                    .scalar_subquery()
                    .label("last_attempt"),
                    func.array(select(deliveries.c.id).where(*recorded).scalar_subquery()).label("settled"),
                )
                .select_from(events.join(webhooks, true()))
                .where(events.c.id.in_(event_ids), webhooks.c.id.in_(webhook_ids))
            )
            found = {(row.event_id, row.webhook_id): row for row in rows}
        return [(found[p], found[p].last_attempt, set(found[p].settled)) if p in found else None for p in pairs]

    async def _record_together(self, attempts: list[Attempt]) -> list[bool | Exception]:
        """Record attempts in one statement; per attempt True, False when its webhook or event is gone (deleted
        while it was in flight), or the error that kept it from being recorded.

        When the statement fails, each attempt is recorded on its own: one that cannot be stored never keeps
        the others of its batch from being recorded.
        """
        try:
            await self._write(attempts)
            return [True] * len(attempts)
        except Exception as exc:
            if len(attempts) == 1:
                return [False if _vanished(exc) else exc]
            log.warning("recording attempts together failed; recording them one by one", exc_info=True)
        outcomes: list[bool | Exception] = []
        for attempt in attempts:
            outcomes += await self._record_together([attempt])
        return outcomes

    async def _write(self, attempts: list[Attempt]) -> None:
        outcome: dict[str, Any] = {
            "status": bindparam("s"),
            "response_status": bindparam("code"),
            "response_body": bindparam("text"),
            "duration_ms": bindparam("ms"),
            "next_attempt_at": bindparam("at"),
        }
        rows = [
            {
                "delivery": a.delivery_id,
                "webhook": a.webhook_id,
                "event": a.event_id,
                "attempt": a.attempt,
                "s": a.status,
                "code": a.response_status,
                "text": a.response_body,
                "ms": a.duration_ms,
                "at": a.next_attempt_at,
            }
            for a in attempts
        ]
        new_row = pg_insert(deliveries).values(
            id=bindparam("delivery"),
            webhook_id=bindparam("webhook"),
            event_id=bindparam("event"),
            attempt=bindparam("attempt"),
            **outcome,
        )
        async with autocommit(self.engine) as conn:  # one statement: atomic without a transaction
            # A first attempt's row may not be committed yet (the fan-out commits after queueing): the
            # upsert waits for it, or writes it if that fan-out rolled back.
            await conn.execute(new_row.on_conflict_do_update(index_elements=[deliveries.c.id], set_=outcome), rows)


def failure_text(exc: BaseException) -> str:
    """What a delivery attempt that got no answer records: plain words, such as
    ``cannot connect to 127.0.0.1:9: Connection refused``, without aiohttp's ``ssl:default``/``ssl:None``
    (which says nothing about an http:// URL, and little about an https:// one)."""
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"certificate of {exc.host}:{exc.port} not accepted: {exc.certificate_error}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        os_error = exc.os_error
        if os_error.errno and not isinstance(exc, aiohttp.ClientSSLError):
            reason = os.strerror(os_error.errno)  # not asyncio's "Connect call failed ('127.0.0.1', 9)"
        else:
            reason = str(os_error) or type(os_error).__name__
        return f"cannot connect to {exc.host}:{exc.port}: {reason}"
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


class _Gone(Exception):
    """The job's webhook or event was deleted (and its deliveries with it)."""


def _vanished(exc: Exception) -> bool:
    return isinstance(exc, IntegrityError) and isinstance(exc.orig, psycopg.errors.ForeignKeyViolation)


class PublicResolver(aiohttp.ThreadedResolver):
    """A resolver that never hands aiohttp a private address: the connection itself cannot be rebound."""

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> Any:
        found = await super().resolve(host, port, family)
        public = [info for info in found if is_public(info["host"])]
        if not public:
            raise OSError(f"{host} resolves only to private addresses")
        return public
