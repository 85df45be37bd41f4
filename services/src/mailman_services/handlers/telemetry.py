"""Telemetry: SES events (Delivery, Bounce, Complaint, Reject, DeliveryDelay) move sent messages on.

They arrive in SNS envelopes on the telemetry queue. The message is found by the id SES gave when it
was sent; a permanent bounce or a complaint also suppresses the address. Each SNS notification is
applied once: its id is recorded in the same transaction as its effects.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..db.schema import applied_notifications, messages, suppressions, threads
from ..ports import PoisonMessage
from . import views
from .events import record_event

log = logging.getLogger("mailman.telemetry")


def _addresses(items: list[dict[str, Any]] | None) -> list[str]:
    return [str(item["emailAddress"]).lower() for item in items or [] if item.get("emailAddress")]


def outcome(event: dict[str, Any]) -> tuple[str, str, dict[str, Any], list[str]] | None:
    """(status, event type, event details, addresses to suppress) for an SES event; None to ignore it."""
    kind = event.get("eventType") or event.get("notificationType")
    mail_to = [str(a).lower() for a in (event.get("mail") or {}).get("destination", [])]
    if kind == "Delivery":
        delivery = event.get("delivery") or {}
        details = {
            "recipients": [str(r).lower() for r in delivery.get("recipients", mail_to)],
            "smtp_response": delivery.get("smtpResponse"),
        }
        return "delivered", "message.delivered", details, []
    if kind == "Bounce":
        bounce = event.get("bounce") or {}
        recipients = _addresses(bounce.get("bouncedRecipients"))
        first = (bounce.get("bouncedRecipients") or [{}])[0]
        permanent = bounce.get("bounceType") == "Permanent"
        details = {
            "recipients": recipients,
            "smtp_response": first.get("diagnosticCode"),
            "bounce": {
                "type": str(bounce.get("bounceType", "Undetermined")).lower(),
                "sub_type": str(bounce.get("bounceSubType", "")),
                "diagnostic": first.get("diagnosticCode"),
            },
        }
        return "bounced", "message.bounced", details, recipients if permanent else []
    if kind == "Complaint":
        complaint = event.get("complaint") or {}
        recipients = _addresses(complaint.get("complainedRecipients"))
        details = {"recipients": recipients, "complaint": {"feedback_type": complaint.get("complaintFeedbackType")}}
        return "complained", "message.complained", details, recipients
    if kind == "Reject":
        reason = (event.get("reject") or {}).get("reason")
        return "rejected", "message.rejected", {"recipients": mail_to, "smtp_response": reason}, []
    if kind == "DeliveryDelay":
        delay = event.get("deliveryDelay") or {}
        recipients = _addresses(delay.get("delayedRecipients"))
        first = (delay.get("delayedRecipients") or [{}])[0]
        return (
            "delayed",
            "message.delayed",
            {"recipients": recipients, "smtp_response": first.get("diagnosticCode")},
            [],
        )
    return None


async def _apply(conn: AsyncConnection, event: dict[str, Any]) -> str | None:
    result = outcome(event)
    provider_id = (event.get("mail") or {}).get("messageId")
    if result is None or not provider_id:
        return None
    status, event_type, details, suppress = result
    values: dict[str, Any] = {"status": status}
    if status == "delivered":
        values["delivered_at"] = datetime.now(UTC)
    row = (
        await conn.execute(
            update(messages)
            .where(messages.c.provider_message_id == str(provider_id))
            .values(**values)
            .returning(*views.EVENT_MESSAGE_COLUMNS)
        )
    ).first()
    if row is None:
        log.warning("no message for an SES event", extra={"ses": provider_id, "type": event_type})
        return None
    for address in suppress:
        reason = "complaint" if status == "complained" else "bounce"
        await conn.execute(
            pg_insert(suppressions).values(address=address, reason=reason, message_id=row.id).on_conflict_do_nothing()
        )
    thread = (await conn.execute(select(threads).where(threads.c.id == row.thread_id))).one()
    data = {
        "message": views.event_message(row),
        "thread": views.thread(thread),
        "recipients": details.get("recipients", []),
        "smtp_response": details.get("smtp_response"),
        "bounce": details.get("bounce"),
        "complaint": details.get("complaint"),
    }
    await record_event(conn, event_type, data, inbox_id=row.inbox_id, message_id=row.id)
    return event_type


async def handle(body: str, engine: AsyncEngine) -> str | None:
    """Apply one telemetry notification; returns the event recorded, if any."""
    try:
        envelope = json.loads(body)
        notification_id = str(envelope.get("MessageId") or "")
        event = json.loads(envelope["Message"]) if envelope.get("Type") == "Notification" else envelope
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PoisonMessage(f"not an SNS notification: {exc}") from exc
    if not isinstance(event, dict):
        raise PoisonMessage("the SES event is not a JSON object")
    async with engine.begin() as conn:
        if notification_id:
            fresh = await conn.execute(
                pg_insert(applied_notifications)
                .values(id=notification_id)
                .on_conflict_do_nothing()
                .returning(applied_notifications.c.id)
            )
            if fresh.first() is None:
                return None  # applied before: SNS delivered it twice
        return await _apply(conn, event)
