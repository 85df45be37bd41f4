"""The SMTP listener's parser (``smtp.Parsers``), run as ``python -m mailman_services.parser_process BLOBS``.

It reads requests on stdin and answers on stdout, one at a time, each a frame: 8 bytes of length (big-endian) then a
pickle. A request is a list of (blob key, raw message); its answer, ``inbound.keep_all`` of them with the file blob
store at ``BLOBS`` (each a ``Read`` or the exception that stopped it). The frames only ever come from the process that
started this one, over its pipe. It ends at the end of its input: when that process closes the pipe, or is gone.
"""

from __future__ import annotations

import pickle
import signal
import sys
from pathlib import Path
from typing import BinaryIO

from . import gctune
from .adapters.files import FileBlobStore
from .handlers.inbound import Read, keep_all
from .ports import LocalBlobs

LENGTH = 8  # bytes of a frame's length


def frame(value: object) -> bytes:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(LENGTH, "big") + data


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def _answer(messages: list[tuple[str, bytes]], blobs: LocalBlobs) -> bytes:
    results: list[Read | Exception] = keep_all(messages, blobs)
    try:
        return frame(results)
    except Exception:  # noqa: BLE001 - an exception that does not pickle goes back as its description
        return frame([r if isinstance(r, Read) else RuntimeError(f"{type(r).__name__}: {r}") for r in results])


def main() -> None:
    # Ctrl-C is the parent's to handle: it closes the pipe, as its death (even by SIGKILL) does.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gctune.tune()
    blobs = FileBlobStore(Path(sys.argv[1]))
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    while (header := _read_exactly(requests, LENGTH)) is not None:
        payload = _read_exactly(requests, int.from_bytes(header, "big"))
        if payload is None:
            return
        answers.write(_answer(pickle.loads(payload), blobs))  # noqa: S301 - frames come from our parent only
        answers.flush()


if __name__ == "__main__":
    main()
