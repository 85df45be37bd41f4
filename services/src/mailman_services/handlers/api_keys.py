"""API keys: created with their secret shown once, stored only as SHA-256, found by it for each request."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select, update

from ..db.engine import Database
from ..db.schema import api_keys
from ..domain.errors import not_found
from ..domain.ids import new_id
from ..domain.secrets import hash_token, new_api_key
from . import views
from .webhooks import check_inbox_ids


async def create(database: Database, name: str, inbox_ids: list[str] | None) -> dict[str, Any]:
    """The new key as the API shows it, with ``key`` (the only time it is visible)."""
    async with database.transaction() as conn:
        key = new_api_key()
        scope = None if inbox_ids is None else await check_inbox_ids(conn, inbox_ids)
        row = (
            await conn.execute(
                insert(api_keys)
                .values(id=new_id("key"), name=name, prefix=key[:8], key_hash=hash_token(key), inbox_ids=scope)
                .returning(api_keys)
            )
        ).one()
        return {**views.api_key(row), "key": key}


async def remove(database: Database, key_id: str) -> None:
    async with database.transaction() as conn:
        result = await conn.execute(delete(api_keys).where(api_keys.c.id == key_id).returning(api_keys.c.id))
        if result.first() is None:
            raise not_found("API key", key_id)


async def find(database: Database, token: str) -> tuple[str, list[str] | None] | None:
    """The id and inbox scope of the key whose secret is ``token``, or None."""
    async with database.read() as conn:
        row = (
            await conn.execute(
                select(api_keys.c.id, api_keys.c.inbox_ids).where(api_keys.c.key_hash == hash_token(token))
            )
        ).first()
    return None if row is None else (row.id, row.inbox_ids)


async def touch(database: Database, key_id: str) -> None:
    """Record that the key was used just now."""
    async with database.transaction() as conn:
        await conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(last_used_at=func.now()))
