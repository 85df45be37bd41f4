"""Waiting for mail, deleting it (a message, a thread, an inbox) and retention, on the local backend.

Deleted mail must be unreachable everywhere: the API's endpoints, the blob store, the events (which webhooks
and the events API build their payloads from) and search.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import anyio
import httpx
import psycopg
import pytest
from mailman_sdk import AsyncMailman, Mailman
from mailman_services.adapters.files import FileBlobStore
from mailman_services.bootstrap import build
from mailman_services.config import load_settings
from mailman_services.domain.ids import new_id
from mailman_services.handlers import deletion

from tests.conftest import Stack, Zone, in_process_app, in_process_settings
from tests.services.test_pipeline import gone, smtp_send, wait_for

PDF = b"%PDF-1.4\n% shared by two messages\n" + bytes(range(256)) * 3


def mail(to: str, subject: str, text: str, *, attachment: bytes | None = None, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Ada Lovelace <ada@example.com>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@example.com>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    message.add_alternative(f"<p>{text}</p>", subtype="html")
    if attachment is not None:
        message.add_attachment(attachment, maintype="application", subtype="pdf", filename="shared.pdf")
    return message


def receive(stack: Stack, api: httpx.Client, inbox: dict[str, Any], subject: str, text: str, **kw: Any) -> Any:
    """Mail in over SMTP; returns the stored message, whole."""
    smtp_send(stack, mail(inbox["address"], subject, text, **kw), [inbox["address"]])
    listed = wait_for(
        lambda: [m for m in api.get(f"/v1/inboxes/{inbox['id']}/messages").json()["data"] if m["subject"] == subject]
    )
    return api.get(f"/v1/messages/{listed[0]['id']}").json()


def database(stack: Stack) -> psycopg.Connection[Any]:
    return psycopg.connect(host=str(stack.data_dir / "postgres"), user="postgres", dbname="postgres", autocommit=True)


def raw_key(stack: Stack, message_id: str) -> str:
    with database(stack) as conn:
        row = conn.execute("SELECT raw_key FROM messages WHERE id = %s", (message_id,)).fetchone()
    assert row is not None and row[0]
    return str(row[0])


def blob(stack: Stack, key: str) -> Path:
    return stack.data_dir / "blobs" / key


@dataclass
class StoredRaw:
    """A message's raw copy in the file blob store: a file of its own, or a message in a pack."""

    store: FileBlobStore
    key: str

    def exists(self) -> bool:
        return anyio.run(self.store.get, self.key) is not None


def raw_blob(stack: Stack, message_id: str) -> StoredRaw:
    return StoredRaw(FileBlobStore(stack.data_dir / "blobs"), raw_key(stack, message_id))


def attachment_blob(stack: Stack, message: dict[str, Any]) -> Path:
    [attachment] = message["attachments"]
    sha = attachment["sha256"]
    return blob(stack, f"attachments/{sha[:2]}/{sha}")


def stored_events(stack: Stack, message_id: str) -> list[dict[str, Any]]:
    """The events as stored: what webhooks and the events API build their payloads from."""
    with database(stack) as conn:
        rows = conn.execute("SELECT type, data FROM events WHERE message_id = %s ORDER BY id", (message_id,))
        return [{"type": kind, "data": data} for kind, data in rows]


def deleted_events(api: httpx.Client, message_id: str) -> list[dict[str, Any]]:
    params = {"message_id": message_id, "type": "message.deleted"}
    found: list[dict[str, Any]] = api.get("/v1/events", params=params).json()["data"]
    return found


@pytest.fixture
def inbox(api: httpx.Client) -> dict[str, Any]:
    created: dict[str, Any] = api.post("/v1/inboxes").json()
    return created


# --- waiting ------------------------------------------------------------------------------------------------


