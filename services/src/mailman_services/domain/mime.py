"""Building outbound MIME messages, and the small text helpers both directions share.

Mailman writes every header itself rather than through the standard library: Python 3.11's ``email``
package decodes RFC 2047 encoded words in values it is given and can write what they decode to (CR, LF)
as real line breaks (CVE-2024-6923), so a subject like ``=?utf-8?b?DQpCY2M6IC4uLg==?=`` would become a
``Bcc:`` header. Here a value is text, never pre-encoded MIME: it is checked for line breaks after
decoding, and anything that is not plain printable ASCII, or that looks like an encoded word, is itself
encoded, so a reader decodes exactly the text the caller gave.
"""

from __future__ import annotations

import base64
import binascii
import html as html_lib
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import quote

from .addresses import is_address

# Headers Mailman writes itself, or that only mail servers add; a caller may not set them through ``headers``.
RESERVED_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "subject",
        "date",
        "message-id",
        "in-reply-to",
        "references",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
        "content-id",
        "sender",
        "return-path",
        "received",
        "dkim-signature",
        "authentication-results",
        "arc-seal",
        "arc-message-signature",
        "arc-authentication-results",
    }
)
RESERVED_PREFIXES = ("resent-",)
HEADER_NAME_RE = re.compile(r"^[!-9;-~]{1,76}$")
# Everything str.splitlines() and mail readers treat as the end of a line.
LINE_BREAKS = re.compile("[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")
# A Content-ID or Message-ID between its angle brackets: printable ASCII, no spaces, no brackets, one line.
_ID_RE = re.compile(r"^[!-;=?-~]{1,900}$")
_PLAIN_RE = re.compile(r"^[ -~]*$")
_ATOM_PHRASE_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$")
PREVIEW_LENGTH = 200
MAX_LINE = 78
MAX_WORD = 900  # a header line may hold 998 characters; this leaves room for the name and a separator


@dataclass
class Mailbox:
    name: str | None
    address: str

    def formatted(self) -> str:
        """For people to read (a forwarded message's header block), not for a header."""
        return f"{self.name} <{self.address}>" if self.name else self.address


@dataclass
class AttachmentPart:
    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None
    inline: bool = False


@dataclass
class Draft:
    sender: Mailbox
    to: list[Mailbox]
    subject: str
    message_id: str
    date: datetime
    cc: list[Mailbox] = field(default_factory=list)
    reply_to: list[Mailbox] = field(default_factory=list)
    text: str | None = None
    html: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    attachments: list[AttachmentPart] = field(default_factory=list)


def text_error(value: str) -> str | None:
    """Why ``value`` cannot be one line of a header (subject, display name, file name…), or None."""
    if LINE_BREAKS.search(value):
        return "must not contain line breaks (CR, LF, VT, FF, U+0085, U+2028, U+2029)"
    if "\x00" in value:
        return "must not contain NUL characters"
    return None


def single_line(value: str) -> str:
    """Text that came from elsewhere (received mail) made fit for one header line: controls become spaces."""
    return CONTROLS.sub(" ", value)


def header_error(name: str, value: str) -> str | None:
    """Why a caller-supplied header cannot be sent, or None."""
    if not HEADER_NAME_RE.match(name):
        return "is not a valid header name"
    lowered = name.lower()
    if lowered in RESERVED_HEADERS or lowered.startswith(RESERVED_PREFIXES):
        return "is set by Mailman or by mail servers and cannot be set"
    if (error := text_error(value)) is not None:
        return error
    if len(value) > 998:
        return "is longer than 998 characters"
    return None


# What Mailman can write between angle brackets as an address: printable ASCII, one @, no spaces or brackets.
_WRITABLE_ADDRESS = re.compile(r"^[!-;=?-~]+@[!-;=?-~]+$")


def address_error(address: str, *, dotted: bool) -> str | None:
    """Why mail cannot be sent to ``address`` taken from received mail, or None. ``dotted``: the transport
    (SES) needs a domain with a dot; a local one delivers to whatever it captures (``root@vm``)."""
    if not _WRITABLE_ADDRESS.match(address) or "," in address or address.count("@") != 1:
        return "it is not an address Mailman can write in a header"
    if dotted and not is_address(address):
        return "its domain has no dot, and SES sends only to domains such as example.com"
    return None


def content_id_error(value: str) -> str | None:
    inner = value.strip().removeprefix("<").removesuffix(">")
    if not _ID_RE.match(inner) or "=?" in inner:  # some readers decode encoded words even here
        return "is not a Content-ID such as logo@example.com (no spaces or line breaks)"
    return None


