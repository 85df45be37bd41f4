"""The inbound store on its own, against the stack's PostgreSQL: what happens when two workers store one copy."""

from __future__ import annotations

import hashlib
import logging
import os
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import httpx
import psycopg
import pytest
from mailman_services.adapters.files import FileBlobStore
from mailman_services.adapters.pgqueue import PgQueue
from mailman_services.db.engine import create_engine, migrate
from mailman_services.domain import search
from mailman_services.domain.ids import new_id
from mailman_services.domain.ses import received_notification
from mailman_services.domain.threads import thread_subject
from mailman_services.handlers import events, inbound

from tests.conftest import Stack


def test_a_copy_stored_meanwhile_by_another_worker_is_not_stored_twice(
    stack: Stack, api: httpx.Client, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Another transaction inserts the same (inbox, SES message id) after this worker has looked and before it
    inserts: its insert waits on the unique index, fails when the other commits, and the retry finds the copy."""
    caplog.set_level(logging.INFO, logger="mailman.inbound")
    inbox = api.post("/v1/inboxes").json()
    webhook = api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/never", "events": ["message.received"]}).json()
    database = f"postgresql://postgres@/postgres?host={stack.data_dir / 'postgres'}"
    raw = f"From: ada@example.com\r\nTo: {inbox['address']}\r\nSubject: Raced\r\n\r\nHello\r\n".encode()
    ses_id = new_id("msg")  # any unique text: the key the copy is stored under

    async def race() -> list[Exception | None]:
        blobs = FileBlobStore(tmp_path / "blobs")
        await blobs.put("raw/inbound/raced.eml", raw, "message/rfc822")
        body = received_notification("raw/inbound/raced.eml", ses_id, "ada@example.com", [inbox["address"]])
        engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://"), pool_size=2)
        queue = PgQueue(engine)
        try:
            async with await psycopg.AsyncConnection.connect(database) as other:
                thread_id = new_id("thr")
                await other.execute("INSERT INTO threads (id, inbox_id) VALUES (%s, %s)", (thread_id, inbox["id"]))
                await other.execute(
                    'INSERT INTO messages (id, inbox_id, thread_id, direction, status, message_id, "from", verdicts,'
                    " dedup_key, search) VALUES (%s, %s, %s, 'inbound', 'received', '<raced@example.com>',"
                    " '{\"address\": \"ada@example.com\"}', '{}', %s, %s::tsvector)",
                    (new_id("msg"), inbox["id"], thread_id, ses_id, search.vector(None, "ada@example.com", None, None)),
                )
                async with anyio.create_task_group() as tg:
                    outcome: list[list[Exception | None]] = []

                    async def store() -> None:
                        outcome.append(await inbound.handle([body], engine, blobs, queue, inbound.Inboxes(engine)))

                    tg.start_soon(store)
                    await anyio.sleep(1)  # it has looked (nothing committed yet) and waits on the index
                    assert not outcome
                    await other.commit()
            return outcome[0]
        finally:
            await queue.aclose()
            await engine.dispose()

    assert anyio.run(race) == [None]
    assert "a copy was stored concurrently; trying again" in caplog.text
    listed = api.get(f"/v1/inboxes/{inbox['id']}/messages").json()["data"]
    assert [m["message_id"] for m in listed] == ["<raced@example.com>"]  # the other's copy, and only that one
    with psycopg.connect(database, autocommit=True) as db:
        assert db.execute("SELECT count(*) FROM events WHERE inbox_id = %s", (inbox["id"],)).fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM deliveries WHERE webhook_id = %s", (webhook["id"],)).fetchone() == (0,)
    api.delete(f"/v1/webhooks/{webhook['id']}")


def test_a_thread_subject_drops_every_reply_prefix_in_one_pass() -> None:
    assert thread_subject("  Re: FWD:aw: Sv:  Antw: Fw:\u00a0hello ") == "hello"
    assert thread_subject("Re : kept, RE: kept") == "Re : kept, RE: kept"
    assert thread_subject("Re:" * 1_000_000 + " hi") == "hi"


def test_both_ways_of_keeping_smtp_mail_write_the_raw_message_and_its_attachments(tmp_path: Path) -> None:
    """``keep_all`` (the SMTP listener's parser processes, synchronous writes) and ``keep_with`` (the listener
    itself, with no processes or another blob store) keep the raw message under its key and each attachment under
    its SHA-256, describe the attachments, and read the message as the worker does."""
    from email.message import EmailMessage

    from mailman_services.handlers.attachments import attachment_key

    message = EmailMessage()
    message["From"] = "ada@example.com"
    message["Subject"] = "Invoice"
    message.set_content("Attached.\n")
    message.add_attachment(b"%PDF-1.4 not much\n", maintype="application", subtype="pdf", filename="invoice.pdf")
    raw = message.as_bytes()
    digest = hashlib.sha256(b"%PDF-1.4 not much\n").hexdigest()
    [worker_read] = inbound.read_all([raw])
    assert isinstance(worker_read, inbound.Read) and worker_read.attachments is None

    async def keep_with(blobs: FileBlobStore) -> list[inbound.Read | Exception]:
        return await inbound.keep_with(blobs, inbound.read_in_thread, [("raw/inbound/b.eml", raw)])

    stores = {"keep_all": FileBlobStore(tmp_path / "a"), "keep_with": FileBlobStore(tmp_path / "b")}
    kept = {
        "keep_all": inbound.keep_all([("raw/inbound/a.eml", raw)], stores["keep_all"]),
        "keep_with": anyio.run(keep_with, stores["keep_with"]),
    }
    assert (tmp_path / "b" / "raw/inbound/b.eml").read_bytes() == raw  # the listener's own: a file
    for way, [read] in kept.items():
        assert isinstance(read, inbound.Read), way
        key = {"keep_all": read.raw_key, "keep_with": "raw/inbound/b.eml"}[way]
        assert key is not None and anyio.run(stores[way].get, key) == raw, way
        assert (stores[way].root / attachment_key(digest)).read_bytes() == b"%PDF-1.4 not much\n", way
        assert read.attachments is not None
        [described] = read.attachments
        assert described["sha256"] == digest and described["filename"] == "invoice.pdf", way
        assert described["size"] == len(b"%PDF-1.4 not much\n") and described["content_type"] == "application/pdf"
        assert (read.search, read.preview, read.parsed.text) == (
            worker_read.search,
            worker_read.preview,
            worker_read.parsed.text,
        ), way


def test_a_message_that_cannot_be_kept_is_an_error_of_its_own(tmp_path: Path) -> None:
    """A message whose attachment cannot be written gets the error (its sender a 451), and its raw message is not
    left behind; the next one is kept."""
    from email.message import EmailMessage

    blobs = FileBlobStore(tmp_path / "blobs")
    (tmp_path / "blobs").mkdir()
    (tmp_path / "blobs" / "attachments").write_text("a file where the folder of attachments would be")
    with_attachment = EmailMessage()
    with_attachment["From"] = "ada@example.com"
    with_attachment.set_content("Attached.\n")
    with_attachment.add_attachment(b"%PDF-1.4\n", maintype="application", subtype="pdf", filename="a.pdf")
    raw = b"From: ada@example.com\r\nSubject: Hi\r\n\r\nHello\r\n"
    messages = [("raw/inbound/a.eml", with_attachment.as_bytes()), ("raw/inbound/b.eml", raw)]
    failed, kept = inbound.keep_all(messages, blobs)
    assert isinstance(failed, OSError)
    assert isinstance(kept, inbound.Read) and kept.raw_key is not None
    assert anyio.run(blobs.get, kept.raw_key) == raw
    raws = [path for path in (tmp_path / "blobs" / "raw").rglob("*") if path.is_file()]
    if kept.raw_key == "raw/inbound/b.eml":  # holes cannot be punched here: one file each
        assert raws == [tmp_path / "blobs" / "raw/inbound/b.eml"]
    else:  # packed: the failed message's blocks are punched out, the pack's first data is the one kept
        [pack] = raws
        with pack.open("rb") as handle:
            first_data = os.lseek(handle.fileno(), 0, os.SEEK_DATA)
        assert f"{pack.relative_to(tmp_path / 'blobs')}@{first_data}+{len(raw)}" == kept.raw_key
        assert first_data > 0


def test_new_mail_is_fanned_out_as_it_is_stored_unless_a_webhook_is_enabled(stack: Stack, tmp_path: Path) -> None:
    """The listener stores new mail that replies to nothing in one statement (``_store_new``). With no webhook
    enabled its event needs no fan-out; with one it is left to the fan-out, which is woken at the commit, and the
    next mail is stored in a transaction that queues its deliveries itself. A reply is stored in its thread.

    In a database of its own: no other test's webhook is enabled there."""
    socket_dir = stack.data_dir / "postgres"
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS ingest_alone")
        conn.execute("CREATE DATABASE ingest_alone")
    database = f"postgresql://postgres@/ingest_alone?host={socket_dir}"
    migrate(database.replace("postgresql://", "postgresql+psycopg://"))
    address = "alone@mailman.test"
    with psycopg.connect(database, autocommit=True) as db:
        db.execute("INSERT INTO domains (id, name, verification_token) VALUES ('dom_alone', 'mailman.test', 't')")
        db.execute(
            "INSERT INTO inboxes (id, domain_id, local_part, address) VALUES ('inb_alone', 'dom_alone', 'alone', %s)",
            (address,),
        )

    def raw(subject: str, *headers: str) -> bytes:
        lines = ["From: ada@example.com", f"To: {address}", f"Subject: {subject}", f"Message-ID: <{subject}@x>"]
        return "\r\n".join([*lines, *headers, "", f"{subject}.", ""]).encode()

    async def ingest_all(listener: psycopg.Connection[Any]) -> list[str]:
        blobs = FileBlobStore(tmp_path / "blobs")
        engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://"), pool_size=2)
        queue = PgQueue(engine)
        ingest = inbound.Ingest(engine, blobs, queue, partial(inbound.keep_with, blobs, inbound.read_in_thread), 1)
        try:
            stored = [await ingest(raw("one"), "ada@example.com", [address])]
            assert list(listener.notifies(timeout=0.5, stop_after=1)) == []  # nothing for the fan-out to do
            with psycopg.connect(database, autocommit=True) as db:
                db.execute(
                    "INSERT INTO webhooks (id, url, events, secret)"
                    " VALUES ('wh_alone', 'http://127.0.0.1:9/', '{message.received}', 's')"
                )
            stored.append(await ingest(raw("two"), "ada@example.com", [address]))
            assert [n.channel for n in listener.notifies(timeout=5, stop_after=1)] == [events.FAN_OUT_CHANNEL]
            stored.append(await ingest(raw("three"), "ada@example.com", [address]))
            stored.append(await ingest(raw("four", "In-Reply-To: <one@x>"), "ada@example.com", [address]))
            return stored
        finally:
            await ingest.aclose()
            await queue.aclose()
            await engine.dispose()

    with psycopg.connect(database, autocommit=True) as listener:
        listener.execute(f"LISTEN {events.FAN_OUT_CHANNEL}")
        anyio.run(ingest_all, listener)
    with psycopg.connect(database, autocommit=True) as db:
        rows = db.execute(
            "SELECT m.subject, m.thread_id, e.fanned_out_at IS NOT NULL, count(d.id)"
            " FROM messages m JOIN events e ON e.message_id = m.id LEFT JOIN deliveries d ON d.event_id = e.id"
            " GROUP BY m.subject, m.thread_id, e.fanned_out_at ORDER BY m.subject"
        ).fetchall()
    threads = {subject: thread for subject, thread, _, _ in rows}
    assert [(subject, fanned, deliveries) for subject, _, fanned, deliveries in rows] == [
        ("four", True, 1),  # in a transaction, its delivery queued there
        ("one", True, 0),  # no webhook: nothing to deliver
        ("three", True, 1),
        ("two", False, 0),  # the webhook's, left to the fan-out
    ]
    assert threads["four"] == threads["one"] and len(set(threads.values())) == 3
