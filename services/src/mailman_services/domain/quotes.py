"""The new part of a reply: the message text with the quoted history and the signature removed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# Attribution lines that introduce quoted history: Gmail, Apple Mail and Thunderbird in English
# ("On <date>, <sender> wrote:") and the same sentence in the languages mail clients most often ship.
_ATTRIBUTION = re.compile(
    r"""^[>\s]*(?:
        On\s.{4,300}\swrote\s?:
      | Le\s.{4,300}\sa\s[ée]crit\s?:
      | Am\s.{4,300}\sschrieb\s?.{0,300}:
      | El\s.{4,300}\sescribi[óo]\s?:
      | Il\s.{4,300}\sha\sscritto\s?:
      | Op\s.{4,300}\sschreef\s?.{0,300}:
      | Em\s.{4,300}\sescreveu\s?:
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_ORIGINAL_MESSAGE = re.compile(
    r"^[>\s]*-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine)\s*-{2,}\s*$", re.I
)
_UNDERSCORE_RULE = re.compile(r"^\s*_{10,}\s*$")
# Outlook's header block: "From: …" followed by Sent/To/Subject lines (bold markers survive HTML conversion).
_HEADER_FROM = re.compile(r"^[>\s]*\*?(?:From|Von|De|Van)\s?:\*?\s*\S", re.I)
_HEADER_OTHER = re.compile(
    r"^[>\s]*\*?(?:Sent|Date|To|Cc|Subject|Gesendet|Datum|An|Betreff|Envoy[ée]|[ÀA]|Objet|Enviado|Para|Asunto)\s?:\*?",
    re.I,
)
_SIGNATURE = re.compile(r"^--\s?$")
_QUOTED = re.compile(r"^\s*>")
MAX_SCANNED = 1_000_000  # characters of a long text searched for the start of its quoted history


@dataclass(frozen=True)
class Reply:
    """The new part of a received message, as the API gives it."""

    text: str | None  # extracted_text
    html: str | None  # extracted_html
    signature: str | None  # the sign-off block, also inside ``text``


def reply(text: str | None, html: str | None) -> Reply:
    """The new part of a message whose bodies are ``text`` and ``html``."""
    return Reply(extracted_text(text, html), None, None)


def extracted_text(text: str | None, html: str | None) -> str | None:
    """The new part of a reply, or None when there is no body.

    The quoted history is cut at the first attribution line ("On … wrote:", also wrapped over two
    lines), Outlook's "-----Original Message-----" or its "From:/Sent:/To:/Subject:" header block
    (with or without the "____" rule above it); then trailing "> " quoted lines go. A trailing
    signature after the RFC 3676 "-- " line is dropped too: what a reader wants is what was said,
    and the signature repeats in every message. Quotes interleaved with new text are kept, since
    they give the answers their context. ``html`` is used only when ``text`` has no content.
    """
    if text and not text.isspace():
        source = text
    elif html and not html.isspace():
        source = html_to_text(html)
    elif text is None and html is None:
        return None
    else:
        return ""
    if len(source) > MAX_SCANNED:
        # Not a reply someone typed: look for the quoted history only near the top, and without a copy of
        # the whole text when there is none.
        head = source[:MAX_SCANNED].replace("\r\n", "\n").replace("\r", "\n").split("\n")
        start = history_start(head[:-1])  # the last line may be cut short
        if start == len(head) - 1:
            return source
        lines = head[:start]
    else:
        lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        lines = lines[: history_start(lines)]
    while lines and (not lines[-1].strip() or _QUOTED.match(lines[-1])):
        lines.pop()
    lines = _without_signature(lines)
    return "\n".join(line.rstrip() for line in lines).strip("\n").strip()


def history_start(lines: list[str]) -> int:
    """Index of the first line of the quoted history (``len(lines)`` when there is none)."""
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if _ATTRIBUTION.match(line) or _ORIGINAL_MESSAGE.match(line):
            return index
        # Gmail wraps a long attribution, typically just before the address or before "wrote:".
        wrapped = f"{line.rstrip()} {following.strip()}"
        if line.strip() and not _ATTRIBUTION.match(following) and _ATTRIBUTION.match(wrapped):
            return index
        if _UNDERSCORE_RULE.match(line) and _is_header_block(lines, _next_content(lines, index + 1)):
            return index
        if _is_header_block(lines, index):
            return index
    return len(lines)


def _next_content(lines: list[str], start: int) -> int:
    while start < len(lines) and not lines[start].strip():
        start += 1
    return start


def _is_header_block(lines: list[str], index: int) -> bool:
    if index >= len(lines) or not _HEADER_FROM.match(lines[index]):
        return False
    window = lines[index + 1 : index + 6]
    return sum(1 for line in window if _HEADER_OTHER.match(line)) >= 2


def _without_signature(lines: list[str]) -> list[str]:
    for index in range(len(lines) - 1, 0, -1):
        if _SIGNATURE.match(lines[index]):
            return lines[:index]
    return lines


_BLOCK_TAGS = frozenset(
    {"p", "div", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre", "blockquote"}
)
_SKIPPED_TAGS = frozenset({"script", "style", "head", "title"})


class _TextExtractor(HTMLParser):
    """HTML to plain text: blocks and <br> become line breaks, <blockquote> lines are prefixed "> "."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._line: list[str] = []
        self._line_depth = 0
        self._quote_depth = 0
        self._skipping = 0
        self._in_pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag == "br":
            self._break(force=True)
        elif tag in _BLOCK_TAGS:
            self._break()
            self._quote_depth += tag == "blockquote"
            self._in_pre += tag == "pre"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._break(force=True)
        elif tag in _BLOCK_TAGS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self._break()
            if tag == "blockquote":
                self._quote_depth = max(0, self._quote_depth - 1)
            if tag == "pre":
                self._in_pre = max(0, self._in_pre - 1)

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        if self._in_pre:
            first, *rest = data.replace("\r\n", "\n").split("\n")
            self._write(first)
            for line in rest:
                self._break(force=True)
                self._write(line)
            return
        # Outside <pre>, any run of whitespace (source line breaks included) renders as one space.
        collapsed = re.sub(r"[ \t\r\n\f]+", " ", data.replace("\xa0", " "))
        if collapsed.strip() or self._line:
            self._write(collapsed)

    def _write(self, value: str) -> None:
        if not self._line:
            self._line_depth = self._quote_depth
            value = value.lstrip(" ") if not self._in_pre else value
        if value:
            self._line.append(value)

    def _break(self, force: bool = False) -> None:
        if self._line or force:
            prefix = "> " * self._line_depth if self._line else "> " * self._quote_depth
            self.lines.append((prefix + "".join(self._line)).rstrip())
        self._line = []

    def text(self) -> str:
        self._break()
        joined = "\n".join(self.lines)
        return re.sub(r"\n{3,}", "\n\n", joined).strip()


def html_to_text(value: str) -> str:
    """Readable plain text of an HTML body, keeping its line structure and blockquote nesting."""
    extractor = _TextExtractor()
    extractor.feed(value)
    extractor.close()
    return extractor.text()
