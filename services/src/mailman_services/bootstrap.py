"""The only place that picks adapters (local or aws) and wires them into the handlers' dependencies."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from .adapters.database import create_engine
from .config import Settings
from .ports import BlobStore, DomainAuthority, Queue


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    queue: Queue
    blobs: BlobStore
    domains: DomainAuthority

    async def aclose(self) -> None:
        await self.engine.dispose()


def build(settings: Settings, database_url: str) -> Services:
    engine = create_engine(database_url)
    if settings.backend == "aws":
        from .adapters.aws import S3BlobStore, SesDomainAuthority, SqsQueue

        return Services(
            settings=settings,
            engine=engine,
            queue=SqsQueue(settings.queue_urls),
            blobs=S3BlobStore(settings.raw_bucket or "", settings.attachments_bucket or ""),
            domains=SesDomainAuthority(settings.ses_configuration_set),
        )
    from .adapters.dns import DnsDomainAuthority
    from .adapters.files import FileBlobStore
    from .adapters.pgqueue import PgQueue

    return Services(
        settings=settings,
        engine=engine,
        queue=PgQueue(engine),
        blobs=FileBlobStore(settings.data_dir / "blobs"),
        domains=DnsDomainAuthority(settings.smtp_hostname, settings.dns_resolver),
    )
