"""db/reads.py against the stack's PostgreSQL: a read cancelled mid-query closes its connection."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import psycopg
from mailman_services.db.reads import FastReads, prepare
from psycopg.rows import DictRow
from sqlalchemy import bindparam, func, literal_column, select

from tests.conftest import Stack

SLEEP = prepare(select(func.pg_sleep(bindparam("seconds")).label("slept")))
ONE = prepare(select(literal_column("1").label("one")))


class Recorded(FastReads):
    """Keeps every connection it opens, to look at afterwards."""

    def __init__(self, url: str) -> None:
        super().__init__(url, size=1)
        self.opened: list[psycopg.AsyncConnection[Any]] = []

    async def _connect(self) -> psycopg.AsyncCursor[DictRow]:
        cursor = await super()._connect()
        self.opened.append(cursor.connection)
        return cursor


def test_a_cancelled_read_closes_its_connection_and_frees_its_slot(stack: Stack) -> None:
    url = f"postgresql://postgres@/postgres?host={stack.data_dir / 'postgres'}"

    async def scenario() -> tuple[bool, bool, dict[str, Any] | None, int]:
        reads = Recorded(url)
        try:
            task = asyncio.create_task(reads.one(SLEEP, seconds=1))
            await asyncio.sleep(0.3)  # the query is running
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            first_closed = reads.opened[0].closed
            handed_out_again = bool(reads.idle)
            row = await reads.one(ONE)  # the only slot is free again, on a new connection
            return first_closed, handed_out_again, row, len(reads.opened)
        finally:
            await reads.aclose()

    first_closed, handed_out_again, row, opened = asyncio.run(scenario())
    assert first_closed and not handed_out_again
    assert row == {"one": 1} and opened == 2