def test_wait_answers_with_the_message_once_it_is_stored(
    stack: Stack, api: httpx.Client, inbox: dict[str, Any]
) -> None:
    first = receive(stack, api, inbox, "Before", "already here")
    answers: list[httpx.Response] = []
    waiting = threading.Thread(
        target=lambda: answers.append(
            api.get(f"/v1/inboxes/{inbox['id']}/messages", params={"wait": 30, "after": first["id"]})
        )
    )
    waiting.start()
    smtp_send(stack, mail(inbox["address"], "Your code", "1234"), [inbox["address"]])
    waiting.join(timeout=35)
    [answer] = answers
    assert answer.status_code == 200
    [message] = answer.json()["data"]
    assert message["subject"] == "Your code" and message["text"].strip() == "1234"


def copy_message(conn: psycopg.Connection[Any], source_id: str, message_id: str) -> None:
    """A copy of ``source_id`` stored as ``message_id``, as any code storing a message would, NOTIFY included (the
    wake-up that waiters hear at the commit of stored mail)."""
    columns = [
        name
        for (name,) in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'messages'"
            " AND is_generated = 'NEVER' AND column_name NOT IN ('id', 'dedup_key') ORDER BY ordinal_position"
        )
    ]
    listed = ", ".join(f'"{name}"' for name in columns)
    conn.execute(
        f"INSERT INTO messages (id, dedup_key, {listed}) SELECT %s, %s, {listed} FROM messages WHERE id = %s",
        (message_id, f"copy-{message_id}", source_id),
    )
    conn.execute("SELECT pg_notify('mailman_events', inbox_id) FROM messages WHERE id = %s", (message_id,))


def test_wait_after_a_message_gets_one_with_a_smaller_id_committed_after_it(
    stack: Stack, api: httpx.Client, inbox: dict[str, Any]
) -> None:
    """Ids are made before the commit: the smaller one may commit last. Waiting after the larger still gets it."""
    seed = receive(stack, api, inbox, "Seed", "the first")
    earlier, later = new_id("msg"), new_id("msg")
    assert earlier < later
    with database(stack) as held, database(stack) as other:
        held.execute("BEGIN")
        copy_message(held, seed["id"], earlier)  # made first, committed last
        copy_message(other, seed["id"], later)
        path = f"/v1/inboxes/{inbox['id']}/messages"
        seen = api.get(path, params={"wait": 30, "after": seed["id"]}).json()["data"]
        assert [m["id"] for m in seen] == [later]
        answers: list[httpx.Response] = []
        waiting = threading.Thread(
            target=lambda: answers.append(api.get(path, params={"wait": 30, "after": later}, timeout=40))
        )
        waiting.start()
        held.execute("COMMIT")
        waiting.join(timeout=40)
    [answer] = answers
    assert [m["id"] for m in answer.json()["data"]] == [earlier]
    # And that answer's id is where the next wait goes on from: nothing again.
    assert api.get(path, params={"wait": 1, "after": earlier}).json()["data"] == []


def test_wait_times_out_with_an_empty_page_and_honours_the_filters(
    stack: Stack, api: httpx.Client, inbox: dict[str, Any]
) -> None:
    received = receive(stack, api, inbox, "Inbound only", "hello")
    # Mail is there, but none outbound and none newer than it: an empty page once the wait is over.
    cases: list[dict[str, str | int]] = [{"wait": 1, "direction": "outbound"}, {"wait": 1, "after": received["id"]}]
    for params in cases:
        answer = api.get(f"/v1/inboxes/{inbox['id']}/messages", params=params)
        assert answer.status_code == 200
        assert answer.json() == {"data": [], "next_cursor": None}


def test_wait_over_60_seconds_and_a_malformed_after_answer_422(api: httpx.Client, inbox: dict[str, Any]) -> None:
    cases: list[tuple[dict[str, str | int], str]] = [
        ({"wait": 61}, "wait"),
        ({"wait": 1, "after": "msg_nope"}, "after"),
    ]
    for params, field in cases:
        answer = api.get(f"/v1/inboxes/{inbox['id']}/messages", params=params)
        assert answer.status_code == 422
        assert answer.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in answer.json()["errors"]] == [field]


