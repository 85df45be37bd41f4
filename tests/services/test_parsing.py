"""Inbound parsing: fidelity against CPython's email test corpus, reply extraction, and hostile input."""

from __future__ import annotations

import base64
import email
import email.policy
import sysconfig
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage, Message, MIMEPart
from pathlib import Path

import pytest
from mailman_services.domain.parsing import MAX_DEPTH, ParsedMessage, parse
from mailman_services.domain.replies import reply

CORPUS = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
CORPUS_FILES = sorted(CORPUS.glob("msg_*.txt"))


# --- Fidelity against the CPython corpus ----------------------------------------------------------
#
# The independent reading uses the stdlib's own model: get_body() picks the bodies, get_content() decodes
# them, get_filename() / get_payload(decode=True) give the attachments. Where Mailman's parser deliberately differs
# from that model, the oracle says so explicitly:
#   1. a text part with a file name and no "inline" disposition is an attachment (stdlib: a body candidate);
#   2. a single-part message that is not a text body is itself an attachment (stdlib: no attachments);
#   3. every leaf is kept, also those below a multipart that iter_attachments() reports as one item;
#      unchosen text/plain or text/html renderings inside multipart/alternative are not attachments;
#   4. message/rfc822 parts are attachments named after the inner subject + ".eml" when unnamed;
#   5. the null sender "<>" is no mailbox.


@dataclass
class Expected:
    subject: str | None
    from_: tuple[str | None, str] | None
    to: list[tuple[str | None, str]] | None
    text: str | None
    html: str | None
    attachments: list[tuple[str | None, str, int | str]]
    defects: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def _mailboxes(msg: EmailMessage, name: str) -> list[tuple[str | None, str]] | None:
    try:
        header = msg[name]
        if header is None:
            return []
        # Deviation 5: the null sender "<>" of a bounce names no mailbox.
        return [(a.display_name or None, a.addr_spec.lower()) for a in header.addresses if a.addr_spec != "<>"]
    except Exception:
        return None


def _is_message(part: Message) -> bool:
    return part.get_content_maintype() == "message"


def _leaves(part: MIMEPart) -> list[tuple[MIMEPart, bool]]:
    """Leaves of the tree (message/* counted as a leaf), each with whether its parent is multipart/alternative."""
    if _is_message(part) or not part.is_multipart():
        return [(part, False)]
    out: list[tuple[MIMEPart, bool]] = []
    for child in part.iter_parts():
        for leaf, in_alternative in _leaves(child):
            out.append((leaf, in_alternative or (leaf is child and part.get_content_subtype() == "alternative")))
    return out


def _defects(part: Message) -> list[str]:
    found = [type(d).__name__ for d in part.defects]
    if part.is_multipart() and not _is_message(part):
        for child in part.get_payload():
            found += _defects(child)  # type: ignore[arg-type]
    return found


def _oracle(raw: bytes) -> Expected:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    leaves = _leaves(msg)
    for leaf, _ in leaves:
        named = leaf.get_filename() is not None and leaf.get_content_disposition() != "inline"
        if leaf.get_content_maintype() == "text" and named:
            # Deviation 1: the stdlib expresses "this is an attachment" as is_attachment().
            leaf.is_attachment = lambda: True  # type: ignore[method-assign]
    unreadable: list[str] = []
    bodies: dict[str, str | None] = {}
    chosen: list[Message] = []
    for subtype in ("plain", "html"):
        body = msg.get_body((subtype,))
        bodies[subtype] = None
        if body is not None:
            chosen.append(body)
            try:
                bodies[subtype] = body.get_content().replace("\r\n", "\n")  # the API gives plain newlines
            except LookupError:
                unreadable.append(subtype)
    attachments: list[tuple[str | None, str, int | str]] = []
    attached: list[MIMEPart] = []
    for leaf, in_alternative in leaves:
        is_rendering = leaf.get_content_type() in ("text/plain", "text/html") and not leaf.is_attachment()
        if any(leaf is c for c in chosen) or (in_alternative and is_rendering):
            continue
        attached.append(leaf)
        filename = leaf.get_filename()
        if _is_message(leaf):
            inner = leaf.get_payload(0) if leaf.get_content_subtype() in ("rfc822", "global") else None
            if filename is None and isinstance(inner, Message):
                filename = f"{str(inner.get('subject', '')).strip() or 'message'}.eml"  # deviation 4
            size: int | str = str(inner.get("subject", "")) if isinstance(inner, Message) else "non-empty"
        else:
            payload = leaf.get_payload(decode=True)
            size = len(payload) if isinstance(payload, bytes) else 0
        attachments.append((filename, leaf.get_content_type(), size))
    # Deviation 3 only adds to what the stdlib lists: every single part it calls an attachment is one here too.
    listed = [p for p in msg.iter_attachments() if _is_message(p) or not p.is_multipart()]
    assert all(any(p is a for a in attached) for p in listed)
    from_ = _mailboxes(msg, "from")
    return Expected(
        subject=str(msg.get("subject", "")),
        from_=(from_[0] if from_ else None) if from_ is not None else None,
        to=_mailboxes(msg, "to"),
        text=bodies["plain"],
        html=bodies["html"],
        attachments=attachments,
        defects=_defects(msg),
        unreadable=unreadable,
    )


