"""Inbound mail: an SES ``Received`` notification (in its SNS envelope) becomes one stored message per inbox.

The local SMTP listener enqueues the same shapes SES and SNS produce, so both backends share this path.
Storing is idempotent: a message is keyed by (SES message id, inbox), so a redelivered notification
stores nothing twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Insert, Update, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..adapters.tables import inboxes, messages, threads
from ..domain import mime
from ..domain.ids import new_id
from ..domain.parsing import ParsedMessage, parse
from ..domain.quotes import extracted_text
from ..ports import BlobStore, Queue
from . import views
from .events import record_event
from .messages import store_attachments

log = logging.getLogger("mailman.inbound")

LOCAL_TOPIC = "arn:aws:sns:local:000000000000:inbound_notification"
_VERDICTS = {"PASS": "pass", "FAIL": "fail", "GRAY": "gray", "PROCESSING_FAILED": "processing_failed"}
_SUBJECT_PREFIX = ("re:", "fw:", "fwd:", "aw:", "sv:", "antw:")


class AlreadyStored(Exception):
    """Raised inside the storing transaction to roll it back when this copy exists already."""


class PoisonMessage(Exception):
    """A notification that can never be processed (malformed JSON, raw mail missing): dead-letter it."""


@dataclass(frozen=True)
class Received:
    """What the worker needs from an SES ``Received`` notification."""

    ses_message_id: str
    recipients: list[str]
    raw_key: str
    verdicts: dict[str, str]
    mail_from: str | None


def unwrap_sns(body: str) -> dict[str, Any]:
    """The notification inside an SNS envelope (or the notification itself, for raw SQS deliveries)."""
    try:
        envelope = json.loads(body)
        inner = json.loads(envelope["Message"]) if envelope.get("Type") == "Notification" else envelope
    except (ValueError, KeyError, TypeError) as exc:
        raise PoisonMessage(f"not an SNS notification: {exc}") from exc
    if not isinstance(inner, dict):
        raise PoisonMessage("the notification is not a JSON object")
    return inner


def received(notification: dict[str, Any]) -> Received:
    try:
        mail, receipt = notification["mail"], notification["receipt"]
        action = receipt["action"]
        key = action["objectKey"]
        recipients = [str(r) for r in receipt.get("recipients") or mail["destination"]]
    except (KeyError, TypeError) as exc:
        raise PoisonMessage(f"not an SES Received notification: missing {exc}") from exc
    verdicts = {
        name: _VERDICTS.get(str((receipt.get(f"{name}Verdict") or {}).get("status", "")).upper(), "not_checked")
        for name in ("spam", "virus", "spf", "dkim", "dmarc")
    }
    return Received(str(mail["messageId"]), recipients, str(key), verdicts, mail.get("source"))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def received_notification(raw_key: str, message_id: str, mail_from: str, recipients: list[str]) -> str:
    """An SNS envelope around an SES ``Received`` notification for a raw message already stored."""
    now = _iso(datetime.now(UTC))
    disabled = {"status": "DISABLED"}
    notification = {
        "notificationType": "Received",
        "mail": {
            "timestamp": now,
            "source": mail_from,
            "messageId": message_id,
            "destination": recipients,
            "headersTruncated": False,
        },
        "receipt": {
            "timestamp": now,
            "processingTimeMillis": 0,
            "recipients": recipients,
            "spamVerdict": disabled,
            "virusVerdict": disabled,
            "spfVerdict": disabled,
            "dkimVerdict": disabled,
            "dmarcVerdict": disabled,
            "action": {"type": "S3", "topicArn": LOCAL_TOPIC, "bucketName": "local", "objectKey": raw_key},
        },
    }
    envelope = {
        "Type": "Notification",
        "MessageId": str(uuid.uuid4()),
        "TopicArn": LOCAL_TOPIC,
        "Subject": "Amazon SES Email Receipt Notification",
        "Message": json.dumps(notification),
        "Timestamp": now,
    }
    return json.dumps(envelope)


async def queue_received(blobs: BlobStore, queue: Queue, raw: bytes, mail_from: str, recipients: list[str]) -> str:
    """Store ``raw`` and queue it for the worker; returns the message's id (its SHA-256)."""
    digest = hashlib.sha256(raw).hexdigest()
    key = f"raw/inbound/{digest}.eml"
    await blobs.put(key, raw, "message/rfc822")
    # Keyed by content and recipients: the same bytes sent twice to one inbox are stored once.
    message_id = hashlib.sha256(raw + "\n".join(sorted(recipients)).encode()).hexdigest()
    await queue.send("inbound", received_notification(key, message_id, mail_from, recipients))
    return message_id


def base_address(address: str) -> str:
    """``local+tag@domain`` reaches ``local@domain``; addresses compare case-insensitively."""
    local, _, domain = address.strip().strip("<>").lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def thread_subject(subject: str) -> str:
    cleaned = subject.strip()
    while cleaned.lower().startswith(_SUBJECT_PREFIX):
        cleaned = cleaned.split(":", 1)[1].strip()
    return cleaned


