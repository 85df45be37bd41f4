"""Drafts: messages saved before they are sent, perhaps incomplete; sending one composes it as send, reply or
forward would (handlers/messages.py) and deletes it, in one transaction.

A draft's attachments are kept in the blob store as sent ones are (content-addressed, handlers/attachments.py):
the row holds only what describes them. A draft deleted, sent or given other attachments names the blobs it
held for the sweep (handlers/deletion.py), which keeps any that a message or another draft still holds.

A draft with ``in_reply_to`` (a message id) is a reply to that message, threaded and addressed as a reply is
(``reply_all`` too); one with ``forward_of`` forwards that message to the draft's ``to``. Their subject and, for
a reply, ``to`` are the reply's or the forward's own.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..db.engine import Database
from ..db.schema import drafts, messages
from ..domain import mime
from ..domain.errors import invalid
from ..domain.ids import new_id
from ..ports import BlobStore, Queue
from . import jobs, views
from .attachments import attachment_key, store_attachments
from .deletion import release_attachments, sweep_now
from .events import record_event
from .messages import (
    Composition,
    check_send_at,
    compose,
    decode_attachments,
    forward_composition,
    parse_recipients,
    reply_composition,
)

# What a cleared (null) field becomes in its column; the others become null.
CLEARED: dict[str, Any] = {
    "to": [],
    "cc": [],
    "bcc": [],
    "reply_to": [],
    "headers": {},
    "attachments": [],
    "labels": [],
    "reply_all": False,
}
FIELDS = (*CLEARED, "subject", "text", "html", "in_reply_to", "forward_of", "send_at")


async def create(database: Database, blobs: BlobStore, inbox_id: str, given: dict[str, Any]) -> dict[str, Any]:
    """Save a draft in the inbox (404 when there is none); ``given`` holds the fields the caller set."""
    now = datetime.now(UTC)
    values = {**dict.fromkeys(FIELDS), **CLEARED, **_stored(given)}
    async with database.transaction() as conn:
        await views.find_inbox(conn, inbox_id)
        await _check(conn, inbox_id, values)
        values["attachments"] = await store_attachments(blobs, decode_attachments(values["attachments"]))
        row = (
            await conn.execute(
                insert(drafts)
                .values(id=new_id("drf"), inbox_id=inbox_id, created_at=now, updated_at=now, **values)
                .returning(drafts)
            )
        ).one()
        await record_event(conn, "draft.created", {"draft": views.event_draft(row)}, inbox_id=inbox_id)
        return views.draft(row)


async def update_draft(database: Database, blobs: BlobStore, draft_id: str, given: dict[str, Any]) -> dict[str, Any]:
    """Change the fields in ``given``: those left out stay as they are, a null clears one."""
    async with database.transaction() as conn:
        row = await views.find_draft(conn, draft_id, for_update=True)
        if not given:
            return views.draft(row)
        values = _stored(given)
        await _check(conn, row.inbox_id, {**row._mapping, **values})
        if "attachments" in values:
            values["attachments"] = await store_attachments(blobs, decode_attachments(values["attachments"]))
            await release_attachments(conn, row.attachments)
        updated = (
            await conn.execute(
                update(drafts)
                .where(drafts.c.id == draft_id)
                .values(updated_at=datetime.now(UTC), **values)
                .returning(drafts)
            )
        ).one()
        await record_event(conn, "draft.updated", {"draft": views.event_draft(updated)}, inbox_id=row.inbox_id)
        result = views.draft(updated)
    if "attachments" in values:
        await sweep_now(database.engine, blobs)
    return result


async def remove(database: Database, blobs: BlobStore, draft_id: str) -> None:
    async with database.transaction() as conn:
        row = await views.find_draft(conn, draft_id, for_update=True)
        await _delete(conn, row, sent_message_id=None)
    await sweep_now(database.engine, blobs)


async def _parts(blobs: BlobStore, attachments: Sequence[dict[str, Any]]) -> list[mime.AttachmentPart]:
    """The draft's attachments with their bytes, from the blob store (or, saved before it kept them there, the row)."""
    parts = []
    for i, attachment in enumerate(attachments):
        if "content" in attachment:
            data: bytes | None = base64.b64decode(attachment["content"])
        else:
            data = await blobs.get(attachment_key(attachment["sha256"]))
        if data is None:
            raise invalid(f"attachments[{i}]", "its content is no longer stored: attach the file again")
        parts.append(
            mime.AttachmentPart(
                filename=attachment["filename"],
                content_type=attachment["content_type"],
                data=data,
                content_id=attachment.get("content_id"),
                inline=bool(attachment.get("inline")),
            )
        )
    return parts


