"""Sending, replying, forwarding; reading messages, raw MIME, attachments, threads, labels and filters."""

from __future__ import annotations

import base64
import email
import email.policy
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import Stack
from tests.services.test_pipeline import wait_for

PDF = b"%PDF-1.4\n% a tiny but real-looking attachment\n" + bytes(range(256))


@pytest.fixture
def inbox(api: httpx.Client) -> dict[str, Any]:
    created: dict[str, Any] = api.post("/v1/inboxes", json={"name": "Support Team"}).json()
    return created


def send(api: httpx.Client, inbox_id: str, **body: Any) -> httpx.Response:
    return api.post(f"/v1/inboxes/{inbox_id}/messages", json={"to": ["ada@example.com"], "text": "Hello", **body})


def test_send_stores_a_queued_message_with_mime_and_enqueues_it(
    stack: Stack, api: httpx.Client, inbox: dict[str, Any]
) -> None:
    response = send(
        api,
        inbox["id"],
        to=["Ada Lovelace <Ada@Example.com>"],
        cc=["bob@example.com"],
        bcc=["audit@example.com"],
        subject="Your order",
        html="<p>Hello <b>Ada</b></p>",
        headers={"X-Campaign": "spring"},
        attachments=[
            {"filename": "invoice.pdf", "content_type": "application/pdf", "content": base64.b64encode(PDF).decode()}
        ],
        labels=["orders"],
    )
    assert response.status_code == 202
    message = response.json()
    assert message["status"] == "queued" and message["direction"] == "outbound"
    assert message["from"] == {"name": "Support Team", "address": inbox["address"]}
    assert message["to"] == [{"name": "Ada Lovelace", "address": "ada@example.com"}]
    assert message["bcc"] == [{"name": None, "address": "audit@example.com"}]
    assert message["message_id"] == f"<{message['id']}@mailman.test>"
    assert message["preview"] == "Hello" and message["labels"] == ["orders"]
    assert set(message["verdicts"].values()) == {"not_checked"}
    [attachment] = message["attachments"]
    assert attachment["filename"] == "invoice.pdf" and attachment["size"] == len(PDF)
    assert any(h["name"] == "X-Campaign" and h["value"] == "spring" for h in message["headers"])

    # The worker may have sent it already: everything but the delivery fields is as the send returned.
    moving = ("status", "sent_at", "delivered_at")
    fetched = api.get(f"/v1/messages/{message['id']}").json()
    assert {k: v for k, v in fetched.items() if k not in moving} == {
        k: v for k, v in message.items() if k not in moving
    }
    raw = api.get(f"/v1/messages/{message['id']}/raw")
    assert raw.headers["content-type"] == "message/rfc822" and len(raw.content) == message["size"]
    parsed = email.message_from_bytes(raw.content, policy=email.policy.default)
    assert parsed["Message-ID"] == message["message_id"]
    assert parsed["From"] == f"Support Team <{inbox['address']}>"
    assert parsed["Bcc"] is None  # Bcc never travels in the headers
    assert parsed.get_body(("plain",)).get_content().strip() == "Hello"  # type: ignore[union-attr]
    assert "<b>Ada</b>" in parsed.get_body(("html",)).get_content()  # type: ignore[union-attr]
    [part] = list(parsed.iter_attachments())
    assert part.get_filename() == "invoice.pdf" and part.get_content() == PDF

    download = api.get(f"/v1/messages/{message['id']}/attachments/{attachment['id']}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert "invoice.pdf" in download.headers["content-disposition"]
    assert api.get(f"/v1/messages/{message['id']}/attachments/att_missing").status_code == 404


def test_reply_and_forward_stay_in_the_thread(api: httpx.Client, inbox: dict[str, Any]) -> None:
    first = send(api, inbox["id"], subject="Question", to=["ada@example.com"], cc=["carl@example.com"]).json()
    reply = api.post(f"/v1/messages/{first['id']}/reply", json={"text": "Following up", "reply_all": True})
    assert reply.status_code == 202
    second = reply.json()
    assert second["subject"] == "Re: Question"
    assert second["in_reply_to"] == first["message_id"] and second["references"] == [first["message_id"]]
    assert second["thread_id"] == first["thread_id"]
    assert [r["address"] for r in second["to"]] == ["ada@example.com"]
    assert [r["address"] for r in second["cc"]] == ["carl@example.com"]

    forwarded = api.post(f"/v1/messages/{second['id']}/forward", json={"to": ["dan@example.com"], "text": "FYI"}).json()
    assert forwarded["subject"] == "Fwd: Re: Question"
    assert forwarded["references"] == [first["message_id"], second["message_id"]]
    assert "Forwarded message" in forwarded["text"] and "Following up" in forwarded["text"]

    thread = api.get(f"/v1/threads/{first['thread_id']}").json()
    assert thread["message_count"] == 3 and thread["subject"] == "Question"
    assert [m["id"] for m in thread["messages"]] == [first["id"], second["id"], forwarded["id"]]
    assert {"ada@example.com", "carl@example.com", "dan@example.com", inbox["address"]} <= set(thread["participants"])
    threads = api.get(f"/v1/inboxes/{inbox['id']}/threads").json()["data"]
    assert [t["id"] for t in threads] == [first["thread_id"]]


def test_labels_filters_and_search(api: httpx.Client, inbox: dict[str, Any]) -> None:
    a = send(api, inbox["id"], subject="Invoice 42 overdue", labels=["billing"]).json()
    b = send(api, inbox["id"], subject="Lunch on Friday").json()
    updated = api.patch(f"/v1/messages/{b['id']}", json={"add_labels": ["social", "todo"], "remove_labels": ["none"]})
    assert updated.status_code == 200 and updated.json()["labels"] == ["social", "todo"]
    removed = api.patch(f"/v1/messages/{b['id']}", json={"remove_labels": ["todo"]}).json()
    assert removed["labels"] == ["social"]
    thread = api.get(f"/v1/threads/{b['thread_id']}").json()
    assert thread["labels"] == ["social"]

    def ids(**params: Any) -> list[str]:
        return [m["id"] for m in api.get(f"/v1/inboxes/{inbox['id']}/messages", params=params).json()["data"]]

    assert ids() == [b["id"], a["id"]]
    assert ids(label="billing") == [a["id"]]
    assert ids(label="social") == [b["id"]]
    assert ids(q="invoice") == [a["id"]]
    assert ids(q="friday lunch") == [b["id"]]
    assert ids(direction="inbound") == []
    wait_for(lambda: ids(status="delivered") == [b["id"], a["id"]])  # captured locally by the worker
    assert ids(status="queued") == []
    assert ids(thread_id=a["thread_id"]) == [a["id"]]
    assert ids(after=a["created_at"]) == [b["id"]]
    assert ids(before=b["created_at"]) == [a["id"]]
    labelled_threads = api.get(f"/v1/inboxes/{inbox['id']}/threads", params={"label": "billing"}).json()["data"]
    assert [t["id"] for t in labelled_threads] == [a["thread_id"]]


def test_a_label_change_on_a_message_deleted_meanwhile_is_a_404(
    stack: Stack, api: httpx.Client, inbox: dict[str, Any]
) -> None:
    """A transaction deletes the message while a label change reads it: the change waits for that transaction
    and then finds no message (404), where it used to update a row that was gone (500)."""
    message = send(api, inbox["id"], subject="Going away").json()
    database = f"postgresql://postgres@/postgres?host={stack.data_dir / 'postgres'}"
    with psycopg.connect(database) as other, ThreadPoolExecutor(1) as pool:
        other.execute("DELETE FROM messages WHERE id = %s", (message["id"],))  # not committed yet
        change = pool.submit(api.patch, f"/v1/messages/{message['id']}", json={"add_labels": ["seen"]})
        time.sleep(1)  # the change has read the message, or waits on it
        assert not change.done()
        other.commit()
        response = change.result(timeout=30)
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found"


def test_send_validation(api: httpx.Client, inbox: dict[str, Any]) -> None:
    def problem(**body: Any) -> dict[str, Any]:
        response = api.post(f"/v1/inboxes/{inbox['id']}/messages", json=body)
        assert response.status_code == 422, response.text
        result: dict[str, Any] = response.json()
        return result

    assert problem(to=["ok@example.com"])["errors"][0]["field"] == "text"
    assert problem(to=["ok@example.com", "not-an-address"], text="x")["errors"][0]["field"] == "to[1]"
    assert problem(to=[], text="x")["errors"][0]["field"] == "to"
    many = [f"user{i}@example.com" for i in range(30)]
    assert problem(to=many, cc=many, text="x")["code"] == "too_many_recipients"
    assert (
        problem(to=["a@example.com"], text="x", headers={"Message-ID": "<x@y>"})["errors"][0]["field"]
        == "headers.Message-ID"
    )
    bad_attachment = [{"filename": "a.txt", "content": "***"}]
    assert (
        problem(to=["a@example.com"], text="x", attachments=bad_attachment)["errors"][0]["field"]
        == "attachments[0].content"
    )
    assert problem(to=["a@example.com"], text="x", labels=[""])["errors"][0]["field"] == "labels[0]"
    assert api.post("/v1/inboxes/inb_missing/messages", json={"to": ["a@example.com"], "text": "x"}).status_code == 404


def test_unverified_domain_and_suppressed_recipients(api: httpx.Client, inbox: dict[str, Any]) -> None:
    domain = api.post("/v1/domains", json={"name": f"u{uuid.uuid4().hex[:8]}.example.com"}).json()
    pending = api.post("/v1/inboxes", json={"domain_id": domain["id"]}).json()
    refused = send(api, pending["id"])
    assert refused.status_code == 422 and refused.json()["code"] == "domain_not_verified"

    blocked = f"blocked-{uuid.uuid4().hex[:6]}@example.com"
    created = api.post("/v1/suppressions", json={"address": blocked.upper()})
    assert created.status_code == 201 and created.json()["address"] == blocked and created.json()["reason"] == "manual"
    assert api.post("/v1/suppressions", json={"address": blocked}).status_code == 409
    all_gone = send(api, inbox["id"], to=[blocked])
    assert all_gone.status_code == 422 and all_gone.json()["code"] == "all_recipients_suppressed"
    partial = send(api, inbox["id"], to=[blocked], cc=["fine@example.com"]).json()
    assert [r["address"] for r in partial["to"]] == ["fine@example.com"] and partial["cc"] == []
    listed = api.get("/v1/suppressions", params={"limit": 100}).json()["data"]
    assert blocked in [s["address"] for s in listed]
    assert api.delete(f"/v1/suppressions/{blocked}").status_code == 204
    assert api.delete(f"/v1/suppressions/{blocked}").status_code == 404
    assert send(api, inbox["id"], to=[blocked]).status_code == 202


def test_blobs_live_under_the_data_dir(stack: Stack, api: httpx.Client, inbox: dict[str, Any]) -> None:
    message = send(api, inbox["id"]).json()
    assert (Path(stack.data_dir) / "blobs" / "raw" / f"{message['id']}.eml").is_file()


def test_downloads_are_never_run_by_a_browser(api: httpx.Client, inbox: dict[str, Any]) -> None:
    svg = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>').decode()
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
    attachments = [
        {"filename": "logo.svg", "content_type": "image/svg+xml", "content": svg, "inline": True, "content_id": "l@x"},
        {"filename": "page.html", "content_type": "text/html", "content": svg, "inline": True},
        {"filename": "pixel.png", "content_type": "image/png", "content": png, "inline": True},
        {"filename": "naïve report.pdf", "content_type": "application/pdf", "content": png},
    ]
    message = send(api, inbox["id"], html="<img src='cid:l@x'>", attachments=attachments).json()
    dispositions = {}
    for attachment in message["attachments"]:
        download = api.get(f"/v1/messages/{message['id']}/attachments/{attachment['id']}")
        assert download.status_code == 200
        assert download.headers["x-content-type-options"] == "nosniff"
        assert download.headers["content-security-policy"] == "sandbox"
        dispositions[attachment["filename"]] = download.headers["content-disposition"]
    assert dispositions == {
        "logo.svg": "attachment; filename*=UTF-8''logo.svg",
        "page.html": "attachment; filename*=UTF-8''page.html",
        "pixel.png": "inline; filename*=UTF-8''pixel.png",
        "naïve report.pdf": "attachment; filename*=UTF-8''na%C3%AFve%20report.pdf",
    }


def test_lists_bound_each_message_and_threads_page_their_messages(
    stack: Stack, api: httpx.Client, inbox: dict[str, Any]
) -> None:
    long_text = "word " * 20_000  # 100,000 characters
    big = send(api, inbox["id"], subject="Big", text=long_text, html=f"<p>{long_text}</p>").json()
    assert big["truncated"] is False and big["text"] == long_text  # the send's answer is whole
    [listed] = [m for m in api.get(f"/v1/inboxes/{inbox['id']}/messages").json()["data"] if m["id"] == big["id"]]
    assert listed["truncated"] is True
    assert listed["text"] == long_text[:16_384] and listed["html"] == f"<p>{long_text}"[:16_384]
    assert listed["subject"] == "Big" and listed["headers"] == big["headers"]
    whole = api.get(f"/v1/messages/{big['id']}").json()
    assert whole["truncated"] is False and whole["text"] == long_text

    wait_for(lambda: api.get("/v1/events", params={"message_id": big["id"], "type": "message.sent"}).json()["data"])
    [event] = api.get("/v1/events", params={"message_id": big["id"], "type": "message.sent"}).json()["data"]
    assert event["data"]["message"]["truncated"] is True and len(event["data"]["message"]["text"]) == 16_384
    full = api.get(f"/v1/events/{event['id']}").json()
    assert full["data"]["message"]["text"] == long_text
    with psycopg.connect(host=str(stack.data_dir / "postgres"), user="postgres", dbname="postgres") as conn:
        [(stored,)] = conn.execute("SELECT data->'message' FROM events WHERE id = %s", (event["id"],)).fetchall()
    assert "text" not in stored and "html" not in stored  # the bodies are stored once, in messages

    small = send(api, inbox["id"], subject="Small").json()
    [listed_small] = [
        m for m in api.get(f"/v1/inboxes/{inbox['id']}/messages").json()["data"] if m["id"] == small["id"]
    ]
    assert listed_small["truncated"] is False and listed_small["text"] == "Hello"

    replies = [api.post(f"/v1/messages/{small['id']}/reply", json={"text": f"r{i}"}).json() for i in range(2)]
    thread = api.get(f"/v1/threads/{small['thread_id']}", params={"limit": 2}).json()
    assert [m["id"] for m in thread["messages"]] == [small["id"], replies[0]["id"]] and thread["next_cursor"]
    rest = api.get(f"/v1/threads/{small['thread_id']}", params={"limit": 2, "cursor": thread["next_cursor"]}).json()
    assert [m["id"] for m in rest["messages"]] == [replies[1]["id"]] and rest["next_cursor"] is None
    assert rest["message_count"] == 3


def test_a_reply_to_a_local_sender_without_a_dotted_domain_is_delivered(
    stack: Stack, api: httpx.Client, inbox: dict[str, Any]
) -> None:
    """swaks' default sender is root@<host>: the local backend captures whatever it sends, so it can answer."""
    import smtplib

    from tests.services.test_pipeline import messages_of, wait_for

    raw = f"From: root@vm\r\nTo: {inbox['address']}\r\nSubject: from swaks\r\n\r\nhello\r\n"
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=10) as smtp:
        smtp.sendmail("root@vm", [inbox["address"]], raw.encode())
    [received] = wait_for(lambda: messages_of(api, inbox["id"], direction="inbound"))
    reply = api.post(f"/v1/messages/{received['id']}/reply", json={"text": "hi root"})
    assert reply.status_code == 202, reply.text
    assert [r["address"] for r in reply.json()["to"]] == ["root@vm"]
    sent = wait_for(lambda: (m := api.get(f"/v1/messages/{reply.json()['id']}").json())["status"] == "delivered" and m)
    assert sent["to"] == [{"name": None, "address": "root@vm"}]
