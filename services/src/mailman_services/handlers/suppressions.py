"""The suppression list: addresses Mailman will not send to, whether a bounce, a complaint or a user put them there."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ..db.engine import Database
from ..db.schema import suppressions
from ..domain.addresses import is_address, normalise_address
from ..domain.errors import APIError, invalid
from . import views


async def suppress(
    conn: AsyncConnection, addresses: Sequence[str], reason: str, message_id: str | None = None
) -> list[Row[Any]]:
    """Never send to these again; an address already listed keeps its entry. Returns the entries added."""
    if not addresses:
        return []
    entries = [{"address": normalise_address(a), "reason": reason, "message_id": message_id} for a in addresses]
    return list(
        await conn.execute(pg_insert(suppressions).values(entries).on_conflict_do_nothing().returning(suppressions))
    )


async def suppressed_among(conn: AsyncConnection, addresses: Sequence[str]) -> set[str]:
    """Those of ``addresses`` (normalised already) that are on the list."""
    listed = await conn.execute(select(suppressions.c.address).where(suppressions.c.address.in_(addresses)))
    return set(listed.scalars())


async def create(database: Database, address: str, reason: str) -> dict[str, Any]:
    """Suppress an address by hand (the API); one listed already is a conflict."""
    address = normalise_address(address)
    if not is_address(address):
        raise invalid("address", "is not an email address")
    async with database.transaction() as conn:
        added = await suppress(conn, [address], reason)
    if not added:
        raise APIError(409, "suppression_exists", f"{address} is already suppressed.")
    return views.suppression(added[0])


async def remove(database: Database, address: str) -> None:
    async with database.transaction() as conn:
        result = await conn.execute(
            delete(suppressions)
            .where(suppressions.c.address == normalise_address(address))
            .returning(suppressions.c.address)
        )
        if result.first() is None:
            raise APIError(404, "not_found", f"{address} is not on the suppression list.")
