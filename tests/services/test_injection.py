"""Header and body injection: whatever a caller or an outside sender puts in a value, Mailman's MIME has exactly
the headers it means to write, and each decodes to the text it was given."""

from __future__ import annotations

import base64
import email
import email.policy
import smtplib
from email.header import decode_header, make_header
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from tests.conftest import Stack
from tests.services.test_pipeline import messages_of, wait_for

# Decodes to "x\r\nBcc: attacker@evil.test\r\n\r\nInjected": a Bcc header and a body, if decoded into the MIME.
EVIL_WORD = "=?utf-8?b?eA0KQmNjOiBhdHRhY2tlckBldmlsLnRlc3QNCg0KSW5qZWN0ZWQ=?="
EVIL = f"Invoice {EVIL_WORD}"
PDF = base64.b64encode(b"%PDF-1.4 tiny").decode()


def header_names(raw: bytes) -> list[str]:
    """The top-level header names as written, read without any decoding."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    return [line.split(":", 1)[0] for line in head.split("\r\n") if not line[:1].isspace()]


def parsed(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def decoded(raw: bytes, name: str) -> str:
    """A header as RFC 2047 reads it. (The stdlib's address parser puts a space between the adjacent encoded
    words of a long display name; its decode_header follows the RFC and drops it.)"""
    value = email.message_from_bytes(raw, policy=email.policy.compat32)[name]
    return str(make_header(decode_header(value)))


def raw_of(api: httpx.Client, message: dict[str, Any]) -> bytes:
    response = api.get(f"/v1/messages/{message['id']}/raw")
    assert response.status_code == 200
    return response.content


def assert_no_injection(raw: bytes) -> None:
    msg = parsed(raw)
    assert msg["Bcc"] is None and msg.get_all("Reply-To") is None
    for part in msg.walk():
        assert "Injected" not in (part.get_content() if part.get_content_maintype() == "text" else "")


@pytest.fixture
def inbox(api: httpx.Client) -> dict[str, Any]:
    created: dict[str, Any] = api.post("/v1/inboxes", json={"name": "Support"}).json()
    return created


def test_encoded_words_from_a_caller_are_sent_as_the_text_they_are(api: httpx.Client, inbox: dict[str, Any]) -> None:
    response = api.post(
        f"/v1/inboxes/{inbox['id']}/messages",
        json={
            "to": [f'"{EVIL}" <ada@example.com>'],
            "cc": [f"{EVIL_WORD} <bob@example.com>"],
            "subject": EVIL,
            "text": "Hello",
            "headers": {"X-Campaign": EVIL},
            "attachments": [
                {"filename": f"{EVIL}.pdf", "content_type": "application/pdf", "content": PDF, "content_id": "logo@x"}
            ],
        },
    )
    assert response.status_code == 202, response.text
    raw = raw_of(api, response.json())
    expected = ["From", "To", "Cc", "Subject", "Date", "Message-ID", "X-Campaign", "MIME-Version", "Content-Type"]
    assert header_names(raw) == expected
    msg = parsed(raw)
    assert msg["Subject"] == EVIL and msg["X-Campaign"] == EVIL
    assert decoded(raw, "To") == f"{EVIL} <ada@example.com>"
    assert decoded(raw, "Cc") == f"{EVIL_WORD} <bob@example.com>"
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == f"{EVIL}.pdf" and attachment["Content-ID"] == "<logo@x>"
    assert list(attachment.keys()) == ["Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Content-ID"]
    assert_no_injection(raw)


def test_an_inbox_name_with_an_encoded_word_stays_a_name(api: httpx.Client) -> None:
    inbox = api.post("/v1/inboxes", json={"name": EVIL}).json()
    sent = api.post(f"/v1/inboxes/{inbox['id']}/messages", json={"to": ["ada@example.com"], "text": "Hi"}).json()
    raw = raw_of(api, sent)
    assert header_names(raw) == [
        *("From", "To", "Subject", "Date", "Message-ID", "MIME-Version"),
        *("Content-Type", "Content-Transfer-Encoding"),
    ]
    assert decoded(raw, "From") == f"{EVIL} <{inbox['address']}>"
    assert_no_injection(raw)


BREAKS = ["\r", "\n", "\v", "\f", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("char", BREAKS, ids=[f"U+{ord(c):04X}" for c in BREAKS])
def test_line_breaks_in_header_text_get_422(api: httpx.Client, inbox: dict[str, Any], char: str) -> None:
    base: dict[str, Any] = {"to": ["ada@example.com"], "text": "Hi"}
    attachment = {"filename": "a.pdf", "content": PDF}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"subject": f"a{char}b"}, "subject"),
        ({"headers": {"X-Note": f"a{char}b"}}, "headers.X-Note"),
        ({"to": [f"Ada{char}Bcc: x <ada@example.com>"]}, "to[0]"),
        ({"attachments": [{**attachment, "content_id": f"a{char}b@x"}]}, "attachments[0].content_id"),
        ({"attachments": [{**attachment, "filename": f"a{char}b.pdf"}]}, "attachments[0].filename"),
    ]
    for body, field in cases:
        response = api.post(f"/v1/inboxes/{inbox['id']}/messages", json={**base, **body})
        assert response.status_code == 422, (field, response.text)
        assert response.json()["errors"][0]["field"] == field
    for response in (
        api.post("/v1/inboxes", json={"name": f"a{char}b"}),
        api.patch(f"/v1/inboxes/{inbox['id']}", json={"name": f"a{char}b"}),
    ):
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "name"


@pytest.mark.parametrize(
    "name", ["Resent-From", "resent-to", "DKIM-Signature", "Received", "Return-Path", "Content-ID", "ARC-Seal"]
)
def test_headers_only_mail_servers_write_are_refused(api: httpx.Client, inbox: dict[str, Any], name: str) -> None:
    response = api.post(
        f"/v1/inboxes/{inbox['id']}/messages", json={"to": ["ada@example.com"], "text": "Hi", "headers": {name: "x"}}
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == f"headers.{name}"


def b64_word(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


def receive(stack: Stack, api: httpx.Client, inbox: dict[str, Any], head: str) -> dict[str, Any]:
    crlf = "\r\n"
    sender = b64_word(f"Mallory{crlf}Bcc: attacker@evil.test")
    filename = b64_word(f"a{crlf}Bcc: x.pdf")
    raw = (
        f"From: {sender} <mallory@example.com>\r\n"
        f"To: {inbox['address']}\r\n"
        f"Message-ID: <m-{inbox['id']}@example.com>\r\n"
        f"{head}"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nplease see attached\r\n"
        f'--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="{filename}"\r\n'
        f"Content-ID: <{b64_word(f'c{crlf}d')}>\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{PDF}\r\n--b--\r\n"
    )
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=10) as smtp:
        smtp.sendmail("mallory@example.com", [inbox["address"]], raw.encode())
    [stored] = wait_for(lambda: messages_of(api, inbox["id"]))
    found: dict[str, Any] = stored
    return found


def test_replying_to_a_subject_encoded_twice_sends_no_injected_header(
    stack: Stack, api: httpx.Client, inbox: dict[str, Any]
) -> None:
    # Decoded once on receipt, the subject holds an encoded word that decodes to CRLF + "Bcc: …".
    stored = receive(stack, api, inbox, f"Subject: {b64_word(EVIL)}\r\n")
    assert stored["subject"] == EVIL
    reply = api.post(f"/v1/messages/{stored['id']}/reply", json={"text": "Thanks", "reply_all": True})
    assert reply.status_code == 202, reply.text
    raw = raw_of(api, reply.json())
    names = ["From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References", "MIME-Version", "Content-Type"]
    assert header_names(raw) == [*names, "Content-Transfer-Encoding"]  # one text part
    assert parsed(raw)["Subject"] == f"Re: {EVIL}"
    assert_no_injection(raw)

    forward = api.post(f"/v1/messages/{stored['id']}/forward", json={"to": ["boss@example.com"], "text": "FYI"})
    assert forward.status_code == 202, forward.text
    raw = raw_of(api, forward.json())
    assert header_names(raw) == names  # multipart: the attachment goes along
    assert parsed(raw)["Subject"] == f"Fwd: {EVIL}"
    assert_no_injection(raw)


def test_received_line_breaks_are_sanitised_in_replies_and_forwards(
    stack: Stack, api: httpx.Client, inbox: dict[str, Any]
) -> None:
    stored = receive(
        stack, api, inbox, f"Subject: {b64_word('Hi' + chr(13) + chr(10) + 'Bcc: attacker@evil.test')}\r\n"
    )
    assert "\r\n" in stored["subject"]
    assert "\n" in stored["from"]["name"] and "\n" in stored["attachments"][0]["filename"]
    reply = api.post(f"/v1/messages/{stored['id']}/reply", json={"text": "Thanks"})
    assert reply.status_code == 202, reply.text
    raw = raw_of(api, reply.json())
    msg = parsed(raw)
    assert msg["Subject"] == "Re: Hi  Bcc: attacker@evil.test"
    assert decoded(raw, "To") == "Mallory  Bcc: attacker@evil.test <mallory@example.com>"
    assert_no_injection(raw)

    forward = api.post(f"/v1/messages/{stored['id']}/forward", json={"to": ["boss@example.com"]})
    assert forward.status_code == 202, forward.text
    msg = parsed(raw_of(api, forward.json()))
    assert msg["Subject"] == "Fwd: Hi  Bcc: attacker@evil.test" and msg["Bcc"] is None
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "a  Bcc: x.pdf" and attachment["Content-ID"] is None
    body = msg.get_body(("plain",))
    assert body is not None and "\nBcc:" not in body.get_content()
