"""Webhook delivery: fan events out to matching endpoints, then POST each one, signed, in order per group.

Fan-out reads events not yet fanned out (a transactional outbox), queues one job per enabled webhook whose
``events`` and ``inbox_ids`` match, in the FIFO group ``{webhook_id}:{inbox_id}`` with deduplication id
``{event_id}:{webhook_id}``, and only then marks the events: a crash in between queues a job twice, which
the deduplication id drops. Delivery records every attempt; a failure keeps the job (and so its group) in
the queue until the next attempt of the schedule, and the seventh failure sends it to the dead-letter queue.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta

import anyio
import httpx
import orjson
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from ..adapters.tables import deliveries, events, webhooks
from ..domain.ids import new_id
from ..domain.network import private_addresses
from ..domain.signing import sign
from ..ports import QUEUES, OutgoingMessage, Queue, TemporaryFailure
from . import views

log = logging.getLogger("mailman.webhooks")

# Seconds before attempts 2..7 (SPEC §6): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h.
SCHEDULE = [5, 300, 1800, 7200, 18000, 36000]
MAX_ATTEMPTS = QUEUES["webhooks"].max_receives
TIMEOUT = 15.0
RESPONSE_BYTES = 1024


def job_body(delivery_id: str, event_id: str, webhook_id: str) -> str:
    return json.dumps({"delivery_id": delivery_id, "event_id": event_id, "webhook_id": webhook_id})


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
        hooks = (
            await conn.execute(select(webhooks.c.id, webhooks.c.events, webhooks.c.inbox_ids).where(webhooks.c.enabled))
        ).all()
        jobs = []
        for event in pending:
            for hook in hooks:
                if event.type in hook.events and (not hook.inbox_ids or event.inbox_id in hook.inbox_ids):
                    delivery_id = new_id("dlv")
                    jobs.append((delivery_id, event, hook.id))
        if jobs:
            await conn.execute(
                insert(deliveries),
                [{"id": d, "webhook_id": w, "event_id": e.id, "attempt": 1, "status": "pending"} for d, e, w in jobs],
            )
            # Queued before the events are marked: a crash in between re-queues, and deduplication drops the copy.
            await queue.send_batch(
                "webhooks",
                [
                    OutgoingMessage(
                        job_body(delivery_id, event.id, webhook_id),
                        group_id=f"{webhook_id}:{event.inbox_id or 'account'}",
                        deduplication_id=f"{event.id}:{webhook_id}",
                    )
                    for delivery_id, event, webhook_id in jobs
                ],
            )
        await conn.execute(
            update(events).where(events.c.id.in_([e.id for e in pending])).values(fanned_out_at=datetime.now(UTC))
        )
    return len(pending)


def _retry_after(response: httpx.Response | None) -> float:
    value = response.headers.get("retry-after", "") if response is not None else ""
    return float(value) if value.isdigit() else 0.0


async def deliver(
    body: str,
    receive_count: int,
    engine: AsyncEngine,
    queue: Queue,
    receipt: str,
    client: httpx.AsyncClient,
    retry_scale: float = 1.0,
    public_only: bool = False,
) -> str:
    """POST one delivery job's event; returns the attempt's status, raises TemporaryFailure to retry later."""
    job = json.loads(body)
    async with engine.connect() as conn:
        hook = (await conn.execute(select(webhooks).where(webhooks.c.id == job["webhook_id"]))).first()
        event = (await conn.execute(select(events).where(events.c.id == job["event_id"]))).first()
        first = (await conn.execute(select(deliveries).where(deliveries.c.id == job["delivery_id"]))).first()
    if hook is None or event is None or first is None:
        return "dropped"  # the webhook (and so its deliveries) or the event was deleted
    if receive_count <= 1:
        delivery_id, attempt = first.id, first.attempt
    else:
        delivery_id, attempt = new_id("dlv"), first.attempt + receive_count - 1
        async with engine.begin() as conn:
            await conn.execute(
                insert(deliveries).values(
                    id=delivery_id, webhook_id=hook.id, event_id=event.id, attempt=attempt, status="pending"
                )
            )
    if not hook.enabled:
        await _record(engine, delivery_id, "failed", None, "webhook disabled", 0, None)
        return "failed"
    if public_only and (refused := await anyio.to_thread.run_sync(private_addresses, hook.url)):
        # Checked again now: the name may have been pointed at a private address since (DNS rebinding).
        await _record(engine, delivery_id, "failed", None, f"refused: {hook.url} resolves to {refused}", 0, None)
        return "failed"

    payload = orjson.dumps(views.event(event), option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC)
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "user-agent": "Mailman-Webhooks/1",
        "webhook-id": event.id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(hook.secret, event.id, timestamp, payload),
    }
    started = time.perf_counter()
    response: httpx.Response | None = None
    try:
        async with client.stream("POST", hook.url, content=payload, headers=headers, timeout=TIMEOUT) as response:
            excerpt = b""
            async for chunk in response.aiter_bytes():
                excerpt += chunk
                if len(excerpt) >= RESPONSE_BYTES:
                    break
        text = excerpt[:RESPONSE_BYTES].decode(errors="replace")
        status: int | None = response.status_code
    except httpx.HTTPError as exc:
        text, status = f"{type(exc).__name__}: {exc}"[:RESPONSE_BYTES], None
    duration = int((time.perf_counter() - started) * 1000)

    if status is not None and 200 <= status < 300:
        await _record(engine, delivery_id, "succeeded", status, text, duration, None)
        return "succeeded"
    if status == 410:
        await _record(engine, delivery_id, "failed", status, text, duration, None)
        async with engine.begin() as conn:
            await conn.execute(update(webhooks).where(webhooks.c.id == hook.id).values(enabled=False))
        log.info("webhook disabled by 410 Gone", extra={"webhook": hook.id})
        return "failed"
    if attempt >= MAX_ATTEMPTS:
        await _record(engine, delivery_id, "failed", status, text, duration, None)
        await queue.change_visibility("webhooks", receipt, 0)  # on to the dead-letter queue at once
        raise TemporaryFailure(f"delivery {delivery_id} failed {attempt} times")
    delay = max(SCHEDULE[attempt - 1] * retry_scale, _retry_after(response if status else None))
    next_at = datetime.now(UTC) + timedelta(seconds=delay)
    await _record(engine, delivery_id, "failed", status, text, duration, next_at)
    # The job stays in its FIFO group, holding back that group's later events until it is delivered.
    await queue.change_visibility("webhooks", receipt, max(0, round(delay)))
    raise TemporaryFailure(f"attempt {attempt} answered {status}; next in {delay:.0f} s")


async def _record(
    engine: AsyncEngine,
    delivery_id: str,
    status: str,
    response_status: int | None,
    response_body: str | None,
    duration_ms: int,
    next_attempt_at: datetime | None,
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id)
            .values(
                status=status,
                response_status=response_status,
                response_body=response_body,
                duration_ms=duration_ms,
                next_attempt_at=next_attempt_at,
            )
        )
