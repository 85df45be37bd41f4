"""Other projects' test fixtures (`../shared/corpus/peers`) and how Mailman's reading of them is judged.

Read at run time, never copied into the repository. `tests/services/test_peer_corpus.py` sends each message
over SMTP and judges what the API gives back; `bench/fidelity.py` judges Mailman and the reply parsers a
user would pick instead on the same fixtures. How a fixture is judged is in the corpus's `SOURCES.md`.
"""

from __future__ import annotations

import json
import quopri
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PEERS = ROOT.parent / "shared" / "corpus" / "peers"
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Fixture:
    id: str
    category: str  # "reply" or "mime"
    kind: str  # "eml", "body-text" or "body-html"
    source: str
    lang: str
    path: Path
    expected: dict[str, Any]  # the "reply" or "mime" object of expected.json
    note: str


def fixtures(category: str | None = None) -> list[Fixture]:
    entries = json.loads((PEERS / "expected.json").read_text(encoding="utf-8"))
    return [
        Fixture(
            id=entry["id"],
            category=entry["category"],
            kind=entry["kind"],
            source=entry["source"],
            lang=entry.get("lang", ""),
            path=PEERS / entry["file"],
            expected=entry[entry["category"]],
            note=entry.get("note", ""),
        )
        for entry in entries
        if category is None or entry["category"] == category
    ]


def body(fixture: Fixture) -> str:
    """A body fixture's text, as its peer's test hands it to the parser."""
    return fixture.path.read_bytes().decode("utf-8")


def message_bytes(fixture: Fixture, recipient: str = "fixture@peers.example") -> bytes:
    """The fixture as an MTA delivers it: an .eml with CRLF line ends, or a body wrapped in a minimal reply."""
    if fixture.kind == "eml":
        raw = fixture.path.read_bytes()
        return re.sub(rb"\r?\n", b"\r\n", raw)
    subtype = "html" if fixture.kind == "body-html" else "plain"
    encoded = quopri.encodestring(body(fixture).replace("\r\n", "\n").encode("utf-8")).replace(b"\n", b"\r\n")
    head = (
        "From: fixture@peers.example\r\n"
        f"To: {recipient}\r\n"
        f"Subject: Re: {fixture.id}\r\n"
        f"Message-ID: <{fixture.id.replace('/', '.')}@peers.example>\r\n"
        "MIME-Version: 1.0\r\n"
        f"Content-Type: text/{subtype}; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    )
    return head.encode("ascii") + encoded


def normalised(value: str) -> str:
    return _WHITESPACE.sub(" ", value).strip()


def reply_failures(fixture: Fixture, extracted: str | None) -> list[str]:
    """Why ``extracted`` is not the reply the fixture's peer asserts: missing ``keep`` lines, present ``drop`` lines."""
    text = normalised(extracted or "")
    missing = [f"missing: {line!r}" for line in fixture.expected["keep"] if normalised(line) not in text]
    kept = [f"not dropped: {line!r}" for line in fixture.expected["drop"] if normalised(line) in text]
    return missing + kept
