"""BlobStore on the local file system, under the data dir.

Every blob is a file of its own, except the raw messages the SMTP listener's parser processes keep (``pack``): on
Linux those go into *packs*, files of many messages one after the other, since creating a file costs more than
parsing a message on some file systems (ext4 without a journal looks through the inodes freed in the last minutes
for each new one). A packed message's key says where it is, ``raw/packs/<name>.pack@<offset>+<length>``, and is
what the message row holds; ``get`` reads it back and ``delete`` punches its blocks out of the pack
(``fallocate(PUNCH_HOLE)``: the bytes are gone and the space is freed at once). Each message starts on a block
boundary, so that punching one frees all its blocks and nothing of its neighbours'. A pack takes messages until it
is ``PACK_BYTES`` long, from one process only, which holds an exclusive ``flock`` on it meanwhile (the kernel lets
go of it when that process ends, even by SIGKILL); the pack file goes when it holds no data any more and nobody
writes to it. Where holes cannot be punched (another system, a file system without it) messages are files of
their own, as every other blob.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import re
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import anyio

from ..ports import LOCAL_BUCKET

# Small files are read and written in the event loop: from the page cache that takes microseconds, less
# than handing the call to a thread (and taking the interpreter back from it).
INLINE_BYTES = 256 * 1024

PACKS = "raw/packs"
PACKED_BYTES = 1024 * 1024  # a raw message up to this size is packed; a larger one is a file of its own
PACK_BYTES = 64 * 1024 * 1024  # a pack takes no more messages once it is this long
_PACKED = re.compile(r"(raw/packs/[0-9a-f]{32}\.pack)@([0-9]+)\+([0-9]+)")

_FALLOC_FL_KEEP_SIZE, _FALLOC_FL_PUNCH_HOLE = 1, 2
_NO_HOLES = (errno.EOPNOTSUPP, errno.ENOSYS)  # what fallocate says where holes cannot be punched


def _fallocate() -> Any:
    if sys.platform != "linux":
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).fallocate
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    function.restype = ctypes.c_int
    return function


_FALLOCATE = _fallocate()


def _punch(fd: int, offset: int, length: int) -> None:
    """Free ``length`` bytes of the file at ``offset`` (reads of them give zeros), or OSError."""
    if _FALLOCATE is None:
        raise OSError(errno.EOPNOTSUPP, "punching holes needs Linux's fallocate")
    if _FALLOCATE(fd, _FALLOC_FL_PUNCH_HOLE | _FALLOC_FL_KEEP_SIZE, offset, length) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def _next_data(fd: int, offset: int) -> int | None:
    """Where the file's first data at or after ``offset`` is; None: holes from there to the end."""
    try:
        return os.lseek(fd, offset, os.SEEK_DATA)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            return None
        raise


def _create(path: str, flags: int) -> int:
    """A new file (``O_CREAT | O_EXCL``), its folder made when missing rather than checked before every file."""
    try:
        return os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o600)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o600)


