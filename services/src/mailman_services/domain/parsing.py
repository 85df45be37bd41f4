"""Reading inbound mail: raw RFC 5322 bytes into a ParsedMessage, keeping whatever can be read.

``parse`` never raises: every problem it meets becomes a plain-words entry in ``warnings``.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email.errors
import email.feedparser
import email.utils
import functools
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.feedparser import BytesFeedParser
from email.generator import BytesGenerator
from email.headerregistry import AddressHeader
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from typing import Any, TypeVar

from . import mime_split

# Deeper MIME trees are kept as one unparsed attachment: real mail nests a handful of levels, and the
# stdlib parser recurses once per level, so an unbounded tree would end in RecursionError.
MAX_DEPTH = 100
FEED_BYTES = 1024 * 1024  # raw bytes handed to the MIME parser at a time
# A hostile message can produce one problem per part; past this many the rest are only counted.
MAX_WARNINGS = 50
# The stdlib's header parsers take time and memory growing with the square of a header's length (a 64 KB
# address list takes 0.4 s, a 3 MB one exhausts memory): what they read is cut to this many characters,
# and longer address lists go to compat32's getaddresses, which is linear.
MAX_PARSED_HEADER = 4096

_T = TypeVar("_T")
_Mailbox = dict[str, str | None]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_WHITESPACE_ONLY = re.compile(r"[ \t]+")
_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/]")
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]+")
# Any other lone surrogate cannot be encoded as UTF-8, so neither JSON nor PostgreSQL would take it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_MSG_ID = re.compile(r"<([^<>]*)>")
_ID_HEADERS = ("message-id", "in-reply-to", "references")

_DEFECT_WORDS: dict[type[email.errors.MessageDefect], str | None] = {
    email.errors.NoBoundaryInMultipartDefect: "is multipart but declares no boundary",
    email.errors.StartBoundaryNotFoundDefect: "is multipart but its boundary never appears",
    email.errors.CloseBoundaryNotFoundDefect: "ends without its closing MIME boundary (the message may be truncated)",
    email.errors.FirstHeaderLineIsContinuationDefect: "starts with a folded header line",
    email.errors.MisplacedEnvelopeHeaderDefect: "has a 'From ' envelope line among its headers",
    email.errors.MissingHeaderBodySeparatorDefect: "has a malformed header line; what follows was read as body",
    email.errors.InvalidMultipartContentTransferEncodingDefect: "is multipart but has a transfer encoding",
    email.errors.InvalidBase64PaddingDefect: "has base64 content with bad padding",
    email.errors.InvalidBase64CharactersDefect: "has invalid characters in its base64 content",
    email.errors.InvalidBase64LengthDefect: "has truncated base64 content",
    # Always reported together with one of the boundary defects above; saying it again adds nothing.
    email.errors.MultipartInvariantViolationDefect: None,
}


@dataclass
class ParsedAttachment:
    filename: str | None
    content_type: str
    data: bytes
    content_id: str | None
    inline: bool


@dataclass
class ParsedMessage:
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    from_: _Mailbox | None = None
    to: list[_Mailbox] = field(default_factory=list)
    cc: list[_Mailbox] = field(default_factory=list)
    reply_to: list[_Mailbox] = field(default_factory=list)
    subject: str = ""
    date: datetime | None = None
    text: str | None = None
    html: str | None = None
    headers: list[dict[str, str]] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse(raw: bytes, *, shortcuts: bool = True) -> ParsedMessage:
    """Everything readable in ``raw``; what could not be read is listed in ``warnings``.

    ``shortcuts=False`` reads it with the email package alone: the reading the shortcuts (``mime_split``,
    ``_plain_parameters``) must give again, which the tests compare them with.
    """
    result = ParsedMessage()
    warnings: list[str] = []
    try:
        _parse_into(bytes(raw), result, warnings, shortcuts)
    except Exception as exc:  # noqa: BLE001 - parse() promises never to raise; keep what was read so far
        warnings.append(f"the message could not be read completely ({type(exc).__name__}); some content may be missing")
    result.warnings = _summarised(warnings)
    # Bodies travel with CRLF line ends; readers of the API expect plain newlines.
    result.text = result.text.replace("\r\n", "\n") if result.text is not None else None
    result.html = result.html.replace("\r\n", "\n") if result.html is not None else None
    return result


def _summarised(warnings: list[str]) -> list[str]:
    unique = list(dict.fromkeys(warnings))
    if len(unique) <= MAX_WARNINGS:
        return unique
    return [*unique[:MAX_WARNINGS], f"... and {len(unique) - MAX_WARNINGS} more problems"]


def _parse_into(raw: bytes, result: ParsedMessage, warnings: list[str], shortcuts: bool) -> None:
    if not raw.strip():
        warnings.append("the message is empty")
        return
    msg = _read_mime(raw, warnings, shortcuts)
    if msg is None:
        return
    _read_headers(msg, result, warnings)
    linesep = "\r\n" if b"\r\n" in raw[:65536] else "\n"
    _read_parts(msg, result, warnings, linesep)


# --- MIME structure -------------------------------------------------------------------------------


def _cut(value: Any) -> Any:
    # Only raw text from the mail is cut; a header object (it has a ``name``) has been parsed already.
    return value[:MAX_PARSED_HEADER] if isinstance(value, str) and not hasattr(value, "name") else value


class _BoundedPolicy(policy.EmailPolicy):
    plain_parameters = True  # see _plain_parameters

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name"):  # parsed already
            return value
        value = _cut(value)
        lowered = name.lower()
        if self.plain_parameters and lowered in _PARAMETERIZED:
            plain = _plain_text(lowered, value)
            if plain is not None:
                return plain
        return _parsed_header(self, name, value)


# Content-Type and Content-Disposition values of the plain form "type/subtype; name=token; name="text"". What
# Message reads of these headers (get_content_type, get_param, get_boundary, get_filename,
# get_content_disposition) it reads from str(header) with its own string functions; the header object itself,
# whose grammar parse took a sixth of the time of reading a message (a boundary or a file name is new in every
# message, so the cache below rarely has it), is not needed. For the plain form, that string is built here as the
# header registry writes it: the type as written, then each parameter's first occurrence as name="value" (a
# bare name when empty), joined by "; ". No comments, backslashes, encoded words, RFC 2231 or non-ASCII text:
# anything else goes to the header registry.
_MIME_WORD = r"[A-Za-z0-9!#$%&'*+\-.^_`{|}~]+"
_VALUE_TEXT = r"[A-Za-z0-9!#$&+\-.^_`{|}~]+"  # no "%", "'" or "*", which RFC 2231 gives a meaning
_PARAMETER = rf";[ \t]*[A-Za-z0-9_.-]+=(?:{_VALUE_TEXT}|\"[ !#-\[\]-~]*\")"
_PARAMETERIZED = {
    "content-type": re.compile(rf"({_MIME_WORD}/{_MIME_WORD})(?:{_PARAMETER})*"),
    "content-disposition": re.compile(rf"({_MIME_WORD})(?:{_PARAMETER})*"),
}
_ONE_PARAMETER = re.compile(rf";[ \t]*([A-Za-z0-9_.-]+)=(?:({_VALUE_TEXT})|\"([ !#-\[\]-~]*)\")")


# Message reads Content-Type some five times per part; a boundary or a file name is new in every message.
@functools.lru_cache(maxsize=256)
def _plain_text(name: str, value: str) -> str | None:
    """_plain_parameters of the header ``name`` (lowercase) with the raw, folded ``value``."""
    return _plain_parameters(name, "".join(_LINE_BREAK.split(value)))


def _plain_parameters(name: str, value: str) -> str | None:
    """str() of the Content-Type or Content-Disposition header ``name`` (lowercase) of unfolded ``value``, when
    ``value`` is plain; else None."""
    whole = _PARAMETERIZED[name].fullmatch(value)
    if whole is None or "=?" in value:
        return None
    parameters: dict[str, str] = {}
    for match in _ONE_PARAMETER.finditer(value, whole.end(1)):
        parameters.setdefault(match[1], match[2] if match[2] is not None else match[3])
    if not parameters:
        return whole[1]
    return whole[1] + "; " + "; ".join(f'{key}="{text}"' if text else key for key, text in parameters.items())


# The stdlib parses a header again each time it is read, and it reads Content-Type some twenty times per
# message while parsing and walking it (a third of the parse of a small multipart message). A parsed header
# is immutable and depends only on its name and text, so the recent ones are kept (a few MB at worst).
@functools.lru_cache(maxsize=256)
def _parsed_header(mime_policy: policy.EmailPolicy, name: str, value: str) -> Any:
    return policy.EmailPolicy.header_fetch_parse(mime_policy, name, value)


class _BoundedCompat32(policy.Compat32):
    def header_fetch_parse(self, name: str, value: str) -> Any:
        return super().header_fetch_parse(name, _cut(value))


# Every header the stdlib reads for us (Content-Type, Content-Disposition, ...) goes through these.
_MODERN = _BoundedPolicy()


class _StdlibPolicy(_BoundedPolicy):
    plain_parameters = False


_MODERN_STDLIB = _StdlibPolicy()  # for parse(raw, shortcuts=False)
_LEGACY = _BoundedCompat32()


class _ModernPart(EmailMessage):
    # Set by the parser on parts deeper than MAX_DEPTH so it reads their body as opaque text.
    too_deep = False

    def get_content_maintype(self) -> str:
        return "application" if self.too_deep else super().get_content_maintype()


class _LegacyPart(Message):
    too_deep = False

    def get_content_maintype(self) -> str:
        return "application" if self.too_deep else super().get_content_maintype()


# The feed parser compiles a regular expression for each multipart's boundary, which is new in every message:
# sre's compiler, in Python, took a sixth of the parse of a small multipart message. Its pattern is the
# separator as a literal, then a fixed tail; the same match is a ``startswith`` and one precompiled tail. Any
# other pattern (or this one, if a future Python writes it differently) is compiled as before.
_BOUNDARY_HEAD = "(?P<sep>"
_BOUNDARY_TAIL = r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
_AFTER_BOUNDARY = re.compile(_BOUNDARY_TAIL[1:])
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


class _BoundaryLine:
    """``re.compile(head + re.escape(separator) + tail)``'s ``match``, for the feed parser's boundary lines."""

    __slots__ = ("separator",)

    def __init__(self, separator: str) -> None:
        self.separator = separator

    def match(self, line: str) -> re.Match[str] | None:
        return _AFTER_BOUNDARY.match(line, len(self.separator)) if line.startswith(self.separator) else None


class _FeedParserRe:
    """The ``re`` module as ``email.feedparser`` sees it: the same, but boundary patterns are not compiled."""

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)

    @staticmethod
    def compile(pattern: Any, flags: int = 0) -> Any:
        if (
            isinstance(pattern, str)
            and not flags
            and pattern.startswith(_BOUNDARY_HEAD)
            and pattern.endswith(_BOUNDARY_TAIL)
        ):
            escaped = pattern[len(_BOUNDARY_HEAD) : -len(_BOUNDARY_TAIL)]
            separator = _ESCAPED.sub(r"\1", escaped)
            if re.escape(separator) == escaped:
                return _BoundaryLine(separator)
        return re.compile(pattern, flags)


email.feedparser.re = _FeedParserRe()  # type: ignore[attr-defined]


class _DepthLimitedParser(BytesFeedParser):
    # ``_new_message`` and ``_msgstack`` are the feed parser's internals; if a future Python renames them,
    # the depth limit silently stops applying and the RecursionError fallback in _read_mime takes over.
    def _new_message(self) -> None:
        super()._new_message()  # type: ignore[misc]
        stack: list[Any] = getattr(self, "_msgstack", [])
        if len(stack) - 1 > MAX_DEPTH:
            stack[-1].too_deep = True


def _read_mime(raw: bytes, warnings: list[str], shortcuts: bool) -> Message | None:
    if shortcuts:
        split = mime_split.tree(raw, lambda: _ModernPart(policy=_MODERN))
        if split is not None:
            return split
    attempts: list[tuple[policy.Policy, Callable[..., Message]]] = [
        (_MODERN if shortcuts else _MODERN_STDLIB, _ModernPart),
        (_LEGACY, _LegacyPart),
    ]
    for mime_policy, factory in attempts:
        try:
            parser = _DepthLimitedParser(factory, policy=mime_policy)
            # In slices: fed whole, the parser would decode all of it into one more string at once.
            view = memoryview(raw)
            for start in range(0, len(raw), FEED_BYTES):
                parser.feed(bytes(view[start : start + FEED_BYTES]))
            msg: Message = parser.close()
            return msg
        except RecursionError:
            break
        except Exception:  # noqa: BLE001, S112 - the next, more lenient policy gets its chance
            continue
    warnings.append("the MIME structure could not be read; only the headers were, and the body is kept as is")
    try:
        headers_only: Message = BytesHeaderParser(policy=_LEGACY).parsebytes(raw)
        return headers_only
    except Exception:  # noqa: BLE001 - nothing of the message is readable
        warnings.append("the message headers could not be read")
        return None


def _defect_warnings(part: Message, label: str) -> list[str]:
    out = []
    for defect in part.defects:
        words = _DEFECT_WORDS.get(type(defect), f"has a MIME defect ({type(defect).__name__})")
        if words is not None:
            out.append(f"{label} {words}")
    return out


def _safe(read: Callable[[], _T], fallback: Callable[[], _T], default: _T) -> _T:
    """``read()``, else ``fallback()`` (the lenient compat32 reading), else ``default``."""
    for attempt in (read, fallback):
        try:
            return attempt()
        except Exception:  # noqa: BLE001, S112 - header parsing can fail on hostile input in many ways
            continue
    return default


def _legacy_view(part: Message, decoded: bool = False) -> Message:
    """The same headers read with the compat32 policy, whose parsing is simpler and more forgiving.

    ``decoded``: raw 8-bit bytes are decoded first (by guess); compat32 would read them as U+FFFD.
    """
    legacy = Message(policy=_LEGACY)
    for name, value in part.raw_items():
        legacy[name] = _guessed_bytes(value) if decoded else value
    return legacy


@dataclass
class _Node:
    part: Message
    path: str
    may_be_body: bool
    in_alternative: bool

    @property
    def label(self) -> str:
        return f"part {self.path}" if self.path else "the message"


def _read_parts(msg: Message, result: ParsedMessage, warnings: list[str], linesep: str) -> None:
    # An explicit stack, not recursion: the walk order is depth-first like the MIME tree itself.
    stack = [_Node(msg, "", may_be_body=True, in_alternative=False)]
    while stack:
        node = stack.pop()
        try:
            children = _read_node(node, result, warnings, linesep)
        except Exception as exc:  # noqa: BLE001 - one unreadable part must not cost the others
            warnings.append(f"{node.label} could not be read ({type(exc).__name__})")
            continue
        stack.extend(reversed(children))


def _read_node(node: _Node, result: ParsedMessage, warnings: list[str], linesep: str) -> list[_Node]:
    part, label = node.part, node.label
    warnings.extend(_defect_warnings(part, label))
    for name, value in part.raw_items():
        if len(value) > MAX_PARSED_HEADER and name.lower().startswith("content-"):
            warnings.append(f"{label} has a {name} header over {MAX_PARSED_HEADER} characters; only its start was read")
    content_type = _safe(part.get_content_type, lambda: _legacy_view(part).get_content_type(), "text/plain")
    maintype, _, subtype = content_type.partition("/")
    disposition = _safe(part.get_content_disposition, lambda: _legacy_view(part).get_content_disposition(), None)
    # Only a list payload is read here: get_payload() on text re-decodes it and fails on odd charsets.
    payload: list[Message] = part.get_payload() if part.is_multipart() else []  # type: ignore[assignment]

    if getattr(part, "too_deep", False):
        warnings.append(f"parts nested more than {MAX_DEPTH} levels deep were kept unparsed as an attachment")
    elif maintype == "multipart" and payload:
        return _children(node, part, payload, subtype, disposition)
    elif maintype == "multipart":
        warnings.append(f"{label} is multipart but has no readable parts; its body was kept as an attachment")

    filename = _filename(part, warnings, label)
    content_id = _content_id(part, warnings, label)
    if maintype == "message" or part.is_multipart():
        data = _message_bytes(part, warnings, label, linesep)
        if filename is None and subtype in ("rfc822", "global") and payload:
            inner = payload[0]
            inner_subject = _unstructured(str(inner.get("subject", "")), warnings, label)
            filename = f"{inner_subject.strip() or 'message'}.eml"
    else:
        data = _payload_bytes(part, warnings, label)
        is_body_type = maintype == "text" and subtype in ("plain", "html")
        named_attachment = filename is not None and disposition != "inline"
        if is_body_type and disposition != "attachment" and not named_attachment:
            charset = _safe(part.get_content_charset, lambda: _legacy_view(part).get_content_charset(), None)
            if node.may_be_body and subtype == "plain" and result.text is None:
                result.text = _clean(_decode(data, charset, label, warnings), label, warnings)
                return []
            if node.may_be_body and subtype == "html" and result.html is None:
                result.html = _clean(_decode(data, charset, label, warnings), label, warnings)
                return []
            if node.in_alternative:
                # Another rendering of a body already taken ("take the first"), not a separate document.
                return []
    inline = disposition == "inline" or (disposition is None and content_id is not None)
    result.attachments.append(ParsedAttachment(filename, content_type, data, content_id, inline))
    return []


def _children(node: _Node, part: Message, payload: list[Message], subtype: str, disposition: str | None) -> list[_Node]:
    may_be_body = node.may_be_body and disposition != "attachment"
    root: Message | None = None
    if subtype == "related":
        # Only the root of multipart/related is a body; the rest (inline images) are its resources.
        start = _safe(lambda: part.get_param("start"), lambda: _legacy_view(part).get_param("start"), None)
        root = next((p for p in payload if start and str(p.get("content-id", "")) == str(start)), payload[0])
    prefix = f"{node.path}." if node.path else ""
    return [
        _Node(
            child,
            f"{prefix}{index}",
            may_be_body=may_be_body and (root is None or child is root),
            in_alternative=subtype == "alternative",
        )
        for index, child in enumerate(payload, start=1)
    ]


def _filename(part: Message, warnings: list[str], label: str) -> str | None:
    modern = _safe(part.get_filename, lambda: None, None)
    # compat32 reads a parameter as written, up to the next ";". The modern parser follows RFC 2045's
    # grammar and stops at what it forbids, so it keeps "This" of an unquoted "This is a.txt" and nothing
    # of "name==?utf-8?B?...?=". Where compat32 read more than the modern parser, the modern one was cut.
    if getattr(part.policy, "plain_parameters", False) and _read_alike_by_compat32(part):
        legacy = modern
    else:
        legacy = _safe(lambda: _legacy_view(part, decoded=True).get_filename(), lambda: None, None)
    cut_short = modern is None or (legacy is not None and legacy != modern and legacy.startswith(modern))
    name = legacy if legacy is not None and cut_short else modern
    if name is None:
        return None
    # Outlook and Gmail put RFC 2047 words in quoted file names, which RFC 2231 does not cover.
    return _unstructured(str(name), warnings, label) if "=?" in str(name) else _clean(str(name), label, warnings)


def _read_alike_by_compat32(part: Message) -> bool:
    """Whether compat32 reads the same file name as the modern policy. When the headers are plain
    (_plain_parameters) and not folded (compat32 keeps the line breaks of a folded header), get_param reads the
    same parameters, in the same order, from both: the modern text only quotes every value and drops repeated
    names, and get_param unquotes and takes the first."""
    seen: set[str] = set()
    for name, value in part.raw_items():
        lowered = name.lower()
        if lowered in _PARAMETERIZED and lowered not in seen:  # Message.get reads the first one
            seen.add(lowered)
            if len(value) > MAX_PARSED_HEADER or "\r" in value or "\n" in value:
                return False
            if _plain_parameters(lowered, value) is None:
                return False
    return True


def _content_id(part: Message, warnings: list[str], label: str) -> str | None:
    value = _safe(lambda: part.get("content-id"), lambda: _legacy_view(part).get("content-id"), None)
    if value is None:
        return None
    cleaned = _clean(str(value), label, warnings).strip().strip("<>").strip()
    return cleaned or None


def _payload_bytes(part: Message, warnings: list[str], label: str) -> bytes:
    encoding = (
        _safe(
            lambda: str(part.get("content-transfer-encoding", "")),
            lambda: str(_legacy_view(part).get("content-transfer-encoding", "")),
            "",
        )
        .strip()
        .lower()
    )
    known = ("", "7bit", "8bit", "binary", "base64", "quoted-printable", "uuencode", "x-uuencode", "uue", "x-uue")
    if encoding not in known:
        warnings.append(f"{label} has an unknown transfer encoding {encoding!r}; its bytes were kept as they are")
    defects_before = len(part.defects)
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - fall back to the undecoded bytes
        data = None
    for defect in part.defects[defects_before:]:
        words = _DEFECT_WORDS.get(type(defect))
        if words:
            warnings.append(f"{label} {words}")
    if isinstance(data, bytes):
        return data
    warnings.append(f"{label} could not be decoded; its bytes were kept as they are")
    undecoded = _safe(lambda: str(part.get_payload()), lambda: part.as_string().partition("\n\n")[2], "")
    return undecoded.encode("utf-8", "surrogateescape")


def _message_bytes(part: Message, warnings: list[str], label: str, linesep: str) -> bytes:
    """The body of a message/* part (for message/rfc822, the whole inner message) as bytes."""
    buffer = io.BytesIO()
    for generator_policy in (
        policy.default.clone(cte_type="8bit", refold_source="none", linesep=linesep),
        policy.compat32.clone(linesep=linesep),
    ):
        try:
            buffer = io.BytesIO()
            BytesGenerator(buffer, mangle_from_=False, policy=generator_policy).flatten(part)
            break
        except Exception:  # noqa: BLE001, S112 - the compat32 generator gets its chance
            continue
    else:
        warnings.append(f"{label} could not be serialised; the attachment is empty")
        return b""
    generated = buffer.getvalue()
    # Part headers never contain an empty line, so the first one ends them.
    separator = linesep.encode()
    if generated.startswith(separator):
        return generated[len(separator) :]
    _, found, body = generated.partition(separator * 2)
    return body if found else b""


# --- Headers --------------------------------------------------------------------------------------


def _read_headers(msg: Message, result: ParsedMessage, warnings: list[str]) -> None:
    first: dict[str, str] = {}
    subject: str | None = None
    for raw_name, raw_value in msg.raw_items():
        name = _clean(str(raw_name), "a header name", warnings).strip()
        label = f"the {name} header"
        # Raw 8-bit bytes stay escaped until each reader decides their charset: inside an encoded word
        # they are bytes of the word's charset (as the stdlib reads them), elsewhere they are guessed.
        unfolded = "".join(_LINE_BREAK.split(str(raw_value))).strip()
        value = _unstructured(unfolded, warnings, label)
        result.headers.append({"name": name, "value": value})
        first.setdefault(name.lower(), unfolded)
        if subject is None and name.lower() == "subject":
            subject = value

    result.subject = subject or ""
    ids = {name: _clean(first.get(name, ""), f"the {name} header", warnings) for name in _ID_HEADERS}
    result.message_id = _first_msg_id(ids["message-id"])
    result.in_reply_to = _first_msg_id(ids["in-reply-to"])
    result.references = _msg_ids(ids["references"])
    senders = _mailboxes("from", first.get("from"), warnings)
    result.from_ = senders[0] if senders else None
    if len(senders) > 1:
        warnings.append("the From header names several senders; only the first was kept")
    result.to = _mailboxes("to", first.get("to"), warnings)
    result.cc = _mailboxes("cc", first.get("cc"), warnings)
    result.reply_to = _mailboxes("reply-to", first.get("reply-to"), warnings)
    result.date = _date(first.get("date"), warnings)


def _without_8bit(value: str, label: str, warnings: list[str]) -> str:
    """Decode raw 8-bit bytes (carried as surrogate escapes) in a header that should have been ASCII."""
    if not _ESCAPED_BYTES.search(value):
        return value
    used: set[str] = set()

    def decoded(match: re.Match[str]) -> str:
        text, charset = _guess(match.group().encode("utf-8", "surrogateescape"))
        used.add(charset)
        return text

    out = _ESCAPED_BYTES.sub(decoded, value)
    warnings.append(f"{label} contains unencoded 8-bit bytes, decoded as {' and '.join(sorted(used))}")
    return out


def _unstructured(value: str, warnings: list[str], label: str) -> str:
    """``value`` with its RFC 2047 encoded words decoded; adjacent words share bytes before decoding."""
    if "=?" not in value:
        return _clean(_without_8bit(value, label, warnings), label, warnings)
    pieces: list[str] = []
    # Mailers split multi-byte characters across adjacent words of one charset: their bytes are joined
    # before decoding. Collected in a list and joined once, so a header of many words costs linear time.
    run: list[bytes] = []
    run_charset = ""
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        adjacent = bool(run) and _WHITESPACE_ONLY.fullmatch(between) is not None
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 allows a language suffix: utf-8*en
        if run and not (adjacent and charset == run_charset):
            pieces.append(_decode(b"".join(run), run_charset, label, warnings))
            run = []
        if not adjacent:
            pieces.append(between)
        run.append(_word_bytes(match.group(2).lower(), match.group(3), label, warnings))
        run_charset = charset
        position = match.end()
    if run:
        pieces.append(_decode(b"".join(run), run_charset, label, warnings))
    pieces.append(value[position:])
    return _clean(_without_8bit("".join(pieces), label, warnings), label, warnings)


def _word_bytes(encoding: str, text: str, label: str, warnings: list[str]) -> bytes:
    if encoding == "q":
        if _ESCAPED_BYTES.search(text):
            warnings.append(f"{label} has unencoded 8-bit bytes in an encoded word, read in the word's charset")
        return binascii.a2b_qp(_raw_bytes(text), header=True)
    cleaned = _NOT_BASE64.sub("", text)
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        warnings.append(f"{label} has an invalid base64 encoded word")
        return text.encode("ascii", "replace")


def _raw_bytes(text: str) -> bytes:
    """Escaped raw bytes as those bytes again; text already decoded (a file name) as UTF-8."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
        return text.encode("utf-8", "replace")


def _first_msg_id(value: str) -> str | None:
    ids = _msg_ids(value)
    if ids:
        return ids[0]
    bare = value.split()
    return f"<{bare[0].strip('<>')}>" if bare else None


def _msg_ids(value: str) -> list[str]:
    return [f"<{''.join(found.split())}>" for found in _MSG_ID.findall(value) if found.strip()]


def _mailboxes(name: str, value: str | None, warnings: list[str]) -> list[_Mailbox]:
    if value is None:
        return []
    label = f"the {name.title()} header"
    mailboxes: list[_Mailbox] = []
    for display_name, address in _address_pairs(name, _adjacent_words_joined(value)):
        address = _clean(address, label, warnings).strip().lower()
        display = _unstructured(display_name, warnings, label).strip() if display_name else ""
        if address and address != "<>":
            mailboxes.append({"name": display or None, "address": address})
    # An empty group ("undisclosed-recipients:;") or the null sender "<>" of a bounce names nobody on purpose.
    if not mailboxes and value.strip() and not value.strip().endswith(";") and "<>" not in value:
        warnings.append(f"no address could be read from {label} {value!r}")
    return mailboxes


def _adjacent_words_joined(value: str) -> str:
    """``value`` without the whitespace between adjacent encoded words, which RFC 2047 says to ignore.

    The stdlib's address parser keeps that whitespace in display names ("=?q?J=FCrgen?= =?q?_Schm?=" gives
    two spaces), but reads words that touch as one phrase.
    """
    pieces: list[str] = []
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        follows_a_word = position > 0
        if not (follows_a_word and _WHITESPACE_ONLY.fullmatch(between)):
            pieces.append(between)
        pieces.append(match.group())
        position = match.end()
    pieces.append(value[position:])
    return "".join(pieces)


def _address_pairs(name: str, value: str) -> list[tuple[str, str]]:
    """(display name, address) of each mailbox."""
    if len(value) > MAX_PARSED_HEADER:
        return email.utils.getaddresses([value])
    return list(_short_address_pairs(name, value))


@functools.lru_cache(maxsize=1024)
def _short_address_pairs(name: str, value: str) -> tuple[tuple[str, str], ...]:
    # Kept for the recent headers (a sender writes again, an inbox's address is in every mail to it): the
    # stdlib's address parser takes about 0.1 ms for "Name <address>". At most 1,024 x 4 KB of text.
    try:
        header = policy.default.header_factory(name, value)
        if not isinstance(header, AddressHeader):
            return ()
        return tuple((a.display_name, a.addr_spec) for a in header.addresses)
    except Exception:  # noqa: BLE001 - the modern parser gave up; compat32's getaddresses is more forgiving
        return tuple(email.utils.getaddresses([value]))


def _date(value: str | None, warnings: list[str]) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError, OverflowError):
        warnings.append(f"the Date header {value!r} could not be read")
        return None
    # RFC 5322 "-0000" means UTC with the sender's zone unknown; the parser returns it naive.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


# --- Text -----------------------------------------------------------------------------------------


def _text_codec(charset: str) -> str | None:
    try:
        info = codecs.lookup(charset)
    except (LookupError, ValueError, TypeError):
        return None
    # codecs also knows bytes-to-bytes transforms (base64, zlib, ...) that are not charsets.
    return info.name if getattr(info, "_is_text_encoding", True) else None


def _guess(data: bytes) -> tuple[str, str]:
    """Bytes of unknown charset: UTF-8 when they are, mostly-UTF-8 with damage replaced, else latin-1."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    replaced = data.decode("utf-8", "replace")
    if any(ord(c) > 0x7F and c != "\ufffd" for c in replaced) and replaced.count("\ufffd") <= 2:
        return replaced, "utf-8 (invalid bytes replaced)"
    return data.decode("latin-1"), "latin-1"


def _decode(data: bytes, charset: str | None, label: str, warnings: list[str]) -> str:
    declared = (charset or "").strip().strip("\"'")
    if not declared:
        if data.isascii():
            return data.decode("ascii")
        text, used = _guess(data)
        warnings.append(f"{label} has 8-bit text but no charset, decoded as {used}")
        return text
    codec = _text_codec(declared)
    if codec is None:
        text, used = _guess(data)
        warnings.append(f"unknown charset {declared!r} in {label}, decoded as {used}")
        return text
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        pass
    if codec == "ascii":
        text, used = _guess(data)
        warnings.append(f"{label} declares us-ascii but has 8-bit text, decoded as {used}")
        return text
    try:
        text = data.decode("utf-8")
        warnings.append(f"{label} is not valid {declared}, decoded as utf-8")
        return text
    except UnicodeDecodeError:
        warnings.append(f"{label} is not valid {declared}; the invalid bytes were replaced")
        return data.decode(codec, "replace")


def _has_surrogates(value: str) -> bool:
    """Whether ``value`` holds a surrogate: an escaped raw byte, or a lone one. None encodes as UTF-8, and
    encoding a long non-ASCII text is ten times faster than searching it with a regular expression."""
    if value.isascii():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _guessed_bytes(value: str) -> str:
    """``value`` with its escaped raw bytes decoded by guess, silently (callers that must say so warn)."""
    if not _has_surrogates(value) or not _ESCAPED_BYTES.search(value):
        return value
    return _ESCAPED_BYTES.sub(lambda m: _guess(m.group().encode("utf-8", "surrogateescape"))[0], value)


def _clean(value: str, label: str, warnings: list[str]) -> str:
    """A string PostgreSQL and JSON can store: escaped bytes decoded, no NUL, no lone surrogate."""
    if _has_surrogates(value):
        value = _guessed_bytes(value)
        if _LONE_SURROGATE.search(value):
            value = _LONE_SURROGATE.sub("\ufffd", value)
            warnings.append(f"{label} contains invalid characters; they were replaced")
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
        warnings.append(f"{label} contains NUL characters; they were replaced")
    return value