def safe_content_id(value: str | None) -> str | None:
    """A received part's Content-ID if it can be written back as one, else None."""
    if value is None or content_id_error(value) is not None:
        return None
    return value.strip().removeprefix("<").removesuffix(">")


def safe_filename(value: str) -> str:
    """A received file name fit to be sent again: one line, no path."""
    name = single_line(value).replace("/", "_").replace("\\", "_").strip()
    return name or "attachment"


# --- Writing headers ------------------------------------------------------------------------------


def _encoded_words(value: str) -> list[str]:
    """``value`` as UTF-8 base64 encoded words of at most 75 characters, split between characters."""
    words, chunk = [], b""
    for char in value:
        data = char.encode("utf-8", "surrogatepass")
        if len(chunk) + len(data) > 45:  # 45 bytes -> 60 base64 characters + 12 of "=?utf-8?b??="
            words.append(chunk)
            chunk = b""
        chunk += data
    words.append(chunk)
    return [f"=?utf-8?b?{base64.b64encode(w).decode()}?=" for w in words]


def _needs_encoding(value: str) -> bool:
    return not _PLAIN_RE.match(value) or "=?" in value or value != value.strip() or "  " in value


def _unstructured_words(value: str) -> list[str]:
    """The words of an unstructured value: folded between them, a reader unfolds back to ``value``."""
    words = value.split(" ")
    # A word too long for one line (998 characters) is encoded, which splits it.
    return _encoded_words(value) if _needs_encoding(value) or max(map(len, words)) > MAX_WORD else words


def _phrase(name: str) -> list[str]:
    """A display name as header words: an atom phrase as it is, other ASCII quoted, the rest encoded."""
    if not _needs_encoding(name) and _ATOM_PHRASE_RE.match(name):
        return name.split(" ")
    quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return _encoded_words(name) if _needs_encoding(name) or len(quoted) > MAX_WORD else [quoted]


def _mailbox_words(mailbox: Mailbox) -> list[str]:
    if not mailbox.name:
        return [mailbox.address]
    return [*_phrase(mailbox.name), f"<{mailbox.address}>"]


def _fold(name: str, words: list[str], separators: list[str] | None = None) -> str:
    """``Name: words`` folded before a word when the line would pass 78 characters.

    ``separators[i]`` goes before ``words[i]`` (default: a space before every word but the first); a fold
    takes the place of its spaces, so unfolding gives the same text back.
    """
    seps = separators if separators is not None else ["", *[" "] * (len(words) - 1)]
    lines: list[str] = []
    line = f"{name}:"
    for i, (sep, word) in enumerate(zip(seps, words, strict=True)):
        if i and len(line) + len(sep) + len(word) > MAX_LINE:
            lines.append(line + sep.rstrip(" "))
            line = f" {word}"
        else:
            line += f" {word}" if i == 0 else f"{sep}{word}"
    lines.append(line)
    return "\r\n".join(lines)


def _header(name: str, words: list[str], separators: list[str] | None = None) -> str:
    folded = _fold(name, words, separators)
    # The last line of defence: whatever was encoded, a header is CRLF + whitespace between its lines only.
    for line in folded.split("\r\n")[1:]:
        if not line[:1].isspace():
            raise ValueError(f"header {name} would span lines")
    if "\r" in folded.replace("\r\n", "") or "\n" in folded.replace("\r\n", "") or not folded.isascii():
        raise ValueError(f"header {name} holds a line break or non-ASCII text")
    return folded


def _address_header(name: str, mailboxes: list[Mailbox]) -> str:
    words: list[str] = []
    separators: list[str] = []
    for i, mailbox in enumerate(mailboxes):
        parts = _mailbox_words(mailbox)
        separators += [", " if i else "", *[" "] * (len(parts) - 1)]
        words += parts
    return _header(name, words, separators)


def _msg_ids(values: list[str]) -> list[str]:
    """Message-IDs as ``<id>``; one that could not be written safely (it came from received mail) is left out."""
    out = []
    for value in values:
        inner = value.strip().removeprefix("<").removesuffix(">")
        if _ID_RE.match(inner):
            out.append(f"<{inner}>")
    return out


