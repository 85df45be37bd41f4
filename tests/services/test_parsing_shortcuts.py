"""The parser's shortcuts give what the email package alone gives, and stand aside for every shape they do not know.

``parse`` cuts well-formed MIME at its boundaries (``domain/mime_split.py``) and reads plain Content-Type and
Content-Disposition values as text; ``parse(raw, shortcuts=False)`` reads with the feed parser and the header
registry only. Both must agree on every message of every corpus the other suites read, and the feed parser must
be left every message the splitter is not sure of. The reply walk and the search vector have shortcuts too.
"""

from __future__ import annotations

import importlib
import random
import sys
import sysconfig
from collections.abc import Iterator
from email import policy
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from mailman_services.domain import mime_split, parsing, quotes, search
from mailman_services.domain.parsing import parse

from tests.peer_corpus import PEERS, fixtures, message_bytes
from tests.services.test_parsing import POISON, _nested_multiparts

# bench/ingest.py makes the bench's corpora; it is a script, not a package, so it is loaded from its folder.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
ingest = importlib.import_module("ingest")

CPYTHON = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"


def _corpus() -> Iterator[tuple[str, bytes]]:
    for path in sorted(CPYTHON.glob("msg_*.txt")):
        yield f"cpython/{path.name}", path.read_bytes()
    if (PEERS / "expected.json").is_file():
        for fixture in fixtures():
            yield f"peers/{fixture.id}", message_bytes(fixture)
            if fixture.kind == "eml":
                yield f"peers/{fixture.id} as written", fixture.path.read_bytes()
    for number, raw in enumerate(ingest.realistic(150, "someone@example.com")):
        yield f"realistic/{number}", raw
    for number, raw in enumerate(ingest.repeated(3, "someone@example.com")):
        yield f"repeated/{number}", raw
    for name, raw in POISON.items():
        yield f"hostile/{name}", raw
    for name, raw in UNUSUAL.items():
        yield f"unusual/{name}", raw
    for name, raw in PLAIN.items():
        yield f"plain/{name}", raw


def _new_part() -> Message:
    return parsing._ModernPart(policy=parsing._MODERN)


def _fed(raw: bytes) -> Message:
    """The tree the feed parser builds, with the parser's own policy and part class."""
    parser = parsing._DepthLimitedParser(parsing._ModernPart, policy=parsing._MODERN)
    parser.feed(raw)
    return parser.close()


def _shape(msg: Message) -> Any:
    """Everything a Message holds: its class, its policy, every attribute, its defects and its payload."""
    attributes = {name: value for name, value in vars(msg).items() if name not in ("_payload", "defects", "policy")}
    payload = msg._payload  # type: ignore[attr-defined]
    return (
        type(msg),
        msg.policy,
        attributes,
        [type(defect) for defect in msg.defects],
        [_shape(part) for part in payload] if isinstance(payload, list) else payload,
    )


def _multipart(body: bytes, headers: bytes = b'Content-Type: multipart/mixed; boundary="b"\r\n') -> bytes:
    return b"From: a@example.com\r\nSubject: s\r\n" + headers + b"\r\n" + body


def _nested(depth: int) -> bytes:
    """A text part below ``depth`` nested multiparts; no boundary starts with another (unlike "b1" and "b10")."""
    head = b'From: a@example.com\r\nSubject: deep\r\nContent-Type: multipart/mixed; boundary="b0."\r\n\r\n'
    opening = b"".join(
        b'--b%d.\r\nContent-Type: multipart/mixed; boundary="b%d."\r\n\r\n' % (level - 1, level)
        for level in range(1, depth)
    )
    innermost = b"--b%d.\r\nContent-Type: text/plain\r\n\r\nat the bottom\r\n--b%d.--\r\n" % (depth - 1, depth - 1)
    closing = b"".join(b"--b%d.--\r\n" % level for level in range(depth - 2, -1, -1))
    return head + opening + innermost + closing


_TWO_PARTS = (
    b"--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>two</p>\r\n--b--\r\n"
)