def test_sdk_wait_returns_the_next_matching_message_or_raises_timeout(stack: Stack, inbox: dict[str, Any]) -> None:
    with Mailman(base_url=stack.url, api_key=stack.token) as client:
        # The mail goes a second after wait starts: wait takes the inbox's newest message as its boundary first.
        def send_two() -> None:
            for subject in ("Newsletter", "Your login code 8812"):
                smtp_send(stack, mail(inbox["address"], subject, "x"), [inbox["address"]])

        threading.Timer(1.0, send_two).start()
        found = client.inboxes.messages.wait(inbox["id"], timeout=30, subject="login code", from_="ADA@example.com")
        assert found.subject == "Your login code 8812" and found.from_.address == "ada@example.com"
        with pytest.raises(TimeoutError):
            client.inboxes.messages.wait(inbox["id"], timeout=1, subject="never sent")


@pytest.mark.anyio
async def test_async_sdk_wait_returns_the_next_message_or_raises_timeout(stack: Stack, inbox: dict[str, Any]) -> None:
    async with AsyncMailman(base_url=stack.url, api_key=stack.token) as client:
        threading.Timer(1.0, smtp_send, (stack, mail(inbox["address"], "Async hello", "x"), [inbox["address"]])).start()
        found = await client.inboxes.messages.wait(inbox["id"], timeout=30)
        assert found.subject == "Async hello"
        with pytest.raises(TimeoutError):
            await client.inboxes.messages.wait(inbox["id"], timeout=1, from_="nobody@example.com")


# --- deleting -----------------------------------------------------------------------------------------------


def assert_unreachable(stack: Stack, api: httpx.Client, message: dict[str, Any], word: str) -> None:
    """Nothing of the deleted message can be read: not through the API, the events, search or the blob store."""
    message_id = message["id"]
    assert api.get(f"/v1/messages/{message_id}").status_code == 404
    assert api.get(f"/v1/messages/{message_id}/raw").status_code == 404
    for attachment in message["attachments"]:
        assert api.get(f"/v1/messages/{message_id}/attachments/{attachment['id']}").status_code == 404
    assert api.get(f"/v1/inboxes/{message['inbox_id']}/messages", params={"q": word}).json()["data"] == []
    listed = api.get("/v1/events", params={"message_id": message_id, "limit": 100}).json()["data"]
    assert {e["type"] for e in listed} >= {"message.received", "message.deleted"}
    for event in listed:
        whole = api.get(f"/v1/events/{event['id']}").json()
        for shown in (event, whole):
            body = {k: shown["data"]["message"][k] for k in ("text", "html", "extracted_text", "extracted_html")}
            assert body == dict.fromkeys(body) and shown["data"]["message"]["preview"] == ""
            assert word not in str(shown)
    for stored in stored_events(stack, message_id):
        assert word not in str(stored["data"])
    deleted = [e for e in listed if e["type"] == "message.deleted"]
    assert len(deleted) == 1 and deleted[0]["data"]["message"]["id"] == message_id


def test_deleting_a_message_deletes_its_rows_raw_copy_bodies_in_events_and_unshared_attachments(
    stack: Stack, api: httpx.Client, inbox: dict[str, Any]
) -> None:
    first = receive(stack, api, inbox, "Shared pdf 1", "zebracorn secret", attachment=PDF)
    second = receive(stack, api, inbox, "Shared pdf 2", "other words", attachment=PDF)
    first_raw, second_raw = raw_blob(stack, first["id"]), raw_blob(stack, second["id"])
    shared = attachment_blob(stack, first)
    assert shared == attachment_blob(stack, second) and shared.exists() and first_raw.exists()

    assert api.delete(f"/v1/messages/{first['id']}").status_code == 204
    assert_unreachable(stack, api, first, "zebracorn")
    gone(first_raw)
    assert shared.exists() and second_raw.exists()  # the other message still holds the same content
    download = api.get(f"/v1/messages/{second['id']}/attachments/{second['attachments'][0]['id']}")
    assert download.status_code == 200 and download.content == PDF
    assert api.delete(f"/v1/messages/{first['id']}").status_code == 404

    assert api.delete(f"/v1/messages/{second['id']}").status_code == 204
    gone(shared, second_raw)
    assert api.get(f"/v1/threads/{second['thread_id']}").status_code == 404  # its thread is empty: gone


