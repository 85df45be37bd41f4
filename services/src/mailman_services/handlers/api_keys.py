"""API keys: created with their secret shown once, stored only as SHA-256."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ..db.schema import api_keys
from ..domain.ids import new_id
from ..domain.secrets import hash_token, new_api_key
from . import views
from .webhooks import check_inbox_ids


async def create(conn: AsyncConnection, name: str, inbox_ids: list[str] | None) -> dict[str, Any]:
    """The new key as the API shows it, with ``key`` (the only time it is visible)."""
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
