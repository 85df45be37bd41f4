"""The only place that picks adapters (local or aws) and wires them into the handlers' dependencies."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from .config import Settings
from .db.engine import create_engine
from .db.reads import FastReads
from .ports import BlobStore, DomainAuthority, MailTransport, Queue


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    queue: Queue
    blobs: BlobStore
    domains: DomainAuthority
    transport: MailTransport
    fast: FastReads

    async def aclose(self) -> None:
        await self.queue.aclose()
        await self.fast.aclose()
        await self.engine.dispose()


def build(settings: Settings, database_url: str) -> Services:
    engine = create_engine(database_url)
    if settings.backend == "aws":
        from .adapters.aws import S3BlobStore, SesDomainAuthority, SesTransport, SqsQueue

        return Services(
            settings=settings,
            engine=engine,
            queue=SqsQueue(
                settings.queue_urls,
                visibility_scale=settings.queue_visibility_scale,
                max_wait_seconds=settings.queue_wait_seconds,
            ),
            blobs=S3BlobStore(settings.raw_bucket or "", settings.attachments_bucket or ""),
            domains=SesDomainAuthority(settings.dns_resolver),
            transport=SesTransport(settings.ses_configuration_set),
            fast=FastReads(database_url),
        )
    from .adapters.dns import DnsDomainAuthority
    from .adapters.files import FileBlobStore
    from .adapters.mail import CaptureTransport, RelayTransport
    from .adapters.pgqueue import PgQueue

    return Services(
        settings=settings,
        engine=engine,
        queue=PgQueue(
            engine,
            visibility_scale=settings.queue_visibility_scale,
            max_wait_seconds=settings.queue_wait_seconds,
        ),
        blobs=FileBlobStore(settings.data_dir / "blobs"),
        domains=DnsDomainAuthority(settings.smtp_hostname, settings.dns_resolver),
        transport=RelayTransport(settings.smtp_relay) if settings.smtp_relay else CaptureTransport(),
        fast=FastReads(database_url),
    )
