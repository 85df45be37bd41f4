"""The ports: what handlers need from the outside world, as Protocols. Adapters implement them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, TypedDict, runtime_checkable

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

QueueName = Literal["inbound", "outbound", "telemetry", "webhooks"]


@dataclass(frozen=True)
class QueueSpec:
    """How a queue behaves (docs/architecture.md#queues): both adapters honour the same settings."""

    name: QueueName
    visibility_timeout: int  # seconds a received message stays hidden before it is delivered again
    max_receives: int  # receives before the message moves to the queue's dead-letter queue
    wait_seconds: int  # long polling: how long an empty receive waits for a message (0 = short polling)
    fifo: bool = False  # ordered per message group, deduplicated by deduplication id for 5 minutes


QUEUES: dict[QueueName, QueueSpec] = {
    "inbound": QueueSpec("inbound", visibility_timeout=60, max_receives=5, wait_seconds=0),
    "outbound": QueueSpec("outbound", visibility_timeout=300, max_receives=3, wait_seconds=20),
    "telemetry": QueueSpec("telemetry", visibility_timeout=60, max_receives=10, wait_seconds=0),
    "webhooks": QueueSpec("webhooks", visibility_timeout=60, max_receives=7, wait_seconds=20, fifo=True),
}


@dataclass(frozen=True)
class QueueMessage:
    """One received message; ``receipt`` deletes it or changes its visibility (valid for this receive only)."""

    body: str
    receipt: str
    receive_count: int
    group_id: str | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    """One message of a batch send (see ``Queue.send`` for the fields)."""

    body: str
    group_id: str | None = None
    deduplication_id: str | None = None
    delay_seconds: int = 0


RecordStatus = Literal["missing", "valid", "invalid"]


class DnsRecord(TypedDict):
    type: Literal["MX", "TXT", "CNAME"]
    name: str
    value: str
    priority: int | None
    status: RecordStatus


class Queue(Protocol):
    async def send(
        self,
        queue: QueueName,
        body: str,
        *,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        delay_seconds: int = 0,
    ) -> None: ...

    async def send_batch(self, queue: QueueName, messages: Sequence[OutgoingMessage]) -> None:
        """Send several messages in as few calls as the backend allows (all or, on error, raise)."""
        ...

    async def receive(self, queue: QueueName, *, max_messages: int = 10, wait_seconds: float = 0) -> list[QueueMessage]:
        """Up to ``max_messages`` visible messages, waiting up to ``wait_seconds`` when there are none."""
        ...

    async def delete(self, queue: QueueName, receipt: str) -> None: ...

    async def delete_batch(self, queue: QueueName, receipts: Sequence[str]) -> None: ...

    async def change_visibility(self, queue: QueueName, receipt: str, timeout_seconds: int) -> None:
        """Hide the received message for ``timeout_seconds`` more (0 makes it visible again now)."""
        ...

    async def dead_letter(self, queue: QueueName, received: QueueMessage) -> bool:
        """Move a received message that can never be handled to the queue's dead-letter queue now, rather than
        after its max receives; False when it was not moved (the queue has none): it stays, to be retried."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class TransactionalQueue(Queue, Protocol):
    """A queue kept in the application's database: a send can be part of the caller's transaction."""

    async def send_in(self, conn: AsyncConnection, queue: QueueName, messages: Sequence[OutgoingMessage]) -> None:
        """Sent when ``conn``'s transaction commits, and not at all if it rolls back."""
        ...


LOCAL_BUCKET = "local"  # the bucket the local backend's receipts name: its one blob store


Write = Callable[[str, bytes], None]  # a blob store's synchronous write (the file store's ``write``)


class LocalBlobs(Protocol):
    """The file blob store without the event loop, as the SMTP listener's parser processes write with it."""

    def write_once(self, key: str, data: bytes) -> None:
        """``write`` unless ``key`` holds a blob already (content-addressed keys)."""
        ...

    def pack(self, key: str, data: bytes) -> str:
        """Keep a raw message, perhaps packed with others; the key it can be read and deleted by."""
        ...

    def remove(self, key: str) -> None: ...


class BlobStore(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str, bucket: str | None = None) -> bytes | None:
        """The blob at ``key`` in ``bucket``, where an SES receipt rule put it; None: where ``put`` puts it."""
        ...

    async def download_url(self, key: str, filename: str | None, content_type: str) -> str | None:
        """A short-lived URL the client can fetch the blob from, or None to stream it through the API."""
        ...

    async def delete(self, key: str, bucket: str | None = None) -> None:
        """Delete the blob at ``key`` (in ``bucket``, as for ``get``); a blob already gone is no error."""
        ...


class TemporaryFailure(Exception):
    """The transport could not send now (throttled, 4xx): retry later through the queue."""


class PoisonMessage(Exception):
    """A job that can never be processed (malformed JSON, raw mail missing): the worker dead-letters it."""


@dataclass(frozen=True)
class Delivery:
    """What became of some recipients, when the transport knows at once."""

    outcome: Literal["delivered", "bounced", "failed"]
    recipients: list[str]
    smtp_response: str | None
    bounce: dict[str, str | None] | None = None


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str | None
    deliveries: list[Delivery]


class MailTransport(Protocol):
    async def send(self, sender: str, recipients: list[str], raw: bytes) -> SendResult:
        """Send ``raw`` to ``recipients``; raises TemporaryFailure when it may work later."""
        ...


class DomainAuthority(Protocol):
    """Knows which DNS records a sending/receiving domain needs and whether they are in place."""

    async def records(self, name: str, verification_token: str) -> list[DnsRecord]: ...

    async def check(self, name: str, records: list[DnsRecord]) -> list[DnsRecord]: ...
