"""Deleting mail: one message, a thread, an inbox's mail, and what retention lets go.

A deleted message leaves nothing readable behind: its row (with the search data computed from it), the
idempotency answer that held it, the bodies inside its events (the events stay, redacted, and
``message.deleted`` is recorded), its raw copy and the attachment blobs no other message references. The blobs
are named in ``blob_deletions`` in the deleting transaction and deleted from the store after the commit
(``sweep``: by the API at once, by the worker's housekeeping for whatever that missed), so a crash leaks none.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Text,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal,
    literal_column,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..db.engine import Database
from ..db.schema import blob_deletions, drafts, events, idempotency_keys, inboxes, messages, threads
from ..domain.errors import not_found
from ..ports import BlobStore
from . import views
from .attachments import attachment_key
from .events import NewEvent, record_events

log = logging.getLogger("mailman.deletion")

RETENTION_BATCH = 100  # messages purged per transaction: short transactions, ingest never waits long
RETENTION_PASS = 1_000  # messages purged per call, so the worker's other housekeeping is not held up
SWEEP_BATCH = 100

# What an event keeps of a deleted message: everything but its bodies, and the preview cut from them.
_REDACTED = "jsonb_build_object(" + ", ".join(f"'{name}', null" for name in views.BODIES) + ", 'preview', '')"
_RETURNED = [*views.EVENT_MESSAGE_COLUMNS, messages.c.raw_key, messages.c.raw_bucket]


# A thread's participants, from the messages it has left: each message's From, To and Cc, in the order the
# thread met them (as ingest and compose add them), so a deleted message's people go with it.
_PARTICIPANTS = text(
    """
    UPDATE threads SET participants = coalesce((
        SELECT array_agg(address ORDER BY first_seen) FROM (
            SELECT address, min(seen) AS first_seen FROM (
                SELECT p.address, row_number() OVER (ORDER BY m.created_at, m.id, p.n) AS seen
                FROM messages m
                CROSS JOIN LATERAL (
                    SELECT m."from"->>'address', 0::bigint
                    UNION ALL
                    SELECT e->>'address', i FROM jsonb_array_elements(m."to") WITH ORDINALITY AS r(e, i)
                    UNION ALL
                    SELECT e->>'address', 1000000 + i FROM jsonb_array_elements(m.cc) WITH ORDINALITY AS r(e, i)
                ) AS p(address, n)
                WHERE m.thread_id = threads.id AND coalesce(p.address, '') <> ''
            ) AS each_one
            GROUP BY address
        ) AS first_ones
    ), '{}')
    WHERE id = ANY(:thread_ids)
    """
).bindparams(bindparam("thread_ids", type_=ARRAY(Text)))


def _event_message(row: Any) -> dict[str, Any]:
    return {**views.event_message(row), "preview": ""}


async def release_attachments(conn: AsyncConnection, attachments: Sequence[dict[str, Any]]) -> None:
    """Name the blobs of attachments no longer held here for the sweep, in the caller's transaction (the sweep
    keeps those another message or draft still holds)."""
    digests = sorted({a["sha256"] for a in attachments if a.get("sha256")})
    if digests:
        await conn.execute(
            blob_deletions.insert(), [{"key": attachment_key(d), "bucket": None, "sha256": d} for d in digests]
        )


async def delete_messages_in(conn: AsyncConnection, where: ColumnElement[bool], *, reason: str) -> list[str]:
    """Delete the messages ``where`` selects in the caller's transaction; returns their ids.

    Their threads lose them (and go when empty; what is left is counted and its participants found again), their
    events are redacted, ``message.deleted`` is recorded for each (``data.reason`` says why) and their blobs are
    named for ``sweep``.
    """
    rows = (await conn.execute(delete(messages).where(where).returning(*_RETURNED))).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    thread_ids = sorted({row.thread_id for row in rows})
    await conn.execute(
        delete(threads).where(threads.c.id.in_(thread_ids), ~exists().where(messages.c.thread_id == threads.c.id))
    )
    left = messages.c.thread_id == threads.c.id
    await conn.execute(
        update(threads)
        .where(threads.c.id.in_(thread_ids))
        .values(
            message_count=select(func.count()).where(left).scalar_subquery(),
            last_message_at=select(func.max(messages.c.created_at)).where(left).scalar_subquery(),
        )
    )
    await conn.execute(_PARTICIPANTS, {"thread_ids": thread_ids})
    await conn.execute(
        update(events)
        .where(events.c.message_id.in_(ids), func.jsonb_typeof(events.c.data["message"]) == "object")
        .values(
            data=func.jsonb_set(
                events.c.data,
                literal_column("'{message}'"),
                events.c.data["message"].op("||")(literal_column(_REDACTED, JSONB)),
            )
        )
    )
    # The stored answer holds the message: it goes, but the key stays claimed so a retry does not send again.
    await conn.execute(
        update(idempotency_keys)
        .where(idempotency_keys.c.resource_ids.overlap(ids))
        .values(response_body=None, resource_ids=[])
    )
    raw = [{"key": row.raw_key, "bucket": row.raw_bucket, "sha256": None} for row in rows if row.raw_key]
    if raw:
        await conn.execute(blob_deletions.insert(), raw)
    await release_attachments(conn, [a for row in rows for a in row.attachments])
    await record_events(
        conn,
        [
            NewEvent(
                "message.deleted",
                {"message": _event_message(row), "reason": reason},
                inbox_id=row.inbox_id,
                message_id=row.id,
            )
            for row in rows
        ],
    )
    return ids


def _in_scope(column: ColumnElement[str], scope: views.Scope) -> ColumnElement[bool]:
    return column.in_(scope) if scope is not None else true()


async def delete_message(database: Database, blobs: BlobStore, message_id: str, scope: views.Scope) -> None:
    """Delete one message; another inbox's message is missing for a scoped key (404)."""
    async with database.transaction() as conn:
        where = and_(messages.c.id == message_id, _in_scope(messages.c.inbox_id, scope))
        if not await delete_messages_in(conn, where, reason="deleted"):
            raise not_found("message", message_id)
    await sweep_now(database.engine, blobs)


