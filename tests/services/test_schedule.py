"""Scheduled sending end to end: the session stack's worker sends at the time, once, after checking suppressions."""

from __future__ import annotations

import email
import email.utils
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx
import psycopg
import pytest
from mailman_services.bootstrap import build
from mailman_services.config import load_settings
from mailman_services.db.engine import migrate
from mailman_services.domain import search
from mailman_services.handlers import schedule as due_scan

from tests.conftest import Stack, start_stack
from tests.services.test_pipeline import wait_for

LEAD = timedelta(seconds=1.5)  # far enough ahead that the send answers before the message is due


@pytest.fixture
def inbox(api: httpx.Client) -> dict[str, Any]:
    created: dict[str, Any] = api.post("/v1/inboxes", json={"name": "Scheduler"}).json()
    return created


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def schedule(api: httpx.Client, inbox_id: str, send_at: datetime, **body: Any) -> dict[str, Any]:
    payload = {
        "to": [f"sched-{uuid.uuid4().hex[:8]}@example.com"],
        "text": "Later",
        "send_at": rfc3339(send_at),
        **body,
    }
    response = api.post(f"/v1/inboxes/{inbox_id}/messages", json=payload)
    assert response.status_code == 202, response.text
    message: dict[str, Any] = response.json()
    return message


def message(api: httpx.Client, message_id: str) -> dict[str, Any]:
    result: dict[str, Any] = api.get(f"/v1/messages/{message_id}").json()
    return result


def event_types(api: httpx.Client, message_id: str) -> list[str]:
    events = api.get("/v1/events", params={"message_id": message_id, "limit": 100}).json()["data"]
    return [e["type"] for e in reversed(events)]  # oldest first


def finished(api: httpx.Client, message_id: str) -> dict[str, Any] | None:
    """The message once the capture transport delivered it (or it failed), else None."""
    current = message(api, message_id)
    return current if current["status"] in ("delivered", "failed") else None


def test_a_scheduled_message_is_sent_at_its_time_once(api: httpx.Client, inbox: dict[str, Any]) -> None:
    send_at = datetime.now(UTC) + LEAD
    scheduled = schedule(api, inbox["id"], send_at, subject="Later")
    assert scheduled["status"] == "scheduled" and parse(scheduled["send_at"]) == send_at
    assert (
        api.get(f"/v1/inboxes/{inbox['id']}/messages", params={"status": "scheduled"}).json()["data"][0]["id"]
        == (scheduled["id"])
    )
    assert event_types(api, scheduled["id"]) == ["message.scheduled"]

    sent = wait_for(lambda: finished(api, scheduled["id"]), timeout=15)
    assert sent["status"] == "delivered"
    assert parse(sent["sent_at"]) >= send_at  # never early
    assert event_types(api, scheduled["id"]) == ["message.scheduled", "message.sent", "message.delivered"]
    raw = email.message_from_bytes(api.get(f"/v1/messages/{scheduled['id']}/raw").content)
    dated = email.utils.parsedate_to_datetime(raw["Date"])
    assert send_at.replace(microsecond=0) <= dated <= parse(sent["sent_at"])  # dated when sent


def test_send_at_is_checked(api: httpx.Client, inbox: dict[str, Any]) -> None:
    def problem(send_at: str) -> dict[str, Any]:
        body = {"to": ["ada@example.com"], "text": "x", "send_at": send_at}
        response = api.post(f"/v1/inboxes/{inbox['id']}/messages", json=body)
        assert response.status_code == 422, response.text
        result: dict[str, Any] = response.json()
        return result

    now = datetime.now(UTC)
    assert problem(rfc3339(now - timedelta(hours=1)))["errors"][0]["field"] == "send_at"
    assert problem(rfc3339(now + timedelta(days=31)))["errors"][0]["field"] == "send_at"
    assert problem("tomorrow")["errors"][0]["field"] == "send_at"
    sent = api.post(f"/v1/inboxes/{inbox['id']}/messages", json={"to": ["ada@example.com"], "text": "x"}).json()
    reply = api.post(
        f"/v1/messages/{sent['id']}/reply", json={"text": "x", "send_at": rfc3339(now - timedelta(days=1))}
    )
    assert reply.status_code == 422 and reply.json()["errors"][0]["field"] == "send_at"


def test_reply_and_forward_can_be_scheduled(api: httpx.Client, inbox: dict[str, Any]) -> None:
    first = api.post(f"/v1/inboxes/{inbox['id']}/messages", json={"to": ["ada@example.com"], "text": "x"}).json()
    later = rfc3339(datetime.now(UTC) + timedelta(hours=1))
    reply = api.post(f"/v1/messages/{first['id']}/reply", json={"text": "y", "send_at": later}).json()
    forward = api.post(f"/v1/messages/{first['id']}/forward", json={"to": ["bo@example.com"], "send_at": later}).json()
    for scheduled in (reply, forward):
        assert scheduled["status"] == "scheduled" and scheduled["thread_id"] == first["thread_id"]
        assert api.post(f"/v1/messages/{scheduled['id']}/cancel").status_code == 200


