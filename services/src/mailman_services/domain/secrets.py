"""API keys, webhook secrets, token hashing, and sealing what only a caller's secret may open."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets

API_KEY_PREFIX = "mm_"
WEBHOOK_SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
_WHSEC_RE = re.compile(r"^whsec_[A-Za-z0-9+/]+={0,2}$")


def new_api_key() -> str:
    """``mm_`` followed by 43 url-safe random characters (32 random bytes)."""
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def new_webhook_secret() -> str:
    return WEBHOOK_SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def webhook_secret_error(secret: str) -> str | None:
    """Why a client-supplied webhook secret is unacceptable, or None when it is fine."""
    if not _WHSEC_RE.match(secret):
        return "must be 'whsec_' followed by base64"
    try:
        raw = base64.b64decode(secret[len(WEBHOOK_SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return "must be 'whsec_' followed by valid base64"
    if not 24 <= len(raw) <= 64:
        return "must encode between 24 and 64 random bytes"
    return None


def derived_key(secret: str, purpose: str, context: str) -> bytes:
    """32 bytes only the holder of ``secret`` can compute, one per ``purpose`` and ``context``."""
    return hmac.new(secret.encode(), f"{purpose}\0{context}".encode(), hashlib.sha256).digest()


def seal(key: bytes, data: bytes, associated: bytes) -> bytes:
    """``data`` encrypted and authenticated with AES-256-GCM under ``key`` (the nonce leads the result)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(key).encrypt(nonce, data, associated)


def unseal(key: bytes, sealed: bytes, associated: bytes) -> bytes | None:
    """What ``seal`` encrypted, or None when ``key`` or ``associated`` is not the one it was sealed with."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(key).decrypt(sealed[:12], sealed[12:], associated)
    except (InvalidTag, ValueError):
        return None
