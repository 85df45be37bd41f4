"""Outbound mail: send a queued message through the MailTransport and follow its status.

queued → sending → sent (``message.sent``) → delivered / delayed / bounced / failed. A transport
answers per recipient; permanent refusals fail the message, temporary ones are retried through the
queue's visibility timeout until its last receive, which fails it.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from ..db.engine import autocommit
from ..db.schema import inboxes, messages, suppressions, threads
from ..ports import BlobStore, Delivery, MailTransport, PoisonMessage, Queue, SendResult, TemporaryFailure
from . import views
from .events import record_event
from .inbound import base_address, queue_received

log = logging.getLogger("mailman.outbound")


async def _transition(
    engine: AsyncEngine,
    message_id: str,
    status: str,
    event_type: str | None,
    extra: dict[str, Any] | None = None,
    **values: Any,
) -> None:
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                update(messages)
                .where(messages.c.id == message_id)
                .values(status=status, **values)
                .returning(*views.EVENT_MESSAGE_COLUMNS)
            )
        ).one()
        if event_type is None:
            return
        thread = (await conn.execute(select(threads).where(threads.c.id == row.thread_id))).one()
        data = {"message": views.event_message(row), "thread": views.thread(thread), **(extra or {})}
        await record_event(conn, event_type, data, inbox_id=row.inbox_id, message_id=message_id)


async def suppress(engine: AsyncEngine, addresses: list[str], reason: str, message_id: str) -> None:
    """Never send to these again (a permanent bounce or a complaint); existing entries are kept."""
    async with engine.begin() as conn:
        await conn.execute(
            pg_insert(suppressions)
            .values([{"address": a.lower(), "reason": reason, "message_id": message_id} for a in addresses])
            .on_conflict_do_nothing()
        )


def delivery_extra(delivery: Delivery) -> dict[str, Any]:
    return {
        "recipients": delivery.recipients,
        "smtp_response": delivery.smtp_response,
        "bounce": delivery.bounce,
        "complaint": None,
    }


async def handle(
    body: str,
    engine: AsyncEngine,
    blobs: BlobStore,
    transport: MailTransport,
    queue: Queue,
    *,
    deliver_locally: bool,
    last_attempt: bool,
) -> None:
    """Send the message named in an outbound job; a second job for the same message does nothing.

    With ``deliver_locally`` (the local backend), recipients that are inboxes here get the message
    straight through the inbound queue instead of the transport.
    """
    try:
        message_id = str(json.loads(body)["message_id"])  # jobs.outbound_job
    except (ValueError, KeyError, TypeError) as exc:
        raise PoisonMessage(f"not an outbound job: {exc}") from exc
    async with autocommit(engine) as conn:
        row = (await conn.execute(select(messages).where(messages.c.id == message_id))).first()
    if row is None or row.status not in ("queued", "sending", "delayed"):
        return
    raw = await blobs.get(row.raw_key) if row.raw_key else None
    if raw is None:
        await _transition(engine, message_id, "failed", "message.failed", {"reason": "raw message missing"})
        return
    recipients = [r["address"] for r in [*row.to, *row.cc, *row.bcc]]
    sender = row._mapping["from"]["address"]
    local: list[str] = []
    if deliver_locally:
        async with autocommit(engine) as conn:
            here = set(
                (
                    await conn.execute(
                        select(inboxes.c.address).where(inboxes.c.address.in_([base_address(r) for r in recipients]))
                    )
                ).scalars()
            )
        local = [r for r in recipients if base_address(r) in here]
    remote = [r for r in recipients if r not in local]
    await _transition(engine, message_id, "sending", None)
    try:
        result = await transport.send(sender, remote, raw) if remote else SendResult(None, [])
    except TemporaryFailure as exc:
        if last_attempt:
            extra = {"recipients": remote, "smtp_response": str(exc), "bounce": None, "complaint": None}
            await _transition(engine, message_id, "failed", "message.failed", extra)
            return
        extra = {"recipients": remote, "smtp_response": str(exc), "bounce": None, "complaint": None}
        await _transition(engine, message_id, "delayed", "message.delayed", extra)
        raise
    deliveries = list(result.deliveries)
    if local:
        await queue_received(blobs, queue, raw, sender, local, message_id)  # once, if this job runs again
        deliveries.insert(0, Delivery("delivered", local, "250 delivered to a local inbox"))
    now = datetime.now(UTC)
    await _transition(
        engine, message_id, "sent", "message.sent", provider_message_id=result.provider_message_id, sent_at=now
    )
    # Transports that know the outcome at once (local delivery, capture, a relay's answer) report it now;
    # SES reports it later through the telemetry queue.
    kinds = {"delivered": "message.delivered", "bounced": "message.bounced", "failed": "message.failed"}
    for delivery in deliveries:
        if delivery.outcome == "bounced":
            await suppress(engine, delivery.recipients, "bounce", message_id)
        values = {"delivered_at": now} if delivery.outcome == "delivered" else {}
        await _transition(
            engine, message_id, delivery.outcome, kinds[delivery.outcome], delivery_extra(delivery), **values
        )