def test_rescheduling_moves_the_send(api: httpx.Client, inbox: dict[str, Any]) -> None:
    far = datetime.now(UTC) + timedelta(hours=1)
    sooner = schedule(api, inbox["id"], far)
    soon = datetime.now(UTC) + LEAD
    later = schedule(api, inbox["id"], soon)
    sentinel = schedule(api, inbox["id"], soon)

    moved = api.patch(f"/v1/messages/{sooner['id']}", json={"send_at": rfc3339(soon)})
    assert moved.status_code == 200 and parse(moved.json()["send_at"]) == parse(rfc3339(soon))
    postponed = api.patch(f"/v1/messages/{later['id']}", json={"send_at": rfc3339(far), "add_labels": ["moved"]})
    assert postponed.status_code == 200 and postponed.json()["labels"] == ["moved"]

    wait_for(lambda: finished(api, sentinel["id"]), timeout=15)  # the old time has passed for the worker
    sent = wait_for(lambda: finished(api, sooner["id"]), timeout=15)
    assert sent["status"] == "delivered" and parse(sent["sent_at"]) >= parse(rfc3339(soon))
    assert event_types(api, sooner["id"]) == [
        "message.scheduled",
        "message.scheduled",
        "message.sent",
        "message.delivered",
    ]
    assert message(api, later["id"])["status"] == "scheduled"
    # Dated when it went out, not when it was first scheduled for (an hour later); the message says the same.
    raw = api.get(f"/v1/messages/{sooner['id']}/raw").content
    dated = email.utils.parsedate_to_datetime(email.message_from_bytes(raw)["Date"])
    assert soon.replace(microsecond=0) <= dated <= parse(sent["sent_at"]) < far
    assert [h["value"] for h in sent["headers"] if h["name"] == "Date"] == [email.utils.format_datetime(dated)]
    assert sent["size"] == len(raw) and raw.count(b"\r\nDate: ") == 1

    conflict = api.patch(f"/v1/messages/{sooner['id']}", json={"send_at": rfc3339(far)})
    assert conflict.status_code == 409 and conflict.json()["code"] == "message_not_scheduled"
    too_far = api.patch(f"/v1/messages/{later['id']}", json={"send_at": rfc3339(far + timedelta(days=30))})
    assert too_far.status_code == 422 and too_far.json()["errors"][0]["field"] == "send_at"
    assert api.post(f"/v1/messages/{later['id']}/cancel").status_code == 200


