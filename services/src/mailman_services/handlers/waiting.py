"""Waiting for mail: ``GET /v1/inboxes/{id}/messages?wait=…`` answers as soon as a matching message is stored.

One LISTEN connection per API process (``Arrivals``) hears the NOTIFY that every stored message sends at commit
(handlers/events.py, naming its inbox) and wakes the waiters of that inbox; each waiter then runs the list query
again. A missed notification (the listener reconnecting) costs at most ``RECHECK`` seconds: waiters re-check
that often anyway.

Message ids are made before the commit, so a message with a smaller id can commit after one with a larger id,
and "messages newer than id X" would miss it. Waiting goes by the order of storing instead: ``message_order``
numbers committed messages (their INSERT queues them in ``messages_unordered``, migration 0016) one numbering
at a time (an advisory lock held to its commit), as the event stream numbers events, so a message committed
after another is numbered after it. Waiters number before each look and list only numbered messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import text

from ..db.engine import Database, listen_url
from . import views
from .events import EVENTS_CHANNEL
from .stream import number_in_runs

log = logging.getLogger("mailman.waiting")

RECHECK = 1.0  # seconds between re-checks when no notification comes
RECONNECT = 1.0
_NUMBERING_LOCK = 0x6D61_696C_6D73  # pg_advisory_xact_lock key: one numbering of stored messages at a time

_NUMBER = text(
    "WITH taken AS (DELETE FROM messages_unordered WHERE message_id IN"
    " (SELECT message_id FROM messages_unordered ORDER BY message_id LIMIT 1000) RETURNING message_id)"
    " INSERT INTO message_order (seq, message_id)"
    " SELECT nextval('messages_stored_seq'), message_id FROM (SELECT message_id FROM taken ORDER BY message_id) AS o"
)


async def number_stored(database: Database) -> int:
    """Give the committed messages that have none their storing number, as the stream numbers events
    (``stream.number_in_runs``); returns how many were numbered."""
    return await number_in_runs(database, _NUMBERING_LOCK, _NUMBER)


class Arrivals:
    """The process's one listener on ``mailman_events``, fanning notifications out to the waiters by inbox."""

    def __init__(self, database: Database) -> None:
        self._url = listen_url(database.engine)
        self._waiters: dict[str, set[asyncio.Event]] = {}
        self._task: asyncio.Task[None] | None = None

    @contextlib.contextmanager
    def watching(self, inbox_id: str) -> Iterator[asyncio.Event]:
        """An event set whenever mail for ``inbox_id`` may have been stored (clear it before each look)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._listen())
        woken = asyncio.Event()
        self._waiters.setdefault(inbox_id, set()).add(woken)
        try:
            yield woken
        finally:
            waiters = self._waiters.get(inbox_id)
            if waiters is not None:
                waiters.discard(woken)
                if not waiters:
                    del self._waiters[inbox_id]

    def _wake(self, payload: str) -> None:
        inbox_ids = payload.split(",") if payload else list(self._waiters)
        for inbox_id in inbox_ids:
            for woken in self._waiters.get(inbox_id, ()):
                woken.set()

    async def _listen(self) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self._url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {EVENTS_CHANNEL}")
                    self._wake("")  # whatever was stored while not listening
                    async for notification in conn.notifies():
                        self._wake(notification.payload)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("listening for new mail failed; reconnecting", exc_info=True)
                await asyncio.sleep(RECONNECT)

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


async def wait_for_messages(
    database: Database,
    arrivals: Arrivals,
    inbox_id: str,
    *,
    wait: float,
    after: datetime | str | None,
    limit: int,
    cursor: str | None,
    **filters: Any,
) -> dict[str, Any]:
    """The matching messages stored after ``after``, once there is one, or an empty page after ``wait`` seconds.

    ``after`` a message id of the inbox: those committed after it, whatever their ids (``views.list_stored_after``:
    the first ``limit`` stored, the last stored first, so its id is the next ``after``); None: those committed
    after the request came. A time, or an id of no message of the inbox (deleted, say): ``views.list_messages``
    newer than it, as without ``wait``.
    """
    await number_stored(database)  # ``after``, and whatever committed before the request came, numbered
    stored: int | None = None
    if after is None:
        stored = await views.last_stored_number(database, inbox_id)
    elif isinstance(after, str):
        stored = await views.stored_number(database, inbox_id, after)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    with arrivals.watching(inbox_id) as woken:
        while True:
            woken.clear()  # before looking: a message stored during the look wakes the next wait at once
            if stored is None:
                found = await views.list_messages(
                    database, inbox_id, after=after, limit=limit, cursor=cursor, **filters
                )
            else:
                await number_stored(database)
                found = await views.list_stored_after(database, inbox_id, stored, limit=limit, **filters)
            remaining = deadline - loop.time()
            if found["data"] or remaining <= 0:
                return found
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), min(remaining, RECHECK))
