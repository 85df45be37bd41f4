"""Many rows in one INSERT statement, for the hot paths that store a batch (inbound mail and its events).

SQLAlchemy runs a list of rows as one statement per row (psycopg's executemany, each with its own round of
the executor and of the table's triggers), or compiles a multi-row ``VALUES`` afresh for every batch. Here
the statement text is made once per table, column list and row count, and psycopg prepares it after a few
uses. Measured on the inbound store (10 messages a batch): PostgreSQL's CPU per message 1.4 → 0.9 ms.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from psycopg import AsyncRawCursor
from psycopg.types.json import Jsonb
from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

from .engine import json_dumps
from .schema import SearchVector


def _jsonb(value: object) -> object:
    return None if value is None else Jsonb(value, dumps=json_dumps)


@functools.cache
def _adapters(table: Table) -> dict[str, Callable[[Any], object] | None]:
    return {c.name: _jsonb if isinstance(c.type, JSONB) else None for c in table.columns}


@functools.cache
def _statement(table: Table, columns: tuple[str, ...], count: int) -> str:
    # $n placeholders, sent as they are (a raw cursor): psycopg would parse %s ones anew for every statement of
    # more than 50 parameters. The search vector comes as its literal (domain/search.py), cast in SQL as
    # SearchVector does for SQLAlchemy.
    casts = ["::tsvector" if isinstance(table.c[name].type, SearchVector) else "" for name in columns]
    width = len(columns)
    rows = (f"({', '.join(f'${row * width + n + 1}{casts[n]}' for n in range(width))})" for row in range(count))
    names = ", ".join(f'"{name}"' for name in columns)
    return f"INSERT INTO {table.name} ({names}) VALUES {', '.join(rows)}"  # noqa: S608 - names from the schema


MAX_PARAMETERS = 65_535  # of one statement (PostgreSQL's protocol)


async def insert_rows(conn: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys, named after ``table``'s columns) in ``conn``'s transaction, in
    one statement (several past 65,535 values). In a pipelined transaction (``engine.pipelined_transaction``)
    they ride with the next read or the COMMIT."""
    if not rows:
        return
    columns = tuple(rows[0])
    adapters = _adapters(table)
    convert = [adapters[name] for name in columns]  # a KeyError names a column the table does not have
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    step = MAX_PARAMETERS // len(columns)
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        params: list[object] = []
        for row in chunk:
            if row.keys() != set(columns):
                raise ValueError(f"rows for {table.name} name different columns")
            params += [row[name] if to is None else to(row[name]) for name, to in zip(columns, convert, strict=True)]
        await AsyncRawCursor(driver).execute(_statement(table, columns, len(chunk)), params)
