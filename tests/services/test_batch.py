"""Batch sending: up to 100 messages in one request, all or none (strict) or each on its own (permissive)."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from click.testing import CliRunner
from mailman_sdk import Mailman, UnprocessableEntityError
from mailman_sdk._cli import cli
from sqlalchemy import event

from tests.conftest import InProcess, Stack, free_port, start_stack
from tests.services.test_pipeline import Relay, wait_for
from tests.services.test_schedule import event_types, rfc3339

PDF = b"%PDF-1.4\n% a batch attachment\n" + bytes(range(256))


@pytest.fixture
def inbox(api: httpx.Client) -> dict[str, Any]:
    created: dict[str, Any] = api.post("/v1/inboxes", json={"name": "Batcher"}).json()
    return created


def batch(api: httpx.Client, inbox_id: str, items: list[Any], **body: Any) -> httpx.Response:
    return api.post(f"/v1/inboxes/{inbox_id}/messages/batch", json={"messages": items, **body})


def item(n: int, **body: Any) -> dict[str, Any]:
    return {
        "to": [f"batch-{n}-{uuid.uuid4().hex[:6]}@example.com"],
        "subject": f"Item {n}",
        "text": f"Body {n}",
        **body,
    }


def stored_rows(stack: Stack, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(host=str(stack.data_dir / "postgres"), user="postgres", dbname="postgres") as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def relayed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Relay]]:
    """A stack of this module's own whose mail goes to a local SMTP relay, which keeps what it receives."""
    from aiosmtpd.controller import Controller

    relay = Relay()
    controller = Controller(relay, hostname="127.0.0.1", port=free_port())
    controller.start()
    stack = start_stack(
        tmp_path_factory.mktemp("batch-relay"), {"MAILMAN_SMTP_RELAY": f"smtp://127.0.0.1:{controller.port}"}
    )
    try:
        yield stack, relay
    finally:
        stack.stop()
        controller.stop()


def test_a_strict_batch_sends_every_message_through_the_relay(relayed: tuple[Stack, Relay]) -> None:
    stack, relay = relayed
    with stack.client() as api:
        inbox = api.post("/v1/inboxes", json={"name": "Receipts"}).json()
        attachment = {
            "filename": "receipt.pdf",
            "content_type": "application/pdf",
            "content": base64.b64encode(PDF).decode(),
        }
        items = [item(0), item(1, cc=["copy@example.net"], attachments=[attachment]), item(2, html="<p>Two</p>")]
        response = batch(api, inbox["id"], items)
        assert response.status_code == 202, response.text
        data = response.json()["data"]
        assert [d["index"] for d in data] == [0, 1, 2] and all("error" not in d for d in data)
        sent = [d["message"] for d in data]
        assert [m["subject"] for m in sent] == ["Item 0", "Item 1", "Item 2"]
        assert all(m["status"] == "queued" for m in sent)
        assert len({m["thread_id"] for m in sent}) == 3  # independent messages, a thread each
        assert sent[1]["attachments"][0]["filename"] == "receipt.pdf"

        for message in sent:
            wait_for(lambda m=message: api.get(f"/v1/messages/{m['id']}").json()["status"] == "delivered")  # type: ignore[misc]
            assert event_types(api, message["id"]) == ["message.sent", "message.delivered"]
        by_id = {}
        for _, recipients, raw in relay.received:
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            by_id[parsed["Message-ID"]] = (recipients, parsed)
        for n, message in enumerate(sent):
            recipients, parsed = by_id[message["message_id"]]
            assert recipients == [r["address"] for r in message["to"] + message["cc"]]
            assert parsed["Subject"] == f"Item {n}" and parsed["From"] == f"Receipts <{inbox['address']}>"
            assert parsed["In-Reply-To"] is None and parsed["References"] is None
            assert parsed.get_body(("plain",)).get_content().strip() == f"Body {n}"  # type: ignore[union-attr]
        [part] = list(by_id[sent[1]["message_id"]][1].iter_attachments())
        assert part.get_filename() == "receipt.pdf" and part.get_content() == PDF  # Resend's batch drops these


