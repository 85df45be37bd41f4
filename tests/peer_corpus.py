"""Other projects' test fixtures (`../shared/corpus/peers`) and how Mailman's reading of them is judged.

Read at run time, never copied into the repository. `tests/services/test_peer_corpus.py` sends each message
over SMTP and judges what the API gives back; `bench/fidelity.py` judges Mailman and the reply parsers a
user would pick instead on the same fixtures. How a fixture is judged is in the corpus's `SOURCES.md`.
"""

from __future__ import annotations

import hashlib
import json
import quopri
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
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


class _TextOfHtml(HTMLParser):
    """The text of an HTML document, as PHP's strip_tags + html_entity_decode give it (zbateson's judge)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []

    def handle_data(self, data: str) -> None:
        self.pieces.append(data)


def html_text(html: str) -> str:
    reader = _TextOfHtml()
    reader.feed(html)
    reader.close()
    return "".join(reader.pieces)


def _same_address(got: str | None, want: str) -> bool:
    # Mailman stores addresses lower-cased; the peers keep the sender's spelling.
    return (got or "").casefold() == want.casefold()


def _text_check(got: str, want: dict[str, str]) -> bool:
    if "equals" in want:
        return normalised(got) == normalised(want["equals"])
    return normalised(want["starts"])[:200] in normalised(got)


def _attachment_check(
    want: dict[str, Any], found: list[dict[str, Any]], content: Callable[[dict[str, Any]], bytes]
) -> str | None:
    """Why no attachment called ``want["filename"]`` is the expected one, or None when one is."""
    named = [a for a in found if a.get("filename") == want["filename"]]
    if not named:
        return f"no attachment named {want['filename']!r} (got {[a.get('filename') for a in found]})"
    reasons = []
    for attachment in named:
        data = content(attachment)
        wrong = []
        if "size" in want and len(data) != want["size"]:
            wrong.append(f"size {len(data)} != {want['size']}")
        if "sha256" in want and hashlib.sha256(data).hexdigest() != want["sha256"]:
            wrong.append("sha256 differs")
        if "text_equals" in want and normalised(_as_text(data)) != normalised(want["text_equals"]):
            wrong.append(f"text {normalised(_as_text(data))[:80]!r}... differs")
        if not wrong:
            return None
        reasons.append(", ".join(wrong))
    return f"attachment {want['filename']!r}: {'; '.join(reasons)}"


def _shown(value: Any) -> Any:
    """A value short enough for a failure message: long texts are cut to their normalised start."""
    if isinstance(value, dict):
        return {kind: _shown(text) for kind, text in value.items()}
    return normalised(value)[:150] if isinstance(value, str) and len(value) > 150 else value


def _as_text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def mime_failures(
    fixture: Fixture, message: dict[str, Any], attachment_bytes: Callable[[dict[str, Any]], bytes]
) -> tuple[int, list[str]]:
    """How many checks ``fixture`` makes of the API's Message JSON, and the failed ones in words.

    Each expected field is one check, and so is each entry of ``attachments`` (judged on the bytes
    ``attachment_bytes`` downloads for an attachment of the Message).
    """
    want = fixture.expected
    sender = message.get("from") or {}
    to = message.get("to") or []
    attachments = message.get("attachments") or []
    got: dict[str, Any] = {
        "subject": message.get("subject"),
        "from_address": sender.get("address"),
        "from_name": sender.get("name"),
        "to_addresses": [r.get("address") for r in to],
        "to_name": to[0].get("name") if to else None,
        "reply_to_addresses": [r.get("address") for r in message.get("reply_to") or []],
        "message_id": (message.get("message_id") or "").strip("<>"),
        "text": message.get("text") or "",
        "html_text": html_text(message.get("html") or ""),
        "attachment_count": len(attachments),
    }
    checks = 0
    failures = []
    for field, expected in want.items():
        if field == "attachments":
            checks += len(expected)
            failures += [
                f"{fixture.id}: {reason}"
                for entry in expected
                if (reason := _attachment_check(entry, attachments, attachment_bytes)) is not None
            ]
            continue
        checks += 1
        value = got[field]
        if field in ("text", "html_text"):
            ok = _text_check(value, expected)
        elif field == "from_address":
            ok = _same_address(value, expected)
        elif field in ("to_addresses", "reply_to_addresses"):
            ok = len(value) == len(expected) and all(map(_same_address, value, expected))
        else:
            ok = value == expected
        if not ok:
            failures.append(f"{fixture.id}: {field} is {_shown(value)!r}, expected {_shown(expected)!r}")
    return checks, failures
