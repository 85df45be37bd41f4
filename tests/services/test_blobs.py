"""The local blob store: files under the data dir, and nothing outside it."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from mailman_services.adapters import files
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


def data_runs(path: Path) -> list[tuple[int, int]]:
    """Each run of data in a sparse file, as (start, end), the end at the end of its last block."""
    runs: list[tuple[int, int]] = []
    offset = 0
    with path.open("rb") as handle:
        block = os.fstat(handle.fileno()).st_blksize
        while True:
            try:
                start = os.lseek(handle.fileno(), offset, os.SEEK_DATA)
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: no data after offset
                    raise
                return runs
            offset = os.lseek(handle.fileno(), start, os.SEEK_HOLE)
            runs.append((start, -(-offset // block) * block))


def _data_at(path: Path) -> list[int]:
    return [start for start, _ in data_runs(path)]


def _packs(store: FileBlobStore) -> list[Path]:
    return sorted((store.root / files.PACKS).glob("*.pack"))


def test_raw_messages_are_packed_block_by_block_and_punched_out_when_deleted(tmp_path: Path) -> None:
    """The parser processes' ``pack``: raw messages one after the other in one file, each from a block boundary,
    read back by their keys; a deleted one's blocks are freed (its bytes read as zeros) and its neighbours stay."""
    store = FileBlobStore(tmp_path / "blobs")
    messages = [b"a" * 5000, b"b" * 100, b"c" * 9000]
    keys = [store.pack(f"raw/inbound/{n}.eml", raw) for n, raw in enumerate(messages)]
    [pack] = _packs(store)
    block = os.stat(pack).st_blksize
    assert keys == [
        f"{pack.relative_to(store.root)}@{offset}+{len(raw)}"
        for offset, raw in zip([0, 2 * block, 3 * block], messages, strict=True)
    ]
    assert [anyio.run(store.get, key) for key in keys] == messages
    assert not (store.root / "raw" / "inbound").exists()

    anyio.run(store.delete, keys[0])
    assert _data_at(pack) == [2 * block]  # the first message's two blocks are holes now
    assert anyio.run(store.get, keys[1]) == messages[1] and anyio.run(store.get, keys[2]) == messages[2]
    assert anyio.run(store.get, keys[0]) is None  # gone, as a deleted file is
    with pack.open("rb") as handle:
        assert handle.read(len(messages[0])) == bytes(len(messages[0]))

    # Empty, but this store still writes to it: the pack stays, and takes the next message.
    anyio.run(store.delete, keys[1])
    anyio.run(store.delete, keys[2])
    assert _data_at(pack) == [] and pack.exists()
    fourth = store.pack("raw/inbound/3.eml", b"d")
    assert fourth.startswith(str(pack.relative_to(store.root))) and anyio.run(store.get, fourth) == b"d"

    empty = store.pack("raw/inbound/4.eml", b"")  # no block of its own: read, and deleted, all the same
    assert anyio.run(store.get, empty) == b""
    anyio.run(store.delete, empty)
    assert anyio.run(store.get, fourth) == b"d"

    store.close()  # written no more: the last message's deletion removes the pack
    anyio.run(store.delete, fourth)
    assert not pack.exists()
    anyio.run(store.delete, fourth)  # deleting twice is harmless, as for files


def test_a_pack_of_a_killed_writer_goes_with_its_last_message(tmp_path: Path) -> None:
    """A parser process killed while it writes a pack leaves it unlocked: deleting its last message removes it."""
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from mailman_services.adapters.files import FileBlobStore\n"
        "store = FileBlobStore(Path(sys.argv[1]))\n"
        "print(store.pack('raw/inbound/a.eml', b'hello'), flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "blobs")], capture_output=True, check=False)
    assert result.returncode == -signal.SIGKILL
    key = result.stdout.decode().strip()
    store = FileBlobStore(tmp_path / "blobs")
    assert anyio.run(store.get, key) == b"hello"
    [pack] = _packs(store)
    anyio.run(store.delete, key)
    assert not pack.exists()


def test_a_full_pack_is_left_for_a_new_one_and_large_messages_are_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "PACK_BYTES", 3 * 4096)
    monkeypatch.setattr(files, "PACKED_BYTES", 10_000)
    store = FileBlobStore(tmp_path / "blobs")
    keys = [store.pack(f"raw/inbound/{n}.eml", b"x" * 4096) for n in range(4)]
    assert len(_packs(store)) == 2  # three blocks each: the fourth message starts the second pack
    large = store.pack("raw/inbound/large.eml", b"y" * 10_001)
    assert large == "raw/inbound/large.eml" and (store.root / large).read_bytes() == b"y" * 10_001
    first = store.root / keys[0].partition("@")[0]
    for key in keys[:3]:  # the full pack is no one's any more: it goes with its last message
        anyio.run(store.delete, key)
    assert not first.exists()
    assert anyio.run(store.get, keys[3]) == b"x" * 4096


def test_where_holes_cannot_be_punched_raw_messages_are_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "_FALLOCATE", None)
    store = FileBlobStore(tmp_path / "blobs")
    assert store.pack("raw/inbound/a.eml", b"hello") == "raw/inbound/a.eml"
    assert (store.root / "raw/inbound/a.eml").read_bytes() == b"hello"
    assert not (store.root / files.PACKS).exists()


def test_a_content_addressed_blob_already_there_is_not_written_again(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path / "blobs")
    store.write_once("attachments/ab/abc", b"pdf")
    path = store.root / "attachments/ab/abc"
    inode = path.stat().st_ino
    store.write_once("attachments/ab/abc", b"pdf")
    assert path.stat().st_ino == inode and path.read_bytes() == b"pdf"
    path.unlink()
    store.write_once("attachments/ab/abc", b"pdf")
    assert path.read_bytes() == b"pdf"
