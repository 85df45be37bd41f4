"""The only place that picks adapters (local or aws) and wires them into the handlers' dependencies."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from .config import Settings
from .db.engine import Database, create_engine
from .db.reads import FastReads
from .ports import BlobStore, DomainAuthority, MailTransport, Queue

if TYPE_CHECKING:
    from aiohttp.abc import AbstractResolver


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    queue: Queue
    # Made by the worker, in its event loop (an aiohttp resolver needs one); None: aiohttp's own.
    webhook_resolver: Callable[[], AbstractResolver] | None
    blobs: BlobStore
    blob_root: Path | None  # the folder of ``blobs`` when it is the file blob store (the local backend)
    domains: DomainAuthority
    transport: MailTransport
    database: Database

    async def aclose(self) -> None:
        await self.queue.aclose()
        await self.database.aclose()


def build(settings: Settings, database_url: str) -> Services:
    engine = create_engine(database_url)
    if settings.backend == "aws":
        from .adapters.aws import S3BlobStore, SesDomainAuthority, SesTransport, SqsQueue
        from .adapters.public_resolver import PublicResolver

        return Services(
            settings=settings,
            engine=engine,
            queue=SqsQueue(
                settings.queue_urls,
                visibility_scale=settings.queue_visibility_scale,
                max_wait_seconds=settings.queue_wait_seconds,
            ),
            webhook_resolver=PublicResolver if settings.webhooks_public_only else None,
            blobs=S3BlobStore(settings.raw_bucket or "", settings.attachments_bucket or ""),
            blob_root=None,
            domains=SesDomainAuthority(settings.dns_resolver),
            transport=SesTransport(settings.ses_configuration_set),
            database=Database(engine, FastReads(database_url)),
        )
    from .adapters.dns import DnsDomainAuthority
    from .adapters.files import FileBlobStore
    from .adapters.mail import CaptureTransport, LocalInboxTransport, RelayTransport
    from .adapters.pgqueue import PgQueue
    from .handlers.inbound import queue_received

    queue = PgQueue(
        engine, visibility_scale=settings.queue_visibility_scale, max_wait_seconds=settings.queue_wait_seconds
    )
    blobs = FileBlobStore(settings.data_dir / "blobs")
    onward = RelayTransport(settings.smtp_relay) if settings.smtp_relay else CaptureTransport()
    return Services(
        settings=settings,
        engine=engine,
        queue=queue,
        webhook_resolver=None,
        blobs=blobs,
        blob_root=blobs.root,
        domains=DnsDomainAuthority(settings.smtp_hostname, settings.dns_resolver),
        # Mail between inboxes here never leaves the machine, relay or not.
        transport=LocalInboxTransport(engine, functools.partial(queue_received, blobs, queue), onward),
        database=Database(engine, FastReads(database_url)),
    )
