"""The new part of a message (`extracted_text`, `extracted_html`, `signature`) through the real API: stored once,
read back on every path a message takes (retrieve, lists, threads, events, webhooks), for received and sent mail."""

from __future__ import annotations

import json
from email.message import EmailMessage
from typing import Any

import httpx
import psycopg

from tests.conftest import Stack
from tests.services.test_pipeline import messages_of, smtp_send, wait_for
from tests.services.test_webhook_delivery import Receiver

FIELDS = ("extracted_text", "extracted_html", "signature")
GMAIL_HTML = (
    '<div dir="ltr">Yes, Thursday.</div><div class="gmail_quote"><div class="gmail_attr">On Tue, 1 Dec 2026 at'
    " 10:00, Bob &lt;bob@example.com&gt; wrote:<br></div>"
    '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">old</blockquote></div>'
)


def receive(
    stack: Stack, api: httpx.Client, inbox: dict[str, Any], text: str | None, html: str | None
) -> dict[str, Any]:
    """Mails ``inbox`` over SMTP and returns the message as GET /v1/messages/{id} gives it."""
    message = EmailMessage()
    message["From"] = "Bob <bob@example.com>"
    message["To"] = inbox["address"]
    message["Subject"] = "Re: Meeting"
    if text is not None:
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
    else:
        message.set_content(html or "", subtype="html")
    smtp_send(stack, message, [inbox["address"]])
    [listed] = wait_for(lambda: messages_of(api, inbox["id"]))
    retrieved: dict[str, Any] = api.get(f"/v1/messages/{listed['id']}").json()
    return retrieved


def stored_columns(stack: Stack, message_id: str) -> tuple[Any, ...]:
    with psycopg.connect(host=str(stack.data_dir / "postgres"), user="postgres", dbname="postgres") as conn:
        row = conn.execute(
            "SELECT extracted_text, extracted_html, signature FROM messages WHERE id = %s", (message_id,)
        ).fetchone()
    assert row is not None
    return tuple(row)


def test_a_plain_message_has_the_fields_and_no_extracted_html(stack: Stack, api: httpx.Client) -> None:
    inbox = api.post("/v1/inboxes").json()
    message = receive(stack, api, inbox, "Hello,\nwhere is my invoice?\n", None)
    assert set(FIELDS) <= message.keys()
    assert message["html"] is None and message["extracted_html"] is None
    assert message["extracted_text"] == "Hello,\nwhere is my invoice?"
    assert message["signature"] is None
    [listed] = messages_of(api, inbox["id"])
    assert {name: listed[name] for name in FIELDS} == {name: message[name] for name in FIELDS}


def test_an_html_message_without_quotes_reads_its_html_back_stored_once(stack: Stack, api: httpx.Client) -> None:
    inbox = api.post("/v1/inboxes").json()
    html = "<p>Hello,<br>where is my invoice?</p>"
    message = receive(stack, api, inbox, "Hello,\nwhere is my invoice?\n", html)
    assert message["html"].strip() == html
    assert message["extracted_html"] == message["html"]
    assert message["signature"] is None
    _, extracted_html, signature = stored_columns(stack, message["id"])
    assert extracted_html is None and signature is None  # the html is stored once
    [listed] = messages_of(api, inbox["id"])
    assert listed["extracted_html"] == message["html"] and listed["truncated"] is False
    thread = api.get(f"/v1/threads/{message['thread_id']}").json()
    assert [m["extracted_html"] for m in thread["messages"]] == [message["html"]]
    assert [m["signature"] for m in thread["messages"]] == [None]


def test_message_received_events_and_webhooks_carry_the_fields(stack: Stack, api: httpx.Client) -> None:
    inbox = api.post("/v1/inboxes").json()
    receiver = Receiver()
    path = "/extracted"
    webhook = api.post(
        "/v1/webhooks",
        json={"url": receiver.url + path, "events": ["message.received"], "inbox_ids": [inbox["id"]]},
    ).json()
    try:
        message = receive(stack, api, inbox, "See you then.\n", "<p>See you then.</p>")
        expected = {name: message[name] for name in FIELDS}
        assert expected["extracted_html"] == message["html"]

        [summary] = api.get("/v1/events", params={"type": "message.received", "message_id": message["id"]}).json()[
            "data"
        ]
        assert {name: summary["data"]["message"][name] for name in FIELDS} == expected
        whole = api.get(f"/v1/events/{summary['id']}").json()
        assert {name: whole["data"]["message"][name] for name in FIELDS} == expected

        [(_, body, _)] = wait_for(lambda: receiver.at(path))
        delivered = json.loads(body)
        assert delivered["type"] == "message.received"
        assert {name: delivered["data"]["message"][name] for name in FIELDS} == expected

        with psycopg.connect(host=str(stack.data_dir / "postgres"), user="postgres", dbname="postgres") as conn:
            [(stored,)] = conn.execute("SELECT data->'message' FROM events WHERE id = %s", (summary["id"],)).fetchall()
        assert not set(FIELDS) & stored.keys()  # bodies are stored once, in messages
    finally:
        api.delete(f"/v1/webhooks/{webhook['id']}")
        receiver.server.shutdown()


