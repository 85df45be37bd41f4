"""Keyset pagination shared by every list: newest first, ``limit`` + 1 rows tell whether a next page exists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Row, Select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.pagination import decode_cursor, encode_cursor


def _key_part(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


async def page(
    conn: AsyncConnection,
    query: Select[Any],
    order: list[Column[Any]],
    limit: int,
    cursor: str | None,
    view: Callable[[Row[Any]], dict[str, Any]],
) -> dict[str, Any]:
    """One page of ``query`` ordered by ``order`` descending (the last column must be unique)."""
    if cursor is not None:
        key: list[Any] = decode_cursor(cursor, len(order))
        for i, column in enumerate(order):
            if column.type.python_type is datetime:
                try:
                    key[i] = datetime.fromisoformat(key[i])
                except ValueError:
                    from ..domain.errors import invalid

                    raise invalid("cursor", "is not a cursor returned by this list") from None
        query = query.where(tuple_(*order) < tuple_(*key)) if len(order) > 1 else query.where(order[0] < key[0])
    rows = (await conn.execute(query.order_by(*[c.desc() for c in order]).limit(limit + 1))).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([_key_part(rows[-1]._mapping[c.name]) for c in order])
    return {"data": [view(row) for row in rows], "next_cursor": next_cursor}
