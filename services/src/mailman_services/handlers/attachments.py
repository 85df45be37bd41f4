"""Attachment storage: the bytes of sent and received attachments in the blob store, addressed by their SHA-256."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Protocol

from ..domain.ids import new_id
from ..ports import BlobStore, Write


def attachment_key(sha256: str) -> str:
    return f"attachments/{sha256[:2]}/{sha256}"


class Part(Protocol):
    """An attachment to store: a part being sent, or one parsed from received mail."""

    @property
    def filename(self) -> str | None: ...
    @property
    def content_type(self) -> str: ...
    @property
    def data(self) -> bytes: ...
    @property
    def content_id(self) -> str | None: ...
    @property
    def inline(self) -> bool: ...


async def store_attachments(blobs: BlobStore, parts: Sequence[Part]) -> list[dict[str, Any]]:
    """Store each part's bytes under their SHA-256 (once, however often they occur) and describe them."""
    described = []
    for part in parts:
        digest = hashlib.sha256(part.data).hexdigest()
        await blobs.put(attachment_key(digest), part.data, part.content_type)
        described.append(_described(part, digest))
    return described


def write_attachments(write: Write, parts: Sequence[Part]) -> list[dict[str, Any]]:
    """``store_attachments`` with a blob store's synchronous write (``FileBlobStore.write_once``: the keys are
    content-addressed)."""
    described = []
    for part in parts:
        digest = hashlib.sha256(part.data).hexdigest()
        write(attachment_key(digest), part.data)
        described.append(_described(part, digest))
    return described


def _described(part: Part, digest: str) -> dict[str, Any]:
    return {
        "id": new_id("att"),
        "filename": part.filename,
        "content_type": part.content_type,
        "size": len(part.data),
        "content_id": part.content_id,
        "inline": part.inline,
        "sha256": digest,
    }
