"""The compose, reply, forward and suppression rules of `handlers/messages.py`, called directly.

The database is the session stack's PostgreSQL; the queue and the blob store are fakes in memory, so what a
handler stored and queued is read back as it is, without a worker or an HTTP round trip.
"""

from __future__ import annotations

import email
import hashlib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from email import policy
from types import SimpleNamespace
from typing import Any

import pytest
from mailman_services.db.engine import Database, create_engine
from mailman_services.db.reads import FastReads
from mailman_services.domain.errors import APIError
from mailman_services.handlers import jobs, messages, suppressions, views
from mailman_services.handlers.attachments import attachment_key
from mailman_services.ports import OutgoingMessage, QueueMessage, QueueName

from tests.conftest import Stack


class FakeQueue:
    """A queue that only remembers what was sent to it."""

    def __init__(self) -> None:
        self.sent: list[tuple[QueueName, str]] = []

    async def send(
        self,
        queue: QueueName,
        body: str,
        *,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        delay_seconds: int = 0,
    ) -> None:
        self.sent.append((queue, body))

    async def send_batch(self, queue: QueueName, messages: Sequence[OutgoingMessage]) -> None:
        self.sent.extend((queue, message.body) for message in messages)

    async def receive(self, queue: QueueName, *, max_messages: int = 10, wait_seconds: float = 0) -> list[QueueMessage]:
        return []

    async def delete(self, queue: QueueName, receipt: str) -> None:
        pass

    async def delete_batch(self, queue: QueueName, receipts: Sequence[str]) -> None:
        pass

    async def change_visibility(self, queue: QueueName, receipt: str, timeout_seconds: int) -> None:
        pass

    async def dead_letter(self, queue: QueueName, received: QueueMessage) -> bool:
        return False

    async def aclose(self) -> None:
        pass


class FakeBlobs:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        self.blobs[key] = data

    async def get(self, key: str, bucket: str | None = None) -> bytes | None:
        return self.blobs.get(key)

    async def download_url(self, key: str, filename: str | None, content_type: str) -> str | None:
        return None

    async def delete(self, key: str, bucket: str | None = None) -> None:
        self.blobs.pop(key, None)


@pytest.fixture
async def database(stack: Stack) -> AsyncIterator[Database]:
    url = f"postgresql+psycopg://postgres@/postgres?host={stack.data_dir / 'postgres'}"
    database = Database(create_engine(url, pool_size=2), FastReads(url, size=1))
    try:
        yield database
    finally:
        await database.aclose()


@pytest.fixture
def inbox(stack: Stack) -> dict[str, Any]:
    with stack.client() as api:
        created: dict[str, Any] = api.post("/v1/inboxes", json={"name": "Rules"}).raise_for_status().json()
        return created


