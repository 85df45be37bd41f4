"""The SDK as a new user meets it: against a real `mailman-server dev`, sync and async."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from mailman_sdk import AsyncMailman, Mailman, NotFoundError, UnprocessableEntityError

from tests.conftest import Stack


@pytest.fixture
def client(stack: Stack) -> Iterator[Mailman]:
    with Mailman(base_url=stack.url, api_key=stack.token) as client:
        yield client


def test_spec_snippet_works(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILMAN_API_URL", stack.url)
    monkeypatch.setenv("MAILMAN_API_TOKEN", stack.token)
    client = Mailman()
    inbox = client.inboxes.create(name="Support")
    sent = client.inboxes.messages.send(inbox.id, to=["a@example.com"], subject="Hi", text="Hello")
    assert sent.status == "queued" and sent.from_.address == inbox.address
    listed = [(m.subject, m.extracted_text) for m in client.inboxes.messages.list(inbox.id)]
    assert listed == [("Hi", "Hello")]
    with pytest.raises(NotFoundError) as caught:
        client.inboxes.retrieve("inb_does_not_exist")
    assert caught.value.code == "not_found" and caught.value.request_id
    client.close()


def test_iterating_250_inboxes_walks_every_page(client: Mailman) -> None:
    domain = client.domains.create(name=f"sdk{uuid.uuid4().hex[:8]}.example.com")
    created = [client.inboxes.create(domain_id=domain.id, local_part=f"u{i}").id for i in range(250)]
    seen = [inbox.id for inbox in client.inboxes.list(domain_id=domain.id, limit=100)]
    assert seen == list(reversed(created))
    first = client.inboxes.list(domain_id=domain.id, limit=100)
    assert len(first.data) == 100 and first.has_next_page()
    assert "<table>" in first._repr_html_()

    async def async_walk() -> list[str]:
        async with AsyncMailman(base_url=client.base_url.__str__(), api_key=client.api_key) as aclient:
            return [inbox.id async for inbox in aclient.inboxes.list(domain_id=domain.id, limit=100)]

    assert asyncio.run(async_walk()) == seen


def test_async_client_end_to_end(stack: Stack) -> None:
    async def scenario() -> None:
        async with AsyncMailman(base_url=stack.url, api_key=stack.token) as client:
            inbox = await client.inboxes.create(name="Async")
            sent = await client.inboxes.messages.send(inbox.id, to=["b@example.com"], subject="Async", text="hi")
            reply = await client.messages.reply(sent.id, text="again")
            thread = await client.threads.retrieve(sent.thread_id)
            assert [m.id for m in thread.messages] == [sent.id, reply.id]
            page = await client.inboxes.messages.list(inbox.id, limit=1)
            assert len(page.data) == 1 and page.has_next_page()
            with pytest.raises(NotFoundError):
                await client.messages.retrieve("msg_nope")
            raw = await client.inboxes.with_raw_response.retrieve(inbox.id)
            assert raw.status_code == 200 and raw.parse().id == inbox.id

    asyncio.run(scenario())


def test_422_names_the_field_and_empty_ids_fail_early(client: Mailman) -> None:
    inbox = client.inboxes.create()
    with pytest.raises(UnprocessableEntityError) as caught:
        client.inboxes.messages.send(inbox.id, to=["not-an-address"], text="x")
    assert "to[0]" in str(caught.value)
    assert caught.value.errors[0]["field"] == "to[0]"
    with pytest.raises(ValueError, match="message_id"):
        client.messages.retrieve("")


def test_messages_threads_attachments_and_webhooks(client: Mailman) -> None:
    import base64

    inbox = client.inboxes.create(name="Files")
    sent = client.inboxes.messages.send(
        inbox.id,
        to=["c@example.com"],
        subject="Report",
        text="attached",
        attachments=[{"filename": "r.txt", "content": base64.b64encode(b"numbers").decode()}],
        labels=["reports"],
    )
    assert client.messages.download(sent.id, sent.attachments[0].id) == b"numbers"
    assert client.messages.raw(sent.id).startswith(b"From: Files <")
    labelled = client.messages.update(sent.id, add_labels=["done"], remove_labels=["reports"])
    assert labelled.labels == ["done"]
    assert [t.id for t in client.inboxes.threads.list(inbox.id, label="done")] == [sent.thread_id]

    hook = client.webhooks.create(url="https://example.com/hook", events=["message.received"])
    assert hook.secret and hook.secret.startswith("whsec_")
    delivery = client.webhooks.test(hook.id)
    assert [d.id for d in client.webhooks.deliveries.list(hook.id)] == [delivery.id]
    event = client.events.retrieve(delivery.event_id)
    assert event.type == "webhook.test"
    client.webhooks.delete(hook.id)
    with pytest.raises(NotFoundError):
        client.webhooks.retrieve(hook.id)


def test_drafts_and_scheduled_sending(client: Mailman) -> None:
    from datetime import UTC, datetime, timedelta

    inbox = client.inboxes.create(name="Drafts")
    draft = client.inboxes.drafts.create(inbox.id, to=["ada@example.com"], subject="Soon", text="Hello")
    cleared = client.drafts.update(draft.id, text=None, html="<p>Hello</p>")
    assert cleared.text is None and cleared.html == "<p>Hello</p>" and cleared.subject == "Soon"
    assert [d.id for d in client.inboxes.drafts.list(inbox.id)] == [draft.id]
    later = datetime.now(UTC) + timedelta(hours=1)
    client.drafts.update(draft.id, send_at=later)
    message = client.drafts.send(draft.id)
    assert message.status == "scheduled" and message.send_at == later
    with pytest.raises(NotFoundError):
        client.drafts.retrieve(draft.id)
    moved = client.messages.update(message.id, send_at=later + timedelta(minutes=5))
    assert moved.send_at == later + timedelta(minutes=5)
    assert client.messages.cancel(message.id).status == "canceled"
    sent = client.inboxes.messages.send(inbox.id, to=["bo@example.com"], text="x", send_at=later)
    assert sent.status == "scheduled"
    client.messages.cancel(sent.id)
