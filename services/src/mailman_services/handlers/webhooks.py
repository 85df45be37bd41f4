"""Webhook endpoints, their test events and manual retries of deliveries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import anyio
from sqlalchemy import delete, func, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..db.engine import Database
from ..db.schema import deliveries, events, inboxes, webhooks
from ..domain.errors import APIError, FieldError, invalid, not_found
from ..domain.ids import new_id
from ..domain.network import private_addresses
from ..domain.secrets import new_webhook_secret, webhook_secret_error
from ..ports import Queue
from . import jobs, views
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


async def checked_url(url: str, public_only: bool) -> str:
    """A valid URL; with ``public_only`` (the aws backend) not into private networks (checked again at delivery)."""
    url = validate_url(url)
    if public_only:
        refused = await anyio.to_thread.run_sync(private_addresses, url)
        if refused:
            raise invalid("url", f"resolves to addresses that are not public: {', '.join(refused)}")
    return url


async def create(
    database: Database,
    *,
    url: str,
    events: list[str],
    inbox_ids: list[str],
    description: str | None,
    secret: str | None,
    public_only: bool,
) -> dict[str, Any]:
    """The new webhook as the API shows it, with its signing secret (shown whenever it is new)."""
    url = await checked_url(url, public_only)
    secret = new_secret(secret)
    async with database.transaction() as conn:
        inbox_ids = await check_inbox_ids(conn, inbox_ids)
        row = (
            await conn.execute(
                insert(webhooks)
                .values(
                    id=new_id("whk"),
                    url=url,
                    events=list(dict.fromkeys(events)),
                    inbox_ids=inbox_ids,
                    description=description,
                    secret=secret,
                )
                .returning(webhooks)
            )
        ).one()
    return views.webhook(row, with_secret=True)


async def update(database: Database, webhook_id: str, given: Mapping[str, Any], *, public_only: bool) -> dict[str, Any]:
    """Change the fields ``given`` (a field left out, or null where null means nothing, stays as it is)."""
    changes: dict[str, object] = {}
    if given.get("url") is not None:
        changes["url"] = await checked_url(given["url"], public_only)
    if given.get("events") is not None:
        changes["events"] = list(dict.fromkeys(given["events"]))
    if "description" in given:
        changes["description"] = given["description"]
    if given.get("enabled") is not None:
        changes["enabled"] = given["enabled"]
    rotate_secret = bool(given.get("rotate_secret"))
    if rotate_secret:
        changes["secret"] = new_secret(None)
    async with database.transaction() as conn:
        row = await views.find_webhook(conn, webhook_id)
        if given.get("inbox_ids") is not None:
            changes["inbox_ids"] = await check_inbox_ids(conn, given["inbox_ids"])
        if changes:
            row = (
                await conn.execute(
                    sql_update(webhooks).where(webhooks.c.id == webhook_id).values(**changes).returning(webhooks)
                )
            ).first()
            if row is None:  # deleted since it was found
                raise not_found("webhook", webhook_id)
    return views.webhook(row, with_secret=rotate_secret)


async def remove(database: Database, webhook_id: str) -> None:
    async with database.transaction() as conn:
        result = await conn.execute(delete(webhooks).where(webhooks.c.id == webhook_id).returning(webhooks.c.id))
        if result.first() is None:
            raise not_found("webhook", webhook_id)


async def _new_delivery(
    conn: AsyncConnection, queue: Queue, webhook_id: str, event_id: str, attempt: int, inbox_id: str | None
) -> dict[str, Any]:
    """A pending delivery, its job queued in ``conn``'s transaction (in the FIFO group of the event's inbox)."""
    row = (
        await conn.execute(
            insert(deliveries)
            .values(id=new_id("dlv"), webhook_id=webhook_id, event_id=event_id, attempt=attempt, status="pending")
            .returning(deliveries)
        )
    ).one()
    job = jobs.delivery_job(row.id, event_id, webhook_id, inbox_id, f"{event_id}:{webhook_id}:{attempt}", attempt)
    await jobs.enqueue(conn, queue, "webhooks", [job])
    return views.delivery(row)


async def test(database: Database, queue: Queue, webhook_id: str) -> dict[str, Any]:
    """A ``webhook.test`` event for this webhook alone, its delivery queued."""
    async with jobs.transaction(database, queue) as conn:
        await views.find_webhook(conn, webhook_id)
        event = await record_event(
            conn,
            "webhook.test",
            {"webhook_id": webhook_id, "message": "This is a test event from Mailman."},
            fanned_out=True,
        )
        return await _new_delivery(conn, queue, webhook_id, event["id"], 1, None)


async def retry(database: Database, queue: Queue, webhook_id: str, delivery_id: str) -> dict[str, Any]:
    """A new pending attempt for the delivery's event, queued in the FIFO group of the event's inbox."""
    async with jobs.transaction(database, queue) as conn:
        await views.find_webhook(conn, webhook_id)
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
        return await _new_delivery(conn, queue, webhook_id, original.event_id, (attempts or 0) + 1, original.inbox_id)


def new_secret(requested: str | None) -> str:
    return validate_secret(requested) if requested is not None else new_webhook_secret()
