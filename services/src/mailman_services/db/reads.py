"""Hot-path reads straight on psycopg connections, with SQL compiled once from SQLAlchemy statements.

SQLAlchemy's async pool check-out and result machinery cost about three times the database round
trip of a primary-key lookup, so the retrieve endpoints use this small pool instead (bench/run.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import set_json_loads
from sqlalchemy import Select
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

set_json_loads(orjson.loads)
_DIALECT = PGDialect_psycopg()  # type: ignore[no-untyped-call]


class FastReads:
    def __init__(self, url: str, size: int = 4) -> None:
        self.conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
        self.size = size
        self.idle: list[psycopg.AsyncCursor[DictRow]] = []
        self._slots: asyncio.Semaphore | None = None
        self._sql: dict[int, str] = {}

    def _compiled(self, statement: Select[Any]) -> str:
        sql = self._sql.get(id(statement))
        if sql is None:
            sql = self._sql[id(statement)] = str(statement.compile(dialect=_DIALECT))
        return sql

    async def _connect(self) -> psycopg.AsyncCursor[DictRow]:
        """A cursor on a new connection: one cursor per connection, reused for every query."""
        conn = await psycopg.AsyncConnection.connect(
            self.conninfo, autocommit=True, options="-c timezone=UTC", row_factory=dict_row
        )
        return conn.cursor(binary=True)

    async def one(self, statement: Select[Any], **params: Any) -> dict[str, Any] | None:
        """The first row of ``statement`` as a dict, or None."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        sql = self._compiled(statement)
        async with self._slots:
            cursor = self.idle.pop() if self.idle else await self._connect()
            try:
                await cursor.execute(sql, params)
                row = await cursor.fetchone()
            except psycopg.OperationalError:
                await cursor.connection.close()  # a broken connection is dropped, never handed out again
                raise
            self.idle.append(cursor)
            return row

    async def aclose(self) -> None:
        while self.idle:
            await self.idle.pop().connection.close()