def _parameter(name: str, value: str, last: bool = True) -> list[str]:
    """A MIME parameter as header words: quoted when it is plain ASCII, else RFC 2231 ``name*=utf-8''…``,
    continued over several words (``name*0*=``, ``name*1*=``…) when long."""
    end = "" if last else ";"
    if not _needs_encoding(value) and '"' not in value and "\\" not in value:
        return [f'{name}="{value}"{end}']
    units = re.findall(r"%[0-9A-F]{2}|.", quote(value, safe=""))  # never split a %XX escape
    chunks = [""]
    for unit in units:
        if len(chunks[-1]) + len(unit) > 60:
            chunks.append("")
        chunks[-1] += unit
    if len(chunks) == 1:
        return [f"{name}*=utf-8''{chunks[0]}{end}"]
    words = [f"{name}*{i}*={chunk};" for i, chunk in enumerate(chunks)]
    words[0] = words[0].replace("*=", "*=utf-8''", 1)
    words[-1] = words[-1].removesuffix(";") + end
    return words


# --- Writing the body -----------------------------------------------------------------------------


def _quoted_printable(text: str) -> bytes:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # Every CR and LF of a line is encoded (istext=False), so the only LFs left are the soft breaks.
    encoded = [binascii.b2a_qp(line.encode("utf-8", "surrogatepass"), istext=False) for line in lines]
    return b"\r\n".join(e.replace(b"\n", b"\r\n") for e in encoded) + b"\r\n"


def _base64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


@dataclass
class _Part:
    headers: list[str]
    body: bytes = b""
    children: list[_Part] = field(default_factory=list)


def _text_part(text: str, subtype: str) -> _Part:
    return _Part(
        [f'Content-Type: text/{subtype}; charset="utf-8"', "Content-Transfer-Encoding: quoted-printable"],
        _quoted_printable(text),
    )


def _attachment_part(part: AttachmentPart) -> _Part:
    content_type = part.content_type if is_valid_content_type(part.content_type) else "application/octet-stream"
    headers = [
        _header("Content-Type", [f"{content_type};", *_parameter("name", part.filename)]),
        "Content-Transfer-Encoding: base64",
        _header(
            "Content-Disposition", ["inline;" if part.inline else "attachment;", *_parameter("filename", part.filename)]
        ),
    ]
    if part.content_id:
        [cid] = _msg_ids([part.content_id]) or [f"<{os.urandom(8).hex()}@mailman.invalid>"]
        headers.append(f"Content-ID: {cid}")
    return _Part(headers, _base64(part.data))


def _multipart(subtype: str, children: list[_Part]) -> _Part:
    return _Part([f"Content-Type: multipart/{subtype};"], children=children)


def _flatten(part: _Part) -> bytes:
    if not part.children:
        return "\r\n".join(part.headers).encode() + b"\r\n\r\n" + part.body
    # A boundary made of random hex after "=_" cannot occur in base64 or quoted-printable text.
    boundary = f"=_mailman_{os.urandom(12).hex()}"
    headers = [*part.headers[:-1], f'{part.headers[-1]}\r\n boundary="{boundary}"']
    out = "\r\n".join(headers).encode() + b"\r\n\r\n"
    for child in part.children:
        out += f"--{boundary}\r\n".encode() + _flatten(child) + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def build(draft: Draft) -> tuple[bytes, list[dict[str, str]]]:
    """The raw RFC 5322 bytes of ``draft`` and its top-level headers in order, as a reader decodes them."""
    for what, value in [
        ("subject", draft.subject),
        *(("display name", m.name or "") for m in [draft.sender, *draft.to, *draft.cc, *draft.reply_to]),
        *(("header", v) for _, v in draft.headers),
        *(("file name", a.filename) for a in draft.attachments),
    ]:
        if text_error(value) is not None:
            raise ValueError(f"a {what} holds a line break")  # callers validate or sanitise first

    written: list[tuple[str, str, str]] = []  # (name, value as read, the header as written)

    def add(name: str, value: str, line: str) -> None:
        written.append((name, value, line))

    def mailboxes(people: list[Mailbox]) -> str:
        return ", ".join(m.formatted() for m in people)

    add("From", mailboxes([draft.sender]), _address_header("From", [draft.sender]))
    add("To", mailboxes(draft.to), _address_header("To", draft.to))
    if draft.cc:
        add("Cc", mailboxes(draft.cc), _address_header("Cc", draft.cc))
    if draft.reply_to:
        add("Reply-To", mailboxes(draft.reply_to), _address_header("Reply-To", draft.reply_to))
    add("Subject", draft.subject, _header("Subject", _unstructured_words(draft.subject)))
    date = format_datetime(draft.date)
    add("Date", date, f"Date: {date}")
    [message_id] = _msg_ids([draft.message_id])
    add("Message-ID", message_id, f"Message-ID: {message_id}")
    if draft.in_reply_to and (in_reply_to := _msg_ids([draft.in_reply_to])):
        add("In-Reply-To", in_reply_to[0], f"In-Reply-To: {in_reply_to[0]}")
    if references := _msg_ids(draft.references):
        add("References", " ".join(references), _header("References", references))
    for name, value in draft.headers:
        add(name, value, _header(name, _unstructured_words(value)))
    add("MIME-Version", "1.0", "MIME-Version: 1.0")

    bodies = []
    if draft.text is not None or draft.html is None:
        bodies.append(_text_part(draft.text or "", "plain"))
    if draft.html is not None:
        bodies.append(_text_part(draft.html, "html"))
    body = bodies[0] if len(bodies) == 1 else _multipart("alternative", bodies)
    if draft.attachments:
        body = _multipart("mixed", [body, *(_attachment_part(a) for a in draft.attachments)])
    raw_body = _flatten(body)
    separator = raw_body.index(b"\r\n\r\n")
    content_headers = raw_body[:separator].decode()
    for line in re.split(r"\r\n(?=\S)", content_headers):
        name, _, value = line.partition(":")
        add(name, " ".join(value.split()), line)
    raw = "\r\n".join(line for _, _, line in written).encode() + raw_body[separator:]
    return raw, [{"name": name, "value": value} for name, value, _ in written]