def _actual_attachments(parsed: ParsedMessage) -> list[tuple[str | None, str, int | str]]:
    out: list[tuple[str | None, str, int | str]] = []
    for attachment in parsed.attachments:
        if attachment.content_type.startswith("message/"):
            inner = email.message_from_bytes(attachment.data, policy=email.policy.default)
            is_rfc822 = attachment.content_type in ("message/rfc822", "message/global")
            out.append(
                (
                    attachment.filename,
                    attachment.content_type,
                    str(inner.get("subject", "")) if is_rfc822 else ("non-empty" if attachment.data else "empty"),
                )
            )
        else:
            out.append((attachment.filename, attachment.content_type, len(attachment.data)))
    return out


def _differences(raw: bytes) -> tuple[list[str], Expected, ParsedMessage]:
    expected, parsed = _oracle(raw), parse(raw)
    actual_from = (parsed.from_["name"], parsed.from_["address"] or "") if parsed.from_ else None
    checks = {
        "subject": (expected.subject, parsed.subject),
        "from": (expected.from_, actual_from),
        "to": (expected.to, [(m["name"], m["address"]) for m in parsed.to]),
        "text": (expected.text, parsed.text),
        "html": (expected.html, parsed.html),
        "attachments": (expected.attachments, _actual_attachments(parsed)),
    }
    return [name for name, (want, got) in checks.items() if want != got], expected, parsed


def test_corpus_is_present() -> None:
    assert CORPUS.is_dir(), (
        f"CPython's email test corpus is missing at {CORPUS}; install the Python test package "
        "(e.g. the python3-test / libpython3.11-testsuite package) so the fidelity tests can run"
    )
    assert len(CORPUS_FILES) >= 40, f"expected the msg_*.txt corpus in {CORPUS}, found {len(CORPUS_FILES)} files"


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_message_agrees_with_the_stdlib(path: Path) -> None:
    differences, expected, parsed = _differences(path.read_bytes())
    if expected.defects or expected.unreadable:
        # Deliberately broken corpus messages: the headers still agree, and the damage is reported.
        assert parsed.warnings, f"{path.name} has {expected.defects or expected.unreadable} but no warning"
        assert not {"subject", "from", "to"} & set(differences), differences
    else:
        assert differences == [], f"{path.name} differs in {differences}"
        assert parsed.warnings == [], f"{path.name} is well-formed but warned {parsed.warnings}"


def test_corpus_summary(capsys: pytest.CaptureFixture[str]) -> None:
    full, warned = [], {}
    for path in CORPUS_FILES:
        differences, expected, parsed = _differences(path.read_bytes())
        if not differences:
            full.append(path.name)
        if expected.defects or expected.unreadable:
            warned[path.name] = parsed.warnings
    with capsys.disabled():
        print(f"\n{len(full)} of {len(CORPUS_FILES)} corpus messages compare fully with the stdlib reading")
        for name, warnings in warned.items():
            print(f"  {name}: {'; '.join(warnings)}")
    assert len(full) >= len(CORPUS_FILES) - len(warned)


# --- Replies from the common clients --------------------------------------------------------------

GMAIL_TEXT = """\
Thursday works for me, see you then.

Bob

On Tue, Jan 14, 2025 at 10:02 AM Ada Lovelace <ada@example.com> wrote:

> Can we meet on Thursday?
>
> Ada
"""

