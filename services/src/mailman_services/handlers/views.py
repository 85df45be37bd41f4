"""The read side: the list and retrieve queries, and database rows as the API's JSON objects (openapi.yaml).

Like cosmicpython's views.py, reads go straight to the tables; writes live in the other handlers.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Row,
    Select,
    Text,
    bindparam,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import JSONB, TSQUERY
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from ..db.engine import Database
from ..db.reads import prepare
from ..db.schema import (
    api_keys,
    deliveries,
    domains,
    drafts,
    events,
    inboxes,
    message_order,
    messages,
    suppressions,
    threads,
)
from ..db.schema import webhooks as webhooks_table
from ..domain import search
from ..domain.addresses import normalise_domain
from ..domain.errors import not_found
from ..domain.pagination import decode_cursor, encode_cursor
from .pages import page

Scope = frozenset[str] | None  # the inboxes an API key is limited to; None: all of them

# A null extracted_text means "the same as the text" (a message that quotes nothing): the text is stored once.
# Likewise a null extracted_html is the html itself.
EXTRACTED_TEXT = func.coalesce(messages.c.extracted_text, messages.c.text)
EXTRACTED_HTML = func.coalesce(messages.c.extracted_html, messages.c.html)
_EXTRACTED = {"extracted_text": EXTRACTED_TEXT, "extracted_html": EXTRACTED_HTML}
MESSAGE_COLUMNS: list[Any] = [
    _EXTRACTED[c.name].label(c.name) if c.name in _EXTRACTED else c
    for c in messages.c
    if c.name not in ("raw_key", "raw_bucket", "dedup_key", "search")
]
MESSAGE_FIELDS = [str(c.name) for c in MESSAGE_COLUMNS]  # plain str: "from" is a quoted_name

# An event's message is stored without its bodies, which the messages table holds already (they can be 40 MB);
# webhooks and GET /v1/events/{id} get them put back (EVENT_DATA), the events list bounded (EVENT_SUMMARY_DATA).
# The signature counts as one: it is a part of extracted_text, as long as the mail makes it.
BODIES = ("text", "html", "extracted_text", "extracted_html", "signature")
EVENT_MESSAGE_COLUMNS = [c for c in MESSAGE_COLUMNS if c.name not in BODIES]

# Lists show each message bounded, whatever its size (one received message may hold 40 MB of text): the
# subject and bodies cut to LIST_TEXT characters, the first LIST_HEADERS headers with values cut to
# LIST_HEADER_TEXT, and ``truncated`` saying so. Retrieving the message gives it whole.
LIST_TEXT = 16_384
LIST_HEADERS = 100
LIST_HEADER_TEXT = 1_000
_BOUNDED_TEXT = ("subject", *BODIES)


def _headers(source: str) -> str:
    """SQL for the first headers of the JSON array ``source``, values cut short."""
    return (
        "(SELECT coalesce(jsonb_agg(jsonb_build_object("  # noqa: S608 - constants and a column, no input
        f"'name', left(h->>'name', {LIST_HEADER_TEXT}), 'value', left(h->>'value', {LIST_HEADER_TEXT})) ORDER BY i),"
        f" '[]'::jsonb) FROM jsonb_array_elements({source}) WITH ORDINALITY AS x(h, i) WHERE i <= {LIST_HEADERS})"
    )


def _long_headers(source: str) -> str:
    return (
        f"(jsonb_array_length({source}) > {LIST_HEADERS} OR EXISTS (SELECT 1 FROM jsonb_array_elements({source})"  # noqa: S608
        f" AS x(h) WHERE length(left(h->>'value', {LIST_HEADER_TEXT + 1})) > {LIST_HEADER_TEXT}"
        f" OR length(left(h->>'name', {LIST_HEADER_TEXT + 1})) > {LIST_HEADER_TEXT}))"
    )


def _longer(column: ColumnElement[Any], limit: int) -> ColumnElement[bool]:
    # length() of a prefix: a 40 MB value is not read whole to learn that it is long.
    return func.coalesce(func.length(func.left(column, limit + 1)) > limit, False)


def _bounded(column: Any) -> Any:
    if column.name in _EXTRACTED:
        return func.left(_EXTRACTED[column.name], LIST_TEXT).label(column.name)
    if column.name in _BOUNDED_TEXT:
        return func.left(column, LIST_TEXT).label(column.name)
    if column.name == "headers":
        return literal_column(_headers("messages.headers"), JSONB).label("headers")
    return column


MESSAGE_SUMMARY_COLUMNS = [
    *(_bounded(c) for c in MESSAGE_COLUMNS),
    or_(
        *(_longer(messages.c[name], LIST_TEXT) for name in _BOUNDED_TEXT),
        literal_column(_long_headers("messages.headers"), Boolean),
    ).label("truncated"),
]

# What a page listing many messages shows (the console's inbox page): no bodies and no headers, which the
# message's own page reads.
MESSAGE_LINE_COLUMNS = [
    func.left(c, LIST_TEXT).label(c.name) if c.name == "subject" else c
    for c in MESSAGE_COLUMNS
    if c.name not in (*BODIES, "headers")
]

_MESSAGE = "events.data->'message'"
_MESSAGE_HEADERS = f"{_MESSAGE}->'headers'"
_NO_BODIES = ", ".join(f"'{name}', null" for name in BODIES)


def _event_data(body: str, rest: str) -> Any:
    """``events.data`` with its message's bodies put back from the messages table (null once it is deleted).

    ``body`` is the SQL of a body from its column (``{}``); ``rest`` pairs of other fields to set."""
    columns = {
        "text": "m.text",
        "html": "m.html",
        "extracted_text": "coalesce(m.extracted_text, m.text)",
        "extracted_html": "coalesce(m.extracted_html, m.html)",
        "signature": "m.signature",
    }
    bodies = ", ".join(f"'{name}', {body.format(column)}" for name, column in columns.items())
    return literal_column(
        f"CASE WHEN jsonb_typeof({_MESSAGE}) = 'object' THEN jsonb_set(events.data, '{{message}}', {_MESSAGE}"  # noqa: S608 - constants
        f" || jsonb_build_object({rest})"
        f" || coalesce((SELECT jsonb_build_object({bodies}) FROM messages AS m WHERE m.id = events.message_id),"
        f" jsonb_build_object({_NO_BODIES}))) ELSE events.data END",
        JSONB,
    )


EVENT_DATA = _event_data("{}", "'truncated', false")
_LONG_BODY = (
    f"coalesce((SELECT {' OR '.join(f'length(left(m.{n}, {LIST_TEXT + 1})) > {LIST_TEXT}' for n in BODIES)}"  # noqa: S608
    " FROM messages AS m WHERE m.id = events.message_id), false)"
)
_SUMMARY_TRUNCATED = (
    f"coalesce(length(left({_MESSAGE}->>'subject', {LIST_TEXT + 1})) > {LIST_TEXT}, false) OR {_LONG_BODY}"
    f" OR {_long_headers(_MESSAGE_HEADERS)}"
)
EVENT_SUMMARY_DATA = _event_data(
    f"left({{}}, {LIST_TEXT})",
    f"'subject', left({_MESSAGE}->>'subject', {LIST_TEXT}), 'headers', {_headers(_MESSAGE_HEADERS)},"
    f" 'truncated', ({_SUMMARY_TRUNCATED})",
)


Record = Row[Any] | Mapping[str, Any]


def fields(row: Record) -> Mapping[str, Any]:
    """Column values by name, from a SQLAlchemy row or a plain mapping (the psycopg fast path)."""
    return cast(Mapping[str, Any], row._mapping) if isinstance(row, Row) else row


def domain(record: Record) -> dict[str, Any]:
    row = fields(record)
    return {
        "id": row["id"],
        "name": row["name"],
        "status": row["status"],
        "records": row["records"],
        "created_at": row["created_at"],
        "verified_at": row["verified_at"],
    }


def inbox(record: Record) -> dict[str, Any]:
    row = fields(record)
    return {
        "id": row["id"],
        "domain_id": row["domain_id"],
        "local_part": row["local_part"],
        "address": row["address"],
        "name": row["name"],
        "retention_days": row["retention_days"],
        "created_at": row["created_at"],
    }


def message(record: Record) -> dict[str, Any]:
    row = fields(record)
    return {**{name: row[name] for name in MESSAGE_FIELDS}, "truncated": bool(row.get("truncated", False))}


def event_message(record: Record) -> dict[str, Any]:
    """The message as an event stores it: everything but the bodies."""
    row = fields(record)
    return {**{name: row[name] for name in MESSAGE_FIELDS if name not in BODIES}, "truncated": False}


DRAFT_FIELDS = [str(c.name) for c in drafts.c]


def draft(record: Record) -> dict[str, Any]:
    """The draft; its attachments are described, their bytes are in the blob store (handlers/drafts.py)."""
    row = fields(record)
    shown = {name: row[name] for name in DRAFT_FIELDS}
    shown["attachments"] = [_draft_attachment(a) for a in row["attachments"]]
    return shown


def _draft_attachment(stored: dict[str, Any]) -> dict[str, Any]:
    size = stored.get("size")
    if size is None:  # saved before drafts kept their attachments as blobs: the base64 is in the row
        size = len(base64.b64decode(stored.get("content", "")))
    return {
        "id": stored.get("id"),
        "filename": stored["filename"],
        "content_type": stored["content_type"],
        "size": size,
        "content_id": stored.get("content_id"),
        "inline": bool(stored.get("inline")),
    }


def event_draft(record: Record) -> dict[str, Any]:
    """The draft as its events store it: as the API shows it (no attachment bytes)."""
    return draft(record)


def thread(record: Record) -> dict[str, Any]:
    row = fields(record)
    return {
        "id": row["id"],
        "inbox_id": row["inbox_id"],
        "subject": row["subject"],
        "participants": row["participants"],
        "message_count": row["message_count"],
        "last_message_at": row["last_message_at"],
        "labels": row["labels"],
        "created_at": row["created_at"],
    }


def webhook(record: Record, *, with_secret: bool = False) -> dict[str, Any]:
    row = fields(record)
    result = {
        "id": row["id"],
        "url": row["url"],
        "events": row["events"],
        "inbox_ids": row["inbox_ids"],
        "description": row["description"],
        "enabled": row["enabled"],
        "created_at": row["created_at"],
    }
    if with_secret:
        result["secret"] = row["secret"]
    return result


def delivery(record: Record) -> dict[str, Any]:
    row = fields(record)
    return {
        "id": row["id"],
        "webhook_id": row["webhook_id"],
        "event_id": row["event_id"],
        "attempt": row["attempt"],
        "status": row["status"],
        "response_status": row["response_status"],
        "response_body": row["response_body"],
        "duration_ms": row["duration_ms"],
        "next_attempt_at": row["next_attempt_at"],
        "created_at": row["created_at"],
    }


def event(record: Record) -> dict[str, Any]:
    row = fields(record)
    return {"id": row["id"], "type": row["type"], "timestamp": row["created_at"], "data": row["data"]}


def suppression(record: Record) -> dict[str, Any]:
    row = fields(record)
    return {
        "address": row["address"],
        "reason": row["reason"],
        "message_id": row["message_id"],
        "created_at": row["created_at"],
    }


def api_key(record: Record) -> dict[str, Any]:
    row = fields(record)
    return {
        "id": row["id"],
        "name": row["name"],
        "prefix": row["prefix"],
        "inbox_ids": row["inbox_ids"],
        "created_at": row["created_at"],
        "last_used_at": row["last_used_at"],
    }


# --- the queries ---------------------------------------------------------------------------------------------


def _equal(query: Select[Any], *filters: tuple[ColumnElement[Any], object]) -> Select[Any]:
    """``query`` narrowed to the rows whose column equals each value given (None: not filtered on)."""
    return query.where(*(column == value for column, value in filters if value is not None))


async def find_domain(conn: AsyncConnection, domain_id: str) -> dict[str, Any]:
    row = (await conn.execute(select(domains).where(domains.c.id == domain_id))).first()
    if row is None:
        raise not_found("domain", domain_id)
    return domain(row)


async def find_inbox(conn: AsyncConnection, inbox_id: str) -> dict[str, Any]:
    row = (await conn.execute(select(inboxes).where(inboxes.c.id == inbox_id))).first()
    if row is None:
        raise not_found("inbox", inbox_id)
    return inbox(row)


async def find_message(conn: AsyncConnection, message_id: str, *, for_update: bool = False) -> Any:
    """The whole row, raw mail keys included (for the raw download, attachments, replies and forwards);
    ``for_update`` locks it until the transaction ends."""
    query = select(messages).where(messages.c.id == message_id)
    row = (await conn.execute(query.with_for_update() if for_update else query)).first()
    if row is None:
        raise not_found("message", message_id)
    return row


async def find_draft(conn: AsyncConnection, draft_id: str, *, for_update: bool = False) -> Any:
    query = select(drafts).where(drafts.c.id == draft_id)
    row = (await conn.execute(query.with_for_update() if for_update else query)).first()
    if row is None:
        raise not_found("draft", draft_id)
    return row


async def find_webhook(conn: AsyncConnection, webhook_id: str) -> Any:
    row = (await conn.execute(select(webhooks_table).where(webhooks_table.c.id == webhook_id))).first()
    if row is None:
        raise not_found("webhook", webhook_id)
    return row


async def healthy(database: Database) -> bool:
    """Whether the database answers."""
    try:
        async with database.read() as conn:
            await conn.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        return False
    return True


async def list_domains(database: Database, *, name: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    query = select(domains)
    if name is not None:
        query = query.where(domains.c.name == normalise_domain(name))
    async with database.read() as conn:
        return await page(conn, query, [domains.c.id], limit, cursor, domain)


async def get_domain(database: Database, domain_id: str) -> dict[str, Any]:
    async with database.read() as conn:
        return await find_domain(conn, domain_id)


async def list_inboxes(
    database: Database, scope: Scope, *, domain_id: str | None, address: str | None, limit: int, cursor: str | None
) -> dict[str, Any]:
    query = _equal(select(inboxes), (inboxes.c.domain_id, domain_id))
    if address is not None:
        query = query.where(inboxes.c.address == address.strip().lower())
    if scope is not None:
        query = query.where(inboxes.c.id.in_(scope))
    async with database.read() as conn:
        return await page(conn, query, [inboxes.c.id], limit, cursor, inbox)


_INBOX_BY_ID = prepare(select(inboxes).where(inboxes.c.id == bindparam("id")))


async def get_inbox(database: Database, inbox_id: str) -> dict[str, Any]:
    row = await database.one(_INBOX_BY_ID, id=inbox_id)
    if row is None:
        raise not_found("inbox", inbox_id)
    return inbox(row)


def _inbox_messages(
    inbox_id: str,
    *,
    label: str | None,
    q: str | None,
    before: datetime | None,
    lines_only: bool,
    equal_to: dict[str, str | None],
) -> Select[Any]:
    c = messages.c
    columns = MESSAGE_LINE_COLUMNS if lines_only else MESSAGE_SUMMARY_COLUMNS
    query = select(*columns).where(c.inbox_id == inbox_id)
    query = _equal(query, *((c[name], value) for name, value in equal_to.items()))
    if label is not None:
        query = query.where(c.labels.contains([label]))
    if q is not None:
        searched = search.query(q)
        # A search with no word matches nothing (as websearch_to_tsquery's empty query did).
        query = query.where(c.search.op("@@")(sql_cast(searched, TSQUERY)) if searched is not None else false())
    if before is not None:
        query = query.where(c.created_at < before)
    return query


async def list_messages(
    database: Database,
    inbox_id: str,
    *,
    limit: int,
    cursor: str | None,
    label: str | None,
    q: str | None,
    after: datetime | str | None,
    before: datetime | None,
    lines_only: bool = False,
    **equal_to: str | None,
) -> dict[str, Any]:
    """A page of the inbox's messages, each bounded, filtered on the columns ``equal_to`` names (direction,
    status, thread_id); ``after`` is a time or a message id (ids sort by creation); 404 when there is no such
    inbox. ``lines_only``: each message without its bodies and headers (MESSAGE_LINE_COLUMNS)."""
    c = messages.c
    query = _inbox_messages(inbox_id, label=label, q=q, before=before, lines_only=lines_only, equal_to=equal_to)
    if isinstance(after, str):
        query = query.where(c.id > after)
    elif after is not None:
        query = query.where(c.created_at > after)
    async with database.read() as conn:
        await find_inbox(conn, inbox_id)
        return await page(conn, query, [c.id], limit, cursor, message_line if lines_only else message)


async def list_stored_after(
    database: Database,
    inbox_id: str,
    stored: int,
    *,
    limit: int,
    label: str | None,
    q: str | None,
    before: datetime | None,
    lines_only: bool = False,
    **equal_to: str | None,
) -> dict[str, Any]:
    """The first ``limit`` of the inbox's messages (filtered as ``list_messages`` does) whose storing number
    (``message_order``) is above ``stored``, the last stored first: its id is where the next look goes on from,
    and what did not fit comes then. No ``next_cursor``: numbers, not ids, order this list."""
    query = (
        _inbox_messages(inbox_id, label=label, q=q, before=before, lines_only=lines_only, equal_to=equal_to)
        .add_columns(message_order.c.seq.label("stored_seq"))
        .select_from(messages.join(message_order, message_order.c.message_id == messages.c.id))
        .where(message_order.c.seq > stored)
        .order_by(message_order.c.seq)
        .limit(limit)
    )
    async with database.read() as conn:
        await find_inbox(conn, inbox_id)
        rows = (await conn.execute(query)).all()
    view = message_line if lines_only else message
    listed = [view(row) for row in reversed(rows)]
    for shaped in listed:
        shaped.pop("stored_seq", None)
    return {"data": listed, "next_cursor": None}


async def stored_number(database: Database, inbox_id: str, message_id: str) -> int | None:
    """The storing number of the inbox's message ``message_id`` (None: no such message of this inbox, or not
    numbered yet); 404 when there is no such inbox."""
    query = (
        select(message_order.c.seq)
        .select_from(message_order.join(messages, messages.c.id == message_order.c.message_id))
        .where(message_order.c.message_id == message_id, messages.c.inbox_id == inbox_id)
    )
    async with database.read() as conn:
        await find_inbox(conn, inbox_id)
        found: int | None = (await conn.execute(query)).scalar_one_or_none()
        return found


async def last_stored_number(database: Database, inbox_id: str) -> int:
    """The highest storing number given (0: none); 404 when there is no such inbox."""
    async with database.read() as conn:
        await find_inbox(conn, inbox_id)
        return int((await conn.execute(select(func.coalesce(func.max(message_order.c.seq), 0)))).scalar_one())


def message_line(record: Record) -> dict[str, Any]:
    return dict(fields(record))


# jsonb columns come back as text and go out verbatim (orjson.Fragment): no parse and re-serialise.
_JSON_FIELDS = [str(c.name) for c in MESSAGE_COLUMNS if isinstance(c.type, JSONB)]
_MESSAGE_BY_ID = prepare(
    select(*(sql_cast(c, Text).label(c.name) if c.name in _JSON_FIELDS else c for c in MESSAGE_COLUMNS)).where(
        messages.c.id == bindparam("id")
    )
)


async def get_message(database: Database, message_id: str) -> dict[str, Any]:
    """The message whole; ``inbox_id`` tells whose it is."""
    row = await database.one(_MESSAGE_BY_ID, id=message_id)
    if row is None:
        raise not_found("message", message_id)
    for name in _JSON_FIELDS:
        row[name] = orjson.Fragment(row[name])
    return message(row)


async def get_message_row(database: Database, message_id: str) -> Any:
    async with database.read() as conn:
        return await find_message(conn, message_id)


async def list_drafts(database: Database, inbox_id: str, *, limit: int, cursor: str | None) -> dict[str, Any]:
    """The inbox's drafts, newest first; 404 when there is no such inbox."""
    async with database.read() as conn:
        await find_inbox(conn, inbox_id)
        query = select(drafts).where(drafts.c.inbox_id == inbox_id)
        return await page(conn, query, [drafts.c.id], limit, cursor, draft)


