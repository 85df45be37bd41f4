"""Waiting for mail: ``GET /v1/inboxes/{id}/messages?wait=…`` answers as soon as a matching message is stored.

One LISTEN connection per API process (``Arrivals``) hears the NOTIFY that every stored message sends at commit
(handlers/events.py, naming its inbox) and wakes the waiters of that inbox; each waiter then runs the list query
again. A missed notification (the listener reconnecting) costs at most ``RECHECK`` seconds: waiters re-check
that often anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import psycopg

from ..db.engine import Database, listen_url
from . import views
from .events import EVENTS_CHANNEL

log = logging.getLogger("mailman.waiting")

RECHECK = 1.0  # seconds between re-checks when no notification comes
RECONNECT = 1.0


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
    **filters: Any,
) -> dict[str, Any]:
    """The page ``views.list_messages`` gives, once it holds a message newer than ``after`` (a time or a message
    id; None: newer than the inbox's newest message now), or an empty page after ``wait`` seconds."""
    if after is None:
        after = await views.newest_message_id(database, inbox_id) or ""  # "": any message (ids sort after it)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    with arrivals.watching(inbox_id) as woken:
        while True:
            woken.clear()  # before looking: a message stored during the look wakes the next wait at once
            found = await views.list_messages(database, inbox_id, after=after, **filters)
            remaining = deadline - loop.time()
            if found["data"] or remaining <= 0:
                return found
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), min(remaining, RECHECK))
