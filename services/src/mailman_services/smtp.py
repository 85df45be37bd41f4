"""The local backend's SMTP ingress (aiosmtpd): accept mail for known inboxes, queue it like SES would.

Unknown recipients are refused at RCPT TO (550 5.1.1), mail over 40 MB at DATA (552). Accepted mail is
written to the blob store and announced on the inbound queue as an SES ``Received`` notification inside
an SNS envelope, so the worker handles it exactly as it handles mail received by SES.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from .adapters.tables import inboxes
from .handlers.inbound import base_address, queue_received
from .ports import BlobStore, Queue

log = logging.getLogger("mailman.smtp")

MAX_MESSAGE_BYTES = 40 * 1024 * 1024
KNOWN_FOR = 2.0  # seconds an address found to be an inbox is taken as one without asking again


class LenientSMTP(SMTP):
    # RFC 5321 caps lines at 1,000 bytes, but real senders exceed it; refusing would lose their mail.
    line_length_limit = 1024 * 1024


class IngressHandler:
    def __init__(self, engine: AsyncEngine, blobs: BlobStore, queue: Queue) -> None:
        self.engine = engine
        self.blobs = blobs
        self.queue = queue
        self._known: dict[str, float] = {}  # address -> when it was last found to be an inbox

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        target = base_address(address)
        if not await self._is_inbox(target):
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def _is_inbox(self, address: str) -> bool:
        """Whether ``address`` is an inbox; a yes is remembered for a moment, a no never (a new inbox works at once).

        An inbox deleted in that moment may still be offered mail: the worker then finds no inbox and drops it.
        """
        now = time.monotonic()
        if now - self._known.get(address, -KNOWN_FOR) < KNOWN_FOR:
            return True
        async with self.engine.connect() as conn:
            found = await conn.scalar(select(inboxes.c.id).where(inboxes.c.address == address))
        if found is None:
            self._known.pop(address, None)
            return False
        if len(self._known) > 10_000:
            self._known.clear()
        self._known[address] = now
        return True

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
