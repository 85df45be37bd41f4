"""Webhook endpoints, their test events and manual retries of deliveries."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..db.schema import deliveries, inboxes, webhooks
from ..domain.errors import APIError, FieldError, invalid, not_found
from ..domain.ids import new_id
from ..domain.secrets import new_webhook_secret, webhook_secret_error
from ..ports import OutgoingMessage, Queue
from . import jobs, views
from .delivery import job_body
from .events import record_event


def url_error(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https"):
        return "must be an http:// or https:// URL"
    if not parts.hostname:
        return "must name a host"
    if parts.username or parts.password:
        return "must not carry credentials"
    if any(c.isspace() for c in url):
        return "must not contain whitespace"
    return None


async def check_inbox_ids(conn: AsyncConnection, inbox_ids: list[str], field_name: str = "inbox_ids") -> list[str]:
    unique = list(dict.fromkeys(inbox_ids))
    known = set((await conn.execute(select(inboxes.c.id).where(inboxes.c.id.in_(unique)))).scalars())
    errors = [FieldError(f"{field_name}[{i}]", "no such inbox") for i, ident in enumerate(unique) if ident not in known]
    if errors:
        raise APIError(422, "validation_failed", "; ".join(f"{e.field}: {e.message}" for e in errors), errors)
    return unique


def validate_url(url: str) -> str:
    error = url_error(url)
    if error is not None:
        raise invalid("url", error)
    return url


def validate_secret(secret: str) -> str:
    error = webhook_secret_error(secret)
    if error is not None:
        raise invalid("secret", error)
    return secret


async def get_row(conn: AsyncConnection, webhook_id: str) -> Any:
    row = (await conn.execute(select(webhooks).where(webhooks.c.id == webhook_id))).first()
    if row is None:
        raise not_found("webhook", webhook_id)
    return row


async def enqueue_delivery(conn: AsyncConnection, queue: Queue, delivery: dict[str, Any], inbox_id: str | None) -> None:
    """Queue the delivery's job in ``conn``'s transaction, the one that created it."""
    body = job_body(delivery["id"], delivery["event_id"], delivery["webhook_id"], delivery["attempt"])
    job = OutgoingMessage(
        body,
        group_id=f"{delivery['webhook_id']}:{inbox_id or 'account'}",
        deduplication_id=f"{delivery['event_id']}:{delivery['webhook_id']}:{delivery['attempt']}",
    )
    await jobs.enqueue(conn, queue, "webhooks", [job])


async def test(conn: AsyncConnection, webhook_id: str) -> dict[str, Any]:
    await get_row(conn, webhook_id)
    event = await record_event(
        conn,
        "webhook.test",
        {"webhook_id": webhook_id, "message": "This is a test event from Mailman."},
        fanned_out=True,
    )
    row = (
        await conn.execute(
            insert(deliveries)
            .values(id=new_id("dlv"), webhook_id=webhook_id, event_id=event["id"], attempt=1, status="pending")
            .returning(deliveries)
        )
    ).one()
    return views.delivery(row)


async def retry(conn: AsyncConnection, webhook_id: str, delivery_id: str) -> tuple[dict[str, Any], str | None]:
    """A new pending attempt for the delivery's event; returns it with the event's inbox (its FIFO group)."""
    from ..db.schema import events

    original = (
        await conn.execute(
            select(deliveries, events.c.inbox_id)
            .join(events, events.c.id == deliveries.c.event_id)
            .where(deliveries.c.id == delivery_id, deliveries.c.webhook_id == webhook_id)
        )
    ).first()
    if original is None:
        raise not_found("delivery", delivery_id)
    attempts = await conn.scalar(
        select(func.max(deliveries.c.attempt)).where(
            deliveries.c.webhook_id == webhook_id, deliveries.c.event_id == original.event_id
        )
    )
    row = (
        await conn.execute(
            insert(deliveries)
            .values(
                id=new_id("dlv"),
                webhook_id=webhook_id,
                event_id=original.event_id,
                attempt=(attempts or 0) + 1,
                status="pending",
            )
            .returning(deliveries)
        )
    ).one()
    return views.delivery(row), original.inbox_id


def new_secret(requested: str | None) -> str:
    return validate_secret(requested) if requested is not None else new_webhook_secret()