def test_a_strict_batch_with_invalid_items_sends_none(stack: Stack, api: httpx.Client, inbox: dict[str, Any]) -> None:
    gone = f"gone-{uuid.uuid4().hex[:6]}@example.com"
    assert api.post("/v1/suppressions", json={"address": gone}).status_code == 201
    items = [
        item(0),
        item(1, to=["not an address"]),
        item(2),
        {"to": ["x@example.com"]},  # neither text nor html
        item(4, to=[gone]),
        item(5, subject=1),  # the schema's own check
    ]
    [(last_job,)] = stored_rows(stack, "SELECT coalesce(max(id), 0) FROM queue_messages")
    response = batch(api, inbox["id"], items)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "batch_invalid" and "4 of 6" in problem["detail"]
    assert [f["field"] for f in problem["errors"]] == [
        "messages[1].to[0]",
        "messages[3].text",
        "messages[4]",
        "messages[5].subject",
    ]
    failures = problem["failures"]
    assert [(f["index"], f["error"]["code"]) for f in failures] == [
        (1, "validation_failed"),
        (3, "validation_failed"),
        (4, "all_recipients_suppressed"),
        (5, "validation_failed"),
    ]
    assert failures[0]["error"]["errors"] == [
        {"field": "to[0]", "message": "is not an email address ('a@b.com' or 'Name <a@b.com>')"}
    ]
    assert all(f["error"]["status"] == 422 and f["error"]["request_id"] == problem["request_id"] for f in failures)

    # Nothing stored: no message, no thread, no job, no event.
    assert api.get(f"/v1/inboxes/{inbox['id']}/messages").json()["data"] == []
    assert api.get(f"/v1/inboxes/{inbox['id']}/threads").json()["data"] == []
    assert api.get("/v1/events", params={"inbox_id": inbox["id"]}).json()["data"] == []
    assert stored_rows(stack, "SELECT count(*) FROM messages WHERE inbox_id = %s", inbox["id"]) == [(0,)]
    orphans = stored_rows(
        stack,
        "SELECT count(*) FROM queue_messages q WHERE q.queue = 'outbound' AND q.id > %s"
        " AND NOT EXISTS (SELECT FROM messages m WHERE m.id = q.body::jsonb->>'message_id')",
        last_job,
    )
    assert orphans == [(0,)]  # no job queued since for a message that is not there (earlier tests delete some)


def test_a_permissive_batch_sends_the_valid_items_and_answers_each(api: httpx.Client, inbox: dict[str, Any]) -> None:
    gone = f"gone-{uuid.uuid4().hex[:6]}@example.com"
    assert api.post("/v1/suppressions", json={"address": gone}).status_code == 201
    items = [item(0), item(1, to=["nope"]), item(2, to=[gone], cc=["kept@example.com"]), item(3, to=[gone])]
    response = batch(api, inbox["id"], items, mode="permissive")
    assert response.status_code == 207, response.text
    data = response.json()["data"]
    assert [d["index"] for d in data] == [0, 1, 2, 3]
    assert data[1]["error"]["code"] == "validation_failed" and data[1]["error"]["errors"][0]["field"] == "to[0]"
    assert data[3]["error"]["code"] == "all_recipients_suppressed" and "message" not in data[3]
    # The suppression rule of the single send: the suppressed To is dropped and the Cc promoted.
    assert [r["address"] for r in data[2]["message"]["to"]] == ["kept@example.com"] and data[2]["message"]["cc"] == []
    sent = [data[0]["message"]["id"], data[2]["message"]["id"]]
    listed = api.get(f"/v1/inboxes/{inbox['id']}/messages").json()["data"]
    assert sorted(m["id"] for m in listed) == sorted(sent)
    for message_id in sent:
        wait_for(lambda m=message_id: event_types(api, m) == ["message.sent", "message.delivered"])  # type: ignore[misc]

    every = batch(api, inbox["id"], [item(0), item(1)], mode="permissive")
    assert every.status_code == 202 and [("message" in d) for d in every.json()["data"]] == [True, True]