def test_a_sent_message_s_extracted_fields_are_its_own_bodies(stack: Stack, api: httpx.Client) -> None:
    inbox = api.post("/v1/inboxes").json()
    sent = api.post(
        f"/v1/inboxes/{inbox['id']}/messages",
        json={"to": ["ada@example.com"], "text": "Hello Ada\n\nThanks,\nSupport", "html": "<p>Hello Ada</p>"},
    ).json()
    for message in (
        sent,
        api.get(f"/v1/messages/{sent['id']}").json(),
        *(m for m in messages_of(api, inbox["id"]) if m["id"] == sent["id"]),
        api.patch(f"/v1/messages/{sent['id']}", json={"add_labels": ["kept"]}).json(),
    ):
        assert message["extracted_text"] == "Hello Ada\n\nThanks,\nSupport"
        assert message["extracted_html"] == "<p>Hello Ada</p>"
        assert message["signature"] is None
    assert stored_columns(stack, sent["id"]) == (None, None, None)

    text_only = api.post(
        f"/v1/inboxes/{inbox['id']}/messages", json={"to": ["ada@example.com"], "text": "No html"}
    ).json()
    assert (text_only["extracted_text"], text_only["extracted_html"], text_only["signature"]) == ("No html", None, None)

    wait_for(lambda: api.get("/v1/events", params={"message_id": sent["id"], "type": "message.sent"}).json()["data"])
    [event] = api.get("/v1/events", params={"message_id": sent["id"], "type": "message.sent"}).json()["data"]
    assert event["data"]["message"]["extracted_html"] == "<p>Hello Ada</p>"
    assert event["data"]["message"]["signature"] is None


def test_lists_bound_extracted_html_like_the_html(stack: Stack, api: httpx.Client) -> None:
    inbox = api.post("/v1/inboxes").json()
    html = "<p>" + "word " * 20_000 + "</p>"
    sent = api.post(f"/v1/inboxes/{inbox['id']}/messages", json={"to": ["ada@example.com"], "html": html}).json()
    assert sent["extracted_html"] == html
    [listed] = [m for m in messages_of(api, inbox["id"]) if m["id"] == sent["id"]]
    assert listed["truncated"] is True and listed["extracted_html"] == html[:16_384]
    wait_for(lambda: api.get("/v1/events", params={"message_id": sent["id"], "type": "message.sent"}).json()["data"])
    [event] = api.get("/v1/events", params={"message_id": sent["id"], "type": "message.sent"}).json()["data"]
    assert event["data"]["message"]["truncated"] is True
    assert event["data"]["message"]["extracted_html"] == html[:16_384]
    assert api.get(f"/v1/events/{event['id']}").json()["data"]["message"]["extracted_html"] == html


# The two below state what quotes.reply is to do; they pass once it is real (today it returns no html and no
# signature, which reads back as the html itself and null).


def test_a_gmail_reply_s_extracted_html_leaves_out_the_quote(stack: Stack, api: httpx.Client) -> None:
    inbox = api.post("/v1/inboxes").json()
    text = "Yes, Thursday.\n\nOn Tue, 1 Dec 2026 at 10:00, Bob <bob@example.com> wrote:\n\n> old\n"
    message = receive(stack, api, inbox, text, GMAIL_HTML)
    assert message["extracted_text"] == "Yes, Thursday."
    assert message["extracted_html"] is not None and "Yes, Thursday." in message["extracted_html"]
    assert "old" not in message["extracted_html"] and "gmail_quote" not in message["extracted_html"]
    assert message["signature"] is None
    assert stored_columns(stack, message["id"])[1] == message["extracted_html"]  # not the html: stored


def test_a_sign_off_above_the_quote_is_named_and_kept_in_the_text(stack: Stack, api: httpx.Client) -> None:
    inbox = api.post("/v1/inboxes").json()
    text = (
        "Sounds good, see you then.\n\nThanks,\nAlex\n\n"
        "On Tue, 1 Dec 2026 at 10:00, Bob <bob@example.com> wrote:\n> old\n"
    )
    message = receive(stack, api, inbox, text, None)
    assert message["signature"] == "Thanks,\nAlex"
    assert message["extracted_text"] == "Sounds good, see you then.\n\nThanks,\nAlex"
    assert message["extracted_text"].endswith(message["signature"])
    assert message["extracted_html"] is None