async def delete_thread(database: Database, blobs: BlobStore, thread_id: str, scope: views.Scope) -> None:
    """Delete a thread and every message in it; another inbox's thread is missing for a scoped key (404)."""
    async with database.transaction() as conn:
        found = (
            await conn.execute(
                select(threads.c.id)
                .where(threads.c.id == thread_id, _in_scope(threads.c.inbox_id, scope))
                .with_for_update()
            )
        ).first()
        if found is None:
            raise not_found("thread", thread_id)
        await delete_messages_in(conn, messages.c.thread_id == thread_id, reason="thread_deleted")
        await conn.execute(delete(threads).where(threads.c.id == thread_id))
    await sweep_now(database.engine, blobs)


async def delete_inbox(database: Database, blobs: BlobStore, inbox_id: str, *, batch: int = RETENTION_BATCH) -> None:
    """Delete the inbox and all its mail, as if each message were deleted (its events stay, redacted).

    The mail goes ``batch`` messages per transaction, so a huge inbox holds no long transaction and ingest
    never waits long; the last transaction takes what arrived meanwhile with the inbox. Interrupted half way,
    the inbox is still there with the rest of its mail, and deleting it again finishes the job.
    """
    async with database.read() as conn:
        if (await conn.execute(select(inboxes.c.id).where(inboxes.c.id == inbox_id))).first() is None:
            raise not_found("inbox", inbox_id)
    while True:
        async with database.transaction() as conn:
            some = select(messages.c.id).where(messages.c.inbox_id == inbox_id).limit(batch)
            ids = [row.id for row in (await conn.execute(some.with_for_update(skip_locked=True))).all()]
            if ids:
                await delete_messages_in(conn, messages.c.id.in_(ids), reason="inbox_deleted")
        await sweep_now(database.engine, blobs)
        if len(ids) < batch:
            break
    async with database.transaction() as conn:
        found = (await conn.execute(select(inboxes.c.id).where(inboxes.c.id == inbox_id).with_for_update())).first()
        if found is None:  # deleted by another request meanwhile
            raise not_found("inbox", inbox_id)
        await delete_messages_in(conn, messages.c.inbox_id == inbox_id, reason="inbox_deleted")
        # Its drafts would go with it (ON DELETE CASCADE); deleted here so that their blobs are named too.
        held = (
            await conn.execute(delete(drafts).where(drafts.c.inbox_id == inbox_id).returning(drafts.c.attachments))
        ).scalars()
        await release_attachments(conn, [a for attachments in held for a in attachments])
        await conn.execute(delete(inboxes).where(inboxes.c.id == inbox_id))
    await sweep_now(database.engine, blobs)