async def send(
    database: Database, blobs: BlobStore, queue: Queue, draft_id: str, *, dotted_only: bool
) -> dict[str, Any]:
    """Compose the draft (as a send, a reply or a forward) and delete it, in one transaction; returns the message,
    ``scheduled`` when the draft has a ``send_at``."""
    async with jobs.transaction(database, queue) as conn:
        row = await views.find_draft(conn, draft_id, for_update=True)
        attached = await _parts(blobs, row.attachments)
        given = Composition(
            to=row.to,
            cc=row.cc,
            bcc=row.bcc,
            reply_to=row.reply_to,
            subject=row.subject or "",
            text=row.text,
            html=row.html,
            headers=row.headers,
            labels=row.labels,
            send_at=row.send_at,
        )
        if row.in_reply_to is not None:
            original = await _original(conn, row.inbox_id, "in_reply_to", row.in_reply_to)
            request, parent = await reply_composition(
                conn, original, given, reply_all=row.reply_all, dotted_only=dotted_only
            )
            message = await compose(conn, blobs, queue, row.inbox_id, request, parent, attached)
        elif row.forward_of is not None:
            _need_recipients(row)
            original = await _original(conn, row.inbox_id, "forward_of", row.forward_of)
            request, parent, inherited = await forward_composition(blobs, original, given)
            message = await compose(conn, blobs, queue, row.inbox_id, request, parent, attached + inherited)
        else:
            _need_recipients(row)
            message = await compose(conn, blobs, queue, row.inbox_id, given, inherited=attached)
        await _delete(conn, row, sent_message_id=message["id"])
    await sweep_now(database.engine, blobs)  # the message holds the blobs now: only ones it dropped go
    return message


def _stored(given: dict[str, Any]) -> dict[str, Any]:
    """The request's fields as columns: a null list, object or flag is its empty value."""
    return {name: CLEARED[name] if value is None and name in CLEARED else value for name, value in given.items()}


async def _check(conn: AsyncConnection, inbox_id: str, values: dict[str, Any]) -> None:
    """What can be checked before sending: addresses, headers, attachments, the send time, the message referred to."""
    for name in ("to", "cc", "bcc", "reply_to"):
        parse_recipients(values[name], name)
    for name, value in values["headers"].items():
        if (error := mime.header_error(name, value)) is not None:
            raise invalid(f"headers.{name}", error)
    if values["in_reply_to"] is not None and values["forward_of"] is not None:
        raise invalid("forward_of", "a draft is a reply (in_reply_to) or a forward (forward_of), not both")
    for name in ("in_reply_to", "forward_of"):
        if values[name] is not None:
            await _original(conn, inbox_id, name, values[name])
    if values["send_at"] is not None:
        check_send_at(values["send_at"])


async def _original(conn: AsyncConnection, inbox_id: str, field_name: str, message_id: str) -> Any:
    row = (
        await conn.execute(select(messages).where(messages.c.id == message_id, messages.c.inbox_id == inbox_id))
    ).first()
    if row is None:
        raise invalid(field_name, f"{message_id} is not a message of this draft's inbox")
    return row


def _need_recipients(row: Any) -> None:
    if not row.to:
        raise invalid("to", "give at least one recipient before sending")


async def _delete(conn: AsyncConnection, row: Any, *, sent_message_id: str | None) -> None:
    await conn.execute(delete(drafts).where(drafts.c.id == row.id))
    await release_attachments(conn, row.attachments)
    data = {"draft": views.event_draft(row), "sent_message_id": sent_message_id}
    await record_event(conn, "draft.deleted", data, inbox_id=row.inbox_id)
