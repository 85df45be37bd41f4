"""The local mail pipeline end to end: SMTP in, worker, storage, threading; sending out and back in."""

from __future__ import annotations

import smtplib
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from mailman_services.domain.ses import received_notification

from tests.conftest import Stack

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4


def wait_for(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


class _Blob(Protocol):
    def exists(self) -> bool: ...


def gone(*blobs: _Blob) -> None:
    """Wait until deleted mail's blobs are gone: the API deletes them after its commit, but a row the worker's own
    sweep holds at that moment is skipped (SKIP LOCKED) and deleted by the worker an instant later."""
    wait_for(lambda: not any(blob.exists() for blob in blobs))


def messages_of(api: httpx.Client, inbox_id: str, **params: Any) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = api.get(f"/v1/inboxes/{inbox_id}/messages", params=params).json()["data"]
    return data


def smtp_send(stack: Stack, message: EmailMessage, recipients: list[str]) -> None:
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=10) as smtp:
        smtp.send_message(message, from_addr="ada@example.com", to_addrs=recipients)


def test_smtp_message_is_stored_with_text_html_attachment_and_thread(stack: Stack, api: httpx.Client) -> None:
    inbox = api.post("/v1/inboxes").json()
    message = EmailMessage()
    message["From"] = "Ada Lovelace <ada@example.com>"
    message["To"] = inbox["address"]
    message["Subject"] = "Invoice question"
    message["Message-ID"] = "<question-1@example.com>"
    message.set_content("Hello,\nwhere is my invoice?\n")
    message.add_alternative("<p>Hello,<br>where is my invoice?</p>", subtype="html")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="order.pdf")
    started = time.monotonic()
    local, _, domain = inbox["address"].partition("@")
    smtp_send(stack, message, [f"{local}+billing@{domain}"])  # plus-addressing reaches the inbox

    [stored] = wait_for(lambda: messages_of(api, inbox["id"]))
    assert time.monotonic() - started < 5
    assert stored["direction"] == "inbound" and stored["status"] == "received"
    assert stored["subject"] == "Invoice question"
    assert stored["from"] == {"name": "Ada Lovelace", "address": "ada@example.com"}
    assert stored["text"].strip() == "Hello,\nwhere is my invoice?"
    assert "<br>" in stored["html"]
    assert stored["message_id"] == "<question-1@example.com>"
    assert set(stored["verdicts"].values()) == {"not_checked"}
    [attachment] = stored["attachments"]
    assert attachment["filename"] == "order.pdf" and attachment["size"] == len(PDF)
    download = api.get(f"/v1/messages/{stored['id']}/attachments/{attachment['id']}")
    assert download.content == PDF
    thread = api.get(f"/v1/threads/{stored['thread_id']}").json()
    assert thread["message_count"] == 1 and thread["subject"] == "Invoice question"
    raw = api.get(f"/v1/messages/{stored['id']}/raw").content
    assert b"Subject: Invoice question" in raw
    events = api.get("/v1/events", params={"type": "message.received", "message_id": stored["id"]}).json()["data"]
    assert len(events) == 1 and events[0]["data"]["message"]["id"] == stored["id"]


def test_unknown_recipients_are_refused_at_rcpt(stack: Stack) -> None:
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=10) as smtp:
        smtp.ehlo()
        smtp.mail("ada@example.com")
        code, answer = smtp.rcpt("nobody-here@mailman.test")
    assert code == 550 and b"5.1.1" in answer


def test_each_smtp_transaction_is_a_message_of_its_own(stack: Stack, api: httpx.Client) -> None:
    """As with SES (and Mailpit): the same bytes sent twice, a test suite re-sending a fixture, are two messages."""
    inbox = api.post("/v1/inboxes").json()
    message = EmailMessage()
    message["From"] = "bob@example.com"
    message["To"] = inbox["address"]
    message["Subject"] = "Twice"
    message["Message-ID"] = "<twice@example.com>"
    message.set_content("same bytes")
    smtp_send(stack, message, [inbox["address"]])
    smtp_send(stack, message, [inbox["address"]])
    stored = wait_for(lambda: len(found := messages_of(api, inbox["id"])) == 2 and found)
    assert stored[0]["id"] != stored[1]["id"]
    assert [m["message_id"] for m in stored] == ["<twice@example.com>"] * 2
    for copy in stored:
        assert b"same bytes" in api.get(f"/v1/messages/{copy['id']}/raw").content