def test_a_deleted_message_is_not_replayed_nor_sent_again_under_its_idempotency_key(
    api: httpx.Client, inbox: dict[str, Any]
) -> None:
    key = {"Idempotency-Key": uuid.uuid4().hex}
    body = {"to": ["ada@example.com"], "subject": "Once", "text": "quokka body"}
    sent = api.post(f"/v1/inboxes/{inbox['id']}/messages", json=body, headers=key)
    assert sent.status_code == 202
    assert api.delete(f"/v1/messages/{sent.json()['id']}").status_code == 204
    again = api.post(f"/v1/inboxes/{inbox['id']}/messages", json=body, headers=key)
    assert again.status_code == 409 and again.json()["code"] == "idempotency_key_answer_deleted"
    assert "quokka" not in again.text
    assert api.get(f"/v1/inboxes/{inbox['id']}/messages").json()["data"] == []


def test_deleting_a_thread_deletes_every_message_in_it(stack: Stack, api: httpx.Client, inbox: dict[str, Any]) -> None:
    first = receive(stack, api, inbox, "Thread start", "platypus one")
    reply = receive(stack, api, inbox, "Re: Thread start", "platypus two", In_Reply_To=first["message_id"])
    assert reply["thread_id"] == first["thread_id"]
    other = receive(stack, api, inbox, "Unrelated", "kept")

    assert api.delete(f"/v1/threads/{first['thread_id']}").status_code == 204
    assert api.get(f"/v1/threads/{first['thread_id']}").status_code == 404
    for message in (first, reply):
        assert_unreachable(stack, api, message, "platypus")
        [deleted] = api.get("/v1/events", params={"message_id": message["id"], "type": "message.deleted"}).json()[
            "data"
        ]
        assert deleted["data"]["reason"] == "thread_deleted"
    assert api.get(f"/v1/messages/{other['id']}").status_code == 200
    assert api.delete(f"/v1/threads/{first['thread_id']}").status_code == 404


def test_a_thread_that_outlives_a_message_loses_its_people(api: httpx.Client, inbox: dict[str, Any]) -> None:
    """Participants are found again from the messages left: each one's From, To and Cc, in the thread's order."""
    sent = api.post(
        f"/v1/inboxes/{inbox['id']}/messages", json={"to": ["ada@example.com"], "cc": ["cy@example.com"], "text": "1"}
    ).json()
    forward = api.post(f"/v1/messages/{sent['id']}/forward", json={"to": ["bo@example.com"], "text": "2"}).json()
    thread_id = sent["thread_id"]
    assert forward["thread_id"] == thread_id

    def participants() -> list[str]:
        found: list[str] = api.get(f"/v1/threads/{thread_id}").json()["participants"]
        return found

    assert participants() == [inbox["address"], "ada@example.com", "cy@example.com", "bo@example.com"]
    assert api.delete(f"/v1/messages/{forward['id']}").status_code == 204
    assert participants() == [inbox["address"], "ada@example.com", "cy@example.com"]
    again = api.post(f"/v1/messages/{sent['id']}/forward", json={"to": ["di@example.com"], "text": "3"}).json()
    assert api.delete(f"/v1/messages/{sent['id']}").status_code == 204
    assert participants() == [inbox["address"], "di@example.com"]
    assert api.get(f"/v1/threads/{thread_id}").json()["message_count"] == 1 and again["thread_id"] == thread_id


