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
from sqlalchemy.ext.asyncio import AsyncEngine

from ..db.engine import autocommit
from ..db.schema import messages, threads
from ..domain import mime
from ..ports import BlobStore, Delivery, MailTransport, PoisonMessage, TemporaryFailure
from . import views
from .events import record_event
from .suppressions import suppress

log = logging.getLogger("mailman.outbound")


async def _transition(
    engine: AsyncEngine,
    message_id: str,
    status: str,
    event_type: str | None,
    extra: dict[str, Any] | None = None,
    **values: Any,
) -> bool:
    """Move the message to ``status`` and record ``event_type``; False when it was deleted meanwhile."""
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                update(messages)
                .where(messages.c.id == message_id)
                .values(status=status, **values)
                .returning(*views.EVENT_MESSAGE_COLUMNS)
            )
        ).first()
        if row is None:
            return False
        if event_type is None:
            return True
        thread = (await conn.execute(select(threads).where(threads.c.id == row.thread_id))).one()
        data = {"message": views.event_message(row), "thread": views.thread(thread), **(extra or {})}
        await record_event(conn, event_type, data, inbox_id=row.inbox_id, message_id=message_id)
    return True


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
    *,
    last_attempt: bool,
) -> None:
    """Send the message named in an outbound job; a second job for the same message does nothing."""
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
    if row.send_at is not None and row.status == "queued":
        # Built when it was scheduled: it is dated now that it goes out (rescheduled, or released late).
        raw, headers = mime.redated(raw, row.headers, datetime.now(UTC))
        await blobs.put(row.raw_key, raw, "message/rfc822")
        sending = await _transition(engine, message_id, "sending", None, headers=headers, size=len(raw))
    else:
        sending = await _transition(engine, message_id, "sending", None)
    if not sending:  # deleted since it was read: not sent
        return
    try:
        result = await transport.send(sender, recipients, raw)
    except TemporaryFailure as exc:
        if last_attempt:
            extra = {"recipients": recipients, "smtp_response": str(exc), "bounce": None, "complaint": None}
            await _transition(engine, message_id, "failed", "message.failed", extra)
            return
        extra = {"recipients": recipients, "smtp_response": str(exc), "bounce": None, "complaint": None}
        await _transition(engine, message_id, "delayed", "message.delayed", extra)
        raise
    now = datetime.now(UTC)
    await _transition(
        engine, message_id, "sent", "message.sent", provider_message_id=result.provider_message_id, sent_at=now
    )
    # Transports that know the outcome at once (local delivery, capture, a relay's answer) report it now;
    # SES reports it later through the telemetry queue.
    kinds = {"delivered": "message.delivered", "bounced": "message.bounced", "failed": "message.failed"}
    for delivery in result.deliveries:
        if delivery.outcome == "bounced":
            async with engine.begin() as conn:
                await suppress(conn, delivery.recipients, "bounce", message_id)
        values = {"delivered_at": now} if delivery.outcome == "delivered" else {}
        await _transition(
            engine, message_id, delivery.outcome, kinds[delivery.outcome], delivery_extra(delivery), **values
        )