def test_a_canceled_message_is_never_sent(api: httpx.Client, inbox: dict[str, Any]) -> None:
    soon = datetime.now(UTC) + LEAD
    doomed = schedule(api, inbox["id"], soon)
    sentinel = schedule(api, inbox["id"], soon)
    canceled = api.post(f"/v1/messages/{doomed['id']}/cancel")
    assert canceled.status_code == 200 and canceled.json()["status"] == "canceled"

    wait_for(lambda: finished(api, sentinel["id"]), timeout=15)
    assert message(api, doomed["id"])["status"] == "canceled"
    assert event_types(api, doomed["id"]) == ["message.scheduled", "message.canceled"]
    again = api.post(f"/v1/messages/{doomed['id']}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "message_not_scheduled"
    assert api.patch(f"/v1/messages/{doomed['id']}", json={"send_at": rfc3339(soon)}).status_code == 409
    assert api.post(f"/v1/messages/{sentinel['id']}/cancel").status_code == 409  # sent already


def test_suppressions_are_checked_again_at_send_time(api: httpx.Client, inbox: dict[str, Any]) -> None:
    tag = uuid.uuid4().hex[:8]
    kept, dropped, alone = (f"{who}-{tag}@example.com" for who in ("kept", "dropped", "alone"))
    soon = datetime.now(UTC) + LEAD
    partly = schedule(api, inbox["id"], soon, to=[dropped], cc=[kept])
    wholly = schedule(api, inbox["id"], soon, to=[alone])
    try:
        for address in (dropped, alone):
            assert api.post("/v1/suppressions", json={"address": address}).status_code == 201

        delivered = wait_for(lambda: finished(api, partly["id"]), timeout=15)
        assert delivered["status"] == "delivered"
        assert [r["address"] for r in delivered["to"]] == [kept] and delivered["cc"] == []
        failed = wait_for(lambda: finished(api, wholly["id"]), timeout=15)
        assert failed["status"] == "failed" and failed["sent_at"] is None
        [event] = api.get("/v1/events", params={"message_id": wholly["id"], "type": "message.failed"}).json()["data"]
        assert alone in event["data"]["reason"] and event["data"]["recipients"] == [alone]
        [sent] = api.get("/v1/events", params={"message_id": partly["id"], "type": "message.delivered"}).json()["data"]
        assert sent["data"]["recipients"] == [kept]
    finally:
        for address in (dropped, alone):
            api.delete(f"/v1/suppressions/{address}")


@pytest.fixture
def second_worker(stack: Stack) -> Iterator[subprocess.Popen[bytes]]:
    """Another `mailman-server worker` on the stack's database and data directory, as a second container would be."""
    log_path = stack.data_dir / f"worker-{uuid.uuid4().hex[:6]}.log"
    env = {
        **os.environ,
        "MAILMAN_DATABASE_URL": f"postgresql+psycopg://postgres@/postgres?host={stack.data_dir / 'postgres'}",
        "MAILMAN_DATA_DIR": str(stack.data_dir),
        "MAILMAN_LOG_FORMAT": "json",
    }
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "mailman_services.cli", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:

        def started() -> bool:
            assert process.poll() is None, log_path.read_text()
            return any(
                json.loads(line).get("message") == "worker started"
                for line in log_path.read_text().splitlines()
                if line.startswith("{")
            )

        wait_for(started, timeout=30)
        yield process
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0, log_path.read_text()


def test_two_workers_send_a_scheduled_message_once(
    api: httpx.Client, inbox: dict[str, Any], second_worker: subprocess.Popen[bytes]
) -> None:
    soon = datetime.now(UTC) + LEAD
    batch = [schedule(api, inbox["id"], soon) for _ in range(20)]
    wait_for(lambda: all(finished(api, scheduled["id"]) for scheduled in batch), timeout=30)
    assert second_worker.poll() is None
    for scheduled in batch:
        assert event_types(api, scheduled["id"]) == ["message.scheduled", "message.sent", "message.delivered"]


def test_the_due_scan_takes_a_message_once_across_connections(stack: Stack) -> None:
    """Two scans at once on two connections of a database of its own (no worker there): the first locks the due
    message and queues it, the second skips it without waiting, and once the first commits nothing is due."""
    socket_dir = stack.data_dir / "postgres"
    name = f"due_scan_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = f"postgresql+psycopg://postgres@/{name}?host={socket_dir}"
    migrate(url)
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname=name, autocommit=True) as conn:
        conn.execute("INSERT INTO domains (id, name, verification_token) VALUES ('dom_1', 'scan.test', 't')")
        conn.execute(
            "INSERT INTO inboxes (id, domain_id, local_part, address) VALUES ('inb_1', 'dom_1', 'a', 'a@scan.test')"
        )
        conn.execute("INSERT INTO threads (id, inbox_id) VALUES ('thr_1', 'inb_1')")
        conn.execute(
            'INSERT INTO messages (id, inbox_id, thread_id, direction, status, message_id, "from", "to", verdicts,'
            " send_at, search) VALUES ('msg_1', 'inb_1', 'thr_1', 'outbound', 'scheduled', '<msg_1@scan.test>',"
            ' \'{"address": "a@scan.test"}\', \'[{"name": null, "address": "b@example.com"}]\', \'{}\','
            " now() - interval '1 second', %s::tsvector)",
            (search.vector(None, "a@scan.test", None, None),),
        )

    async def scan() -> tuple[int, int, int]:
        services = build(load_settings({"MAILMAN_DATA_DIR": str(stack.data_dir)}), url)
        try:
            async with services.engine.connect() as first, services.engine.connect() as second:
                await first.begin()
                taken_first = await due_scan.release_due_in(first, services.queue)
                await second.begin()
                with anyio.fail_after(5):  # SKIP LOCKED: the locked row is passed over, not waited for
                    taken_second = await due_scan.release_due_in(second, services.queue)
                await second.commit()
                await first.commit()
            taken_after = await due_scan.release_due(services.database, services.queue)
            return taken_first, taken_second, taken_after
        finally:
            await services.aclose()

    try:
        assert anyio.run(scan) == (1, 0, 0)
        with psycopg.connect(host=str(socket_dir), user="postgres", dbname=name) as conn:
            assert conn.execute("SELECT status FROM messages WHERE id = 'msg_1'").fetchone() == ("queued",)
            jobs = conn.execute("SELECT body FROM queue_messages WHERE queue = 'outbound'").fetchall()
            assert [json.loads(body) for (body,) in jobs] == [{"message_id": "msg_1"}]
    finally:
        with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_the_schedule_survives_a_restart(tmp_path: Path) -> None:
    """The schedule is rows: a stack stopped before the send time sends the message once it runs again."""
    first = start_stack(tmp_path / "restart")
    try:
        with first.client() as api:
            inbox_id = api.post("/v1/inboxes", json={"name": "Restart"}).json()["id"]
            send_at = datetime.now(UTC) + LEAD
            scheduled = schedule(api, inbox_id, send_at)
    finally:
        assert first.stop() == 0
    second = start_stack(tmp_path / "restart")
    try:
        with second.client() as api:
            sent = wait_for(lambda: finished(api, scheduled["id"]), timeout=15)
            assert sent["status"] == "delivered" and parse(sent["sent_at"]) >= send_at
            assert event_types(api, scheduled["id"]) == ["message.scheduled", "message.sent", "message.delivered"]
    finally:
        assert second.stop() == 0
