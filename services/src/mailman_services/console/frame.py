"""A message's HTML as the document of the console's sandboxed frame.

The frame (``sandbox`` without scripts, forms, popups or same-origin) gets this document with a policy that
allows nothing but inline styles and ``data:`` images: ``cid:`` references are rewritten to ``data:`` URLs of
the message's own inline parts, and remote images stay blocked (no request leaves the page) until the reader
asks for them.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping

CID = re.compile(r"""cid:([^"'\s)>]+)""", re.IGNORECASE)
MAX_INLINE_IMAGE = 5 * 1024 * 1024  # bigger parts stay links: the frame's document is held in memory whole


def policy(remote_images: bool) -> str:
    images = "data: https: http:" if remote_images else "data:"
    return (
        # sandbox: opened by itself, outside the console's sandboxed frame, the mail is just as confined.
        f"sandbox; default-src 'none'; img-src {images}; style-src 'unsafe-inline'; font-src data:;"
        " base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
    )


def with_inline_images(html: str, images: Mapping[str, tuple[str, bytes]]) -> str:
    """``html`` with each ``cid:`` naming one of ``images`` (content id → type and bytes) as a ``data:`` URL."""

    def replace(match: re.Match[str]) -> str:
        found = images.get(match.group(1).strip("<>").lower())
        if found is None:
            return match.group(0)
        content_type, data = found
        return f"data:{content_type};base64,{base64.b64encode(data).decode()}"

    return CID.sub(replace, html)


def document(html: str) -> str:
    """The frame's document: the message's HTML after a base style (the frame is white, like a mail client's)."""
    style = "<style>html{background:#fff;color:#111;font-family:sans-serif}</style>"
    return "<!doctype html><meta charset=utf-8>" + style + html