def test_the_envelope_is_checked(api: httpx.Client, inbox: dict[str, Any]) -> None:
    def fields(body: Any) -> list[str]:
        response = api.post(f"/v1/inboxes/{inbox['id']}/messages/batch", json=body)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "validation_failed"
        return [e["field"] for e in response.json()["errors"]]

    assert fields({"messages": [item(n) for n in range(101)]}) == ["messages"]
    assert fields({"messages": []}) == ["messages"]
    assert fields({"messages": [item(0)], "mode": "lenient"}) == ["mode"]
    assert fields({"messages": [item(0)], "extra": 1}) == ["extra"]
    assert fields({"messages": "all of them"}) == ["messages"]
    assert fields({"messages": [item(0, text="nul \x00 here")]}) == ["messages[0].text"]
    assert fields({}) == ["messages"]
    assert api.get(f"/v1/inboxes/{inbox['id']}/messages").json()["data"] == []

    not_object = batch(api, inbox["id"], [item(0), "hello"])
    assert not_object.status_code == 422 and not_object.json()["errors"][0]["field"] == "messages[1]"
    hundred = batch(api, inbox["id"], [item(n) for n in range(100)])
    assert hundred.status_code == 202 and len(hundred.json()["data"]) == 100
    nobody: list[Any] = [{"to": []}]
    for items in ([item(0)], nobody):  # also when no item is valid enough to look for it
        missing = batch(api, "inb_00000000000000000000000000", items)
        assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_one_idempotency_key_covers_the_batch(stack: Stack, api: httpx.Client, inbox: dict[str, Any]) -> None:
    key = {"Idempotency-Key": f"batch-{uuid.uuid4().hex}"}
    items = [item(0), item(1)]
    first = api.post(f"/v1/inboxes/{inbox['id']}/messages/batch", json={"messages": items}, headers=key)
    again = api.post(f"/v1/inboxes/{inbox['id']}/messages/batch", json={"messages": items}, headers=key)
    assert first.status_code == again.status_code == 202
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    assert len(api.get(f"/v1/inboxes/{inbox['id']}/messages").json()["data"]) == 2  # sent once

    other = api.post(f"/v1/inboxes/{inbox['id']}/messages/batch", json={"messages": items[:1]}, headers=key)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"

    # The stored answer holds both messages: deleting either deletes it, and the batch is not sent again.
    ids = [d["message"]["id"] for d in first.json()["data"]]
    [(resource_ids,)] = [
        row for row in stored_rows(stack, "SELECT resource_ids FROM idempotency_keys") if set(row[0]) == set(ids)
    ]
    assert resource_ids == ids
    assert api.delete(f"/v1/messages/{ids[1]}").status_code == 204
    after = api.post(f"/v1/inboxes/{inbox['id']}/messages/batch", json={"messages": items}, headers=key)
    assert after.status_code == 409 and after.json()["code"] == "idempotency_key_answer_deleted"
    assert len(api.get(f"/v1/inboxes/{inbox['id']}/messages").json()["data"]) == 1


def test_batch_items_can_be_scheduled(api: httpx.Client, inbox: dict[str, Any]) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    response = batch(api, inbox["id"], [item(0, send_at=rfc3339(later)), item(1)])
    assert response.status_code == 202, response.text
    scheduled, now = (d["message"] for d in response.json()["data"])
    assert scheduled["status"] == "scheduled" and now["status"] == "queued"
    assert event_types(api, scheduled["id"]) == ["message.scheduled"]
    assert api.post(f"/v1/messages/{scheduled['id']}/cancel").json()["status"] == "canceled"
    wait_for(lambda: event_types(api, now["id"]) == ["message.sent", "message.delivered"])

    past = batch(api, inbox["id"], [item(0), item(1, send_at=rfc3339(datetime.now(UTC) - timedelta(hours=1)))])
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "messages[1].send_at"


def test_a_scoped_key_cannot_batch_into_another_inbox(stack: Stack, api: httpx.Client, inbox: dict[str, Any]) -> None:
    other = api.post("/v1/inboxes").json()
    key = api.post("/v1/api-keys", json={"name": "batch-scoped", "inbox_ids": [inbox["id"]]}).json()["key"]
    with stack.client(key) as scoped:
        refused = batch(scoped, other["id"], [item(0)])
        assert refused.status_code == 404 and refused.json()["code"] == "not_found"
        assert batch(scoped, inbox["id"], [item(0)]).status_code == 202
    assert api.get(f"/v1/inboxes/{other['id']}/messages").json()["data"] == []


