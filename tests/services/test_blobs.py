"""The local blob store: files under the data dir, and nothing outside it."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from mailman_services.adapters.files import FileBlobStore


def test_blobs_round_trip_and_keys_cannot_escape_the_store(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path / "blobs")

    async def scenario() -> None:
        await store.put("raw/inbound/a.eml", b"hello", "message/rfc822")
        assert await store.get("raw/inbound/a.eml") == b"hello"
        assert await store.get("raw/inbound/missing.eml") is None
        for key in ("../outside", "raw/../../outside", "/etc/passwd"):
            with pytest.raises(ValueError, match="escapes the store"):
                await store.put(key, b"x", "text/plain")

    anyio.run(scenario)
    assert not (tmp_path / "outside").exists()
