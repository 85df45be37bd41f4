"""Opaque list cursors: the sort key of the last item of a page, base64url-encoded JSON."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from .errors import invalid


def encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError):
        raise invalid("cursor", "is not a cursor returned by this list") from None
    if not isinstance(key, list) or len(key) != arity or not all(_storable(part) for part in key):
        raise invalid("cursor", "is not a cursor returned by this list")
    return key


def _storable(part: object) -> bool:
    """A string PostgreSQL can compare with: a forged cursor may hold NUL or a lone surrogate."""
    if not isinstance(part, str) or "\x00" in part:
        return False
    try:
        part.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
