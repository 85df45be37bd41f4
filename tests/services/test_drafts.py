"""Drafts: saved, changed (left out: unchanged, null: cleared), listed newest first, deleted, and sent as a send,
a reply or a forward would be, at once or at a time."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import Stack
from tests.services.test_pipeline import gone, wait_for
from tests.services.test_schedule import LEAD, event_types, finished, parse, rfc3339


@pytest.fixture
def inbox(api: httpx.Client) -> dict[str, Any]:
    created: dict[str, Any] = api.post("/v1/inboxes", json={"name": "Drafting"}).json()
    return created


def create(api: httpx.Client, inbox_id: str, **body: Any) -> dict[str, Any]:
    response = api.post(f"/v1/inboxes/{inbox_id}/drafts", json=body)
    assert response.status_code == 201, response.text
    draft: dict[str, Any] = response.json()
    return draft


def draft_events(api: httpx.Client, inbox_id: str, event_type: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = api.get(
        "/v1/events", params={"inbox_id": inbox_id, "type": event_type, "limit": 100}
    ).json()["data"]
    return events


def test_a_draft_round_trip(api: httpx.Client, inbox: dict[str, Any]) -> None:
    attachment = {"filename": "a.txt", "content_type": "text/plain", "content": base64.b64encode(b"hi").decode()}
    draft = create(
        api,
        inbox["id"],
        to=["Ada <ada@example.com>"],
        subject="Plans",
        text="Draft one",
        labels=["wip"],
        attachments=[attachment],
    )
    assert draft["id"].startswith("drf_") and draft["inbox_id"] == inbox["id"]
    assert draft["to"] == ["Ada <ada@example.com>"] and draft["cc"] == [] and draft["html"] is None
    [described] = draft["attachments"]
    assert described["id"].startswith("att_")
    assert described == {
        "id": described["id"],
        "filename": "a.txt",
        "content_type": "text/plain",
        "size": 2,
        "content_id": None,
        "inline": False,
    }
    assert api.get(f"/v1/drafts/{draft['id']}").json() == draft

    renamed = api.patch(f"/v1/drafts/{draft['id']}", json={"subject": "Better plans"}).json()
    assert renamed["subject"] == "Better plans"
    unchanged = ("to", "text", "labels", "attachments", "created_at")
    assert {k: renamed[k] for k in unchanged} == {k: draft[k] for k in unchanged}
    cleared = api.patch(f"/v1/drafts/{draft['id']}", json={"labels": None, "text": None, "attachments": None}).json()
    assert cleared["labels"] == [] and cleared["text"] is None and cleared["attachments"] == []
    assert cleared["subject"] == "Better plans" and cleared["to"] == draft["to"]
    assert parse(cleared["updated_at"]) >= parse(renamed["updated_at"]) >= parse(draft["updated_at"])
    assert api.patch(f"/v1/drafts/{draft['id']}", json={}).json() == cleared

    [created_event] = draft_events(api, inbox["id"], "draft.created")
    assert created_event["data"]["draft"]["id"] == draft["id"]
    assert "content" not in created_event["data"]["draft"]["attachments"][0]  # events leave the bytes out
    assert [e["data"]["draft"]["subject"] for e in draft_events(api, inbox["id"], "draft.updated")] == [
        "Better plans",
        "Better plans",
    ]

    assert api.delete(f"/v1/drafts/{draft['id']}").status_code == 204
    assert api.get(f"/v1/drafts/{draft['id']}").status_code == 404
    assert api.delete(f"/v1/drafts/{draft['id']}").status_code == 404
    [deleted] = draft_events(api, inbox["id"], "draft.deleted")
    assert deleted["data"]["draft"]["id"] == draft["id"] and deleted["data"]["sent_message_id"] is None


def test_drafts_are_listed_newest_first_and_paged(api: httpx.Client, inbox: dict[str, Any]) -> None:
    made = [create(api, inbox["id"], subject=f"n{i}") for i in range(3)]
    first = api.get(f"/v1/inboxes/{inbox['id']}/drafts", params={"limit": 2}).json()
    assert [d["id"] for d in first["data"]] == [made[2]["id"], made[1]["id"]]
    rest = api.get(f"/v1/inboxes/{inbox['id']}/drafts", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [d["id"] for d in rest["data"]] == [made[0]["id"]] and rest["next_cursor"] is None
    assert api.get("/v1/inboxes/inb_missing/drafts").status_code == 404


def test_draft_validation(api: httpx.Client, inbox: dict[str, Any]) -> None:
    def field(**body: Any) -> str:
        response = api.post(f"/v1/inboxes/{inbox['id']}/drafts", json=body)
        assert response.status_code == 422, response.text
        return str(response.json()["errors"][0]["field"])

    sent = api.post(f"/v1/inboxes/{inbox['id']}/messages", json={"to": ["ada@example.com"], "text": "x"}).json()
    assert field(to=["not an address"]) == "to[0]"
    assert field(in_reply_to=sent["id"], forward_of=sent["id"]) == "forward_of"
    assert field(in_reply_to="msg_missing") == "in_reply_to"
    assert field(send_at=rfc3339(datetime.now(UTC) - timedelta(hours=1))) == "send_at"
    assert field(subject="two\nlines") == "subject"
    draft = create(api, inbox["id"], text="no one to send to")
    refused = api.post(f"/v1/drafts/{draft['id']}/send")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "to"
    assert api.get(f"/v1/drafts/{draft['id']}").status_code == 200  # a draft that could not be sent stays


def test_sending_a_draft_sends_it_and_deletes_the_draft(api: httpx.Client, inbox: dict[str, Any]) -> None:
    draft = create(api, inbox["id"], to=["ada@example.com"], subject="Hello", text="Sent from a draft", labels=["d"])
    response = api.post(f"/v1/drafts/{draft['id']}/send")
    assert response.status_code == 202, response.text
    message = response.json()
    assert message["status"] == "queued" and message["subject"] == "Hello" and message["labels"] == ["d"]
    assert api.get(f"/v1/drafts/{draft['id']}").status_code == 404
    assert api.post(f"/v1/drafts/{draft['id']}/send").status_code == 404
    [deleted] = draft_events(api, inbox["id"], "draft.deleted")
    assert deleted["data"]["sent_message_id"] == message["id"]
    assert wait_for(lambda: finished(api, message["id"]))["status"] == "delivered"


def test_a_reply_draft_lands_in_the_thread(api: httpx.Client, inbox: dict[str, Any]) -> None:
    body = {"to": ["ada@example.com"], "cc": ["carl@example.com"], "subject": "Question", "text": "?"}
    original = api.post(f"/v1/inboxes/{inbox['id']}/messages", json=body).json()
    draft = create(api, inbox["id"], in_reply_to=original["id"], reply_all=True, text="Answer", to=["ignored@x.com"])
    message = api.post(f"/v1/drafts/{draft['id']}/send").json()
    assert message["thread_id"] == original["thread_id"] and message["subject"] == "Re: Question"
    assert message["in_reply_to"] == original["message_id"] and message["references"] == [original["message_id"]]
    assert [r["address"] for r in message["to"]] == ["ada@example.com"]
    assert [r["address"] for r in message["cc"]] == ["carl@example.com"]
    thread = api.get(f"/v1/threads/{original['thread_id']}").json()
    assert [m["id"] for m in thread["messages"]] == [original["id"], message["id"]]

    forward = create(api, inbox["id"], forward_of=original["id"], to=["dan@example.com"], text="FYI")
    forwarded = api.post(f"/v1/drafts/{forward['id']}/send").json()
    assert forwarded["subject"] == "Fwd: Question" and forwarded["thread_id"] == original["thread_id"]
    assert "Forwarded message" in forwarded["text"] and [r["address"] for r in forwarded["to"]] == ["dan@example.com"]


def test_a_scheduled_draft(api: httpx.Client, inbox: dict[str, Any]) -> None:
    draft = create(api, inbox["id"], to=["ada@example.com"], text="Later", send_at=rfc3339(datetime.now(UTC) + LEAD))
    message = api.post(f"/v1/drafts/{draft['id']}/send").json()
    assert message["status"] == "scheduled" and message["send_at"] is not None
    sent = wait_for(lambda: finished(api, message["id"]), timeout=15)
    assert sent["status"] == "delivered" and parse(sent["sent_at"]) >= parse(draft["send_at"])
    assert event_types(api, message["id"]) == ["message.scheduled", "message.sent", "message.delivered"]


def test_drafts_are_scoped_like_messages(stack: Stack, api: httpx.Client, inbox: dict[str, Any]) -> None:
    other = api.post("/v1/inboxes", json={"name": "Elsewhere"}).json()
    mine = create(api, inbox["id"], subject="mine")
    theirs = create(api, other["id"], subject="theirs")
    key = api.post("/v1/api-keys", json={"name": "drafts", "inbox_ids": [inbox["id"]]}).json()
    try:
        with stack.client(key["key"]) as scoped:
            assert [d["id"] for d in scoped.get(f"/v1/inboxes/{inbox['id']}/drafts").json()["data"]] == [mine["id"]]
            assert scoped.get(f"/v1/inboxes/{other['id']}/drafts").status_code == 404
            assert scoped.get(f"/v1/drafts/{theirs['id']}").status_code == 404
            assert scoped.patch(f"/v1/drafts/{theirs['id']}", json={"subject": "x"}).status_code == 404
            assert scoped.delete(f"/v1/drafts/{theirs['id']}").status_code == 404
            assert scoped.post(f"/v1/drafts/{theirs['id']}/send").status_code == 404
            assert scoped.post(f"/v1/inboxes/{other['id']}/drafts", json={}).status_code == 404
            assert scoped.get(f"/v1/drafts/{mine['id']}").status_code == 200
        assert api.get(f"/v1/drafts/{theirs['id']}").json()["subject"] == "theirs"
    finally:
        api.delete(f"/v1/api-keys/{key['id']}")


def test_draft_attachments_are_blobs_released_with_the_draft(
    stack: Stack, api: httpx.Client, inbox: dict[str, Any]
) -> None:
    """The row holds no bytes; the blob goes when no draft or message holds it any more, and a sent draft's
    message carries the bytes."""
    payload = f"draft attachment {uuid.uuid4().hex}".encode()
    digest = hashlib.sha256(payload).hexdigest()
    blob = Path(stack.data_dir) / "blobs" / "attachments" / digest[:2] / digest
    attachment = {"filename": "notes.txt", "content_type": "text/plain", "content": base64.b64encode(payload).decode()}

    def row_text(draft_id: str) -> str:
        with psycopg.connect(host=str(stack.data_dir / "postgres"), user="postgres", dbname="postgres") as conn:
            [(attachments,)] = conn.execute(
                "SELECT attachments::text FROM drafts WHERE id = %s", (draft_id,)
            ).fetchall()
        return str(attachments)

    first = create(api, inbox["id"], to=["ada@example.com"], text="x", attachments=[attachment])
    second = create(api, inbox["id"], to=["ada@example.com"], text="y", attachments=[attachment])
    assert blob.read_bytes() == payload
    assert attachment["content"] not in row_text(first["id"]) and digest in row_text(first["id"])

    assert api.delete(f"/v1/drafts/{first['id']}").status_code == 204
    assert blob.is_file()  # the second draft still holds it
    sent = api.post(f"/v1/drafts/{second['id']}/send")
    assert sent.status_code == 202, sent.text
    message = sent.json()
    assert [a["filename"] for a in message["attachments"]] == ["notes.txt"] and blob.is_file()  # the message's now
    raw = email.message_from_bytes(api.get(f"/v1/messages/{message['id']}/raw").content, policy=email.policy.default)
    [part] = list(raw.iter_attachments())
    assert part.get_content() == payload.decode()
    assert api.delete(f"/v1/messages/{message['id']}").status_code == 204
    gone(blob)

    # Replaced attachments let theirs go too; deleting the inbox lets its drafts' go.
    third = create(api, inbox["id"], text="z", attachments=[attachment])
    assert blob.is_file()
    assert api.patch(f"/v1/drafts/{third['id']}", json={"attachments": None}).json()["attachments"] == []
    gone(blob)
    other = api.post("/v1/inboxes").json()
    create(api, other["id"], text="w", attachments=[attachment])
    assert blob.is_file()
    assert api.delete(f"/v1/inboxes/{other['id']}").status_code == 204
    gone(blob)