async def purge_expired(
    database: Database,
    blobs: BlobStore,
    *,
    now: datetime | None = None,
    batch: int = RETENTION_BATCH,
    most: int = RETENTION_PASS,
) -> int:
    """Delete up to ``most`` messages older than their inbox's ``retention_days``, ``batch`` per transaction;
    returns how many went. Rows another transaction holds are skipped (SKIP LOCKED): ingest and the API never
    wait for the purge."""
    now = now or datetime.now(UTC)
    purged = 0
    while purged < most:
        async with database.transaction() as conn:
            expired = (
                select(messages.c.id)
                .join(inboxes, inboxes.c.id == messages.c.inbox_id)
                .where(
                    inboxes.c.retention_days.is_not(None),
                    messages.c.created_at
                    < literal(now, DateTime(timezone=True)) - func.make_interval(0, 0, 0, inboxes.c.retention_days),
                )
                .order_by(messages.c.created_at)
                .limit(batch)
                .with_for_update(of=messages, skip_locked=True)
            )
            ids = [row.id for row in (await conn.execute(expired)).all()]
            if ids:
                await delete_messages_in(conn, messages.c.id.in_(ids), reason="retention")
        await sweep_now(database.engine, blobs)
        purged += len(ids)
        if len(ids) < batch:
            break
    return purged


async def sweep(engine: AsyncEngine, blobs: BlobStore, limit: int = SWEEP_BATCH) -> int:
    """Delete up to ``limit`` blobs of deleted mail from the store; returns how many rows were done.

    A blob some message still holds is kept: an attachment's content sent or received again, a raw copy
    shared by the copies of one mail in several inboxes. A blob store that fails leaves the rows for the next
    sweep; deleting twice is harmless.
    """
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                select(blob_deletions).order_by(blob_deletions.c.id).limit(limit).with_for_update(skip_locked=True)
            )
        ).all()
        if not rows:
            return 0
        for row in rows:
            if not await _held(conn, row.key, row.sha256):
                await blobs.delete(row.key, bucket=row.bucket)
        await conn.execute(delete(blob_deletions).where(blob_deletions.c.id.in_([row.id for row in rows])))
    return len(rows)


async def _held(conn: AsyncConnection, key: str, sha256: str | None) -> bool:
    """Whether a message or a draft still holds the blob (ix_messages_attachments, ix_messages_raw_key,
    ix_drafts_attachments)."""
    if sha256 is None:
        return (await conn.execute(select(messages.c.id).where(messages.c.raw_key == key).limit(1))).first() is not None
    named = [{"sha256": sha256}]
    for table in (messages, drafts):
        if (await conn.execute(select(table.c.id).where(table.c.attachments.contains(named)).limit(1))).first():
            return True
    return False


async def sweep_now(engine: AsyncEngine, blobs: BlobStore) -> None:
    """After a commit: delete its blobs without waiting for the worker, which sweeps them if this fails."""
    try:
        while await sweep(engine, blobs) == SWEEP_BATCH:
            pass
    except Exception:  # the rows stay; the worker's housekeeping deletes the blobs
        log.warning("could not delete blobs now; the worker will", exc_info=True)