def test_deleting_an_inbox_deletes_its_mail_blobs_and_bodies_in_events(stack: Stack, api: httpx.Client) -> None:
    inbox = api.post("/v1/inboxes").json()
    attachment = b"%PDF-1.4\n% only in this inbox " + uuid.uuid4().bytes
    message = receive(stack, api, inbox, "Inbox going", "wombat words", attachment=attachment)
    raw, stored = raw_blob(stack, message["id"]), attachment_blob(stack, message)
    assert raw.exists() and stored.exists()

    assert api.delete(f"/v1/inboxes/{inbox['id']}").status_code == 204
    gone(raw, stored)
    assert api.get(f"/v1/messages/{message['id']}").status_code == 404
    for event in stored_events(stack, message["id"]):
        assert "wombat" not in str(event["data"])
    [deleted] = deleted_events(api, message["id"])
    assert deleted["data"]["reason"] == "inbox_deleted"


def test_an_inbox_is_deleted_a_batch_of_messages_per_transaction(
    stack: Stack, api: httpx.Client, dns_zone: tuple[Zone, int]
) -> None:
    inbox = api.post("/v1/inboxes").json()
    sent = [receive(stack, api, inbox, f"Many {n}", f"numbat {n}") for n in range(5)]
    raws = [raw_blob(stack, message["id"]) for message in sent]

    async def run() -> None:
        svc = build(
            load_settings(in_process_settings(stack, dns_zone[1])),
            f"postgresql+psycopg://postgres@/postgres?host={stack.data_dir / 'postgres'}",
        )
        try:
            await deletion.delete_inbox(svc.database, svc.blobs, inbox["id"], batch=2)
        finally:
            await svc.aclose()

    asyncio.run(run())
    assert api.get(f"/v1/inboxes/{inbox['id']}").status_code == 404
    for message, raw in zip(sent, raws, strict=True):
        assert api.get(f"/v1/messages/{message['id']}").status_code == 404
        gone(raw)
        assert all("numbat" not in str(event["data"]) for event in stored_events(stack, message["id"]))
        [deleted] = deleted_events(api, message["id"])
        assert deleted["data"]["reason"] == "inbox_deleted"
    assert api.delete(f"/v1/inboxes/{inbox['id']}").status_code == 404


def test_a_scoped_key_deletes_only_its_inboxes_mail(stack: Stack, api: httpx.Client) -> None:
    mine, theirs = api.post("/v1/inboxes").json(), api.post("/v1/inboxes").json()
    key = api.post("/v1/api-keys", json={"name": "scoped", "inbox_ids": [mine["id"]]}).json()["key"]
    own = receive(stack, api, mine, "Mine", "a")
    other = receive(stack, api, theirs, "Theirs", "b")
    with stack.client(key) as scoped:
        assert scoped.delete(f"/v1/messages/{other['id']}").status_code == 404
        assert scoped.delete(f"/v1/threads/{other['thread_id']}").status_code == 404
        assert scoped.delete(f"/v1/inboxes/{theirs['id']}").status_code == 403
        assert scoped.delete(f"/v1/messages/{own['id']}").status_code == 204
    assert api.get(f"/v1/messages/{other['id']}").status_code == 200
    assert api.get(f"/v1/messages/{own['id']}").status_code == 404


def test_blobs_named_for_deletion_are_deleted_by_a_later_sweep(stack: Stack) -> None:
    """What a crash between the commit and the blob deletion leaves (the rows) is deleted later, once."""
    key = f"raw/outbound/orphan-{uuid.uuid4().hex}"
    blob(stack, key).parent.mkdir(parents=True, exist_ok=True)
    blob(stack, key).write_bytes(b"left behind")
    with database(stack) as conn:
        conn.execute("INSERT INTO blob_deletions (key) VALUES (%s)", (key,))

    def swept() -> bool:  # the blob first, then its row once the sweep commits
        with database(stack) as conn:
            rows = conn.execute("SELECT count(*) FROM blob_deletions WHERE key = %s", (key,)).fetchone()
        return not blob(stack, key).exists() and rows == (0,)

    wait_for(swept)  # the worker's housekeeping sweeps every second


# --- retention ----------------------------------------------------------------------------------------------