def sent_message(blobs: FakeBlobs, message: dict[str, Any]) -> email.message.EmailMessage:
    parsed = email.message_from_bytes(blobs.blobs[messages.raw_key(message["id"])], policy=policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


@pytest.mark.anyio
async def test_suppressed_recipients_are_left_out_and_a_cc_takes_the_empty_to(
    database: Database, inbox: dict[str, Any]
) -> None:
    blobs, queue = FakeBlobs(), FakeQueue()
    await suppressions.create(database, f"gone-{inbox['id']}@example.com", "manual")
    request = messages.Composition(
        to=[f"gone-{inbox['id']}@example.com"], cc=["ada@example.com", "bob@example.com"], subject="Hi", text="x"
    )
    sent = await messages.send(database, blobs, queue, inbox["id"], request)

    assert [r["address"] for r in sent["to"]] == ["ada@example.com"]
    assert [r["address"] for r in sent["cc"]] == ["bob@example.com"]
    raw = sent_message(blobs, sent)
    assert raw["To"] == "ada@example.com" and raw["Cc"] == "bob@example.com"
    assert queue.sent == [("outbound", jobs.outbound_job(sent["id"]).body)]


@pytest.mark.anyio
async def test_all_recipients_suppressed_stores_and_queues_nothing(database: Database, inbox: dict[str, Any]) -> None:
    blobs, queue = FakeBlobs(), FakeQueue()
    await suppressions.create(database, f"only-{inbox['id']}@example.com", "manual")
    request = messages.Composition(to=[f"only-{inbox['id']}@example.com"], subject="Hi", text="x")
    with pytest.raises(APIError) as refused:
        await messages.send(database, blobs, queue, inbox["id"], request)
    assert (refused.value.status, refused.value.code) == (422, "all_recipients_suppressed")
    assert blobs.blobs == {} and queue.sent == []


@pytest.mark.anyio
async def test_a_job_is_queued_only_if_its_message_is_committed(database: Database, inbox: dict[str, Any]) -> None:
    blobs, queue = FakeBlobs(), FakeQueue()
    request = messages.Composition(to=["ada@example.com"], subject="Rolled back", text="x")
    composed: list[dict[str, Any]] = []

    async def failing() -> None:
        async with jobs.transaction(database, queue) as conn:
            composed.append(await messages.compose(conn, blobs, queue, inbox["id"], request))
            raise RuntimeError("the transaction fails after the job was queued")

    with pytest.raises(RuntimeError):
        await failing()
    assert queue.sent == []
    await jobs.relay_now(database.engine, queue)  # nothing was left in the outbox either
    assert queue.sent == []
    with pytest.raises(APIError):
        await views.get_message(database, composed[0]["id"])


def received(inbox: dict[str, Any], thread_id: str, **fields: Any) -> SimpleNamespace:
    """A stored inbound message, as the reply and forward handlers read it."""
    row: dict[str, Any] = {
        "inbox_id": inbox["id"],
        "direction": "inbound",
        "thread_id": thread_id,
        "message_id": "<original@example.com>",
        "references": ["<first@example.com>"],
        "from": {"name": "Ada", "address": "ada@example.com"},
        "reply_to": [],
        "to": [{"name": None, "address": inbox["address"]}],
        "cc": [],
        "subject": "Meeting",
        "text": "Shall we meet?",
        "html": None,
        "attachments": [],
        "created_at": datetime(2025, 1, 14, 10, 2, tzinfo=UTC),
        **fields,
    }
    return SimpleNamespace(_mapping=row, **{k: v for k, v in row.items() if k != "from"})


@pytest.mark.anyio
async def test_reply_all_answers_reply_to_copies_the_others_and_threads(
    database: Database, inbox: dict[str, Any]
) -> None:
    blobs, queue = FakeBlobs(), FakeQueue()
    first = await messages.send(
        database, blobs, queue, inbox["id"], messages.Composition(to=["ada@example.com"], subject="Meeting", text="?")
    )
    original = received(
        inbox,
        first["thread_id"],
        reply_to=[{"name": "Desk", "address": "desk@example.com"}],
        to=[{"name": None, "address": inbox["address"]}, {"name": "Bob", "address": "bob@example.com"}],
        cc=[{"name": "Desk", "address": "desk@example.com"}, {"name": None, "address": "cy@example.com"}],
        subject="Re: Meeting",
    )
    reply = await messages.reply(
        database,
        blobs,
        queue,
        original,
        text="Yes.",
        html=None,
        reply_all=True,
        cc=[],
        attachments=[],
        labels=[],
        dotted_only=True,
    )

    assert [r["address"] for r in reply["to"]] == ["desk@example.com"]
    assert [r["address"] for r in reply["cc"]] == ["bob@example.com", "cy@example.com"]  # not the inbox, not To
    assert reply["subject"] == "Re: Meeting" and reply["thread_id"] == first["thread_id"]
    raw = sent_message(blobs, reply)
    assert raw["In-Reply-To"] == "<original@example.com>"
    assert raw["References"] == "<first@example.com> <original@example.com>"


@pytest.mark.anyio
async def test_a_reply_to_an_address_mail_cannot_reach_names_it(database: Database, inbox: dict[str, Any]) -> None:
    blobs, queue = FakeBlobs(), FakeQueue()
    first = await messages.send(
        database, blobs, queue, inbox["id"], messages.Composition(to=["ada@example.com"], subject="Hi", text="?")
    )
    original = received(inbox, first["thread_id"], **{"from": {"name": None, "address": "root@vm"}})
    with pytest.raises(APIError) as refused:
        await messages.reply(
            database,
            blobs,
            queue,
            original,
            text="Yes.",
            html=None,
            reply_all=False,
            cc=[],
            attachments=[],
            labels=[],
            dotted_only=True,
        )
    assert refused.value.code == "unsendable_recipient" and "root@vm" in refused.value.detail


@pytest.mark.anyio
async def test_forward_carries_the_stored_attachments_and_skips_a_missing_one(
    database: Database, inbox: dict[str, Any]
) -> None:
    blobs, queue = FakeBlobs(), FakeQueue()
    first = await messages.send(
        database, blobs, queue, inbox["id"], messages.Composition(to=["ada@example.com"], subject="Hi", text="?")
    )
    report = b"%PDF-1.4 the report"
    digest = hashlib.sha256(report).hexdigest()
    blobs.blobs[attachment_key(digest)] = report
    stored = {"filename": "report.pdf", "content_type": "application/pdf", "content_id": None, "inline": False}
    original = received(
        inbox,
        first["thread_id"],
        attachments=[{**stored, "sha256": digest}, {**stored, "filename": "lost.pdf", "sha256": "0" * 64}],
    )
    forwarded = await messages.forward(
        database, blobs, queue, original, to=["cy@example.com"], text="FYI", html=None, labels=[]
    )

    assert forwarded["subject"] == "Fwd: Meeting"
    raw = sent_message(blobs, forwarded)
    files = {part.get_filename(): part.get_content() for part in raw.iter_attachments()}
    assert files == {"report.pdf": report}
    body = raw.get_body(("plain",))
    assert body is not None and "---------- Forwarded message ---------" in body.get_content()
    assert "Shall we meet?" in body.get_content()
