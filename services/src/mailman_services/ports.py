"""The ports: what handlers need from the outside world, as Protocols. Adapters implement them."""

from __future__ import annotations

from typing import Literal, Protocol, TypedDict

QueueName = Literal["inbound", "outbound", "telemetry", "webhooks"]


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


class BlobStore(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes | None: ...

    async def download_url(self, key: str, filename: str | None, content_type: str) -> str | None:
        """A short-lived URL the client can fetch the blob from, or None to stream it through the API."""
        ...


class DomainAuthority(Protocol):
    """Knows which DNS records a sending/receiving domain needs and whether they are in place."""

    async def records(self, name: str, verification_token: str) -> list[DnsRecord]: ...

    async def check(self, name: str, records: list[DnsRecord]) -> list[DnsRecord]: ...
