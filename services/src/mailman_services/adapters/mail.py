"""MailTransports of the local backend: an SMTP relay, or capture (nothing leaves the machine)."""

from __future__ import annotations

import smtplib
import ssl

import anyio

from ..config import SmtpRelay
from ..ports import Delivery, SendResult, TemporaryFailure


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