def redated(raw: bytes, headers: list[dict[str, str]], when: datetime) -> tuple[bytes, list[dict[str, str]]]:
    """``raw`` and its ``headers`` as ``build`` made them, with the Date saying ``when`` (a scheduled message is
    dated when it is sent). ``build`` writes Date on one line and refuses it among the caller's headers, so the
    one top-level line starting ``Date:`` is its own."""
    head, separator, body = raw.partition(b"\r\n\r\n")
    date = format_datetime(when)
    lines = [f"Date: {date}".encode() if line[:5].lower() == b"date:" else line for line in head.split(b"\r\n")]
    dated = [{"name": h["name"], "value": date} if h["name"].lower() == "date" else h for h in headers]
    return b"\r\n".join(lines) + separator + body, dated


# Types a browser would run or render as a document of the API's origin: never shown inline.
_ACTIVE_SUBTYPES = frozenset({"html", "xhtml+xml", "xml", "svg+xml", "javascript", "ecmascript", "x-javascript"})


def is_active_content(content_type: str) -> bool:
    maintype, _, subtype = content_type.lower().partition("/")
    return subtype in _ACTIVE_SUBTYPES or subtype.endswith("+xml") or maintype == "multipart"


def content_disposition(filename: str, inline: bool) -> str:
    """An HTTP Content-Disposition for a download (RFC 6266): the name percent-encoded as RFC 5987 says."""
    return f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(single_line(filename), safe='')}"


def is_valid_content_type(value: str) -> bool:
    maintype, _, subtype = value.partition("/")
    token = re.compile(r"^[A-Za-z0-9!#$&^_.+-]{1,127}$")
    return bool(token.match(maintype) and token.match(subtype))


_TAGS_RE = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)


def html_to_text(value: str) -> str:
    return html_lib.unescape(_TAGS_RE.sub(" ", value))


def preview(text: str | None, html: str | None) -> str:
    # A bounded head: splitting a 40 MB body into words would cost half a gigabyte for 200 characters.
    source = text[: PREVIEW_LENGTH * 20] if text is not None else html_to_text((html or "")[: PREVIEW_LENGTH * 100])
    # The words of a shorter head, joined, are the start of those of the whole (the last may be cut): when they
    # already fill the preview, it is theirs.
    head = " ".join(source[: PREVIEW_LENGTH * 2].split())
    if len(head) >= PREVIEW_LENGTH:
        return head[:PREVIEW_LENGTH]
    return " ".join(source.split())[:PREVIEW_LENGTH]


def reply_subject(subject: str) -> str:
    return subject if re.match(r"^\s*re\s*:", subject, re.IGNORECASE) else f"Re: {subject}".rstrip()


def forward_subject(subject: str) -> str:
    return subject if re.match(r"^\s*(fwd?|fw)\s*:", subject, re.IGNORECASE) else f"Fwd: {subject}".rstrip()


def message_id_for(message_id: str, domain: str) -> str:
    return f"<{message_id}@{domain}>"
