"""Hot-path reads straight on psycopg connections, with SQL compiled once, at import, from SQLAlchemy statements.

SQLAlchemy's async pool check-out and result machinery cost about three times the database round
trip of a primary-key lookup, so the retrieve endpoints use this small pool instead (bench/run.py).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import set_json_loads
from sqlalchemy import Select
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

set_json_loads(orjson.loads)
_DIALECT = PGDialect_psycopg()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Prepared:
    """A statement's SQL in psycopg's paramstyle; made by ``prepare`` once, at module level."""

    sql: str


def prepare(statement: Select[Any]) -> Prepared:
    return Prepared(str(statement.compile(dialect=_DIALECT)))


class FastReads:
    def __init__(self, url: str, size: int = 4) -> None:
        self.conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
        self.size = size
        self.idle: list[psycopg.AsyncCursor[DictRow]] = []
        self._slots: asyncio.Semaphore | None = None

    async def _connect(self) -> psycopg.AsyncCursor[DictRow]:
        """A cursor on a new connection: one cursor per connection, reused for every query."""
        conn = await psycopg.AsyncConnection.connect(
            self.conninfo, autocommit=True, options="-c timezone=UTC", row_factory=dict_row
        )
        return conn.cursor(binary=True)

    async def one(self, prepared: Prepared, **params: Any) -> dict[str, Any] | None:
        """The first row of ``prepared`` as a dict, or None."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        async with self._slots:
            cursor = self.idle.pop() if self.idle else await self._connect()
            try:
                await cursor.execute(prepared.sql, params)
                row = await cursor.fetchone()
            except BaseException:
                # Broken, or cancelled mid-query (a client gone away): its state is unknown, so it is closed
                # rather than handed out again; shielded, so a second cancellation cannot leak it either.
                await asyncio.shield(cursor.connection.close())
                raise
            self.idle.append(cursor)
            return row

    async def aclose(self) -> None:
        while self.idle:
            await self.idle.pop().connection.close()