def test_an_inbound_job_handled_again_is_stored_once(stack: Stack, api: httpx.Client) -> None:
    """The same notification delivered twice at once and once more later (a worker that crashed before deleting
    its job): one message, one event."""
    import uuid

    import anyio
    import psycopg
    from mailman_services.adapters.files import FileBlobStore

    inbox = api.post("/v1/inboxes").json()
    key = f"raw/inbound/{uuid.uuid4().hex}.eml"
    raw = f"From: ada@example.com\r\nTo: {inbox['address']}\r\nSubject: Again\r\n\r\nonce\r\n".encode()
    anyio.run(FileBlobStore(stack.data_dir / "blobs").put, key, raw, "message/rfc822")
    body = received_notification(key, uuid.uuid4().hex, "ada@example.com", [inbox["address"]])
    database = f"postgresql://postgres@/postgres?host={stack.data_dir / 'postgres'}"

    def enqueue(copies: int) -> list[int]:
        with psycopg.connect(database, autocommit=True) as db:
            insert = (
                "INSERT INTO queue_messages (queue, body) SELECT 'inbound', %s FROM generate_series(1, %s) RETURNING id"
            )
            return [row[0] for row in db.execute(insert, [body, copies])]

    def handled(ids: list[int]) -> bool:
        with psycopg.connect(database, autocommit=True) as db:
            live = db.execute("SELECT count(*) FROM queue_messages WHERE id = ANY(%s) AND deleted_at IS NULL", [ids])
            return live.fetchone() == (0,)

    first = enqueue(2)
    wait_for(lambda: handled(first))
    again = enqueue(1)
    wait_for(lambda: handled(again))
    [stored] = messages_of(api, inbox["id"])
    assert stored["subject"] == "Again" and stored["text"] == "once\n"
    events = api.get("/v1/events", params={"type": "message.received", "message_id": stored["id"]}).json()["data"]
    assert len(events) == 1


def test_mail_of_any_header_size_is_stored_whole_and_threads(stack: Stack, api: httpx.Client) -> None:
    """A 10 KB Message-ID (over a btree entry's 2,704 bytes) and a 3 MB Subject with a long body (a tsvector of
    all of it would pass 1 MB) got their 250: both are stored whole, and a reply to the long id threads."""
    import base64
    import secrets

    inbox = api.post("/v1/inboxes").json()
    # Random, so PostgreSQL cannot compress it into an index entry.
    long_id = f"<{secrets.token_urlsafe(7500)}@example.com>"
    words = [f"word{n:07d}" for n in range(260_000)]
    subject = " ".join(words)
    # The costliest text for a search vector: pairs of hyphenated 4-byte characters, 10.5 bytes of it each.
    text = " ".join(f"{chr(0x20000 + n)}-{chr(0x20001 + n)}" for n in range(0, 200_000, 2)) + "\n"

    def raw(headers: str, body: str = "short\n") -> bytes:
        encoded = base64.encodebytes(body.encode()).decode().replace("\n", "\r\n")
        return (
            f"From: Ada <ada@example.com>\r\nTo: {inbox['address']}\r\n{headers}MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encoded
        ).encode()

    folded = "\r\n ".join(" ".join(words[start : start + 6]) for start in range(0, len(words), 6))
    sent = {
        "long id": raw(f"Subject: Long id\r\nMessage-ID: {long_id}\r\n"),
        "long subject": raw(f"Subject: {folded}\r\nMessage-ID: <long-subject@example.com>\r\n", text),
    }
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=60) as smtp:
        for message in sent.values():
            smtp.sendmail("ada@example.com", [inbox["address"]], message)
    listed = wait_for(lambda: len(found := messages_of(api, inbox["id"])) == 2 and found, timeout=60)
    stored = {m["message_id"]: m for m in listed}

    first = api.get(f"/v1/messages/{stored[long_id]['id']}").json()
    assert first["subject"] == "Long id" and first["warnings"] == []
    big = api.get(f"/v1/messages/{stored['<long-subject@example.com>']['id']}").json()
    assert big["subject"] == subject and len(subject) > 3_000_000
    assert big["text"] == text
    assert big["warnings"] == [
        "the subject is kept whole, but search reads its first 2,000 characters",
        "the text is kept whole, but search reads its first 80,000 characters",
    ]
    for name, message in (("long id", first), ("long subject", big)):
        assert api.get(f"/v1/messages/{message['id']}/raw").content == sent[name]
    found = messages_of(api, inbox["id"], q=words[1])
    assert [m["id"] for m in found] == [big["id"]]

    reply = raw(f"Subject: Re: Long id\r\nIn-Reply-To: {long_id}\r\nReferences: {long_id}\r\n")
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=60) as smtp:
        smtp.sendmail("ada@example.com", [inbox["address"]], reply)
    answer = wait_for(lambda: [m for m in messages_of(api, inbox["id"]) if m["subject"] == "Re: Long id"])[0]
    assert answer["thread_id"] == first["thread_id"] and answer["in_reply_to"] == long_id
    assert api.get(f"/v1/threads/{first['thread_id']}").json()["message_count"] == 2