GMAIL_TEXT_WRAPPED = """\
Thursday works for me, see you then.

On Tue, Jan 14, 2025 at 10:02 AM Ada Lovelace Byron-King <
ada.lovelace@analytical-engine.example.com> wrote:

> Can we meet on Thursday?
"""

GMAIL_HTML = (
    '<div dir="ltr">Thursday works for me, see you then.<div><br></div><div>Bob</div></div><br>'
    '<div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">On Tue, Jan 14, 2025 at '
    '10:02\u202fAM Ada Lovelace &lt;<a href="mailto:ada@example.com">ada@example.com</a>&gt; wrote:<br></div>'
    '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);'
    'padding-left:1ex"><div dir="ltr">Can we meet on Thursday?<div><br></div><div>Ada</div></div></blockquote></div>'
)

OUTLOOK_TEXT = """\
Sounds good, I will book the room.

Bob

-----Original Message-----
From: Ada Lovelace <ada@example.com>
Sent: Tuesday, January 14, 2025 10:02 AM
To: Bob Babbage <bob@example.com>
Subject: Meeting

Can we meet on Thursday?
"""

OUTLOOK_WEB_TEXT = """\
Sounds good, I will book the room.

________________________________
From: Ada Lovelace <ada@example.com>
Sent: Tuesday, January 14, 2025 10:02 AM
To: Bob Babbage <bob@example.com>
Subject: Meeting

Can we meet on Thursday?
"""

OUTLOOK_HTML = (
    '<html><head><style type="text/css">p{margin:0}</style></head><body dir="ltr">'
    '<div style="font-family:Aptos,sans-serif;font-size:12pt">Sounds good, I will book the room.</div>'
    '<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1">'
    '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">'
    "<b>From:</b> Ada Lovelace &lt;ada@example.com&gt;<br><b>Sent:</b> Tuesday, January 14, 2025 10:02 AM<br>"
    "<b>To:</b> Bob Babbage &lt;bob@example.com&gt;<br><b>Subject:</b> Meeting</font><div>&nbsp;</div></div>"
    "<div>Can we meet on Thursday?</div></body></html>"
)

APPLE_TEXT = """\
Sure, Thursday works.

Sent from my iPhone

> On 14 Jan 2025, at 10:02, Ada Lovelace <ada@example.com> wrote:
>
> Can we meet on Thursday?
"""

APPLE_MAC_TEXT = """\
Sure, Thursday works.

On 14 Jan 2025, at 10:02, Ada Lovelace <ada@example.com> wrote:

Can we meet on Thursday?
"""

APPLE_HTML = (
    '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body dir="auto">'
    'Sure, Thursday works.<br><br><div dir="ltr">Sent from my iPhone</div><div dir="ltr"><br>'
    '<blockquote type="cite">On 14 Jan 2025, at 10:02, Ada Lovelace &lt;ada@example.com&gt; wrote:<br><br>'
    '</blockquote></div><blockquote type="cite"><div dir="ltr">Can we meet on Thursday?</div></blockquote>'
    "</body></html>"
)


@pytest.mark.parametrize(
    ("text", "html", "expected"),
    [
        pytest.param(GMAIL_TEXT, None, "Thursday works for me, see you then.\n\nBob", id="gmail-text"),
        pytest.param(GMAIL_TEXT_WRAPPED, None, "Thursday works for me, see you then.", id="gmail-wrapped"),
        pytest.param(None, GMAIL_HTML, "Thursday works for me, see you then.\n\nBob", id="gmail-html"),
        pytest.param(OUTLOOK_TEXT, None, "Sounds good, I will book the room.\n\nBob", id="outlook-text"),
        pytest.param(OUTLOOK_WEB_TEXT, None, "Sounds good, I will book the room.", id="outlook-web-text"),
        pytest.param(None, OUTLOOK_HTML, "Sounds good, I will book the room.", id="outlook-html"),
        pytest.param(APPLE_TEXT, None, "Sure, Thursday works.\n\nSent from my iPhone", id="apple-ios-text"),
        pytest.param(APPLE_MAC_TEXT, None, "Sure, Thursday works.", id="apple-mac-text"),
        pytest.param(None, APPLE_HTML, "Sure, Thursday works.\n\nSent from my iPhone", id="apple-html"),
        pytest.param("Yes.\n\n> Shall we?\n> \n", None, "Yes.", id="trailing-quote"),
        pytest.param(
            "Yes.\n\n-- \nBob Babbage\nEngines Ltd\n", None, "Yes.\n\n--\nBob Babbage\nEngines Ltd", id="signature-kept"
        ),
    ],
)
def test_extracted_text_keeps_only_the_new_part(text: str | None, html: str | None, expected: str) -> None:
    assert reply(text, html).text == expected