def _aligned(offset: int, block: int) -> int:
    return -(-offset // block) * block


class _Pack:
    """The pack this process is writing to (see the module's docstring)."""

    def __init__(self, root: str) -> None:
        self.name = f"{PACKS}/{uuid.uuid4().hex}.pack"
        path = os.path.join(root, self.name)
        self.fd = _create(path, os.O_RDWR)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            self.block = os.fstat(self.fd).st_blksize
            _punch(self.fd, 0, self.block)  # OSError where holes cannot be punched: then nothing is packed
        except BaseException:
            os.close(self.fd)
            os.unlink(path)
            raise
        self.end = 0

    def append(self, data: bytes) -> str:
        """Write ``data`` at the next block boundary; its key."""
        offset = self.end
        view = memoryview(data)
        while view:
            written = os.pwrite(self.fd, view, offset + len(data) - len(view))
            view = view[written:]
        self.end = _aligned(offset + len(data), self.block)
        return f"{self.name}@{offset}+{len(data)}"

    def close(self) -> None:
        os.close(self.fd)  # and with it the lock: a reader may now remove the pack once it is empty


class FileBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._pack: _Pack | None = None
        self._packs = _FALLOCATE is not None  # until a pack could not be made
        self._packing = threading.Lock()

    def _path(self, key: str) -> Path:
        # normpath, not resolve(): no system call per path component, and ``..`` is still caught.
        path = os.path.normpath(os.path.join(self.root, key))
        if not path.startswith(f"{self.root}{os.sep}"):
            raise ValueError(f"blob key escapes the store: {key!r}")
        return Path(path)

    def write(self, key: str, data: bytes) -> None:
        """``put`` without the event loop (the SMTP listener's parser processes write with it)."""
        # Written aside and renamed into place: a reader never sees half a file.
        path = self._path(key)
        tmp = f"{path}.{uuid.uuid4().hex}.tmp"
        fd = _create(tmp, os.O_WRONLY)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def write_once(self, key: str, data: bytes) -> None:
        """``write``, unless ``key`` holds a blob already: for content-addressed keys (attachments), whose bytes
        cannot differ. Rewriting would free the old file's inode for a new one, which costs this file system
        most (see the module's docstring)."""
        if not os.path.exists(self._path(key)):
            self.write(key, data)

    def pack(self, key: str, data: bytes) -> str:
        """``write`` a raw message, into this process's pack where it can (see the module's docstring); the key it
        is kept under (``key`` when it is a file of its own)."""
        if len(data) <= PACKED_BYTES and self._packs:
            with self._packing:
                try:
                    if self._pack is None:
                        self._pack = _Pack(str(self.root))
                except OSError as exc:
                    if exc.errno not in _NO_HOLES:
                        raise
                    self._packs = False  # no holes here: files it is
                else:
                    packed = self._pack.append(data)
                    if self._pack.end >= PACK_BYTES:
                        self.close()
                    return packed
        self.write(key, data)
        return key

    def close(self) -> None:
        """Stop writing to this process's pack (the next ``pack`` starts another)."""
        if self._pack is not None:
            self._pack.close()
            self._pack = None

    def _read(self, key: str) -> bytes | None:
        try:
            if packed := _PACKED.fullmatch(key):
                return self._unpacked(self._path(packed[1]), int(packed[2]), int(packed[3]))
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    @staticmethod
    def _unpacked(path: Path, offset: int, length: int) -> bytes | None:
        fd = os.open(path, os.O_RDONLY)
        try:
            if length and _next_data(fd, offset) != offset:
                return None  # its first block is a hole: deleted
            data = os.pread(fd, length, offset)
        finally:
            os.close(fd)
        return data if len(data) == length else None

    def _size(self, key: str) -> int:
        packed = _PACKED.fullmatch(key)
        return int(packed[3]) if packed else os.stat(self._path(key)).st_size

    def _unpack(self, path: Path, offset: int, length: int) -> None:
        """Punch a packed message out of its pack, and remove the pack if that left it empty and unwritten."""
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return
        try:
            try:
                if length:  # an empty message has no block of its own (the next one starts where it does)
                    _punch(fd, offset, _aligned(offset + length, os.fstat(fd).st_blksize) - offset)
            except OSError as exc:
                if exc.errno not in _NO_HOLES:
                    raise
                os.pwrite(fd, bytes(length), offset)  # moved to where holes cannot be punched: the bytes still go
            if _next_data(fd, 0) is not None:
                return
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # a live process still writes to it
            # Its writer is gone for good; whatever it wrote before it went is visible now.
            if _next_data(fd, 0) is None:
                path.unlink(missing_ok=True)
        finally:
            os.close(fd)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        if len(data) <= INLINE_BYTES:
            self.write(key, data)
        else:
            await anyio.to_thread.run_sync(self.write, key, data)

    async def get(self, key: str, bucket: str | None = None) -> bytes | None:
        if bucket not in (None, LOCAL_BUCKET):
            raise ValueError(f"blob bucket {bucket!r} is not in the local store")
        try:
            small = self._size(key) <= INLINE_BYTES
        except FileNotFoundError:
            return None
        return self._read(key) if small else await anyio.to_thread.run_sync(self._read, key)

    async def download_url(self, key: str, filename: str | None, content_type: str) -> str | None:
        return None

    async def delete(self, key: str, bucket: str | None = None) -> None:
        if bucket not in (None, LOCAL_BUCKET):
            raise ValueError(f"blob bucket {bucket!r} is not in the local store")
        self.remove(key)

    def remove(self, key: str) -> None:
        """``delete`` without the event loop."""
        if packed := _PACKED.fullmatch(key):
            self._unpack(self._path(packed[1]), int(packed[2]), int(packed[3]))
        else:
            self._path(key).unlink(missing_ok=True)