def test_local_inbox_to_inbox_and_reply_make_one_thread_on_both_sides(api: httpx.Client) -> None:
    alice = api.post("/v1/inboxes", json={"name": "Alice"}).json()
    bob = api.post("/v1/inboxes", json={"name": "Bob"}).json()
    first = api.post(
        f"/v1/inboxes/{alice['id']}/messages", json={"to": [bob["address"]], "subject": "Lunch?", "text": "Friday?"}
    ).json()
    [received] = wait_for(lambda: messages_of(api, bob["id"], direction="inbound"))
    assert received["subject"] == "Lunch?" and received["message_id"] == first["message_id"]
    reply = api.post(f"/v1/messages/{received['id']}/reply", json={"text": "Yes!"}).json()
    assert reply["to"] == [{"name": "Alice", "address": alice["address"]}]
    back = wait_for(lambda: messages_of(api, alice["id"], direction="inbound"))
    assert back[0]["in_reply_to"] == first["message_id"]

    for inbox, expected in ((alice, [first["id"], back[0]["id"]]), (bob, [received["id"], reply["id"]])):
        threads = api.get(f"/v1/inboxes/{inbox['id']}/threads").json()["data"]
        assert len(threads) == 1, inbox["name"]
        thread = api.get(f"/v1/threads/{threads[0]['id']}").json()
        assert [m["id"] for m in thread["messages"]] == expected

    sent = wait_for(lambda: api.get(f"/v1/messages/{first['id']}").json()["status"] == "delivered")
    assert sent
    types = [e["type"] for e in api.get("/v1/events", params={"message_id": first["id"]}).json()["data"]]
    assert types == ["message.delivered", "message.sent"]


def test_mail_to_the_outside_is_captured_locally_as_delivered(api: httpx.Client) -> None:
    inbox = api.post("/v1/inboxes").json()
    sent = api.post(f"/v1/inboxes/{inbox['id']}/messages", json={"to": ["ada@example.org"], "text": "hi"}).json()
    wait_for(lambda: api.get(f"/v1/messages/{sent['id']}").json()["status"] == "delivered")
    message = api.get(f"/v1/messages/{sent['id']}").json()
    assert message["sent_at"] and message["delivered_at"]
    [delivered] = api.get("/v1/events", params={"message_id": sent["id"], "type": "message.delivered"}).json()["data"]
    assert delivered["data"]["smtp_response"] == "250 captured locally"
    assert delivered["data"]["recipients"] == ["ada@example.org"]


def test_worker_survives_poison_notifications(stack: Stack, api: httpx.Client) -> None:
    import psycopg

    socket_dir = stack.data_dir / "postgres"
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute("INSERT INTO queue_messages (queue, body) VALUES ('inbound', 'not json'), ('inbound', '{}')")
    inbox = api.post("/v1/inboxes").json()
    message = EmailMessage()
    message["From"] = "eve@example.com"
    message["To"] = inbox["address"]
    message["Subject"] = "after poison"
    message.set_content("still working")
    smtp_send(stack, message, [inbox["address"]])
    assert wait_for(lambda: messages_of(api, inbox["id"]))[0]["subject"] == "after poison"


