"""The local backend's SMTP ingress (aiosmtpd): accept mail for known inboxes, queue it like SES would.

Unknown recipients are refused at RCPT TO (550 5.1.1), mail over 40 MB at DATA (552). Accepted mail is
written to the blob store and announced on the inbound queue as an SES ``Received`` notification inside
an SNS envelope, so the worker handles it exactly as it handles mail received by SES.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.ext.asyncio import AsyncEngine

from .domain.addresses import base_address
from .handlers.inbound import Inboxes, queue_received
from .ports import BlobStore, Queue

log = logging.getLogger("mailman.smtp")

MAX_MESSAGE_BYTES = 40 * 1024 * 1024


class LenientSMTP(SMTP):
    # RFC 5321 caps lines at 1,000 bytes, but real senders exceed it; refusing would lose their mail.
    line_length_limit = 1024 * 1024


class IngressHandler:
    def __init__(self, engine: AsyncEngine, blobs: BlobStore, queue: Queue) -> None:
        self.blobs = blobs
        self.queue = queue
        self.inboxes = Inboxes(engine)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        target = base_address(address)
        if target not in await self.inboxes.find([target]):
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            message_id = await queue_received(
                self.blobs, self.queue, raw, envelope.mail_from or "", list(envelope.rcpt_tos)
            )
        except Exception:
            log.exception("could not queue a message")
            return "451 4.3.0 Could not store the message; try again later"
        log.info("accepted", extra={"bytes": len(raw), "recipients": len(envelope.rcpt_tos), "id": message_id})
        return "250 2.0.0 Message accepted for delivery"


async def start_smtp(
    engine: AsyncEngine, blobs: BlobStore, queue: Queue, host: str, port: int, hostname: str
) -> asyncio.Server:
    """Listen for SMTP on ``host:port`` in the running event loop."""
    handler = IngressHandler(engine, blobs, queue)

    def factory() -> Any:
        return LenientSMTP(
            handler,
            hostname=hostname,
            data_size_limit=MAX_MESSAGE_BYTES,
            enable_SMTPUTF8=True,
            decode_data=False,
        )

    loop = asyncio.get_running_loop()
    return await loop.create_server(factory, host=host, port=port)
