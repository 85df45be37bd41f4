"""Prefixed, time-sortable ids: ``inb_`` + 26 lowercase Crockford base32 characters (a ULID).

The first 10 characters are the millisecond timestamp, so sorting ids sorts by creation time; within
one millisecond the random part is incremented, so ids made by one process are strictly increasing.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
PREFIXES = frozenset({"dom", "inb", "msg", "thr", "att", "whk", "dlv", "evt", "key", "drf"})

_lock = threading.Lock()
_last_ms = 0
_last_random = 0


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """A new id such as ``msg_01jd8x4m6k3q9v2r7t5w0y1z3a``."""
    global _last_ms, _last_random
    assert prefix in PREFIXES, prefix
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms <= _last_ms:
            now_ms = _last_ms
            _last_random += 1
        else:
            _last_random = int.from_bytes(os.urandom(10), "big") >> 1
        _last_ms = now_ms
        return f"{prefix}_{_encode(now_ms, 10)}{_encode(_last_random & ((1 << 80) - 1), 16)}"


def derived_id(prefix: str, source_id: str, *parts: str) -> str:
    """The same id every time for the same inputs: ``source_id``'s time, and a random part hashed from ``parts``.

    For rows a retried transaction must recreate under the id it used before (a webhook delivery of an event).
    """
    assert prefix in PREFIXES, prefix
    time_part = source_id.partition("_")[2][:10]
    digest = int.from_bytes(hashlib.sha256("\x00".join(parts).encode()).digest()[:10], "big")
    return f"{prefix}_{time_part}{_encode(digest, 16)}"
