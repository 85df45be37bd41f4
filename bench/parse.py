"""`nox -s bench`: the CPU time of reading one inbound message (``inbound._read``) and of its MIME parse alone.

On the two corpora of `bench/ingest.py` (2,000 messages each), per message in CPU time (``time.process_time``):
``_read`` (the parse, reply extraction, preview and search vector), ``parse`` with its shortcuts
(``domain/mime_split.py``, plain parameter values) and ``parse(raw, shortcuts=False)`` (the email package
alone), with the ratio of the two parses measured in the same round, and how many messages the MIME splitter
left to the feed parser. Prints one line per round and the medians; never passes or fails.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from ingest import realistic, repeated  # noqa: E402
from mailman_services.domain import mime_split, parsing  # noqa: E402
from mailman_services.handlers.inbound import _read  # noqa: E402

COUNT = 2_000
ROUNDS = 5


def per_message(read: Callable[[bytes], object], messages: list[bytes]) -> float:
    """CPU milliseconds per message of ``read`` over ``messages``."""
    gc.collect()
    started = time.process_time()
    for raw in messages:
        read(raw)
    return (time.process_time() - started) / len(messages) * 1000


def stdlib_parse(raw: bytes) -> object:
    return parsing.parse(raw, shortcuts=False)


def main() -> None:
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for name, messages in (
        ("realistic", list(realistic(COUNT, "someone@example.com"))),
        ("repeated", list(repeated(COUNT, "someone@example.com"))),
    ):
        left = sum(
            mime_split.tree(raw, lambda: parsing._ModernPart(policy=parsing._MODERN)) is None for raw in messages
        )
        print(f"{name}: {len(messages)} messages, {left} left to the feed parser")
        for raw in messages[:100]:  # warm the caches and the imports
            _read(raw)
        reads, fast, slow = [], [], []
        for round_number in range(1, ROUNDS + 1):
            reads.append(per_message(_read, messages))
            fast.append(per_message(parsing.parse, messages))
            slow.append(per_message(stdlib_parse, messages))
            print(
                f"  round {round_number}: _read {reads[-1]:.3f} ms, parse {fast[-1]:.3f} ms, "
                f"parse with the email package alone {slow[-1]:.3f} ms ({fast[-1] / slow[-1]:.2f} x)"
            )
        print(
            f"  median: _read {statistics.median(reads):.3f} ms, parse {statistics.median(fast):.3f} ms, "
            f"email package alone {statistics.median(slow):.3f} ms "
            f"({statistics.median(f / s for f, s in zip(fast, slow, strict=True)):.2f} x)"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