# Shapes the splitter takes: the feed parser must build the same tree.
PLAIN = {
    "single part": b"From: a@example.com\r\nSubject: hi\r\n\r\nhello\r\n",
    "single part, LF": b"From: a@example.com\nSubject: hi\n\nhello\nthere",
    "no headers": b"\r\nonly a body\r\n",
    "no body": b"From: a@example.com\r\n\r\n",
    "folded headers": b"From: a@example.com\r\nSubject: one\r\n two\r\n\tthree\r\n\r\nbody\r\n",
    "two parts": _multipart(_TWO_PARTS),
    "two parts, LF": _multipart(_TWO_PARTS).replace(b"\r\n", b"\n"),
    "preamble and epilogue": _multipart(b"This is a preamble.\r\n\r\n" + _TWO_PARTS + b"\r\nan epilogue\r\n"),
    "blank preamble": _multipart(b"\r\n" + _TWO_PARTS),
    "closing boundary at the end of the text": _multipart(_TWO_PARTS[:-2]),
    "part without headers": _multipart(b"--b\r\n\r\nbare\r\n--b--\r\n"),
    "empty part body": _multipart(b"--b\r\nContent-Type: text/plain\r\n\r\n--b--\r\n"),
    "body with blank last lines": _multipart(b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n\r\n\r\n--b--\r\n"),
    "nested": _multipart(
        b'--b\r\nContent-Type: multipart/alternative; boundary="c"\r\n\r\n'
        + _TWO_PARTS.replace(b"--b", b"--c")
        + b'\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="a.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    ),
    "nested, inner epilogue": _multipart(
        b'--b\r\nContent-Type: multipart/alternative; boundary="c"\r\n\r\n'
        + _TWO_PARTS.replace(b"--b", b"--c")
        + b"inner epilogue\r\n\r\n--b--\r\n"
    ),
    "nested, inner closing right before the outer": _multipart(
        b'--b\r\nContent-Type: multipart/alternative; boundary="c"\r\n\r\n'
        + _TWO_PARTS.replace(b"--b", b"--c")
        + b"--b--\r\n"
    ),
    "8-bit bytes": _multipart(b"--b\r\nContent-Type: text/plain; charset=latin-1\r\n\r\ncaf\xe9\r\n--b--\r\n"),
    "a line that only contains the delimiter": _multipart(b"--b\r\nContent-Type: text/plain\r\n\r\nx --b\r\n--b--\r\n"),
    "unquoted boundary, 7bit": _multipart(
        _TWO_PARTS, b"Content-Type: multipart/mixed; boundary=b\r\nContent-Transfer-Encoding: 7bit\r\n"
    ),
    "nested 20 deep": _nested(mime_split.MAX_DEPTH),
}

# Shapes the splitter leaves to the feed parser.
UNUSUAL = {
    "bare LF among CRLF": b"From: a@example.com\r\nSubject: s\n\r\nbody\r\n",
    "lone CR": b"From: a@example.com\r\nSubject: s\r\n\r\nbo\rdy\r\n",
    "envelope From line": b"From a@example.com Tue Dec  1 12:00:00 2026\r\nSubject: s\r\n\r\nbody\r\n",
    "header line without a colon": b"From: a@example.com\r\nnot a header\r\n\r\nbody\r\n",
    "folded first header line": b" folded\r\nFrom: a@example.com\r\n\r\nbody\r\n",
    "empty header name": b"From: a@example.com\r\n: nameless\r\n\r\nbody\r\n",
    "misplaced From line": b"From: a@example.com\r\nFrom a@example.com\r\n\r\nbody\r\n",
    "no blank line after the headers": b"From: a@example.com\r\nSubject: s\r\n",
    "part headers without a blank line": _multipart(b"--b\r\nContent-Type: text/plain\r\n--b--\r\n"),
    "message/rfc822 part": _multipart(
        b"--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nhi\r\n--b--\r\n"
    ),
    "message/rfc822 message": b"Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nhi\r\n",
    "delivery status": b"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n\r\nAction: failed\r\n",
    "multipart/digest": _multipart(_TWO_PARTS, b'Content-Type: multipart/digest; boundary="b"\r\n'),
    "no boundary": _multipart(_TWO_PARTS, b"Content-Type: multipart/mixed\r\n"),
    "boundary of characters RFC 2046 does not allow": _multipart(
        _TWO_PARTS.replace(b"--b", b"--b&"), b'Content-Type: multipart/mixed; boundary="b&"\r\n'
    ),
    "multipart with a transfer encoding": _multipart(
        _TWO_PARTS, b'Content-Type: multipart/mixed; boundary="b"\r\nContent-Transfer-Encoding: base64\r\n'
    ),
    "no closing boundary": _multipart(_TWO_PARTS[: -len(b"--b--\r\n")]),
    "closing boundary only": _multipart(b"preamble\r\n--b--\r\n"),
    "boundary never appears": _multipart(b"just text\r\n"),
    "two delimiter lines in a row": _multipart(b"--b\r\n" + _TWO_PARTS),
    "white space after a delimiter": _multipart(_TWO_PARTS.replace(b"--b\r\n", b"--b \r\n", 1)),
    "a line that starts like the delimiter": _multipart(
        b"--b\r\nContent-Type: text/plain\r\n\r\n--bx is text\r\n--b--\r\n"
    ),
    "text after the closing delimiter": _multipart(_TWO_PARTS.replace(b"--b--", b"--b--x")),
    "inner part runs into the outer boundary": _multipart(
        b'--b\r\nContent-Type: multipart/alternative; boundary="c"\r\n\r\n--c\r\n\r\ninner\r\n--b--\r\n'
    ),
    "nested 21 deep": _nested(mime_split.MAX_DEPTH + 1),
    "a boundary that starts with another": _nested_multiparts(12),
}


CORPUS = list(_corpus())


def test_the_corpora_are_present() -> None:
    names = {name.split("/")[0] for name, _ in CORPUS}
    assert {"cpython", "peers", "realistic", "repeated", "hostile", "unusual", "plain"} <= names
    assert sum(name.startswith("peers/") for name, _ in CORPUS) > 100


@pytest.mark.parametrize(("name", "raw"), CORPUS, ids=[name for name, _ in CORPUS])
def test_parse_gives_what_the_email_package_alone_gives(name: str, raw: bytes) -> None:
    assert parse(raw) == parse(raw, shortcuts=False)


@pytest.mark.parametrize(("name", "raw"), CORPUS, ids=[name for name, _ in CORPUS])
def test_a_split_message_is_the_tree_the_feed_parser_builds(name: str, raw: bytes) -> None:
    split = mime_split.tree(raw, _new_part)
    if split is None:
        assert not name.startswith(("plain/", "realistic/", "repeated/"))
    else:
        assert _shape(split) == _shape(_fed(raw))


@pytest.mark.parametrize("name", PLAIN)
def test_well_formed_mail_is_split(name: str) -> None:
    assert mime_split.tree(PLAIN[name], _new_part) is not None


@pytest.mark.parametrize("name", UNUSUAL)
def test_unusual_mail_is_left_to_the_feed_parser(name: str) -> None:
    assert mime_split.tree(UNUSUAL[name], _new_part) is None


def test_the_bench_corpora_are_split_whole() -> None:
    assert all(mime_split.tree(raw, _new_part) is not None for raw in ingest.realistic(50, "someone@example.com"))
    assert all(mime_split.tree(raw, _new_part) is not None for raw in ingest.repeated(2, "someone@example.com"))


# --- Plain Content-Type and Content-Disposition values ---------------------------------------------

PLAIN_VALUES = [
    ("content-type", "text/plain"),
    ("content-type", "Text/HTML; Charset=UTF-8"),
    ("content-type", 'multipart/mixed; boundary="===============1234567890123456789=="'),
    ("content-type", "multipart/alternative;\tboundary=abc.def-ghi"),
    ("content-type", 'application/pdf; name="invoice 12.pdf"'),
    ("content-type", "text/plain; charset=us-ascii; format=flowed; delsp=yes"),
    ("content-type", 'text/plain; charset=""; Charset=x; charset=y'),
    ("content-type", "text/plain;charset=utf-8"),
    ("content-disposition", "attachment"),
    ("content-disposition", 'attachment; filename="report (final) [2].pdf"'),
    ("content-disposition", "inline; filename=a.png; size=12"),
]
NOT_PLAIN_VALUES = [
    ("content-type", "text/plain (a comment)"),
    ("content-type", 'text/plain; name="=?utf-8?q?caf=C3=A9?="'),
    ("content-type", "text/plain; name*=utf-8''caf%C3%A9"),
    ("content-type", 'text/plain; name="a\\"b"'),
    ("content-type", 'text/plain; name="caf\u00e9"'),
    ("content-type", "text/plain ; charset=utf-8"),
    ("content-type", " text/plain"),
    ("content-type", "text"),
    ("content-type", "text/plain; charset"),
    ("content-type", "text/plain; name=a'b"),
    ("content-type", "text/plain; name=50%"),
    ("content-disposition", "attachment; filename=a b.pdf"),
    ("content-disposition", "attachment/x"),
]


@pytest.mark.parametrize(("name", "value"), PLAIN_VALUES)
def test_a_plain_value_is_read_as_the_email_package_writes_it(name: str, value: str) -> None:
    assert parsing._plain_parameters(name, value) == str(policy.default.header_factory(name, value))


@pytest.mark.parametrize(("name", "value"), NOT_PLAIN_VALUES)
def test_any_other_value_goes_to_the_header_registry(name: str, value: str) -> None:
    assert parsing._plain_parameters(name, value) is None
    assert hasattr(parsing._MODERN.header_fetch_parse(name, value), "name")  # a header object


def test_seeded_plain_values_are_read_as_the_email_package_writes_them() -> None:
    rng = random.Random(18)
    token = "abcXYZ019!#$%&'*+-.^_`{|}~"
    quoted = token + " ()<>@,;:/[]?="
    checked = 0
    for _ in range(3000):
        name = rng.choice(["content-type", "content-disposition"])
        head = "".join(rng.choices(token, k=rng.randint(1, 8)))
        if name == "content-type":
            head += "/" + "".join(rng.choices(token, k=rng.randint(1, 8)))
        params = []
        for _ in range(rng.randint(0, 3)):
            key = "".join(rng.choices("abcXYZ09_.-", k=rng.randint(1, 6)))
            if rng.random() < 0.5:
                params.append(
                    f";{rng.choice(['', ' ', '  ', chr(9)])}{key}={''.join(rng.choices(token, k=rng.randint(1, 9)))}"
                )
            else:
                params.append(f';{rng.choice(["", " "])}{key}="{"".join(rng.choices(quoted, k=rng.randint(0, 12)))}"')
        value = head + "".join(params)
        plain = parsing._plain_parameters(name, value)
        if plain is not None:
            checked += 1
            assert plain == str(policy.default.header_factory(name, value)), value
    assert checked > 2000


def test_every_plain_value_of_the_corpora_is_read_as_the_email_package_writes_it() -> None:
    checked = 0
    for _, raw in CORPUS:
        msg = _fed(raw)
        for part in msg.walk():
            for name, value in part.raw_items():
                lowered = name.lower()
                unfolded = "".join(parsing._LINE_BREAK.split(value[: parsing.MAX_PARSED_HEADER]))
                plain = parsing._plain_parameters(lowered, unfolded) if lowered in parsing._PARAMETERIZED else None
                if plain is not None:
                    checked += 1
                    assert plain == str(policy.default.header_factory(lowered, unfolded))
    assert checked > 500


# --- The reply walk and the search vector -----------------------------------------------------------


def _texts() -> Iterator[str]:
    for _, raw in CORPUS:
        parsed = parse(raw)
        for body in (parsed.text, quotes.html_to_text(parsed.html) if parsed.html else None):
            if body:
                yield body
    if (PEERS / "expected.json").is_file():
        for fixture in fixtures("reply"):
            if fixture.kind != "eml":
                yield fixture.path.read_bytes().decode("utf-8")
    yield from [
        "Hello,\n\nplain words only\n\nBest regards,\nAda",
        "time: 12:00\nno history",
        "a rule\n-----\nbelow",
        "ends like an attribution --",
        "On Monday, Ada\nwrote:\n> quoted",
        "  \u2003> odd space before a marker",
        "fullwidth colon\uff1a",
        "\u2014 an em dash first",
        "",
        "\n\n",
    ]


def test_the_reply_shortcut_gives_the_walk_of_every_text() -> None:
    taken = 0
    for text in _texts():
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if quotes._all_text(lines):
            taken += 1
        assert quotes._blocks(lines) == quotes._walk(lines)
    assert taken > 50


@pytest.mark.parametrize(
    "text",
    [
        "time: 12:00",
        "> quoted",
        "-----",
        "--",
        "a line that ends in a colon:",
        "x" * 39 + ":",
        "\t* a bullet",
        "\uff1a",
    ],
)
def test_a_line_the_walk_may_read_otherwise_is_left_to_it(text: str) -> None:
    assert not quotes._all_text(["plain words", text, "more plain words"])


def test_a_colon_far_into_a_line_is_text() -> None:
    assert quotes._all_text(["x" * 40 + ": still the author's words", "and more"])


def test_the_search_vector_is_the_quoted_lexemes() -> None:
    for text in [*list(_texts())[:300], "o'brien and back\\slash", "naïve café — 3.14 ada@example.com"]:
        found = search.lexemes(" ".join(("subject", "ada@example.com", "Ada", text)))
        vector = search.vector("subject", "ada@example.com", "Ada", text)
        assert sorted(vector.split(" ") if vector else []) == sorted(search.quoted(lexeme) for lexeme in found)
