"""`nox -s bench`: how long ``parse`` takes on hostile headers (the target: 200,000 encoded words under 1 s).

Prints one line per case; never passes or fails.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable

from mailman_services.domain.parsing import parse


def folded(name: str, words: list[str]) -> bytes:
    """A header of ``words``, folded at about 76 characters as senders do."""
    lines, line = [], f"{name}:"
    for word in words:
        if len(line) + 1 + len(word) > 76:
            lines.append(line)
            line = ""
        line += f" {word}"
    lines.append(line)
    return "\r\n".join(lines).encode() + b"\r\n"


def b64_word(n: int) -> str:
    return "=?utf-8?b?" + base64.b64encode(f"w\u00e9{n:07d}".encode()).decode() + "?="


def message(*headers: bytes) -> bytes:
    return b"From: ada@example.com\r\nTo: bob@example.com\r\n" + b"".join(headers) + b"\r\nbody\r\n"


CASES: dict[str, Callable[[], bytes]] = {
    "200,000 encoded words in the Subject": lambda: message(
        folded("Subject", [f"=?utf-8?q?w{n}?=" for n in range(200_000)])
    ),
    "3 MB Subject of distinct plain words": lambda: message(
        folded("Subject", [f"word{n}" for n in range(3_000_000 // 11)])
    ),
    "100,000 base64 encoded words in the Subject": lambda: message(
        folded("Subject", [b64_word(n) for n in range(100_000)])
    ),
    "100,000 addresses in Cc": lambda: message(
        folded("Cc", [f"=?utf-8?q?P{n}?= <p{n}@example.com>," for n in range(100_000)])
    ),
    "20,000 encoded words in a Content-Type name": lambda: message(
        b'Content-Type: text/plain; name="' + b" ".join(b"=?utf-8?q?n%d?=" % n for n in range(20_000)) + b'"\r\n'
    ),
}


def main() -> None:
    for name, build in CASES.items():
        raw = build()
        started = time.perf_counter()
        parsed = parse(raw)
        elapsed = time.perf_counter() - started
        print(f"parse: {name} ({len(raw) / 1e6:.1f} MB): {elapsed:.2f} s, {len(parsed.warnings)} warnings")


if __name__ == "__main__":
    main()
