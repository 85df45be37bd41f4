"""MailTransports of the local backend: an SMTP relay, or capture (nothing leaves the machine); in front of
either, delivery to the backend's own inboxes."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Awaitable, Callable

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from ..config import SmtpRelay
from ..db.engine import autocommit
from ..db.schema import inboxes
from ..domain.addresses import base_address
from ..ports import Delivery, MailTransport, SendResult, TemporaryFailure

# Queues raw mail for the inbound worker as received mail: (raw, sender, recipients, SES-style message id).
Receive = Callable[[bytes, str, list[str], str], Awaitable[object]]


class LocalInboxTransport:
    """Mail for an inbox here goes through the inbound queue, as received mail does; the rest goes ``onward``."""

    def __init__(self, engine: AsyncEngine, receive: Receive, onward: MailTransport) -> None:
        self.engine = engine
        self.receive = receive
        self.onward = onward

    async def send(self, sender: str, recipients: list[str], raw: bytes) -> SendResult:
        here = await self._inboxes_among(recipients)
        local = [r for r in recipients if base_address(r) in here]
        remote = [r for r in recipients if r not in local]
        result = await self.onward.send(sender, remote, raw) if remote else SendResult(None, [])
        if not local:
            return result
        # Named by its bytes: an outbound job handled again sends the same bytes, and they are stored once.
        await self.receive(raw, sender, local, hashlib.sha256(raw).hexdigest()[:32])
        delivered = Delivery("delivered", local, "250 delivered to a local inbox")
        return SendResult(result.provider_message_id, [delivered, *result.deliveries])

    async def _inboxes_among(self, recipients: list[str]) -> set[str]:
        addresses = [base_address(r) for r in recipients]
        async with autocommit(self.engine) as conn:
            return set(
                (await conn.execute(select(inboxes.c.address).where(inboxes.c.address.in_(addresses)))).scalars()
            )


class CaptureTransport:
    """No relay configured: mail is kept here and counts as delivered, so the whole flow shows offline."""

    async def send(self, sender: str, recipients: list[str], raw: bytes) -> SendResult:
        return SendResult(None, [Delivery("delivered", list(recipients), "250 captured locally")])


class RelayTransport:
    """Hands mail to ``MAILMAN_SMTP_RELAY``; its answers drive delivered (2xx), bounced (5xx), retry (4xx)."""

    def __init__(self, relay: SmtpRelay, timeout: float = 30.0) -> None:
        self.relay = relay
        self.timeout = timeout

    def _send(self, sender: str, recipients: list[str], raw: bytes) -> SendResult:
        try:
            with smtplib.SMTP(self.relay.host, self.relay.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self.relay.username:
                    smtp.login(self.relay.username, self.relay.password or "")
                refused = smtp.sendmail(sender, recipients, raw)
        except smtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients
        except smtplib.SMTPResponseException as exc:
            text = f"{exc.smtp_code} {_text(exc.smtp_error)}"
            if 400 <= exc.smtp_code < 500:
                raise TemporaryFailure(text) from exc
            return SendResult(None, [Delivery("bounced", list(recipients), text, _bounce(text))])
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"relay {self.relay.host}:{self.relay.port} unreachable: {exc}") from exc
        deliveries = []
        temporary = {r: v for r, v in refused.items() if 400 <= v[0] < 500}
        if temporary:
            raise TemporaryFailure("; ".join(f"{r}: {v[0]} {_text(v[1])}" for r, v in temporary.items()))
        accepted = [r for r in recipients if r not in refused]
        if accepted:
            deliveries.append(Delivery("delivered", accepted, f"250 accepted by {self.relay.host}"))
        for recipient, (status, message) in refused.items():
            text = f"{status} {_text(message)}"
            deliveries.append(Delivery("bounced", [recipient], text, _bounce(text)))
        return SendResult(None, deliveries)

    async def send(self, sender: str, recipients: list[str], raw: bytes) -> SendResult:
        return await anyio.to_thread.run_sync(self._send, sender, recipients, raw)


def _text(answer: bytes | str) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else answer


def _bounce(text: str) -> dict[str, str | None]:
    return {"type": "permanent", "sub_type": "General", "diagnostic": text}
