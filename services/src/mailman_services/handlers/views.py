"""Database rows as the API's JSON objects (the shapes of openapi.yaml)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Boolean, ColumnElement, Row, func, literal_column, or_
from sqlalchemy.dialects.postgresql import JSONB

from ..db.schema import messages

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
        "created_at": row["created_at"],
    }


def message(record: Record) -> dict[str, Any]:
    row = fields(record)
    return {**{name: row[name] for name in MESSAGE_FIELDS}, "truncated": bool(row.get("truncated", False))}


def event_message(record: Record) -> dict[str, Any]:
    """The message as an event stores it: everything but the bodies."""
    row = fields(record)
    return {**{name: row[name] for name in MESSAGE_FIELDS if name not in BODIES}, "truncated": False}


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