async def get_draft(database: Database, draft_id: str) -> dict[str, Any]:
    """The draft whole; ``inbox_id`` tells whose it is."""
    async with database.read() as conn:
        return draft(await find_draft(conn, draft_id))


async def list_threads(
    database: Database, inbox_id: str, *, label: str | None, limit: int, cursor: str | None
) -> dict[str, Any]:
    c = threads.c
    query = select(threads).where(c.inbox_id == inbox_id)
    if label is not None:
        query = query.where(c.labels.contains([label]))
    async with database.read() as conn:
        await find_inbox(conn, inbox_id)
        return await page(conn, query, [c.last_message_at, c.id], limit, cursor, thread)


async def get_thread(database: Database, thread_id: str, *, limit: int, cursor: str | None) -> dict[str, Any]:
    """The thread with a page of its messages, oldest first (anyone can grow a thread by sending mail)."""
    async with database.read() as conn:
        row = (await conn.execute(select(threads).where(threads.c.id == thread_id))).first()
        if row is None:
            raise not_found("thread", thread_id)
        query = select(*MESSAGE_SUMMARY_COLUMNS).where(messages.c.thread_id == thread_id)
        if cursor is not None:
            query = query.where(messages.c.id > decode_cursor(cursor, 1)[0])
        rows = (await conn.execute(query.order_by(messages.c.id).limit(limit + 1))).all()
    listed = [message(m) for m in rows[:limit]]
    next_cursor = encode_cursor([listed[-1]["id"]]) if len(rows) > limit else None
    return {**thread(row), "messages": listed, "next_cursor": next_cursor}