async def _thread_for(conn: AsyncConnection, inbox_id: str, parsed: ParsedMessage) -> str | None:
    """The inbox's thread this message answers, found through In-Reply-To and References."""
    candidates = [m for m in [parsed.in_reply_to, *reversed(parsed.references)] if m]
    if not candidates:
        return None
    row = (
        await conn.execute(
            select(messages.c.thread_id)
            .where(messages.c.inbox_id == inbox_id, messages.c.message_id.in_(candidates))
            .order_by(messages.c.id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else str(row.thread_id)


async def store(
    conn: AsyncConnection,
    inbox: Any,
    parsed: ParsedMessage,
    mail: Received,
    raw: bytes,
    attachments: list[dict[str, Any]],
) -> dict[str, Any]:
    """Store one copy for ``inbox`` and record ``message.received``; raises AlreadyStored for a duplicate."""
    now = datetime.now(UTC)
    message_pk = new_id("msg")
    sender = parsed.from_ or {"name": None, "address": (mail.mail_from or "").lower()}
    people = [sender["address"], *(p["address"] for p in parsed.to + parsed.cc)]
    participants = list(dict.fromkeys(a for a in people if a))
    thread_id = await _thread_for(conn, inbox.id, parsed)
    statement: Insert | Update
    if thread_id is None:
        statement = pg_insert(threads).values(
            id=new_id("thr"),
            inbox_id=inbox.id,
            subject=thread_subject(parsed.subject),
            participants=participants,
            message_count=1,
            last_message_at=now,
            created_at=now,
        )
    else:
        known = (await conn.execute(select(threads.c.participants).where(threads.c.id == thread_id))).scalar_one()
        statement = (
            update(threads)
            .where(threads.c.id == thread_id)
            .values(
                message_count=threads.c.message_count + 1,
                last_message_at=now,
                participants=list(dict.fromkeys([*known, *participants])),
            )
        )
    thread_row = (await conn.execute(statement.returning(threads))).one()
    values = {
        "id": message_pk,
        "inbox_id": inbox.id,
        "thread_id": thread_row.id,
        "direction": "inbound",
        "status": "received",
        "message_id": parsed.message_id or f"<{mail.ses_message_id}@mailman.invalid>",
        "in_reply_to": parsed.in_reply_to,
        "references": parsed.references,
        "from": sender,
        "to": parsed.to,
        "cc": parsed.cc,
        "bcc": [],
        "reply_to": parsed.reply_to,
        "subject": parsed.subject,
        "text": parsed.text,
        "html": parsed.html,
        "extracted_text": extracted_text(parsed.text, parsed.html),
        "preview": mime.preview(parsed.text, parsed.html),
        "headers": parsed.headers,
        "attachments": attachments,
        "labels": [],
        "size": len(raw),
        "provider_message_id": None,
        "verdicts": mail.verdicts,
        "warnings": parsed.warnings,
        "created_at": now,
        "sent_at": None,
        "delivered_at": None,
    }
    inserted = await conn.execute(
        pg_insert(messages)
        .values(**values, raw_key=mail.raw_key, dedup_key=mail.ses_message_id)
        .on_conflict_do_nothing(index_elements=[messages.c.inbox_id, messages.c.dedup_key])
        .returning(messages.c.id)  # only the id: the bodies need not come back
    )
    if inserted.first() is None:
        raise AlreadyStored(mail.ses_message_id)  # rolls back the thread changes above
    message = views.message(values)
    await record_event(
        conn,
        "message.received",
        {"message": message, "thread": views.thread(thread_row)},
        inbox_id=inbox.id,
        message_id=message_pk,
    )
    return message


async def handle(body: str, engine: AsyncEngine, blobs: BlobStore) -> list[dict[str, Any]]:
    """Process one inbound queue message; returns the messages stored (empty when all were already)."""
    mail = received(unwrap_sns(body))
    raw = await blobs.get(mail.raw_key)
    if raw is None:
        raise PoisonMessage(f"raw message {mail.raw_key} is not in the blob store")
    addresses = sorted({base_address(r) for r in mail.recipients})
    async with engine.connect() as conn:
        targets = (await conn.execute(select(inboxes).where(inboxes.c.address.in_(addresses)))).all()
    if not targets:
        log.warning("no inbox for any recipient", extra={"recipients": mail.recipients, "ses": mail.ses_message_id})
        return []
    parsed = parse(raw)
    attachments = await store_attachments(blobs, parsed.attachments)
    stored = []
    for inbox in targets:
        try:
            async with engine.begin() as conn:
                stored.append(await store(conn, inbox, parsed, mail, raw, attachments))
        except AlreadyStored:
            log.info("already stored", extra={"ses": mail.ses_message_id, "inbox": inbox.id})
    return stored
