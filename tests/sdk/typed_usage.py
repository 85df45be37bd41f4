"""A typed use of the SDK, checked by `mypy --strict` in `nox -s typecheck` (it is not run)."""

from __future__ import annotations

from datetime import datetime

from mailman_sdk import APIResponse, AsyncMailman, Mailman, NotFoundError, SyncCursorPage
from mailman_sdk.types import Event, Inbox, Message, MessageReceivedEvent, ThreadWithMessages


def sync_usage(client: Mailman) -> list[str]:
    inbox: Inbox = client.inboxes.create(name="Support")
    sent: Message = client.inboxes.messages.send(inbox.id, to=["a@example.com"], subject="Hi", text="Hello")
    page: SyncCursorPage[Message] = client.inboxes.messages.list(inbox.id, direction="outbound", limit=10)
    subjects = [message.subject for message in page]
    created: datetime = sent.created_at
    thread: ThreadWithMessages = client.threads.retrieve(sent.thread_id)
    raw: APIResponse[Inbox] = client.inboxes.with_raw_response.retrieve(inbox.id)
    event: Event = client.events.retrieve("evt_x")
    try:
        client.inboxes.retrieve("inb_missing")
    except NotFoundError as exc:
        subjects.append(exc.code or "")
    return [*subjects, created.isoformat(), thread.subject, raw.parse().address, event.id]


async def async_usage(client: AsyncMailman) -> list[str]:
    inbox = await client.inboxes.create(name="Support")
    addresses = [i.address async for i in client.inboxes.list()]
    first = await client.inboxes.list(limit=1)
    return [inbox.id, *addresses, *(i.id for i in first.data)]


def stream_usage(client: Mailman) -> list[str]:
    subjects = []
    for event in client.events.stream(types=["message.received"], inbox_ids=["inb_x"], last_event_id="evt_x"):
        if isinstance(event, MessageReceivedEvent):
            subjects.append(event.data.message.subject or "")
            break
    return subjects


async def async_stream_usage(client: AsyncMailman) -> list[str]:
    return [event.id async for event in client.events.stream(types=["message.sent"])]