def test_jobs_that_can_never_be_handled_go_to_the_dead_letter_queue_at_once(stack: Stack, api: httpx.Client) -> None:
    """Not after 5 receives a visibility timeout (60 s) apart: malformed JSON, and mail whose raw message is gone."""
    import psycopg

    inbox = api.post("/v1/inboxes").json()
    marker = uuid.uuid4().hex
    raw_gone = received_notification(f"raw/inbound/{marker}.eml", marker, "eve@example.com", [inbox["address"]])
    socket_dir = stack.data_dir / "postgres"
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(
            "INSERT INTO queue_messages (queue, body, group_id) VALUES ('inbound', %s, NULL), ('inbound', %s, NULL),"
            " ('telemetry', %s, NULL), ('outbound', %s, NULL), ('webhooks', %s, %s)",
            (f"not json {marker}", raw_gone, f"not json {marker}", f"not json {marker}", f'{{"{marker}": 1}}', marker),
        )
        for queue in ("inbound", "telemetry", "outbound", "webhooks"):  # as a send does: long polls wake at once
            conn.execute("SELECT pg_notify('mailman_queue', %s)", (queue,))

        def dead_letters() -> list[str]:
            rows = conn.execute(
                "SELECT queue FROM queue_messages WHERE body LIKE %s AND queue LIKE '%%-dlq' ORDER BY queue",
                (f"%{marker}%",),
            ).fetchall()
            return [queue for (queue,) in rows] if len(rows) == 5 else []

        expected = ["inbound-dlq", "inbound-dlq", "outbound-dlq", "telemetry-dlq", "webhooks-dlq"]
        # A deadline, not a speed: on the shared stack other tests' deliveries may hold the webhook slots a while.
        assert wait_for(dead_letters, timeout=90) == expected


@pytest.mark.slow
def test_the_stack_survives_the_worker_losing_its_database_and_the_worker_dying(tmp_path: Any) -> None:
    """The worker's connections terminated (twice: also those made while recovering) and later the worker process
    killed: mail sent afterwards is still stored, and `dev` keeps running."""
    import psutil
    import psycopg

    from tests.conftest import start_stack

    stack = start_stack(tmp_path / "outage")
    try:
        with (
            stack.client() as api,
            psycopg.connect(host=str(stack.data_dir / "postgres"), user="postgres", autocommit=True) as db,
        ):
            inbox = api.post("/v1/inboxes").json()

            def mail_is_stored(subject: str) -> None:
                message = EmailMessage()
                message["From"] = "eve@example.com"
                message["To"] = inbox["address"]
                message["Subject"] = subject
                message.set_content("after an outage")
                smtp_send(stack, message, [inbox["address"]])
                wait_for(lambda: any(m["subject"] == subject for m in messages_of(api, inbox["id"])), timeout=30)

            def terminate_the_workers_backends(started_after: datetime) -> datetime | None:
                """When a backend started after ``started_after`` was terminated, the time it was."""
                terminated = db.execute(
                    "SELECT pg_terminate_backend(pid), now() FROM pg_stat_activity"
                    " WHERE application_name = 'mailman-worker' AND backend_start > %s",
                    (started_after,),
                ).fetchall()
                return terminated[0][1] if terminated else None

            mail_is_stored("before")  # the worker's pool and LISTEN connections are open by now
            terminated_at = wait_for(lambda: terminate_the_workers_backends(datetime.min.replace(tzinfo=UTC)))
            wait_for(lambda: terminate_the_workers_backends(terminated_at))  # and those it connects again
            mail_is_stored("after the connections were terminated")
            assert stack.process.poll() is None
            assert "the worker process exited" not in stack.log  # the worker itself came through

            [worker] = [p for p in psutil.Process(stack.process.pid).children() if "worker" in p.cmdline()]
            worker.kill()
            mail_is_stored("after the worker was killed")  # dev started another
            assert stack.process.poll() is None
    finally:
        assert stack.stop() == 0
    # The killed worker was a user of the embedded server too: it must not keep it running.
    assert not (stack.data_dir / "postgres" / "postmaster.pid").exists()