def test_an_unverified_domain_refuses_every_item(api: httpx.Client) -> None:
    domain = api.post("/v1/domains", json={"name": f"b{uuid.uuid4().hex[:8]}.example.com"}).json()
    pending = api.post("/v1/inboxes", json={"domain_id": domain["id"]}).json()
    strict = batch(api, pending["id"], [item(0), item(1)])
    assert [f["error"]["code"] for f in strict.json()["failures"]] == ["domain_not_verified"] * 2
    permissive = batch(api, pending["id"], [item(0)], mode="permissive")
    assert permissive.status_code == 207 and permissive.json()["data"][0]["error"]["code"] == "domain_not_verified"


def test_the_sdk_and_cli_send_a_batch(stack: Stack, inbox: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    with Mailman(base_url=stack.url, api_key=stack.token) as client:
        later = datetime.now(UTC) + timedelta(hours=2)
        result = client.inboxes.messages.batch(
            inbox["id"],
            messages=[
                {"to": ["ada@example.com"], "subject": "One", "text": "1"},
                {"to": ["bo@example.com"], "subject": "Two", "text": "2", "send_at": later},
            ],
        )
        assert [(d.index, d.message.subject if d.message else None) for d in result.data] == [(0, "One"), (1, "Two")]
        assert result.data[1].message is not None and result.data[1].message.status == "scheduled"
        mixed = client.inboxes.messages.batch(
            inbox["id"],
            messages=[{"to": ["bad"], "text": "x"}, {"to": ["ok@example.com"], "text": "y"}],
            mode="permissive",
        )
        assert mixed.data[0].error is not None and mixed.data[0].error.code == "validation_failed"
        assert mixed.data[1].message is not None
        with pytest.raises(UnprocessableEntityError) as rejected:
            client.inboxes.messages.batch(inbox["id"], messages=[{"to": ["bad"], "text": "x"}])
        assert rejected.value.code == "batch_invalid" and rejected.value.errors[0]["field"] == "messages[0].to[0]"
        assert rejected.value.body["failures"][0]["index"] == 0

    monkeypatch.setenv("MAILMAN_API_URL", stack.url)
    monkeypatch.setenv("MAILMAN_API_TOKEN", stack.token)
    one = '{"to": ["cli@example.com"], "text": "hi"}'
    run = CliRunner().invoke(cli, ["inboxes", "messages", "batch", inbox["id"], "--message", one, "--json"])
    assert run.exit_code == 0, run.output
    [sent] = json.loads(run.stdout)["data"]
    assert sent["index"] == 0 and sent["message"]["to"][0]["address"] == "cli@example.com"
    bad = CliRunner().invoke(cli, ["inboxes", "messages", "batch", inbox["id"], "--message", "[1]"])
    assert bad.exit_code == 2 and "not a JSON object" in bad.output


@pytest.mark.anyio
async def test_a_batch_looks_its_inbox_and_suppressions_up_once(app_api: InProcess) -> None:
    """100 items, one inbox and one suppression list: each read once for the batch, with the same answers
    (the suppressed recipient dropped from every item that names it, the item naming only it refused)."""
    engine = app_api.client.app.extensions["mailman"].database.engine.sync_engine
    inbox = await app_api.json("POST", "/v1/inboxes", json={"name": "Once"})
    gone = f"gone-{uuid.uuid4().hex[:8]}@example.com"
    assert (await app_api.post("/v1/suppressions", json={"address": gone})).status_code == 201
    items = [item(n, cc=[gone]) for n in range(99)] + [{"to": [gone], "subject": "Only gone", "text": "x"}]
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        response = await app_api.post(
            f"/v1/inboxes/{inbox['id']}/messages/batch", json={"messages": items, "mode": "permissive"}
        )
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert response.status_code == 207, await response.get_data()
    data = (await response.get_json())["data"]
    assert ["message" in d for d in data] == [True] * 99 + [False]
    assert data[99]["error"]["code"] == "all_recipients_suppressed"
    assert all(d["message"]["cc"] == [] for d in data[:99])
    assert sum("FROM suppressions" in s for s in statements) == 1
    assert sum("FROM inboxes JOIN domains" in s for s in statements) == 1