def test_extracted_text_keeps_interleaved_answers() -> None:
    text = "> Thursday?\nYes, 10:00.\n\n> Room?\nThe blue one.\n"
    assert reply(text, None).text == "> Thursday?\nYes, 10:00.\n\n> Room?\nThe blue one."


def test_extracted_text_without_body() -> None:
    assert reply(None, None).text is None


def test_extracted_text_of_a_parsed_gmail_reply() -> None:
    msg = EmailMessage()
    msg["From"] = "Bob <bob@example.com>"
    msg["Subject"] = "Re: Meeting"
    msg.set_content(GMAIL_TEXT)
    msg.add_alternative(GMAIL_HTML, subtype="html")
    parsed = parse(msg.as_bytes())
    assert reply(parsed.text, parsed.html).text == "Thursday works for me, see you then.\n\nBob"


# --- Hostile input --------------------------------------------------------------------------------


def _nested_multiparts(depth: int) -> bytes:
    head = b'From: a@example.com\r\nSubject: deep\r\nContent-Type: multipart/mixed; boundary="b0"\r\n\r\n'
    opening = b"".join(
        b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (level - 1, level)
        for level in range(1, depth + 1)
    )
    innermost = b"--b%d\r\nContent-Type: text/plain\r\n\r\nat the bottom\r\n--b%d--\r\n" % (depth, depth)
    closing = b"".join(b"--b%d--\r\n" % level for level in range(depth - 1, -1, -1))
    return head + opening + innermost + closing


POISON = {
    "truncated-multipart": (
        b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: application/pdf; name=a.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK"
    ),
    "unknown-charset": b"From: a@example.com\r\nContent-Type: text/plain; charset=x-foo\r\n\r\ncaf\xe9\r\n",
    "bad-base64": (
        b"From: a@example.com\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\naGVsbG8*!gd29y\r\n"
    ),
    "nested-1000": _nested_multiparts(1000),
    "empty": b"",
    "nul-bytes": b"From: a@example.com\r\nSubject: a\x00b\r\n\r\nhello\x00world\r\n",
    "8bit-header": b"From: J\xf6rg <jorg@example.com>\r\nSubject: Gr\xfc\xdfe\r\n\r\nhallo\r\n",
}


@pytest.mark.parametrize("name", POISON)
def test_hostile_input_is_kept_with_a_warning(name: str) -> None:
    started = time.monotonic()
    parsed = parse(POISON[name])
    assert time.monotonic() - started < 5
    assert isinstance(parsed, ParsedMessage)
    assert parsed.warnings
    for value in [parsed.subject, parsed.text or "", parsed.html or "", *(h["value"] for h in parsed.headers)]:
        assert "\x00" not in value


def test_hostile_input_keeps_what_is_readable() -> None:
    truncated = parse(POISON["truncated-multipart"])
    assert truncated.text == "hello"
    assert [(a.filename, a.data) for a in truncated.attachments] == [("a.pdf", b"%PDF-1.4\n")]
    assert any("truncated" in w for w in truncated.warnings)

    unknown = parse(POISON["unknown-charset"])
    assert unknown.text == "café\n"
    assert "unknown charset 'x-foo' in the message, decoded as latin-1" in unknown.warnings

    assert parse(POISON["bad-base64"]).text is not None
    assert parse(POISON["nul-bytes"]).text == "hello\ufffdworld\n"

    eight_bit = parse(POISON["8bit-header"])
    assert eight_bit.subject == "Grüße"
    assert eight_bit.from_ == {"name": "Jörg", "address": "jorg@example.com"}

    deep = parse(POISON["nested-1000"])
    assert deep.subject == "deep"
    assert [a.content_type for a in deep.attachments] == ["multipart/mixed"]
    assert b"at the bottom" in deep.attachments[0].data
    assert any(f"more than {MAX_DEPTH} levels" in w for w in deep.warnings)


