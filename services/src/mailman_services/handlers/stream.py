"""The event stream: events in the order they were committed, first from the table, then live, to every
subscriber of this API process through one LISTEN connection (docs/architecture.md#event-stream).

Event ids are made before commit, so an event with a smaller id can commit after one with a larger id, and
"every event after id X" would miss it. The stream's order is ``event_order.seq`` instead: a number given
only to committed events (their transactions queue them in ``events_unordered``) by ``number_committed``,
which one transaction at a time runs (an advisory lock held to its commit), so a smaller number never
becomes visible after a larger one. Streams read and resume by it; the SSE id stays the event id, looked up
to its number on resume.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import deque
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
from sqlalchemy import Text, TextClause, cast, func, select, text

from ..db.engine import Database, listen_url
from ..db.schema import event_order, events
from ..domain.errors import APIError
from . import views
from .events import STREAM_CHANNEL

log = logging.getLogger("mailman.stream")

PAGE = 200  # events read at once, from the table
BUFFER = 1000  # live events a subscriber may fall behind by before it is disconnected
# Envelope bytes written to a subscriber at once, about: a whole backlog joined per subscriber would be copies of
# shared events, 1,000 subscribers' worth of them (a write waits for the client, holding what it was given).
TAKE_BYTES = 32 * 1024
POLL_SECONDS = 1.0  # the listener looks for events even without a NOTIFY (one lost while it reconnected)
_NUMBERING_LOCK = 0x6D61_696C_7371  # pg_advisory_xact_lock key: one numbering at a time, across processes

_NUMBER = text(
    "WITH taken AS (DELETE FROM events_unordered WHERE event_id IN"
    " (SELECT event_id FROM events_unordered ORDER BY event_id LIMIT 1000) RETURNING event_id)"
    " INSERT INTO event_order (seq, event_id)"
    " SELECT nextval('events_stream_seq'), event_id FROM (SELECT event_id FROM taken ORDER BY event_id) AS ordered"
)


async def number_committed(database: Database) -> int:
    """Give the committed events that have none their stream number; returns how many were numbered."""
    return await number_in_runs(database, _NUMBERING_LOCK, _NUMBER)


async def number_in_runs(database: Database, lock: int, numbering: TextClause) -> int:
    """Run ``numbering`` (1,000 rows at most each) under the advisory ``lock`` until it numbers fewer; returns
    how many it numbered.

    The lock is held until the commit: the next numbering starts after this one's numbers are visible, so
    it hands out larger ones only. Rows committed meanwhile wait for the next run.
    """
    total = 0
    while True:
        async with database.transaction() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock})
            numbered = (await conn.execute(numbering)).rowcount
        total += numbered
        if numbered < 1000:
            return total


@dataclass(frozen=True)
class Filter:
    """Which events a subscriber gets: ``types`` and ``inbox_ids`` asked for (empty: all), within ``scope``
    (the API key's inboxes; None: every inbox and the events of none)."""

    types: frozenset[str] = frozenset()
    inbox_ids: frozenset[str] = frozenset()
    scope: frozenset[str] | None = None

    def matches(self, event: Streamed) -> bool:
        if self.types and event.type not in self.types:
            return False
        if self.inbox_ids and event.inbox_id not in self.inbox_ids:
            return False
        return self.scope is None or event.inbox_id in self.scope

    def where(self) -> list[Any]:
        c = events.c
        clauses: list[Any] = []
        if self.types:
            clauses.append(c.type.in_(sorted(self.types)))
        if self.inbox_ids:
            clauses.append(c.inbox_id.in_(sorted(self.inbox_ids)))
        if self.scope is not None:
            clauses.append(c.inbox_id.in_(sorted(self.scope)))
        return clauses


@dataclass(frozen=True)
class Streamed:
    """One event as streams send it: its envelope (and its SSE frame) serialised once, shared by every subscriber."""

    seq: int
    id: str
    type: str
    inbox_id: str | None
    envelope: bytes

    @functools.cached_property
    def frame(self) -> bytes:
        """The SSE message. No "event:" field: EventSource's onmessage gets every event; the type is in the envelope."""
        return b"id: " + self.id.encode() + b"\ndata: " + self.envelope + b"\n\n"


class StreamEnded(Exception):
    """The server ended the stream: the subscriber fell behind (``slow_consumer``) or the server is stopping."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


_COLUMNS = (
    event_order.c.seq,
    events.c.id,
    events.c.type,
    events.c.inbox_id,
    events.c.created_at,
    cast(views.EVENT_DATA, Text).label("data"),
)


async def read_after(database: Database, after: int, where: list[Any], limit: int = PAGE) -> list[Streamed]:
    """The numbered events after ``after`` that match ``where``, in stream order, envelopes whole."""
    query = (
        select(*_COLUMNS)
        .select_from(event_order.join(events, events.c.id == event_order.c.event_id))
        .where(event_order.c.seq > after, *where)
        .order_by(event_order.c.seq)
        .limit(limit)
    )
    async with database.read() as conn:
        rows = (await conn.execute(query)).all()
    return [
        Streamed(
            row.seq,
            row.id,
            row.type,
            row.inbox_id,
            # As webhooks send it: the stored JSON as it is (views.EVENT_DATA put the bodies back).
            orjson.dumps(
                {"id": row.id, "type": row.type, "timestamp": row.created_at, "data": orjson.Fragment(row.data)},
                option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC,
            ),
        )
        for row in rows
    ]


async def resume_point(database: Database, scope: frozenset[str] | None, event_id: str) -> int:
    """The stream number of ``event_id``, where a resumed stream goes on from; 400 for an unknown event (or one
    of another inbox's, for a scoped key)."""
    query = (
        select(event_order.c.seq, events.c.inbox_id)
        .select_from(events.outerjoin(event_order, event_order.c.event_id == events.c.id))
        .where(events.c.id == event_id)
    )
    for attempt in range(2):
        async with database.read() as conn:
            row = (await conn.execute(query)).first()
        if row is None or (scope is not None and row.inbox_id not in scope):
            break
        if row.seq is not None:
            return int(row.seq)
        if attempt == 0:
            await number_committed(database)  # committed a moment ago, not numbered yet
    raise APIError(
        400,
        "unknown_last_event_id",
        f"last_event_id {event_id!r} is no event this key can read: it may be mistyped or deleted. "
        "Open the stream without it to receive new events only.",
    )


class Subscription:
    """A subscriber's live events, buffered up to ``size``; past that it is ended (``slow_consumer``)."""

    def __init__(self, where: Filter, floor: int, size: int) -> None:
        self.filter = where
        self.floor = floor  # events up to here it has (or will read from the table)
        self.size = size
        self.buffer: deque[Streamed] = deque()
        self.ready = asyncio.Event()
        self.ended: StreamEnded | None = None

    def offer(self, event: Streamed) -> None:
        if self.ended is not None or event.seq <= self.floor or not self.filter.matches(event):
            return
        if len(self.buffer) >= self.size:
            self.end(StreamEnded("slow_consumer", f"The subscriber fell more than {self.size} events behind."))
            return
        self.buffer.append(event)
        self.ready.set()

    def end(self, reason: StreamEnded) -> None:
        if self.ended is None:
            self.ended = reason
            self.buffer.clear()
            self.ready.set()

    async def take(self, heartbeat: float) -> list[Streamed]:
        """The live events buffered, up to ``TAKE_BYTES`` of them (written together), once there is one; none when
        ``heartbeat`` seconds pass without one (a heartbeat is due)."""
        if not self.buffer and self.ended is None:
            self.ready.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(heartbeat):  # no task per wait, as wait_for would make
                    await self.ready.wait()
        if self.ended is not None:
            raise self.ended
        taken, size = [], 0
        while self.buffer and size < TAKE_BYTES:
            event = self.buffer.popleft()
            taken.append(event)
            size += len(event.envelope)
        return taken


class Broadcaster:
    """One LISTEN connection per API process; each event read once and offered to the subscriptions it may match
    (those of its inbox and those of every inbox).

    With no subscription open, a NOTIFY costs nothing here: the events are neither numbered nor read (whoever
    streams numbers them), and the first subscriber to come catches up first (``_caught_up``).
    """

    def __init__(self, database: Database, *, buffer: int = BUFFER) -> None:
        self.database = database
        self.buffer = buffer
        self.subscriptions: set[Subscription] = set()
        self._any_inbox: set[Subscription] = set()
        self._by_inbox: dict[str, set[Subscription]] = {}
        self.last = 0  # the highest stream number offered
        self._behind = False  # events may have been numbered, by others, past ``last`` while nobody subscribed
        self._catching_up = asyncio.Lock()
        self.started = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    async def start(self) -> None:
        """Begin listening; returns once events from here on will reach subscribers."""
        self._task = asyncio.create_task(self._listen_forever())
        # Not forever: with the database down the API still starts (and answers 503s); streams begin once it is up.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.started.wait(), 10)

    async def aclose(self) -> None:
        """End every stream (they answer ``shutting_down``; clients resume elsewhere) and stop listening."""
        self._closing = True
        for subscription in list(self.subscriptions):
            subscription.end(StreamEnded("shutting_down", "The server is restarting: reconnect with Last-Event-ID."))
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _listen_forever(self) -> None:
        url = listen_url(self.database.engine)
        delay = 0.0
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(url, autocommit=True) as listener:
                    await listener.execute(f"LISTEN {STREAM_CHANNEL}")
                    if not self.started.is_set():
                        self.last = await self._highest()
                        self.started.set()
                    delay = 0.0
                    while True:
                        await self.pump()
                        async for _ in listener.notifies(timeout=POLL_SECONDS, stop_after=1):
                            pass
                        # Those that came meanwhile too: one pump serves them all (a NOTIFY a commit, 100s a second).
                        async for _ in listener.notifies(timeout=0):
                            pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - logged; connecting again is the remedy
                delay = min(max(delay * 2, 0.5), 10.0)
                log.warning("event stream listener failed; again in %.1f s", delay, extra={"error": str(exc)})
                await asyncio.sleep(delay)

    async def _highest(self) -> int:
        async with self.database.read() as conn:
            return int((await conn.execute(select(func.coalesce(func.max(event_order.c.seq), 0)))).scalar_one())

    async def pump(self) -> None:
        """Number what has committed, then offer every event after ``last`` to the subscriptions; nothing at all
        while there are none."""
        if not self.subscriptions:
            self._behind = True
            return
        await number_committed(self.database)
        while True:
            page = await read_after(self.database, self.last, [])
            for event in page:
                self.last = event.seq
                for subscription in [*self._any_inbox, *self._by_inbox.get(event.inbox_id or "", ())]:
                    subscription.offer(event)
            # Ended ones (fallen behind) get nothing more from here: their streams leave once their stalled write fails.
            for subscription in [s for s in self.subscriptions if s.ended is not None]:
                self.leave(subscription)
            if len(page) < PAGE:
                return

    def subscribe(self, where: Filter, after: int | None, heartbeat: float) -> AsyncGenerator[list[Streamed], None]:
        """The subscriber's events, a list of those ready at once at a time. The first list is empty and comes at
        once: the stream is open. Then those after stream number ``after`` from the table (None: none), then live
        ones, each once, in stream order; an empty list whenever ``heartbeat`` seconds pass without one. Raises
        :class:`StreamEnded` when the server ends the stream.

        Without ``after`` it has joined the live events when the first list comes: whatever commits from then on
        arrives. With it, it joins once the table has nothing more, then reads the table once more: what
        committed in between arrives from one or the other, and what arrives from both is skipped by number.

        Nothing is joined before the first list is asked for, and what is joined is left when the generator
        closes: a client gone before the stream's first byte (its response never written, or its first write
        abandoned) leaves nothing subscribed.
        """
        return self._events(where, after, heartbeat)

    async def _caught_up(self) -> int:
        """Where a subscriber for new events starts: ``last``, once this process has caught up with the events
        numbered while nobody here subscribed (what committed before the subscriber came is not new to it)."""
        if self._behind:
            async with self._catching_up:  # subscribers arriving together catch up once
                if self._behind:
                    await number_committed(self.database)
                    highest = await self._highest()
                    # Skipped unread only while nobody is joined: a subscription joined meanwhile (a resumed
                    # stream) is offered them by the pumps, which go on from ``last``.
                    if not self.subscriptions:
                        self.last = max(self.last, highest)
                    self._behind = False
                    return max(self.last, highest)  # the caller joins with it before anything else runs
        return self.last

    def join(self, where: Filter, floor: int | None) -> Subscription:
        subscription = Subscription(where, self.last if floor is None else floor, self.buffer)
        if self._closing:
            subscription.end(StreamEnded("shutting_down", "The server is restarting: reconnect with Last-Event-ID."))
        self.subscriptions.add(subscription)
        if where.inbox_ids:
            for inbox_id in where.inbox_ids:
                self._by_inbox.setdefault(inbox_id, set()).add(subscription)
        else:
            self._any_inbox.add(subscription)
        return subscription

    def leave(self, subscription: Subscription) -> None:
        self.subscriptions.discard(subscription)
        self._any_inbox.discard(subscription)
        for inbox_id in subscription.filter.inbox_ids:
            if (same := self._by_inbox.get(inbox_id)) is not None:
                same.discard(subscription)
                if not same:
                    del self._by_inbox[inbox_id]

    async def _events(self, where: Filter, after: int | None, heartbeat: float) -> AsyncGenerator[list[Streamed], None]:
        subscription: Subscription | None = None
        try:
            if after is None:
                subscription = self.join(where, await self._caught_up())
                yield []
                sent = subscription.floor
            else:
                await self._caught_up()  # what committed while nobody here subscribed is numbered, to be read
                yield []
                sent = after
                async for page in self._table(where, sent):
                    sent = page[-1].seq
                    yield page
                subscription = self.join(where, sent)
                async for page in self._table(where, sent):
                    sent = page[-1].seq
                    yield page
                subscription.floor = sent
            while True:
                live = await subscription.take(heartbeat)
                if not live:
                    yield live
                elif fresh := [event for event in live if event.seq > sent]:
                    sent = fresh[-1].seq
                    yield fresh
        finally:
            if subscription is not None:
                self.leave(subscription)

    async def _table(self, where: Filter, after: int) -> AsyncGenerator[list[Streamed], None]:
        """The stored events after ``after`` that match, page by page (none empty), until a page is not full."""
        while True:
            page = await read_after(self.database, after, where.where())
            if page:
                yield page
            if len(page) < PAGE:
                return
            after = page[-1].seq