def purge(stack: Stack, dns_zone: tuple[Zone, int], **options: Any) -> None:
    """One run of the worker's retention purge, over the stack's database and blob store."""

    async def run() -> None:
        svc = build(
            load_settings(in_process_settings(stack, dns_zone[1])),
            f"postgresql+psycopg://postgres@/postgres?host={stack.data_dir / 'postgres'}",
        )
        try:
            await deletion.purge_expired(svc.database, svc.blobs, **options)
        finally:
            await svc.aclose()

    asyncio.run(run())


def age(stack: Stack, message_id: str, days: float) -> None:
    with database(stack) as conn:
        conn.execute(
            "UPDATE messages SET created_at = now() - make_interval(secs => %s) WHERE id = %s",
            (days * 86400, message_id),
        )


def test_retention_purges_mail_older_than_the_inbox_keeps_it(
    stack: Stack, api: httpx.Client, dns_zone: tuple[Zone, int]
) -> None:
    kept_30 = api.post("/v1/inboxes", json={"retention_days": 30}).json()
    forever = api.post("/v1/inboxes", json={"retention_days": None}).json()
    assert kept_30["retention_days"] == 30 and forever["retention_days"] is None
    old = receive(stack, api, kept_30, "Old one", "ancient aardvark", attachment=b"%PDF-1.4 " + uuid.uuid4().bytes)
    recent = receive(stack, api, kept_30, "Recent one", "young")
    ancient_kept = receive(stack, api, forever, "Kept for ever", "kept")
    age(stack, old["id"], 31)
    age(stack, recent["id"], 29)
    age(stack, ancient_kept["id"], 3650)
    raw, attachment = raw_blob(stack, old["id"]), attachment_blob(stack, old)

    # The stack's worker purges too, every minute: whichever gets there first, the mail is gone.
    purge(stack, dns_zone)
    assert_unreachable(stack, api, old, "aardvark")
    gone(raw, attachment)
    [deleted] = deleted_events(api, old["id"])
    assert deleted["data"]["reason"] == "retention"
    assert api.get(f"/v1/messages/{recent['id']}").status_code == 200
    assert api.get(f"/v1/messages/{ancient_kept['id']}").status_code == 200

    # A shorter retention set later applies to the mail already there.
    assert api.patch(f"/v1/inboxes/{kept_30['id']}", json={"retention_days": 7}).json()["retention_days"] == 7
    purge(stack, dns_zone, batch=1)
    assert api.get(f"/v1/messages/{recent['id']}").status_code == 404
    assert api.patch(f"/v1/inboxes/{kept_30['id']}", json={"name": "x"}).json()["retention_days"] == 7


def test_retention_purges_in_batches_until_nothing_is_left(
    stack: Stack, api: httpx.Client, dns_zone: tuple[Zone, int]
) -> None:
    inbox = api.post("/v1/inboxes", json={"retention_days": 1}).json()
    ids = [receive(stack, api, inbox, f"Batch {i}", "b")["id"] for i in range(3)]
    for message_id in ids:
        age(stack, message_id, 2)
    later = datetime.now(UTC) + timedelta(seconds=1)
    purge(stack, dns_zone, now=later, batch=2)
    assert api.get(f"/v1/inboxes/{inbox['id']}/messages").json()["data"] == []


@pytest.mark.anyio
async def test_mailman_retention_days_is_the_default_of_new_inboxes(stack: Stack, dns_zone: tuple[Zone, int]) -> None:
    settings = in_process_settings(stack, dns_zone[1], MAILMAN_RETENTION_DAYS="14")
    async for app in in_process_app(stack, settings):
        assert (await app.json("POST", "/v1/inboxes"))["retention_days"] == 14
        explicit = await app.json("POST", "/v1/inboxes", json={"retention_days": None})
        assert explicit["retention_days"] is None
        assert (await app.json("GET", f"/v1/inboxes/{explicit['id']}"))["retention_days"] is None
        bad = await app.request("POST", "/v1/inboxes", json={"retention_days": 0})
        assert bad.status_code == 422