class Relay:
    """A real SMTP relay on loopback: 550 for bounce@, 451 for later@, 250 for everyone else."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("bounce@"):
            return "550 5.1.1 no such user"
        if address.startswith("later@"):
            return "451 4.2.0 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 queued as RELAY123"


@pytest.mark.slow
def test_relay_answers_drive_delivered_bounced_delayed_and_failed(tmp_path: Any) -> None:
    from aiosmtpd.controller import Controller

    from tests.conftest import free_port, start_stack

    relay = Relay()
    controller = Controller(relay, hostname="127.0.0.1", port=free_port())
    controller.start()
    stack = start_stack(
        tmp_path / "relayed",
        {
            "MAILMAN_SMTP_RELAY": f"smtp://127.0.0.1:{controller.port}",
            "MAILMAN_OUTBOUND_RETRY_SECONDS": "1",
        },
    )
    try:
        with stack.client() as api:
            inbox = api.post("/v1/inboxes").json()

            def send(to: str) -> str:
                body = {"to": [to], "subject": to, "text": "via relay"}
                sent: str = api.post(f"/v1/inboxes/{inbox['id']}/messages", json=body).json()["id"]
                return sent

            def status(message_id: str) -> str:
                value: str = api.get(f"/v1/messages/{message_id}").json()["status"]
                return value

            ok, bounced, later = send("ok@example.net"), send("bounce@example.net"), send("later@example.net")
            wait_for(lambda: status(ok) == "delivered")
            wait_for(lambda: status(bounced) == "bounced")
            wait_for(lambda: status(later) == "failed", timeout=30)
            assert any(rcpts == ["ok@example.net"] for _, rcpts, _ in relay.received)

            def types(message_id: str) -> list[str]:
                events = api.get("/v1/events", params={"message_id": message_id}).json()["data"]
                return [e["type"] for e in reversed(events)]

            assert types(ok) == ["message.sent", "message.delivered"]
            assert types(bounced) == ["message.sent", "message.bounced"]
            assert types(later) == ["message.delayed", "message.delayed", "message.failed"]
            bounce = api.get("/v1/events", params={"message_id": bounced, "type": "message.bounced"}).json()["data"][0]
            assert bounce["data"]["bounce"]["type"] == "permanent" and "550" in bounce["data"]["smtp_response"]
            suppressed = api.get("/v1/suppressions").json()["data"]
            assert [(s["address"], s["reason"], s["message_id"]) for s in suppressed] == [
                ("bounce@example.net", "bounce", bounced)
            ]
    finally:
        stack.stop()
        controller.stop()


@pytest.mark.slow
def test_corpus_through_smtp_matches_an_independent_parse(stack: Stack, api: httpx.Client) -> None:
    """CPython's msg_*.txt (mail nobody here wrote) sent over SMTP, compared with the stdlib's own reading."""
    from tests.services.test_parsing import CORPUS_FILES, _oracle

    assert CORPUS_FILES, "CPython's email test corpus is missing"
    sent: list[tuple[str, dict[str, Any]]] = []
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=30) as smtp:
        for path in CORPUS_FILES:
            inbox = api.post("/v1/inboxes", json={"name": path.name}).json()
            smtp.sendmail("corpus@example.com", [inbox["address"]], path.read_bytes())
            sent.append((path.name, inbox))
    mismatches = []
    for name, inbox in sent:
        [stored] = wait_for(lambda inbox=inbox: messages_of(api, inbox["id"]))  # type: ignore[misc]
        # The stdlib reads the bytes as they arrived (SMTP transport changes line ends), kept as /raw.
        expected = _oracle(api.get(f"/v1/messages/{stored['id']}/raw").content)
        got_attachments = [
            (a["filename"], a["content_type"], a["size"] if isinstance(want[2], int) else want[2])
            for a, want in zip(stored["attachments"], expected.attachments, strict=False)
        ]
        checks = {
            "subject": (expected.subject or "", stored["subject"]),
            # Without a From header the envelope sender stands in (a message always has a sender).
            "from": (expected.from_[1] if expected.from_ else "corpus@example.com", stored["from"]["address"]),
            "text": (expected.text, stored["text"]),
            "html": (expected.html, stored["html"]),
            "attachments": (expected.attachments, got_attachments),
        }
        wrong = [field for field, (want, got) in checks.items() if want != got]
        if wrong:
            mismatches.append((name, wrong))
        if expected.defects:
            assert stored["warnings"], f"{name}: broken input but no warning"
    assert mismatches == [], mismatches
    assert len(sent) == len(CORPUS_FILES) >= 40


@pytest.mark.slow
def _separate_processes(tmp_path: Any) -> tuple[dict[str, str], Callable[..., Any], str, int]:
    """The env, a starter and the API's URL and SMTP port of `api`, `smtp` and `worker` run as separate processes
    (as in containers) over one embedded PostgreSQL, so that one of them can be killed."""
    import os
    import subprocess
    import sys

    from tests.conftest import TOKEN, free_port

    data_dir = tmp_path / "crash"
    env = {
        **os.environ,
        "MAILMAN_DATA_DIR": str(data_dir),
        "MAILMAN_API_TOKEN": TOKEN,
        "MAILMAN_RATE_LIMIT_PER_SECOND": "0",
        "MAILMAN_QUEUE_VISIBILITY_SCALE": "0.1",  # a killed worker's jobs come back after 6 s, not 60 s
    }
    env.pop("MAILMAN_DATABASE_URL", None)
    log = (tmp_path / "crash.log").open("ab")

    def start(*args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "mailman_services.cli", *args], env=env, stdout=log, stderr=log)

    return env, start, f"http://127.0.0.1:{free_port()}", free_port()


def _stop_all(env: dict[str, str], processes: list[Any]) -> None:
    import signal
    import subprocess
    import sys

    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait(timeout=60)
    # The last user stops the embedded server; a killed process is forgotten when this one starts.
    cli = [sys.executable, "-m", "mailman_services.cli", "migrate"]
    subprocess.run(cli, env=env, capture_output=True, timeout=120, check=True)
    assert not (Path(env["MAILMAN_DATA_DIR"]) / "postgres" / "postmaster.pid").exists()


def _inbox_holds_each_once(data_dir: Path, inbox_id: str, message_ids: set[str]) -> None:
    """Every one of ``message_ids`` stored exactly once in the inbox, with its one event, and nothing else."""
    import psycopg

    with psycopg.connect(host=str(data_dir / "postgres"), user="postgres", dbname="postgres") as conn:
        ids = [row[0] for row in conn.execute("SELECT message_id FROM messages WHERE inbox_id = %s", [inbox_id])]
        events = conn.execute(
            "SELECT count(*) FROM events WHERE type = 'message.received' AND inbox_id = %s", [inbox_id]
        ).fetchone()
    assert sorted(ids) == sorted(message_ids)
    assert events is not None and events[0] == len(message_ids)


def test_killing_the_worker_mid_ingest_loses_and_duplicates_nothing(tmp_path: Any) -> None:
    """SIGKILL the worker while it stores 1,000 queued inbound jobs (SES's path, and mail between local
    inboxes); a new worker finishes the job exactly once."""
    import signal

    import anyio
    import psycopg
    from mailman_services.adapters.files import FileBlobStore

    env, start, url, _ = _separate_processes(tmp_path)
    data_dir = Path(env["MAILMAN_DATA_DIR"])
    api_process = start("api", "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1])
    wait_for(lambda: _healthy(url), timeout=60)
    processes = [api_process]
    total = 1000
    try:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {env['MAILMAN_API_TOKEN']}"}) as api:
            inbox = api.post("/v1/inboxes").json()
        blobs = FileBlobStore(data_dir / "blobs")
        bodies = []
        for number in range(total):
            key = f"raw/inbound/crash-{number}.eml"
            raw = f"From: load@example.com\r\nTo: {inbox['address']}\r\nSubject: crash {number}\r\n"
            raw += f"Message-ID: <crash-{number}@example.com>\r\n\r\nmessage {number}\r\n"
            anyio.run(blobs.put, key, raw.encode(), "message/rfc822")
            bodies.append(received_notification(key, uuid.uuid4().hex, "load@example.com", [inbox["address"]]))
        database = f"postgresql://postgres@/postgres?host={data_dir / 'postgres'}"
        with psycopg.connect(database, autocommit=True) as db, db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO queue_messages (queue, body) VALUES ('inbound', %s)", [(b,) for b in bodies]
            )
        worker = start("worker")
        wait_for(lambda: _stored(data_dir) >= 100, timeout=60)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        worker = start("worker")
        processes.append(worker)
        # In-flight jobs of the killed worker come back after the inbound visibility timeout (6 s here).
        wait_for(lambda: _stored(data_dir) >= total and _pending(data_dir) == 0, timeout=180)
        time.sleep(1)
        _inbox_holds_each_once(data_dir, inbox["id"], {f"<crash-{n}@example.com>" for n in range(total)})
    finally:
        _stop_all(env, processes)


def test_killing_the_smtp_listener_mid_ingest_loses_nothing_that_got_a_250(tmp_path: Any) -> None:
    """SIGKILL the SMTP process (and so its parser) while ten senders push mail: each message that got a 250 is
    stored exactly once, with its event; the rest were refused or cut off, so their senders would try again; no
    parser process is left behind."""
    import signal
    from concurrent.futures import ThreadPoolExecutor

    import psutil

    env, start, url, smtp_port = _separate_processes(tmp_path)
    data_dir = Path(env["MAILMAN_DATA_DIR"])
    api_process = start("api", "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1])
    wait_for(lambda: _healthy(url), timeout=60)
    smtp_process = start("smtp", "--host", "127.0.0.1", "--port", str(smtp_port))
    processes = [api_process]
    try:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {env['MAILMAN_API_TOKEN']}"}) as api:
            inbox = api.post("/v1/inboxes").json()
        wait_for(lambda: _accepts_smtp(smtp_port), timeout=30)
        parsers = wait_for(
            lambda: [
                p
                for p in psutil.Process(smtp_process.pid).children()
                if "mailman_services.parser_process" in " ".join(p.cmdline())
            ]
        )

        def sender(offset: int) -> list[str]:
            accepted = []
            try:
                with smtplib.SMTP("127.0.0.1", smtp_port, timeout=60) as smtp:
                    for number in range(offset, 100_000, 10):
                        message = EmailMessage()
                        message["From"] = "load@example.com"
                        message["To"] = inbox["address"]
                        message["Subject"] = f"crash {number}"
                        message["Message-ID"] = f"<crash-{number}@example.com>"
                        message.set_content(f"message {number}")
                        smtp.send_message(message)
                        accepted.append(message["Message-ID"])
            except (smtplib.SMTPException, OSError):
                pass  # the listener was killed
            return accepted

        with ThreadPoolExecutor(10) as pool:
            sending = [pool.submit(sender, offset) for offset in range(10)]
            wait_for(lambda: _stored(data_dir) >= 200, timeout=60)
            smtp_process.send_signal(signal.SIGKILL)
            smtp_process.wait()
            accepted = {message_id for future in sending for message_id in future.result()}
        assert len(accepted) >= 200
        wait_for(lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in parsers))
        # Stored but not answered (killed between the commit and the 250) is allowed: the sender sends again.
        with_unanswered = _inbox_message_ids(data_dir, inbox["id"])
        assert accepted <= set(with_unanswered) and len(with_unanswered) == len(set(with_unanswered))
        assert len(with_unanswered) - len(accepted) <= 10  # at most one per session
        _inbox_holds_each_once(data_dir, inbox["id"], set(with_unanswered))
    finally:
        _stop_all(env, processes)


def _inbox_message_ids(data_dir: Path, inbox_id: str) -> list[str]:
    import psycopg

    with psycopg.connect(host=str(data_dir / "postgres"), user="postgres", dbname="postgres") as conn:
        return [row[0] for row in conn.execute("SELECT message_id FROM messages WHERE inbox_id = %s", [inbox_id])]


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _accepts_smtp(port: int) -> bool:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=2) as smtp:
            return smtp.noop()[0] == 250
    except OSError:
        return False


def _sql_count(data_dir: Any, query: str) -> int:
    import psycopg

    with psycopg.connect(host=str(data_dir / "postgres"), user="postgres", dbname="postgres") as conn:
        row = conn.execute(query).fetchone()
    return int(row[0]) if row else 0


def _stored(data_dir: Any) -> int:
    return _sql_count(data_dir, "SELECT count(*) FROM messages WHERE direction = 'inbound'")


def _pending(data_dir: Any) -> int:
    return _sql_count(data_dir, "SELECT count(*) FROM queue_messages WHERE queue = 'inbound' AND deleted_at IS NULL")


def test_poison_mail_is_stored_with_warnings(stack: Stack, api: httpx.Client) -> None:
    from tests.services.test_parsing import POISON

    sent = {}
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=30) as smtp:
        for name, raw in POISON.items():
            inbox = api.post("/v1/inboxes", json={"name": name}).json()
            crlf = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            smtp.sendmail("fuzz@example.com", [inbox["address"]], crlf or b"\r\n")
            sent[name] = inbox
    for name, inbox in sent.items():
        [stored] = wait_for(lambda inbox=inbox: messages_of(api, inbox["id"]))  # type: ignore[misc]
        assert stored["warnings"], name
        assert api.get(f"/v1/messages/{stored['id']}/raw").status_code == 200
