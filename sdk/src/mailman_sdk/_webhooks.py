"""Verifying Standard Webhooks signatures and reading the event they carry.

A delivery has the headers ``webhook-id``, ``webhook-timestamp`` (unix seconds) and
``webhook-signature`` (space-separated ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``),
signed with the endpoint's ``whsec_<base64 key>`` secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._exceptions import WebhookVerificationError

if TYPE_CHECKING:
    from .types import Event

__all__ = ["WebhookHelpers", "verify_signature"]

DEFAULT_TOLERANCE = 300  # seconds either side of now


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    raise WebhookVerificationError(f"missing {name} header")


def _key(secret: str) -> bytes:
    encoded = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError("the secret is not 'whsec_' followed by base64") from None


def verify_signature(
    payload: str | bytes,
    headers: Mapping[str, str],
    secret: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> None:
    """Raise :class:`WebhookVerificationError` unless one of the signatures matches and the timestamp is fresh."""
    body = payload.decode() if isinstance(payload, bytes) else payload
    msg_id = _header(headers, "webhook-id")
    timestamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a unix timestamp") from None
    current = time.time() if now is None else now
    if sent_at < current - tolerance:
        raise WebhookVerificationError("the webhook is too old (webhook-timestamp)")
    if sent_at > current + tolerance:
        raise WebhookVerificationError("the webhook is from the future (webhook-timestamp)")
    digest = hmac.new(_key(secret), f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    expected = base64.b64encode(digest)
    for signature in signatures.split():
        version, _, value = signature.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected):
            return
    raise WebhookVerificationError("no signature matches: wrong secret, or the body was changed")


class WebhookHelpers:
    """``verify`` and ``unwrap`` on ``client.webhooks`` (no request is made)."""

    def verify(
        self, payload: str | bytes, headers: Mapping[str, str], *, secret: str, tolerance: int = DEFAULT_TOLERANCE
    ) -> None:
        """Check a delivery's signature; raises WebhookVerificationError when it does not check out."""
        verify_signature(payload, headers, secret, tolerance=tolerance)

    def unwrap(
        self, payload: str | bytes, headers: Mapping[str, str], *, secret: str, tolerance: int = DEFAULT_TOLERANCE
    ) -> Event:
        """Verify a delivery and return its event, typed by its ``type``."""
        verify_signature(payload, headers, secret, tolerance=tolerance)
        event: Event = parse_event(payload)
        return event


def parse_event(payload: str | bytes) -> Any:
    import pydantic

    from .types import Event

    adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(Event)
    try:
        return adapter.validate_json(payload)
    except pydantic.ValidationError as exc:
        raise WebhookVerificationError(f"the verified body is not a Mailman event: {exc}") from exc