def test_odd_bytes_never_raise() -> None:
    samples = [
        b"\x00" * 100,
        b"\r\n\r\n",
        b"Content-Type: multipart/mixed\r\n\r\n--\r\n",
        b'Content-Type: multipart/alternative; boundary=""\r\n\r\n--\r\n--\r\n',
        b"To: bad@\r\nFrom: <>\r\nDate: yesterday\r\nSubject: =?utf-8?B?!!!?=\r\n\r\n",
        b"Content-Type: message/rfc822\r\n\r\n",
        b"Content-Type: text/plain; charset=zlib\r\n\r\nabc",
        b"Content-Type: text/plain\r\nContent-Transfer-Encoding: x-wibble\r\n\r\nabc",
        bytes(range(256)) * 8,
    ]
    for raw in samples:
        assert isinstance(parse(raw), ParsedMessage)


def test_a_subject_of_200000_encoded_words_is_decoded_whole() -> None:
    """Decoding is linear (bench/parse_headers.py times it); every word counts, and a character whose UTF-8 bytes
    are split over two adjacent words of one charset is joined, also where the charset changes in between."""
    words, expected = [], []
    for n in range(100_000):
        if n % 1000 == 999:
            words += [f"=?iso-8859-1?q?l{n}?=", "=?iso-8859-1?q?=E9?="]
        else:
            words += [f"=?utf-8?q?w{n}=C3?=", "=?utf-8?q?=A9?="]
        expected.append(f"{'l' if n % 1000 == 999 else 'w'}{n}é")
    lines = [" ".join(words[start : start + 4]) for start in range(0, len(words), 4)]
    raw = ("From: ada@example.com\r\nSubject: " + "\r\n ".join(lines) + "\r\n\r\nbody\r\n").encode()
    parsed = parse(raw)
    assert len(words) == 200_000
    assert parsed.subject == "".join(expected)
    assert parsed.headers[1] == {"name": "Subject", "value": parsed.subject}
    assert parsed.warnings == []


