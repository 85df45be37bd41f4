"""BlobStore on the local file system, under the data dir."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import anyio

from ..ports import LOCAL_BUCKET

# Small files are read and written in the event loop: from the page cache that takes microseconds, less
# than handing the call to a thread (and taking the interpreter back from it).
INLINE_BYTES = 256 * 1024


class FileBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        # normpath, not resolve(): no system call per path component, and ``..`` is still caught.
        path = os.path.normpath(os.path.join(self.root, key))
        if not path.startswith(f"{self.root}{os.sep}"):
            raise ValueError(f"blob key escapes the store: {key!r}")
        return Path(path)

    def write(self, key: str, data: bytes) -> None:
        """``put`` without the event loop (the SMTP listener's parser processes write with it)."""
        # Written aside and renamed into place: a reader never sees half a file. The folder is made when missing,
        # not checked before every write.
        path = self._path(key)
        tmp = f"{path}.{uuid.uuid4().hex}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _read(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        if len(data) <= INLINE_BYTES:
            self.write(key, data)
        else:
            await anyio.to_thread.run_sync(self.write, key, data)

    async def get(self, key: str, bucket: str | None = None) -> bytes | None:
        if bucket not in (None, LOCAL_BUCKET):
            raise ValueError(f"blob bucket {bucket!r} is not in the local store")
        try:
            small = os.stat(self._path(key)).st_size <= INLINE_BYTES
        except FileNotFoundError:
            return None
        return self._read(key) if small else await anyio.to_thread.run_sync(self._read, key)

    async def download_url(self, key: str, filename: str | None, content_type: str) -> str | None:
        return None

    async def delete(self, key: str, bucket: str | None = None) -> None:
        if bucket not in (None, LOCAL_BUCKET):
            raise ValueError(f"blob bucket {bucket!r} is not in the local store")
        self._path(key).unlink(missing_ok=True)
