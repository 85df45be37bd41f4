"""Database rows as the API's JSON objects (the shapes of openapi.yaml)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Row

from ..adapters.tables import messages

MESSAGE_COLUMNS = [c for c in messages.c if c.name not in ("raw_key", "raw_bucket", "dedup_key", "search")]
MESSAGE_FIELDS = [str(c.name) for c in MESSAGE_COLUMNS]  # plain str: "from" is a quoted_name


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
    return {name: row[name] for name in MESSAGE_FIELDS}


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
