"""Webhook delivery to a real HTTP receiver on loopback: signatures, retries, order, 410, dead letters."""

from __future__ import annotations

import email.utils
import functools
import json
import os
import signal
import smtplib
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from standardwebhooks.webhooks import Webhook

from tests.conftest import ROOT, TOKEN, Stack, free_port, start_stack
from tests.services.test_pipeline import _accepts_smtp, _healthy, messages_of, wait_for


class Receiver:
    """Records every POST as it arrives; answers each path with its scripted statuses, then 200, after
    ``delay`` seconds, and with the path's body in ``bodies`` if it has one."""

    def __init__(self, delay: float = 0.0) -> None:
        self.received: list[tuple[str, dict[str, str], bytes, float]] = []
        self.script: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.bodies: dict[str, bytes] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.received.append((self.path, dict(self.headers), body, time.monotonic()))
                queued = receiver.script.get(self.path) or []
                status, headers = queued.pop(0) if queued else (200, {})
                time.sleep(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(receiver.bodies.get(self.path, b"ok" if status < 300 else b"not now"))

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def at(self, path: str) -> list[tuple[dict[str, str], bytes, float]]:
        return [(h, b, t) for p, h, b, t in self.received if p == path]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of this module's own (conftest's `api` then talks to it): other tests' webhooks, some to
    unreachable hosts, stay away."""
    running = start_stack(tmp_path_factory.mktemp("webhooks"))
    yield running
    assert running.stop() == 0


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.server.shutdown()


def hook(api: httpx.Client, url: str, events: list[str], inbox_ids: list[str] | None = None) -> dict[str, Any]:
    created: dict[str, Any] = api.post(
        "/v1/webhooks", json={"url": url, "events": events, "inbox_ids": inbox_ids or []}
    ).json()
    return created


def verified(secret: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    lowered = {k.lower(): v for k, v in headers.items()}
    event: dict[str, Any] = Webhook(secret).verify(body, lowered)
    return event


def mail(stack: Stack, to: str, subject: str) -> None:
    message = EmailMessage()
    message["From"] = "ada@example.com"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(subject)
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)


def test_third_attempt_succeeds_with_the_same_signed_event(api: httpx.Client, receiver: Receiver) -> None:
    path = "/retry"
    receiver.script[path] = [(500, {}), (500, {})]
    webhook = hook(api, receiver.url + path, ["webhook.test"])
    api.post(f"/v1/webhooks/{webhook['id']}/test")
    wait_for(lambda: len(receiver.at(path)) >= 3)
    attempts = receiver.at(path)
    ids = {headers["webhook-id"] for headers, _, _ in attempts}
    assert len(ids) == 1
    for headers, body, _ in attempts:
        event = verified(webhook["secret"], headers, body)
        assert event["type"] == "webhook.test" and event["data"]["webhook_id"] == webhook["id"]

    def attempts_recorded() -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = api.get(f"/v1/webhooks/{webhook['id']}/deliveries").json()["data"]
        return rows if rows and rows[0]["status"] == "succeeded" else []

    rows = list(reversed(wait_for(attempts_recorded)))
    assert [(d["attempt"], d["status"], d["response_status"]) for d in rows] == [
        (1, "failed", 500),
        (2, "failed", 500),
        (3, "succeeded", 200),
    ]
    assert rows[0]["response_body"] == "not now" and rows[0]["next_attempt_at"] and rows[0]["duration_ms"] is not None


def test_events_of_one_inbox_wait_in_order_and_other_inboxes_go_ahead(
    stack: Stack, api: httpx.Client, receiver: Receiver
) -> None:
    slow, fast = api.post("/v1/inboxes").json(), api.post("/v1/inboxes").json()
    path = "/ordered"
    receiver.script[path] = [(503, {"Retry-After": "2"})]  # the first event of `slow` is refused once, for 2 s
    webhook = hook(api, receiver.url + path, ["message.received"], [slow["id"], fast["id"]])
    for number in range(3):
        mail(stack, slow["address"], f"slow {number}")
        # One at a time: mail sent together may be stored (and its events recorded) in either order.
        wait_for(lambda n=number: len(messages_of(api, slow["id"])) == n + 1)  # type: ignore[misc]
    wait_for(lambda: len(receiver.at(path)) >= 1)
    mail(stack, fast["address"], "fast")
    wait_for(lambda: len(receiver.at(path)) >= 5, timeout=20)
    subjects = [verified(webhook["secret"], h, b)["data"]["message"]["subject"] for h, b, _ in receiver.at(path)]
    assert subjects[0] == "slow 0" and subjects[1] == "fast"  # not held up behind the other inbox
    assert subjects[2:] == ["slow 0", "slow 1", "slow 2"]  # the same inbox waits, then keeps its order
    times = {s: t for (h, b, t), s in zip(receiver.at(path), subjects, strict=True)}
    assert times["slow 0"] - receiver.at(path)[0][2] >= 1.5  # Retry-After was honoured


def test_a_deleted_message_reaches_webhooks_as_message_deleted_without_its_bodies(
    stack: Stack, api: httpx.Client, receiver: Receiver
) -> None:
    path = "/deleted-mail"
    inbox = api.post("/v1/inboxes", json={"name": "Deleted"}).json()
    webhook = hook(api, receiver.url + path, ["message.received", "message.deleted"], [inbox["id"]])
    mail(stack, inbox["address"], "Secret plans")
    wait_for(lambda: len(receiver.at(path)) >= 1)
    [message] = messages_of(api, inbox["id"])
    assert api.delete(f"/v1/messages/{message['id']}").status_code == 204
    wait_for(lambda: len(receiver.at(path)) >= 2)
    received, deleted = (verified(webhook["secret"], h, b) for h, b, _ in receiver.at(path))
    assert received["type"] == "message.received" and deleted["type"] == "message.deleted"
    assert deleted["data"]["reason"] == "deleted" and deleted["data"]["message"]["id"] == message["id"]
    assert "Secret plans" not in json.dumps(deleted["data"]["message"]["preview"])
    assert all(deleted["data"]["message"].get(body) is None for body in ("text", "html", "extracted_text"))
    # The first event stays, without its bodies (the subject and headers are not bodies).
    stored = api.get(f"/v1/events/{received['id']}").json()["data"]["message"]
    assert received["data"]["message"]["text"].strip() == "Secret plans" and stored["preview"] == ""
    assert all(stored.get(body) is None for body in ("text", "html", "extracted_text"))


def test_410_disables_the_webhook(api: httpx.Client, receiver: Receiver) -> None:
    path = "/gone"
    receiver.script[path] = [(410, {})]
    webhook = hook(api, receiver.url + path, ["webhook.test"])
    api.post(f"/v1/webhooks/{webhook['id']}/test")
    wait_for(lambda: api.get(f"/v1/webhooks/{webhook['id']}").json()["enabled"] is False)
    [delivery] = api.get(f"/v1/webhooks/{webhook['id']}/deliveries").json()["data"]
    assert delivery["status"] == "failed" and delivery["response_status"] == 410


def test_an_answer_with_nul_bytes_is_recorded_and_not_posted_again(api: httpx.Client, receiver: Receiver) -> None:
    path = "/nul"
    receiver.bodies[path] = b"ok\x00then \xff\xfe binary"
    webhook = hook(api, receiver.url + path, ["webhook.test"])
    api.post(f"/v1/webhooks/{webhook['id']}/test")

    def recorded() -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = api.get(f"/v1/webhooks/{webhook['id']}/deliveries").json()["data"]
        return rows if rows and rows[0]["status"] != "pending" else []

    [delivery] = wait_for(recorded)
    assert (delivery["status"], delivery["response_status"]) == ("succeeded", 200)
    assert delivery["response_body"] == "ok\ufffdthen \ufffd\ufffd binary"
    assert len(receiver.at(path)) == 1


def test_a_refused_connection_is_recorded_in_plain_words(api: httpx.Client) -> None:
    port = free_port()  # nothing listens there
    webhook = hook(api, f"http://127.0.0.1:{port}/closed", ["webhook.test"])
    api.post(f"/v1/webhooks/{webhook['id']}/test")

    def recorded() -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = api.get(f"/v1/webhooks/{webhook['id']}/deliveries").json()["data"]
        return rows if rows and rows[-1]["status"] != "pending" else []

    first = wait_for(recorded)[-1]
    assert (first["attempt"], first["status"], first["response_status"]) == (1, "failed", None)
    assert first["response_body"] == f"cannot connect to 127.0.0.1:{port}: Connection refused"
    assert "ssl" not in first["response_body"].lower()


def test_a_huge_or_dated_retry_after_is_recorded_and_capped_at_12_hours(api: httpx.Client, receiver: Receiver) -> None:
    in_an_hour = email.utils.format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    answers = {"/retry-after-huge": "99999999999999999999", "/retry-after-date": in_an_hour}
    webhooks = {}
    for path, retry_after in answers.items():
        receiver.script[path] = [(503, {"Retry-After": retry_after})]
        webhooks[path] = hook(api, receiver.url + path, ["webhook.test"])
        api.post(f"/v1/webhooks/{webhooks[path]['id']}/test")

    def next_attempt(path: str) -> datetime | None:
        rows = api.get(f"/v1/webhooks/{webhooks[path]['id']}/deliveries").json()["data"]
        if not rows or rows[0]["status"] == "pending":
            return None
        [delivery] = rows
        assert (delivery["status"], delivery["response_status"]) == ("failed", 503)
        return datetime.fromisoformat(delivery["next_attempt_at"].replace("Z", "+00:00"))

    huge = wait_for(lambda: next_attempt("/retry-after-huge")) - datetime.now(UTC)
    assert timedelta(hours=11) < huge <= timedelta(hours=12)
    dated = wait_for(lambda: next_attempt("/retry-after-date")) - datetime.now(UTC)
    assert timedelta(minutes=50) < dated <= timedelta(hours=1)
    assert len(receiver.at("/retry-after-huge")) == len(receiver.at("/retry-after-date")) == 1


def test_deleting_a_webhook_while_its_delivery_is_in_flight_ends_the_job(stack: Stack, api: httpx.Client) -> None:
    slow = Receiver(delay=3.0)
    try:
        webhook = hook(api, slow.url + "/deleted", ["webhook.test"])
        test = api.post(f"/v1/webhooks/{webhook['id']}/test").json()
        wait_for(lambda: slow.at("/deleted"))  # the receiver holds its answer for 3 s
        assert api.delete(f"/v1/webhooks/{webhook['id']}").status_code == 204

        def queued() -> int:
            with psycopg.connect(host=str(stack.data_dir / "postgres"), user="postgres", dbname="postgres") as conn:
                rows = conn.execute(
                    "SELECT id FROM queue_messages WHERE queue LIKE 'webhooks%%' AND deleted_at IS NULL"
                    " AND body LIKE %s",
                    (f"%{test['event_id']}%",),
                ).fetchall()
            return len(rows)

        # Deleted from the queue once the attempt ends, not handed out again after the visibility timeout (60 s).
        wait_for(lambda: queued() == 0, timeout=20)
        assert len(slow.at("/deleted")) == 1
    finally:
        slow.server.shutdown()


@pytest.mark.slow
def test_a_receiver_that_never_succeeds_ends_in_the_dead_letter_queue(
    stack: Stack, api: httpx.Client, receiver: Receiver
) -> None:
    path = "/down"
    receiver.script[path] = [(500, {})] * 20
    webhook = hook(api, receiver.url + path, ["webhook.test"])
    test = api.post(f"/v1/webhooks/{webhook['id']}/test").json()

    def dead() -> bool:
        with psycopg.connect(host=str(stack.data_dir / "postgres"), user="postgres", dbname="postgres") as conn:
            rows = conn.execute("SELECT body FROM queue_messages WHERE queue = 'webhooks-dlq'").fetchall()
        return any(json.loads(body)["event_id"] == test["event_id"] for (body,) in rows)

    wait_for(dead, timeout=30)
    rows = api.get(f"/v1/webhooks/{webhook['id']}/deliveries").json()["data"]
    assert sorted(d["attempt"] for d in rows) == [1, 2, 3, 4, 5, 6, 7]
    assert {d["status"] for d in rows} == {"failed"}
    assert len(receiver.at(path)) == 7


def example(script: str, *args: str, **env: str) -> subprocess.Popen[str]:
    """``python examples/<script> args`` with Ctrl-C working even when this suite runs in the background (which
    starts children with SIGINT ignored)."""
    path = str(ROOT / "examples" / script)
    code = "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    code += f"sys.argv = [{path!r}, *sys.argv[1:]]; runpy.run_path({path!r}, run_name='__main__')"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_example_receiver_prints_received_mail(stack: Stack, api: httpx.Client) -> None:
    port = free_port()
    inbox = api.post("/v1/inboxes").json()
    webhook = hook(api, f"http://127.0.0.1:{port}/", ["message.received"], [inbox["id"]])
    receiver = example("webhook_receiver.py", "--port", str(port), MAILMAN_WEBHOOK_SECRET=webhook["secret"])
    try:
        assert receiver.stdout is not None
        assert "listening" in receiver.stdout.readline()
        mail(stack, inbox["address"], "Hello receiver")
        line = receiver.stdout.readline()
        assert line.strip() == f"message.received ada@example.com -> {inbox['id']}: Hello receiver"
    finally:
        receiver.send_signal(signal.SIGINT)  # Ctrl-C
        out, err = receiver.communicate(timeout=10)
    assert receiver.returncode == 0 and out.strip() == "stopped" and err == ""  # no traceback

    def recorded() -> list[tuple[str, int]]:
        rows = api.get(f"/v1/webhooks/{webhook['id']}/deliveries").json()["data"]
        return [(d["status"], d["response_status"]) for d in rows if d["status"] != "pending"]

    assert wait_for(recorded) == [("succeeded", 204)]


@pytest.mark.slow
def test_killing_the_worker_mid_delivery_loses_no_event_and_keeps_each_inbox_in_order(tmp_path: Path) -> None:
    """API, SMTP and worker as processes of their own on one data dir; SIGKILL the worker while a slow receiver
    is being sent 2 x 20 events: each still arrives at least once, first arrivals in order per inbox."""
    env = {
        **os.environ,
        "MAILMAN_DATA_DIR": str(tmp_path / "data"),
        "MAILMAN_API_TOKEN": TOKEN,
        "MAILMAN_RATE_LIMIT_PER_SECOND": "0",
        "MAILMAN_WEBHOOK_RETRY_SCALE": "0.0001",
        "MAILMAN_QUEUE_VISIBILITY_SCALE": "0.1",  # the killed worker's jobs come back after 6 s, not 60 s
    }
    env.pop("MAILMAN_DATABASE_URL", None)
    cli = [sys.executable, "-m", "mailman_services.cli"]
    api_port, smtp_port, count = free_port(), free_port(), 20
    log = (tmp_path / "crash.log").open("wb")

    def start(*args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen([*cli, *args], env=env, stdout=log, stderr=log)

    receiver, path = Receiver(delay=0.3), "/slow"
    url = f"http://127.0.0.1:{api_port}"
    processes = [start("api", "--host", "127.0.0.1", "--port", str(api_port))]
    try:
        wait_for(lambda: _healthy(url), timeout=60)  # the first process starts and migrates the database
        processes += [start("smtp", "--host", "127.0.0.1", "--port", str(smtp_port)), start("worker")]
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as api:
            inboxes = [api.post("/v1/inboxes").json() for _ in range(2)]
            webhook = hook(api, receiver.url + path, ["message.received"], [inbox["id"] for inbox in inboxes])
            wait_for(lambda: _accepts_smtp(smtp_port), timeout=30)

            def stored(inbox_id: str, at_least: int) -> bool:
                return len(messages_of(api, inbox_id, limit=100)) >= at_least

            def send(inbox: dict[str, Any]) -> None:
                with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as smtp:
                    for number in range(count):
                        message = EmailMessage()
                        message["From"] = "ada@example.com"
                        message["To"] = inbox["address"]
                        message["Subject"] = str(number)
                        message.set_content(f"message {number}")
                        smtp.send_message(message)
                        # Stored before the next is sent: the inbox's events are recorded in this order (the
                        # worker stores concurrently received mail in parallel, so that order is not SMTP's).
                        wait_for(functools.partial(stored, inbox["id"], number + 1))

            def recorded() -> list[dict[str, Any]]:
                found: list[dict[str, Any]] = api.get(
                    "/v1/events", params={"type": "message.received", "limit": 100}
                ).json()["data"]
                return found if len(found) == 2 * count else []

            def reached() -> set[str]:
                return {headers["webhook-id"] for headers, _, _ in receiver.at(path)}

            with ThreadPoolExecutor(2) as pool:
                list(pool.map(send, inboxes))
            # Every event is recorded before the kill: a crash mid-ingest may reorder mail, which is not this test.
            events = wait_for(recorded, timeout=30)
            wait_for(lambda: len(receiver.at(path)) >= 4, timeout=30)
            processes[-1].send_signal(signal.SIGKILL)
            processes[-1].wait()
            assert len(reached()) < 2 * count  # killed mid-delivery
            processes[-1] = start("worker")
            # The job in flight in each group comes back after the webhooks visibility timeout (6 s here).
            wait_for(lambda: reached() >= {event["id"] for event in events}, timeout=90)
            time.sleep(1)
    finally:
        receiver.server.shutdown()
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
        # The last user stops the embedded server; the killed worker is forgotten when this one starts.
        subprocess.run([*cli, "migrate"], env=env, capture_output=True, timeout=120, check=True)

    arrivals = [verified(webhook["secret"], headers, body) for headers, body, _ in receiver.at(path)]
    assert [headers["webhook-id"] for headers, _, _ in receiver.at(path)] == [event["id"] for event in arrivals]
    for inbox in inboxes:
        firsts: list[str] = []
        for event in arrivals:
            if event["data"]["message"]["inbox_id"] == inbox["id"] and event["id"] not in firsts:
                firsts.append(event["id"])
        subjects = {event["id"]: event["data"]["message"]["subject"] for event in arrivals}
        # In order of first arrival; a repeat (at least once) only ever of an event that had already arrived.
        assert [subjects[event_id] for event_id in firsts] == [str(number) for number in range(count)]
        assert firsts == sorted(firsts)  # which is the order the events were recorded in


def test_the_example_reply_bot_answers_mail_in_its_thread(stack: Stack, api: httpx.Client) -> None:
    port = free_port()
    inbox = api.post("/v1/inboxes", json={"name": "Bot"}).json()
    bot = example(
        "reply_bot.py",
        "--inbox",
        inbox["id"],
        "--port",
        str(port),
        MAILMAN_API_URL=stack.url,
        MAILMAN_API_TOKEN=stack.token,
    )
    try:
        assert bot.stdout is not None
        assert bot.stdout.readline().startswith(f"answering mail to {inbox['id']}")
        mail(stack, inbox["address"], "Where is my order?")
        assert bot.stdout.readline().strip() == "answered ada@example.com: Re: Where is my order?"
    finally:
        bot.send_signal(signal.SIGINT)
        out, err = bot.communicate(timeout=15)
    assert bot.returncode == 0 and out.strip() == "stopped" and err == ""
    [received] = messages_of(api, inbox["id"], direction="inbound")
    [answer] = messages_of(api, inbox["id"], direction="outbound")
    assert answer["thread_id"] == received["thread_id"] and answer["in_reply_to"] == received["message_id"]
    assert "> Where is my order?" in answer["text"]
    hooks = api.get("/v1/webhooks", params={"limit": 100}).json()["data"]
    assert all(w["inbox_ids"] != [inbox["id"]] for w in hooks)  # the bot deleted its webhook on the way out
