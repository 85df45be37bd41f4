"""The inbound store on its own, against the stack's PostgreSQL: what happens when two workers store one copy."""

from __future__ import annotations

import logging
from pathlib import Path

import anyio
import httpx
import psycopg
import pytest
from mailman_services.adapters.files import FileBlobStore
from mailman_services.adapters.pgqueue import PgQueue
from mailman_services.db.engine import create_engine
from mailman_services.domain import search
from mailman_services.domain.ids import new_id
from mailman_services.domain.ses import received_notification
from mailman_services.domain.threads import thread_subject
from mailman_services.handlers import inbound

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