def _event_columns(data: ColumnElement[Any]) -> Select[Any]:
    return select(*(column for column in events.c if column.name != "data"), data.label("data"))


async def list_events(
    database: Database,
    scope: Scope,
    *,
    limit: int,
    cursor: str | None,
    **equal_to: str | None,
) -> dict[str, Any]:
    """A page of events, filtered on the columns ``equal_to`` names (type, inbox_id, message_id)."""
    c = events.c
    query = _equal(_event_columns(EVENT_SUMMARY_DATA), *((c[name], value) for name, value in equal_to.items()))
    if scope is not None:
        query = query.where(c.inbox_id.in_(scope))
    async with database.read() as conn:
        return await page(conn, query, [c.id], limit, cursor, event)


async def get_event(database: Database, scope: Scope, event_id: str) -> dict[str, Any]:
    """The event whole; another inbox's event is missing for a scoped key."""
    async with database.read() as conn:
        row = (await conn.execute(_event_columns(EVENT_DATA).where(events.c.id == event_id))).first()
    if row is None or (scope is not None and row.inbox_id not in scope):
        raise not_found("event", event_id)
    return event(dict(row._mapping))


async def list_webhooks(database: Database, *, limit: int, cursor: str | None) -> dict[str, Any]:
    async with database.read() as conn:
        return await page(conn, select(webhooks_table), [webhooks_table.c.id], limit, cursor, webhook)


async def get_webhook(database: Database, webhook_id: str) -> dict[str, Any]:
    async with database.read() as conn:
        return webhook(await find_webhook(conn, webhook_id))


async def list_deliveries(
    database: Database, webhook_id: str, *, status: str | None, event_id: str | None, limit: int, cursor: str | None
) -> dict[str, Any]:
    c = deliveries.c
    query = _equal(select(deliveries).where(c.webhook_id == webhook_id), (c.status, status), (c.event_id, event_id))
    async with database.read() as conn:
        await find_webhook(conn, webhook_id)
        return await page(conn, query, [c.id], limit, cursor, delivery)


async def list_api_keys(database: Database, *, limit: int, cursor: str | None) -> dict[str, Any]:
    async with database.read() as conn:
        return await page(conn, select(api_keys), [api_keys.c.id], limit, cursor, api_key)


async def list_suppressions(database: Database, *, limit: int, cursor: str | None) -> dict[str, Any]:
    order = [suppressions.c.created_at, suppressions.c.address]
    async with database.read() as conn:
        return await page(conn, select(suppressions), order, limit, cursor, suppression)