def test_huge_address_and_content_headers_are_read_in_linear_memory() -> None:
    """The stdlib's header parsers need memory growing with the square of a header (a 3 MB Cc took 24 GB): long
    address lists are read by the linear compat32 reader, and a Content-Type only as far as the limit, with a
    warning."""
    import tracemalloc

    cc = ", ".join(f"=?utf-8?q?P{n}?= <p{n}@example.com>" for n in range(5_000))
    raw = (
        f"From: ada@example.com\r\nCc: {cc}\r\nSubject: hi\r\n"
        f'Content-Type: text/plain; charset=utf-8; x-junk="{";" * 30_000}"\r\n\r\nbody\r\n'
    ).encode()
    tracemalloc.start()
    try:
        parsed = parse(raw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * len(raw), f"parsing {len(raw)} bytes took {peak} bytes of memory"
    assert len(parsed.cc) == 5_000
    assert parsed.cc[-1] == {"name": "P4999", "address": "p4999@example.com"}
    assert parsed.text == "body\n"
    assert parsed.warnings == ["the message has a Content-Type header over 4096 characters; only its start was read"]


# --- Encodings --------------------------------------------------------------------------------------


def test_rfc2231_file_name_and_rfc2047_subject() -> None:
    raw = (
        b"From: =?utf-8?q?Ren=C3=A9e?= <Renee@Example.COM>\r\n"
        b"To: Ada <ada@example.com>, bob@example.com\r\n"
        b"Subject: =?utf-8?B?w4dhIHZhIGJpZW4gPw==?= =?utf-8?B?IOKclA==?=\r\n"
        b"Date: Tue, 14 Jan 2025 10:02:00 +0100\r\n"
        b"Message-ID: <abc@example.com>\r\nIn-Reply-To: <x@example.com> <y@example.com>\r\n"
        b"References: <w@example.com>\r\n <x@example.com>\r\n"
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbonjour\r\n"
        b"--b\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=UTF-8''na%C3%AFve.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(b"%PDF") + b"\r\n--b--\r\n"
    )
    parsed = parse(raw)
    assert parsed.subject == "Ça va bien ? ✔"
    assert parsed.from_ == {"name": "Renée", "address": "renee@example.com"}
    assert parsed.to == [{"name": "Ada", "address": "ada@example.com"}, {"name": None, "address": "bob@example.com"}]
    assert parsed.date == datetime(2025, 1, 14, 10, 2, tzinfo=timezone(timedelta(hours=1)))
    assert (parsed.message_id, parsed.in_reply_to) == ("<abc@example.com>", "<x@example.com>")
    assert parsed.references == ["<w@example.com>", "<x@example.com>"]
    assert [(a.filename, a.content_type, a.data, a.inline) for a in parsed.attachments] == [
        ("naïve.pdf", "application/pdf", b"%PDF", False)
    ]
    assert parsed.headers[2] == {"name": "Subject", "value": "Ça va bien ? ✔"}
    assert parsed.warnings == []


def test_rfc2047_file_name_and_unknown_utc_offset() -> None:
    raw = (
        b"Date: Tue, 14 Jan 2025 10:02:00 -0000\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b'--b\r\nContent-Type: text/plain; name="=?utf-8?B?Y2Fmw6kudHh0?="\r\n\r\nmenu\r\n--b--\r\n'
    )
    parsed = parse(raw)
    assert parsed.date == datetime(2025, 1, 14, 10, 2, tzinfo=UTC)
    assert parsed.text is None
    assert [(a.filename, a.data) for a in parsed.attachments] == [("café.txt", b"menu")]


def test_raw_8bit_bytes_in_an_encoded_word_are_read_in_its_charset() -> None:
    """Mailers that put unencoded bytes in a Q word mean the word's charset (latin-1 here, UTF-8 there)."""
    raw = (
        b"From: =?iso-8859-1?Q?J\xfcrgen?= <j@example.com>\r\n"
        b"Subject: =?iso-8859-1?Q?Gr\xfc=DFe?= aus =?utf-8?Q?K\xc3\xb6ln?=\r\n\r\nhi\r\n"
    )
    parsed = parse(raw)
    assert parsed.subject == "Grüße aus Köln"
    assert parsed.from_ == {"name": "Jürgen", "address": "j@example.com"}
    assert parsed.warnings == [
        "the From header has unencoded 8-bit bytes in an encoded word, read in the word's charset",
        "the Subject header has unencoded 8-bit bytes in an encoded word, read in the word's charset",
    ]


def test_whitespace_between_encoded_words_of_a_display_name_is_ignored() -> None:
    raw = (
        b"To: =?utf-8?Q?Ren=C3=A9e?= =?utf-8?Q?_Dupont?= <renee@example.com>,\r\n"
        b" =?utf-8?Q?Ada?= Lovelace <ada@example.com>\r\n\r\nhi\r\n"
    )
    assert parse(raw).to == [
        {"name": "Renée Dupont", "address": "renee@example.com"},
        {"name": "Ada Lovelace", "address": "ada@example.com"},  # a word and plain text keep their space
    ]


def test_file_names_the_rfc_2045_grammar_cuts_short_are_read_as_written() -> None:
    pdf_name = base64.b64encode("Résumé.pdf".encode())
    raw = (
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment;\r\n\tfilename=Annual report.txt\r\n"
        b"\r\nnumbers\r\n"
        b"--b\r\nContent-Type: application/pdf; name==?utf-8?B?" + pdf_name + b"?=\r\n\r\n%PDF\r\n"
        # The modern parser's reading is kept where it is the better one: an unterminated quote.
        b'--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="cut.pdf\r\n'
        b"\r\n%PDF\r\n"
        b'--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="a; b.pdf"\r\n'
        b"\r\n%PDF\r\n--b--\r\n"
    )
    parsed = parse(raw)
    assert [a.filename for a in parsed.attachments] == ["Annual report.txt", "Résumé.pdf", "cut.pdf", "a; b.pdf"]
    assert parsed.warnings == []


def test_iso_2022_jp_and_windows_1252_bodies() -> None:
    japanese = "こんにちは、世界"
    raw = (
        b"Subject: =?ISO-2022-JP?B?" + base64.b64encode("件名".encode("iso-2022-jp")) + b"?=\r\n"
        b"Content-Type: multipart/alternative; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
        + japanese.encode("iso-2022-jp")
        + b"\r\n--b\r\nContent-Type: text/html; charset=windows-1252\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "<p>“quoted” 5 € …</p>".encode("cp1252")
        + b"\r\n--b--\r\n"
    )
    parsed = parse(raw)
    assert parsed.subject == "件名"
    assert parsed.text == japanese
    assert parsed.html == "<p>“quoted” 5 € …</p>"
    assert parsed.warnings == []


def test_inline_cid_image_is_an_inline_attachment() -> None:
    msg = EmailMessage()
    msg["Subject"] = "logo"
    msg.set_content("see the logo")
    msg.add_alternative('<p>see <img src="cid:logo@example.com"></p>', subtype="html")
    html_part = next(part for part in msg.iter_parts() if part.get_content_type() == "text/html")
    html_part.add_related(b"\x89PNG\r\n", maintype="image", subtype="png", cid="<logo@example.com>")
    parsed = parse(msg.as_bytes())
    assert parsed.text == "see the logo\n"
    assert parsed.html == '<p>see <img src="cid:logo@example.com"></p>\n'
    assert [(a.content_type, a.content_id, a.inline, a.data) for a in parsed.attachments] == [
        ("image/png", "logo@example.com", True, b"\x89PNG\r\n")
    ]


def test_forwarded_message_becomes_an_eml_attachment() -> None:
    inner = EmailMessage()
    inner["Subject"] = "Quarterly numbers"
    inner.set_content("numbers")
    outer = EmailMessage()
    outer["Subject"] = "Fwd: Quarterly numbers"
    outer.set_content("see attached")
    outer.add_attachment(inner)
    parsed = parse(outer.as_bytes())
    assert parsed.text == "see attached\n"
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [("Quarterly numbers.eml", "message/rfc822")]
    assert email.message_from_bytes(parsed.attachments[0].data)["subject"] == "Quarterly numbers"


def test_boundary_lines_are_matched_as_the_feed_parsers_own_pattern_would() -> None:
    """``parsing`` spares the feed parser a regex compile per multipart boundary: its matcher must agree with the
    compiled pattern on every line, whatever the boundary holds (seeded, so every run checks the same lines)."""
    import email.feedparser
    import random
    import re

    from mailman_services.domain import parsing

    feedparser_re = getattr(email.feedparser, "re")  # noqa: B009 - typed as the module it replaces
    assert isinstance(feedparser_re, parsing._FeedParserRe)
    rng = random.Random(2026)
    alphabet = "ab-=_.+()?*[]\\|^$ \t\r\n'\"/:,é"
    for _ in range(2000):
        separator = "--" + "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        # As email/feedparser.py builds it.
        pattern = "(?P<sep>" + re.escape(separator) + r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
        fast, compiled = feedparser_re.compile(pattern), re.compile(pattern)
        assert isinstance(fast, parsing._BoundaryLine)
        for _ in range(20):
            endings = ("--", " ", "\t", "\r\n", "\n", "\r", "x", "-", "\r\n\n")
            line = separator + "".join(rng.choice(endings) for _ in range(rng.randint(0, 4)))
            line = line[1:] if rng.random() < 0.2 else line
            ours, theirs = fast.match(line), compiled.match(line)
            assert (ours is None) == (theirs is None), line
            if ours is not None and theirs is not None:
                assert [ours.group(g) for g in ("end", "ws", "linesep")] == [
                    theirs.group(g) for g in ("end", "ws", "linesep")
                ], line
    assert isinstance(feedparser_re.compile("(?P<sep>x)"), re.Pattern)  # any other pattern: compiled


def test_the_preview_is_the_first_words_of_the_text_however_they_are_spaced() -> None:
    """``mime.preview`` reads a short head first; it gives what joining every word of the text gives (seeded)."""
    import random

    from mailman_services.domain import mime

    rng = random.Random(2026)
    pieces = ["word", "a", "longerwordthanmost", " ", "  ", "\n", "\r\n\r\n", "\t", " " * 300, "ü", "x" * 250]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 120)))
        assert mime.preview(text, None) == " ".join(text[: mime.PREVIEW_LENGTH * 20].split())[: mime.PREVIEW_LENGTH]


def test_a_lone_surrogate_in_a_body_is_replaced_and_other_text_kept_as_it_is() -> None:
    """UTF-7 can spell a lone surrogate, which neither JSON nor PostgreSQL takes: it is replaced, with a warning.
    A body of other non-ASCII text (checked for surrogates by encoding it, not by a regular expression) is kept."""
    head = b"From: ada@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
    lone = parse(head + b"Content-Type: text/plain; charset=utf-7\r\n\r\nbefore +2AA- after\r\n")
    assert lone.text == "before \ufffd after\n"
    assert "the message contains invalid characters; they were replaced" in lone.warnings
    text = "Caf\u00e9 \u2019quoted\u2019 \U0001f600 \u0939\u093f\n"
    plain = parse(head + b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text.encode().replace(b"\n", b"\r\n"))
    assert (plain.text, plain.warnings) == (text, [])
