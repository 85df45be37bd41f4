"""Inbound mail: an SES ``Received`` notification (in its SNS envelope) becomes one stored message per inbox.

The local SMTP listener enqueues the same shapes SES and SNS produce, so both backends share this path.
Storing is idempotent: a message is keyed by (SES message id, inbox), so a redelivered notification
stores nothing twice. The worker hands over several jobs at once and they are stored in one transaction.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

import anyio
import psycopg
from psycopg.rows import dict_row, namedtuple_row
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..batching import Coalescer
from ..db.engine import HeldConnections, Pipelined, autocommit, pipelined_transaction
from ..db.rows import insert_together
from ..db.schema import INDEXED_MESSAGE_ID, inboxes, messages, threads
from ..db.schema import events as events_table
from ..domain import mime, replies
from ..domain.addresses import base_address, routed
from ..domain.ids import new_id
from ..domain.parsing import ParsedMessage, parse
from ..domain.search import SEARCHED_SENDER, SEARCHED_SUBJECT, SEARCHED_TEXT, vector
from ..domain.ses import Received, received, received_locally, received_notification, unwrap_sns
from ..domain.threads import Replies, answered, thread_subject
from ..ports import BlobStore, LocalBlobs, PoisonMessage, Queue, TransactionalQueue
from . import delivery, events, views
from .attachments import store_attachments, write_attachments
from .events import NewEvent

log = logging.getLogger("mailman.inbound")

_STORED_ONCE = "uq_messages_inbox_id_dedup_key"  # (inbox, SES message id): a notification stores one copy per inbox

# The reads of the store, sent together on the psycopg connection of a pipelined transaction.
_STORED = "SELECT inbox_id, dedup_key FROM messages WHERE inbox_id = ANY(%s) AND dedup_key = ANY(%s)"
# The Message-ID index reads only a prefix of each (a long one would not fit in it): compared there, then whole.
_REPLIED_TO = (
    "SELECT inbox_id, message_id, id, thread_id FROM messages WHERE inbox_id = ANY(%s)"  # noqa: S608 - a constant
    f" AND left(message_id, {INDEXED_MESSAGE_ID}) = ANY(%s) AND message_id = ANY(%s)"
)
_LOCK_THREADS = (
    f"SELECT {', '.join(c.name for c in threads.columns)} FROM threads WHERE id = ANY(%s) ORDER BY id FOR UPDATE"  # noqa: S608 - column names
)


async def queue_received(
    blobs: BlobStore, queue: Queue, raw: bytes, mail_from: str, recipients: list[str], message_id: str | None = None
) -> str:
    """Store ``raw`` and queue it for the worker; returns the SES-style message id it is stored under.

    Every call is a message of its own, as every SMTP transaction and every SES receipt is, unless the caller
    names the ``message_id``: a job that is handled again (delivery to a local inbox) then stores once.
    """
    message_id = message_id or uuid.uuid4().hex
    key = f"raw/inbound/{message_id}.eml"
    await blobs.put(key, raw, "message/rfc822")
    await queue.send("inbound", received_notification(key, message_id, mail_from, recipients))
    return message_id


class Inboxes:
    """Inbox ids by address (as ``base_address`` gives them), for the SMTP listener and the inbound store.

    A found inbox is remembered for ``KNOWN_FOR`` seconds, a miss never: a new inbox gets mail at once. Mail
    for an inbox deleted in that moment is still taken; the store then finds the inbox row gone and fails,
    and the retry, which looks again, drops it.
    """

    KNOWN_FOR = 2.0

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._known: dict[str, tuple[str, float]] = {}  # address -> (inbox id, when it was found)

    async def find(self, addresses: Collection[str]) -> dict[str, str]:
        now = time.monotonic()
        found = {a: known[0] for a in addresses if (known := self._known.get(a)) and now - known[1] < self.KNOWN_FOR}
        if missing := sorted(set(addresses) - found.keys()):
            async with autocommit(self.engine) as conn:
                rows = await conn.execute(select(inboxes.c.address, inboxes.c.id).where(inboxes.c.address.in_(missing)))
            if len(self._known) > 10_000:
                self._known.clear()
            for address, inbox_id in rows:
                found[address] = inbox_id
                self._known[address] = (inbox_id, now)
        return found

    def forget(self, addresses: Collection[str]) -> None:
        for address in addresses:
            self._known.pop(address, None)


@dataclass(frozen=True)
class Read:
    """What the store needs of a raw message that takes CPU time to find out."""

    parsed: ParsedMessage
    extracted_text: str | None  # None: the text itself (or no text)
    extracted_html: str | None  # None: the html itself (or no html)
    signature: str | None
    preview: str
    search: str  # the tsvector literal (domain/search.py)
    attachments: list[dict[str, Any]] | None = None  # described, their bytes stored (``keep_all``); None: not yet
    raw_key: str | None = None  # where ``keep_all`` kept the raw message; None: under the key it was given


def _read(raw: bytes) -> Read:
    parsed = parse(raw)
    sender = parsed.from_ or {}
    for what, value, searched in (
        ("subject", parsed.subject, SEARCHED_SUBJECT),
        ("sender's name", sender.get("name"), SEARCHED_SENDER),
        ("sender's address", sender.get("address"), SEARCHED_SENDER),
        ("text", parsed.text, SEARCHED_TEXT),
    ):
        if value and len(value) > searched:
            parsed.warnings.append(f"the {what} is kept whole, but search reads its first {searched:,} characters")
    reply = replies.reply(parsed.text, parsed.html)
    # Stored once: a message that quotes nothing has the same text twice (and it may be 40 MB); the column
    # then holds null, which reads back as the text (views.MESSAGE_COLUMNS). The same goes for the html.
    same_text = reply.text is not None and reply.text == parsed.text
    same_html = reply.html == parsed.html
    return Read(
        parsed,
        None if same_text else reply.text,
        None if same_html else reply.html,
        reply.signature,
        mime.preview(parsed.text, parsed.html),
        vector(parsed.subject, sender.get("address"), sender.get("name"), parsed.text),
    )


@dataclass
class _Copy:
    """One parsed message to store in one inbox; ``job`` is the index of the queue job it came from."""

    job: int
    inbox_id: str
    read: Read
    mail: Received
    size: int  # of the raw message, which is not kept once parsed
    attachments: list[dict[str, Any]]
    unseen: bool = False  # its SES message id was made for it just now (SMTP): it cannot be stored already

    @property
    def parsed(self) -> ParsedMessage:
        return self.read.parsed


async def handle(
    bodies: Sequence[str], engine: AsyncEngine, blobs: BlobStore, queue: Queue, inboxes: Inboxes
) -> list[Exception | None]:
    """Process inbound queue jobs together; returns, per job, None when it is done or why it must be retried.

    Done means stored, found stored already, or addressed to no inbox. Every copy of the batch is stored in
    one transaction; if that fails, each job is tried in a transaction of its own, so one bad message never
    holds back the others.
    """
    outcomes: list[Exception | None] = [None] * len(bodies)
    mails: dict[int, Received] = {}
    for job, body in enumerate(bodies):
        try:
            mails[job] = received(unwrap_sns(body).message)
        except PoisonMessage as exc:
            outcomes[job] = exc
    by_address = await inboxes.find({base_address(r) for mail in mails.values() for r in mail.recipients})
    small: list[tuple[int, Received, list[str], bytes]] = []
    for job, mail in mails.items():
        targets = routed(mail.recipients, by_address)
        if not targets:
            log.warning("no inbox for any recipient", extra={"recipients": mail.recipients, "ses": mail.ses_message_id})
            continue
        try:
            raw = await _raw(blobs, mail)
            if len(raw) > LARGE_MESSAGE:
                # Parsed and stored alone, one at a time per worker: while parsed a message takes about three
                # times its size, and four 40 MB ones at once would not fit a 512 MiB task.
                del raw
                outcomes[job] = await _store_large(engine, blobs, queue, job, mail, targets)
                continue
            small.append((job, mail, targets, raw))
        except Exception as exc:  # noqa: BLE001 - the job is retried, the worker logs why
            outcomes[job] = exc
    copies: list[_Copy] = []
    for chunk in _chunks(small):
        # Read in one thread call per chunk: a hand-over per message costs about as much as reading a small
        # one (the thread and the event loop take the interpreter from each other).
        reads = await read_in_thread([raw for _, _, _, raw in chunk])
        for (job, mail, targets, raw), read in zip(chunk, reads, strict=True):
            try:
                if isinstance(read, Exception):
                    raise read
                copies += await _copies_of(blobs, job, mail, targets, len(raw), read)
            except Exception as exc:  # noqa: BLE001 - the job is retried, the worker logs why
                outcomes[job] = exc
    del small
    if not await _store_jobs(partial(pipelined_transaction, engine), queue, copies, outcomes):
        inboxes.forget(by_address)  # one may have been deleted: the retry looks again
    return outcomes


Begin = Callable[[], AbstractAsyncContextManager[Pipelined]]  # a pipelined transaction (db/engine.py)


async def _store_jobs(begin: Begin, queue: Queue, copies: list[_Copy], outcomes: list[Exception | None]) -> bool:
    """Store every job's copies in one transaction; if that fails, each job in one of its own, so that one bad
    message never holds back the others. Sets the outcome of each job that failed; False if any did."""
    jobs = sorted({copy.job for copy in copies})
    try:
        await _store(begin, queue, copies)
    except Exception as exc:
        if len(jobs) == 1:
            outcomes[jobs[0]] = exc
            return False
        log.warning("storing a batch failed; storing its jobs one by one", exc_info=True)
        for job in jobs:
            try:
                await _store(begin, queue, [copy for copy in copies if copy.job == job])
            except Exception as job_exc:  # noqa: BLE001 - the job is retried, the worker logs why
                outcomes[job] = job_exc
        return all(outcomes[job] is None for job in jobs)
    return True


ReadAll = Callable[[list[bytes]], Awaitable[list[Read | Exception]]]
# Raw messages with the blob key each is to be kept under: kept (perhaps under another key: ``Read.raw_key``), read,
# their attachments kept (``Read.attachments``).
Keep = Callable[[list[tuple[str, bytes]]], Awaitable[list[Read | Exception]]]


async def read_in_thread(raws: list[bytes]) -> list[Read | Exception]:
    """``read_all`` in a worker thread of this process."""
    return await anyio.to_thread.run_sync(read_all, raws)


class Ingest:
    """Mail taken by this process's SMTP listener (the local backend), read and stored before it is answered.

    It is read by ``_read`` and stored by ``_store``, as queued jobs are (``handle``); only the hop is gone: the
    raw message is already in memory, and nothing is queued, so a ``250`` means stored and committed. Messages
    of concurrent SMTP sessions are kept and read together (``keep``: ``keep_all`` in other processes, see
    ``smtp.Parsers``, so that this event loop neither parses nor creates files) and stored together, one
    transaction per batch, while the next batches are being read (``Coalescer``).
    """

    STORES_AT_ONCE = 2  # transactions in flight: one is being written while the other waits on PostgreSQL
    HOOKS_RECHECK = 10.0  # seconds after finding a webhook enabled before new mail is stored by _store_new again
    # Copies stored by one _store_new statement at most: their values (~50 each) must fit in one (rows.MAX_PARAMETERS).
    ONE_STATEMENT = 500

    def __init__(self, engine: AsyncEngine, blobs: BlobStore, queue: Queue, keep: Keep, readers: int) -> None:
        """``readers``: how many batches ``keep`` takes at once (its processes)."""
        self.engine, self.blobs, self.queue = engine, blobs, queue
        self.inboxes = Inboxes(engine)
        self._connections = HeldConnections(engine)
        self.keep = keep
        self._reads: Coalescer[tuple[str, bytes], Read | Exception] = Coalescer(keep, max(1, readers))
        self._stores: Coalescer[list[_Copy], Exception | None] = Coalescer(self._store_together, self.STORES_AT_ONCE)
        self._hooks_found = -self.HOOKS_RECHECK  # when _store_new last found a webhook enabled

    async def __call__(self, raw: bytes, mail_from: str, recipients: list[str]) -> str:
        """Store ``raw`` in the inbox of each recipient; returns the id it is stored under (as an SES message id)."""
        message_id = uuid.uuid4().hex
        mail = received_locally(f"raw/inbound/{message_id}.eml", message_id, mail_from, recipients)
        found = await self.inboxes.find({base_address(r) for r in mail.recipients})
        targets = routed(mail.recipients, found)
        if not targets:  # deleted since RCPT TO
            raise PoisonMessage(f"no inbox for any of {mail.recipients}")
        if len(raw) > LARGE_MESSAGE:
            async with _large:  # one at a time in this process, as for queued jobs
                [read] = await self.keep([(mail.raw_key, raw)])
                failure = await self._stored(mail, targets, raw, read, self._store_alone)
        else:
            failure = await self._stored(mail, targets, raw, await self._reads((mail.raw_key, raw)), self._stores)
        if failure is not None:
            self.inboxes.forget(found)
            raise failure
        return message_id

    async def _stored(
        self, mail: Received, targets: list[str], raw: bytes, read: Read | Exception, store: _Store
    ) -> Exception | None:
        if isinstance(read, Exception):  # and nothing of it kept (``keep_all``), or the raw message as it was asked
            await self.blobs.delete(mail.raw_key)
            return read
        if read.raw_key is not None:  # packed
            mail = replace(mail, raw_key=read.raw_key)
        try:
            failure = await store(await _copies_of(self.blobs, 0, mail, targets, len(raw), read, unseen=True))
        except Exception as exc:  # noqa: BLE001 - answered as the store's failure
            failure = exc
        if failure is not None:
            await self.blobs.delete(mail.raw_key)  # not stored: the sender is told to try again
        # Cancelled (the sender hung up): its batch may still commit, so the raw message stays.
        return failure

    async def _store_alone(self, copies: list[_Copy]) -> Exception | None:
        [failure] = await self._store_together([copies])
        return failure

    async def _store_together(self, messages: list[list[_Copy]]) -> list[Exception | None]:
        copies = []
        for job, message in enumerate(messages):
            for copy in message:
                copy.job = job
                copies.append(copy)
        outcomes: list[Exception | None] = [None] * len(messages)
        if await self._stored_new(copies):
            return outcomes
        await _store_jobs(self._connections.transaction, self.queue, copies, outcomes)
        return outcomes

    async def _stored_new(self, copies: list[_Copy]) -> bool:
        """``_store_new`` of ``copies`` when they take it (they reply to nothing, and no webhook was found enabled
        in the last ``HOOKS_RECHECK`` seconds: deliveries are then queued in ``_store_in``'s transaction, without
        the fan-out's hop); whether they were stored. When it fails the caller stores them as it would have."""
        recently = time.monotonic() - self._hooks_found < self.HOOKS_RECHECK
        if recently or len(copies) > self.ONE_STATEMENT or any(_answered(copy) for copy in copies):
            return False
        try:
            async with self._connections.autocommit() as conn:
                if await _store_new(conn, copies):
                    self._hooks_found = time.monotonic()
        except Exception:
            log.warning("storing new mail in one statement failed; storing it again", exc_info=True)
            return False
        return True

    async def aclose(self) -> None:
        """Wait for the batches already started."""
        await self._reads.aclose()
        await self._stores.aclose()
        await self._connections.aclose()


_Store = Callable[[list["_Copy"]], Awaitable[Exception | None]]

LARGE_MESSAGE = 4 * 1024 * 1024  # bytes of raw mail past which a message is stored on its own
_large = anyio.Lock()  # one large message at a time in this process


async def _raw(blobs: BlobStore, mail: Received) -> bytes:
    raw = await blobs.get(mail.raw_key, bucket=mail.raw_bucket)
    if raw is None:
        raise PoisonMessage(f"raw message {mail.raw_key} is not in bucket {mail.raw_bucket}")
    return raw


READ_TOGETHER = 512 * 1024  # bytes of raw mail read in one thread call (more would be held in memory at once)


def _chunks(small: list[tuple[int, Received, list[str], bytes]]) -> list[list[tuple[int, Received, list[str], bytes]]]:
    chunks: list[list[tuple[int, Received, list[str], bytes]]] = []
    size = READ_TOGETHER
    for item in small:
        if size + len(item[3]) > READ_TOGETHER:
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += len(item[3])
    return chunks


def keep_all(messages: list[tuple[str, bytes]], blobs: LocalBlobs) -> list[Read | Exception]:
    """``Keep`` with the file blob store: each raw message packed (``LocalBlobs.pack``: ``Read.raw_key`` says
    where), read, its attachments written (and dropped from the ``Read``: they are not sent back), or why that
    could not be done (and nothing of it is left)."""
    out: list[Read | Exception] = []
    for key, raw in messages:
        kept = None
        try:
            kept = blobs.pack(key, raw)
            read = _read(raw)
            attachments = write_attachments(blobs.write_once, read.parsed.attachments)
            read.parsed.attachments = []
            out.append(replace(read, attachments=attachments, raw_key=kept))
        except Exception as exc:  # noqa: BLE001 - that message gets a 451, the others go on
            if kept is not None:
                with contextlib.suppress(OSError):  # else an orphan, as after a crash between write and commit
                    blobs.remove(kept)
            out.append(exc)
    return out


async def keep_with(blobs: BlobStore, read: ReadAll, messages: list[tuple[str, bytes]]) -> list[Read | Exception]:
    """``Keep`` with any blob store, reading with ``read``."""
    out: list[Read | Exception] = []
    for (key, raw), result in zip(messages, await read([raw for _, raw in messages]), strict=True):
        try:
            if isinstance(result, Exception):
                raise result
            await blobs.put(key, raw, "message/rfc822")
            out.append(replace(result, attachments=await store_attachments(blobs, result.parsed.attachments)))
        except Exception as exc:  # noqa: BLE001 - that message gets a 451, the others go on
            out.append(exc)
    return out


def read_all(raws: list[bytes]) -> list[Read | Exception]:
    """Each message read, or why it could not be (off the event loop: in a thread, or a parser process)."""
    out: list[Read | Exception] = []
    for raw in raws:
        try:
            out.append(_read(raw))
        except Exception as exc:  # noqa: BLE001 - that job is retried, the others go on
            out.append(exc)
    return out


async def _copies(blobs: BlobStore, job: int, mail: Received, targets: list[str], raw: bytes) -> list[_Copy]:
    # In a thread: one hostile message (a header of a million encoded words) must not hold up the event loop,
    # and with it every queue of this worker.
    read = await anyio.to_thread.run_sync(_read, raw)
    return await _copies_of(blobs, job, mail, targets, len(raw), read)


async def _copies_of(
    blobs: BlobStore, job: int, mail: Received, targets: list[str], size: int, read: Read, *, unseen: bool = False
) -> list[_Copy]:
    attachments = read.attachments
    if attachments is None:
        attachments = await store_attachments(blobs, read.parsed.attachments)
    read.parsed.attachments = []  # stored: their bytes need not wait for the transaction
    return [_Copy(job, inbox_id, read, mail, size, attachments, unseen) for inbox_id in targets]


async def _store_large(
    engine: AsyncEngine, blobs: BlobStore, queue: Queue, job: int, mail: Received, targets: list[str]
) -> Exception | None:
    async with _large:
        try:
            # Read again under the lock: large messages waiting their turn keep nothing in memory.
            copies = await _copies(blobs, job, mail, targets, await _raw(blobs, mail))
            await _store(partial(pipelined_transaction, engine), queue, copies)
        except Exception as exc:  # noqa: BLE001 - the job is retried, the worker logs why
            return exc
    return None


async def _store(begin: Begin, queue: Queue, copies: list[_Copy]) -> None:
    for attempt in range(3):
        try:
            async with begin() as (conn, driver):
                # Copies made just now need no look for themselves, but a retry looks all the same.
                await _store_in(conn, driver, queue, copies, look=attempt > 0 or not all(c.unseen for c in copies))
            return
        except (IntegrityError, psycopg.errors.UniqueViolation) as exc:
            original = exc.orig if isinstance(exc, IntegrityError) else exc
            if getattr(getattr(original, "diag", None), "constraint_name", None) != _STORED_ONCE:
                raise
            # Another worker stored one of these copies between our look and our insert. It has committed
            # by now: looking again skips what it stored.
            log.info("a copy was stored concurrently; trying again", extra={"attempt": attempt + 1})
    raise RuntimeError("copies kept being stored concurrently")


def _answered(copy: _Copy) -> list[str]:
    return answered(copy.parsed.in_reply_to, copy.parsed.references)


def _message_id_header(copy: _Copy) -> str:
    return copy.parsed.message_id or f"<{copy.mail.ses_message_id}@mailman.invalid>"


async def _store_in(
    conn: AsyncConnection, driver: psycopg.AsyncConnection[Any], queue: Queue, copies: list[_Copy], *, look: bool
) -> None:
    """Store each copy not stored yet, with its thread and its ``message.received`` event.

    In a pipelined transaction: one round trip reads what is stored already (with ``look``: unless every copy is
    ``unseen``), the messages replied to and the webhooks (another locks the threads replied to, if any); the
    writes go out with the COMMIT. With a queue in this database the events' webhook deliveries are queued in
    the same transaction.
    """
    if not copies:
        return
    inbox_ids = sorted({copy.inbox_id for copy in copies})
    reads = driver.cursor()
    if look:
        await reads.execute(_STORED, (inbox_ids, sorted({copy.mail.ses_message_id for copy in copies})))
    wanted = sorted({m for copy in copies for m in _answered(copy)})
    replied = driver.cursor()
    if wanted:
        await replied.execute(_REPLIED_TO, (inbox_ids, [m[:INDEXED_MESSAGE_ID] for m in wanted], wanted))
    in_transaction = queue if isinstance(queue, TransactionalQueue) else None  # else the outbox relays events
    hooks = driver.cursor(row_factory=namedtuple_row)
    if in_transaction is not None:
        await hooks.execute(delivery.ENABLED_WEBHOOKS)
    stored = {(inbox_id, key) for inbox_id, key in await reads.fetchall()} if look else set()
    fresh = []
    for copy in copies:
        key = (copy.inbox_id, copy.mail.ses_message_id)
        if key in stored:
            log.info("already stored", extra={"ses": copy.mail.ses_message_id, "inbox": copy.inbox_id})
            continue
        stored.add(key)  # the same notification twice in one batch
        fresh.append(copy)
    if not fresh:
        return

    # Threading: the inbox's most recent message among In-Reply-To and References, earlier copies included.
    replies_to = Replies()
    for inbox_id, message_id, message_pk, thread_id in await replied.fetchall() if wanted else []:
        replies_to.found(inbox_id, message_id, message_pk, thread_id)
    now = datetime.now(UTC)
    new_threads: dict[str, dict[str, Any]] = {}
    planned: list[tuple[_Copy, str, str]] = []  # (copy, message id, thread id)
    for copy in fresh:
        message_pk = new_id("msg")
        thread_id = replies_to.thread(copy.inbox_id, _answered(copy)) or _new_thread(new_threads, copy, now)
        replies_to.storing(copy.inbox_id, _message_id_header(copy), message_pk, thread_id)
        planned.append((copy, message_pk, thread_id))

    # Threads that exist are locked and read; one that vanished meanwhile (deleted) is started afresh.
    known = {tid for _, _, tid in planned} - new_threads.keys()
    old_threads: dict[str, dict[str, Any]] = {}
    if known:
        locked = driver.cursor(row_factory=dict_row)
        await locked.execute(_LOCK_THREADS, (sorted(known),))
        old_threads = {row["id"]: row for row in await locked.fetchall()}
    renamed: dict[str, str] = {}
    for copy, _, thread_id in planned:
        if thread_id in known and thread_id not in old_threads and thread_id not in renamed:
            renamed[thread_id] = _new_thread(new_threads, copy, now)
    by_id = {**old_threads, **new_threads}
    message_rows, new_events = _rows([(copy, pk, by_id[renamed.get(tid, tid)]) for copy, pk, tid in planned], now)

    # Read before the writes: a read among them would cost a round trip of its own.
    matching = await hooks.fetchall() if in_transaction is not None else []
    if old_threads:
        await conn.execute(
            update(threads)
            .where(threads.c.id == bindparam("thread_id"))
            .values(
                message_count=bindparam("count"), last_message_at=bindparam("last"), participants=bindparam("people")
            ),
            [
                {"thread_id": t["id"], "count": t["message_count"], "last": now, "people": t["participants"]}
                for t in old_threads.values()
            ],
        )
    # One statement. A copy stored meanwhile by another worker violates _STORED_ONCE, which rolls all of this back.
    fanned_out = in_transaction is not None
    event_rows = events.event_rows(new_events, fanned_out=fanned_out)
    inserts = [(threads, list(new_threads.values())), (messages, message_rows), (events_table, event_rows)]
    await insert_together(conn, inserts, *events.wake(new_events, fan_out=not fanned_out))
    if in_transaction is not None:
        fanned = [delivery.Recorded(e["id"], e["type"], e["inbox_id"]) for e in event_rows]
        await delivery.fan_out_in(conn, in_transaction, matching, fanned)


async def _store_new(conn: AsyncConnection, copies: list[_Copy]) -> bool:
    """Store copies that are ``unseen`` and reply to nothing (``_answered``), each in a new thread, with their
    ``message.received`` events, in one statement: on a connection in autocommit mode it is a transaction of its
    own, sent and answered in one round trip, where ``_store_in`` takes two and many more calls of the driver.

    The events are marked fanned out as they are recorded when no webhook is enabled; when one is they are left
    to the worker's fan-out (``events.UNLESS_HOOKS``), and this returns True.
    """
    now = datetime.now(UTC)
    new_threads: dict[str, dict[str, Any]] = {}
    planned = [(copy, new_id("msg"), new_threads[_new_thread(new_threads, copy, now)]) for copy in copies]
    message_rows, new_events = _rows(planned, now)
    event_rows = events.event_rows(new_events, fanned_out=True)
    inserts = [(threads, list(new_threads.values())), (messages, message_rows), (events_table, event_rows)]
    then, payload = events.wake_unless_hooks(new_events)
    wrapped = {events_table: events.UNLESS_HOOKS}
    row = await (await insert_together(conn, inserts, then, payload, wrapped=wrapped)).fetchone()
    return bool(row and row[0])


def _rows(
    planned: list[tuple[_Copy, str, dict[str, Any]]], now: datetime
) -> tuple[list[dict[str, Any]], list[NewEvent]]:
    """The message rows and events of (copy, message id, its thread's row) triples; each thread row is updated
    (participants, count, last message) as its messages are added."""
    message_rows, new_events = [], []
    for copy, message_pk, thread in planned:
        values = _message_values(copy, message_pk, thread["id"], now)
        people = [values["from"]["address"], *(p["address"] for p in copy.parsed.to + copy.parsed.cc)]
        thread["participants"] = list(dict.fromkeys([*thread["participants"], *(a for a in people if a)]))
        thread["message_count"] += 1
        thread["last_message_at"] = now
        message_rows.append(
            {
                **values,
                "raw_key": copy.mail.raw_key,
                "raw_bucket": copy.mail.raw_bucket,
                "dedup_key": copy.mail.ses_message_id,
            }
        )
        data = {"message": views.event_message(values), "thread": views.thread(dict(thread))}
        new_events.append(NewEvent("message.received", data, inbox_id=copy.inbox_id, message_id=message_pk))
    return message_rows, new_events


def _new_thread(new_threads: dict[str, dict[str, Any]], copy: _Copy, now: datetime) -> str:
    thread_id = new_id("thr")
    new_threads[thread_id] = {
        "id": thread_id,
        "inbox_id": copy.inbox_id,
        "subject": thread_subject(copy.parsed.subject),
        "participants": [],
        "message_count": 0,
        "last_message_at": now,
        "labels": [],
        "created_at": now,
    }
    return thread_id


def _message_values(copy: _Copy, message_pk: str, thread_id: str, now: datetime) -> dict[str, Any]:
    parsed, mail = copy.parsed, copy.mail
    search = copy.read.search
    if parsed.from_ is None:  # the envelope sender stands in: a vector of its address joins the message's
        search = f"{search} {vector(None, (mail.mail_from or '').lower(), None, None)}"
    return {
        "id": message_pk,
        "inbox_id": copy.inbox_id,
        "thread_id": thread_id,
        "direction": "inbound",
        "status": "received",
        "message_id": _message_id_header(copy),
        "in_reply_to": parsed.in_reply_to,
        "references": parsed.references,
        "from": parsed.from_ or {"name": None, "address": (mail.mail_from or "").lower()},
        "to": parsed.to,
        "cc": parsed.cc,
        "bcc": [],
        "reply_to": parsed.reply_to,
        "subject": parsed.subject,
        "text": parsed.text,
        "html": parsed.html,
        "extracted_text": copy.read.extracted_text,
        "extracted_html": copy.read.extracted_html,
        "signature": copy.read.signature,
        "preview": copy.read.preview,
        "headers": parsed.headers,
        "attachments": copy.attachments,
        "labels": [],
        "size": copy.size,
        "provider_message_id": None,
        "verdicts": mail.verdicts,
        "warnings": parsed.warnings,
        "created_at": now,
        "sent_at": None,
        "delivered_at": None,
        "send_at": None,
        "search": search,
    }
