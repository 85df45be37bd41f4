"""The new part of a reply: the message text without its quoted history, and the sign-off at its end.

A reply is read as a sequence of blocks: the author's text, "> " quoted blocks, the attribution lines that
introduce a quote ("On <date>, <name> wrote:" in any of the languages of `reply_languages`, also wrapped
over several lines), and history that is not marked by "> " at all: an Outlook header block ("From: /
Sent: / To: / Subject:"), an "-----Original Message-----" separator, or an attribution followed by
unquoted text. That history runs to the end and is cut. Of the quoted blocks, those the author answers
below (interleaved or bottom-posted replies) stay as context; the ones after the author's last words go,
as do all attribution lines. Everything is linear in the length of the text: no expression is tried on
more than a few hundred characters at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser

from .reply_languages import LANGUAGES

MAX_SCANNED = 1_000_000  # characters of a long text searched for the start of its quoted history
_ATTRIBUTION_LINES = 6  # an attribution is wrapped over at most this many lines (blank ones included)
_ATTRIBUTION_CHARS = 500
_AFTER_VERB = 100  # characters after the verb of an attribution: the sender's name and address
_PARAGRAPH_LINES = 3  # a paragraph this short may be an attribution whatever its first words
_FIELD_NAME_CHARS = 40  # a header field's name and colon are within this many characters of the line's start
_HEADER_WINDOW = 8  # a header block has at least three field lines among this many
_SIGNATURE_LINES = 12  # the longest sign-off block recognised
_WRAPPED_WIDTH = 60  # a quoted line this long may have been wrapped onto an unquoted one


def _alternation(words: Iterable[str]) -> str:
    """A regular expression alternative of ``words``: longest first, spaces matching any run of blanks."""
    unique = sorted({word.lower() for word in words}, key=len, reverse=True)
    return "|".join(r"[ \t\xa0]+".join(re.escape(part) for part in word.split()) for word in unique)


def _bounded(words: Iterable[str]) -> str:
    """``words`` as whole words; words of scripts written without spaces (CJK, Hangul) match anywhere."""
    spaced = [word for word in words if ord(word[0]) < 0x2E80]
    unspaced = [word for word in words if ord(word[0]) >= 0x2E80]
    parts = [rf"(?<!\w)(?:{_alternation(spaced)})(?!\w)"] if spaced else []
    if unspaced:
        parts.append(f"(?:{_alternation(unspaced)})")
    return "|".join(parts)


def _every(attribute: str) -> list[str]:
    return [word for language in LANGUAGES.values() for word in getattr(language, attribute)]


_WROTE = re.compile(_bounded(_every("wrote")), re.IGNORECASE)
_LONGEST_VERB = max(map(len, _every("wrote")))
# The first words of an attribution: a lead word ("On", "Le", "W dniu"), or a date ("2014-10-17 11:28",
# "pe 20. lokakuuta", "tir. 18. apr.", and Russian Gmail's weekday, day and month).
_STARTS = re.compile(
    rf"(?:{_bounded(_every('leads'))})|\d|\w{{1,4}}[.,]?[ \t\xa0]+\d",
    re.IGNORECASE,
)
_ADDRESSES = re.compile(r"<[^<>]{0,300}>|\([^()]{0,300}\)|[^\s<>()]{1,200}@[^\s<>()]{1,200}")
_DIGIT = re.compile(r"\d")
_DATE = re.compile(r"\d{1,2}[:.h]\d{2}|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")  # a time or a numeric date
_FIELD_ROLES = ("sender", "date", "to", "cc", "subject")
_FIELD = re.compile(
    "(?:"
    + "|".join(f"(?P<{role}>{_alternation(_every(role))})" for role in _FIELD_ROLES)
    + r")[ \t\xa0]*\*?[ \t\xa0]*[:\uff1a]",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(rf"(?:{_alternation(_every('separators'))})[ \t\xa0]*:?", re.IGNORECASE)
_TAGLINE = re.compile(_alternation(_every("taglines")), re.IGNORECASE)
_SIGN_OFF = re.compile(rf"(?:{_alternation(_every('sign_offs'))})(?!\w)[ \t\xa0]*[,.!]?", re.IGNORECASE)
_RULE_CHARACTERS = "-_=*~\u2014\u2013"
# A line drawn under the text or above history: "____", "====", an em dash.
_RULE = re.compile("[-_=*~\u2014\u2013]{2,}|\u2014|\u2013")
_SIGNATURE_DELIMITER = frozenset({"--", "-- ", "\u2014", "__"})
_MARKERS = " \t\xa0>"


def _unquoted(line: str) -> str:
    """The line without its "> " quote markers, bold markers and surrounding blanks."""
    return line.strip().lstrip(_MARKERS).strip(" \t\xa0*")


def _is_quoted(line: str) -> bool:
    return line.lstrip(" \t\xa0").startswith(">")


def _is_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or not stripped.strip(">").strip()


def _attribution(text: str) -> str | None:
    """How surely ``text`` (a candidate joined onto one line) is an attribution: "sure", "likely" or None.

    It ends with ":" (or is wrapped in dashes) and has a verb ("wrote", "a écrit") near its end, or has
    the sender's address and a date with no verb at all. It is sure with an address, a time or a numeric
    date in it; with only a year or a day ("On Monday, 13 January, Ana wrote:") it is likely, and taken
    only when a "> " quote follows.
    """
    text = text.strip(" \t\xa0")
    dashed = text.startswith("--") and text.endswith("--")  # Android and Zoho: "---- Name wrote ----"
    if dashed:
        text = text.strip("- \t\xa0")
    elif text.endswith((":", "\uff1a")):
        text = text[:-1].rstrip()
    else:
        return None
    if not text or len(text) > _ATTRIBUTION_CHARS:
        return None
    has_address = "@" in text
    # The verb ends the line or is followed by the sender only ("Am … schrieb Ada <ada@example.com>:").
    if (dashed or has_address or _DIGIT.search(text)) and _verb_near_end(text):
        return "sure" if dashed or has_address or _DATE.search(text) else "likely"
    # No verb: Gmail's "2014-10-17 11:28 GMT+03:00 Name <address>:" and its translations.
    if has_address and text.endswith((">", ")")) and _DATE.search(_ADDRESSES.sub(" ", text)):
        return "sure"
    return None


def _verb_near_end(text: str) -> bool:
    match = _WROTE.search(text, max(0, len(text) - _AFTER_VERB - _LONGEST_VERB))
    return match is not None and len(text) - match.end() <= _AFTER_VERB


def _attribution_start(lines: list[str], end: int) -> tuple[int, bool] | None:
    """First line of the attribution that ends on line ``end``, and whether it is sure (see `_attribution`);
    None when that line ends none."""
    last = _unquoted(lines[end])
    if not last.endswith((":", "\uff1a", "--")) or len(last) > _ATTRIBUTION_CHARS:
        return None
    if _is_quoted(lines[end]) and (end == 0 or _is_quoted(lines[end - 1])):
        return None  # inside a quoted block: its attributions are history already
    first = max(0, end - _ATTRIBUTION_LINES + 1)
    window = " ".join(_unquoted(line) for line in lines[first : end + 1])
    dashed = last.startswith("--") and last.endswith("--")
    if "@" not in window and (
        (not dashed and _DIGIT.search(window) is None) or not _verb_near_end(window.rstrip(":\uff1a -"))
    ):
        return None  # the cheap test that nearly every line of a long text stops at
    paragraph = end
    while paragraph > first and not _is_blank(lines[paragraph - 1]):
        paragraph -= 1
    candidates = [i for i in range(end, paragraph - 1, -1) if _STARTS.match(_unquoted(lines[i]))]
    candidates.append(end)
    if (paragraph == 0 or _is_blank(lines[paragraph - 1])) and end - paragraph < _PARAGRAPH_LINES:
        candidates.append(paragraph)  # a paragraph of its own is an attribution however it starts
    for start in candidates:
        if _is_quoted(lines[start]) and start != end:
            continue
        certainty = _attribution(" ".join(_unquoted(line) for line in lines[start : end + 1]))
        if certainty:
            sure = certainty == "sure"
            # Polymail writes the date line, a blank line, then the rest: take the date line in too.
            above = _previous_content(lines, start, first)
            if (
                start == paragraph
                and not _STARTS.match(_unquoted(lines[start]))
                and above is not None
                and _STARTS.match(_unquoted(lines[above]))
                and not _unquoted(lines[above]).endswith((".", "!", "?"))
            ):
                return above, sure
            return start, sure
    return None


def _previous_content(lines: list[str], index: int, first: int) -> int | None:
    index -= 1
    while index >= first and _is_blank(lines[index]):
        index -= 1
    return index if index >= first else None


def _field_role(line: str) -> str | None:
    if ":" not in line[:_FIELD_NAME_CHARS] and "\uff1a" not in line[:_FIELD_NAME_CHARS]:
        return None
    match = _FIELD.match(_unquoted(line[: _FIELD_NAME_CHARS * 2]))
    return match.lastgroup if match else None


def _is_header_block(lines: list[str], index: int) -> bool:
    """Whether a header block ("From: / Sent: / To: / Subject:", in any language) starts on line ``index``."""
    if _field_role(lines[index]) is None:
        return False
    roles = [role for line in lines[index : index + _HEADER_WINDOW] if (role := _field_role(line))]
    distinct = set(roles)
    return len(roles) >= 3 and len(distinct) >= 2 and bool(distinct & {"sender", "date"})


def _is_separator(line: str) -> bool:
    """An "-----Original Message-----" line (or its translation, or "Begin forwarded message:")."""
    stripped = line.strip().lstrip(">").strip()
    if not stripped or (stripped[0] not in _RULE_CHARACTERS and not stripped.endswith(":")):
        return False
    core = stripped.strip(_RULE_CHARACTERS + " \t\xa0")
    return bool(core) and len(core) < _ATTRIBUTION_CHARS and _SEPARATOR.fullmatch(core) is not None


def _history_starts_at(lines: list[str], index: int) -> bool:
    """Whether unquoted history (running to the end of the text) starts on line ``index``."""
    line = lines[index]
    if _is_quoted(line):
        return False
    if _is_separator(line) or _is_header_block(lines, index):
        return True
    stripped = line.strip()
    if stripped[:1] in _RULE_CHARACTERS and _RULE.fullmatch(stripped):
        following = _next_content(lines, index + 1)
        return following < len(lines) and (_is_header_block(lines, following) or _is_separator(lines[following]))
    return False


def _next_content(lines: list[str], start: int) -> int:
    while start < len(lines) and _is_blank(lines[start]):
        start += 1
    return start


def _continues_quote(lines: list[str], index: int) -> bool:
    """Whether an unquoted line is the rest of a long quoted line above it, wrapped by a client that lost the "> "."""
    if index == 0 or index + 1 >= len(lines) or not _is_quoted(lines[index - 1]) or _is_blank(lines[index]):
        return False
    above, below = lines[index - 1], lines[index + 1]
    return len(above.rstrip()) >= _WRAPPED_WIDTH and _is_quoted(below)


@dataclass
class _Block:
    kind: str  # "text", "quote" or "attribution"
    lines: list[str]


# Lines the walk in _blocks may read as anything but the author's text, in a text with a line break before and
# after each line: a rule or a separator (its first character, stripped, is a rule character), a header field
# (a colon within _FIELD_NAME_CHARS), an attribution's or a separator's last line (ending in ":" or "--").
# A quoted line has a ">", which is looked for apart. ``[^\S\n]`` is the white space ``str.strip`` takes off,
# within one line. Each pattern starts with a literal or a short class, which the regex engine scans for fast.
_RULE_START = re.compile(rf"\n[^\S\n]*[{_RULE_CHARACTERS}]")
_FIELD_START = re.compile(rf"\n[^\n]{{0,{_FIELD_NAME_CHARS - 1}}}[:\uff1a]")
_COLON_END = re.compile(r"[:\uff1a][^\S\n]*\n")
_DASHES_END = re.compile(r"--[^\S\n]*\n")


def _all_text(lines: list[str]) -> bool:
    """Whether every line is the author's text, so that the walk in _blocks would give one text block: no
    line quotes, none ends like an attribution, none starts like a header field, a separator or a rule."""
    text = "\n" + "\n".join(lines) + "\n"
    if ">" in text or _RULE_START.search(text):
        return False
    if "--" in text and _DASHES_END.search(text):
        return False
    return not (("\uff1a" in text or ":" in text) and (_FIELD_START.search(text) or _COLON_END.search(text)))


def _blocks(lines: list[str]) -> tuple[list[_Block], bool]:
    """The text as blocks, up to its unquoted history; and whether there was such history."""
    if lines and _all_text(lines):
        return [_Block("text", list(lines))], False
    return _walk(lines)


def _walk(lines: list[str]) -> tuple[list[_Block], bool]:
    """``_blocks``, line by line."""
    attribution_ends: dict[int, tuple[int, bool]] = {}  # start -> end, sure; found ahead of the walk as it goes
    scanned = 0
    blocks: list[_Block] = []
    index = 0
    while index < len(lines):
        while scanned < min(index + _ATTRIBUTION_LINES, len(lines)):
            if lines[scanned].rstrip().endswith((":", "\uff1a", "--")):
                found = _attribution_start(lines, scanned)
                if found is not None and not _is_quoted(lines[found[0]]):
                    attribution_ends.setdefault(found[0], (scanned, found[1]))
            scanned += 1
        if index in attribution_ends:
            end, sure = attribution_ends[index]
            following = _next_content(lines, end + 1)
            if following >= len(lines) or _is_quoted(lines[following]):
                blocks.append(_Block("attribution", lines[index : end + 1]))
                index = end + 1
                continue
            if sure:
                return blocks, True  # "On … wrote:" above unquoted history (Apple Mail, Outlook for Mac)
        if _history_starts_at(lines, index):
            return blocks, True
        kind = "quote" if _is_quoted(lines[index]) or _continues_quote(lines, index) else "text"
        if kind == "text" and _is_blank(lines[index]) and blocks and blocks[-1].kind == "quote":
            kind = "quote"  # blank lines inside a quoted block belong to it
        if not blocks or blocks[-1].kind != kind:
            blocks.append(_Block(kind, []))
        blocks[-1].lines.append(lines[index])
        index += 1
    return blocks, False


def _is_sign_off(block: _Block) -> bool:
    """Whether the author's words after a quote are only a sign-off, a signature or a list footer."""
    content: list[str] = []
    for line in block.lines:
        if not _is_blank(line):
            content.append(line)
            if len(content) > _SIGNATURE_LINES:  # too long to be a sign-off: the rest need not be read
                return False
    if not content:
        return False
    first = content[0].strip()
    return (
        first in _SIGNATURE_DELIMITER
        or _RULE.fullmatch(first) is not None
        or _TAGLINE.match(first) is not None
        or (_SIGN_OFF.match(first) is not None and len(first) <= 60 and all(len(line) <= 80 for line in content))
    )


def _new_lines(lines: list[str]) -> tuple[list[str], bool]:
    """The author's lines of ``lines``, and whether anything was left out."""
    blocks, cut = _blocks(lines)
    texts = [i for i, block in enumerate(blocks) if block.kind == "text" and not all(map(_is_blank, block.lines))]
    last_text = texts[-1] if texts else -1
    # Quotes the author answers below stay as context, unless all that follows is a sign-off.
    answered = (
        last_text if last_text >= 0 and not _is_sign_off(blocks[last_text]) else (texts[-2] if len(texts) > 1 else -1)
    )
    kept: list[str] = []
    skipped = False
    for index, block in enumerate(blocks):
        if block.kind == "text" or (block.kind == "quote" and index < answered):
            added = block.lines
            if skipped and kept:  # one blank line where a quote was left out
                while added and _is_blank(added[0]):
                    added = added[1:]
                if not _is_blank(kept[-1]):
                    kept.append("")
            kept.extend(added)
            skipped = False
        else:
            skipped = True
    while kept and (_is_blank(kept[-1]) or _RULE.fullmatch(kept[-1].strip())):
        kept.pop()
    return kept, cut or any(block.kind != "text" for block in blocks)


def history_start(lines: list[str]) -> int:
    """Index of the line where the quoted history starts: its first attribution line, or the start of the
    unquoted history; ``len(lines)`` when there is neither. "> " quoted lines alone do not count."""
    blocks, _ = _blocks(lines)
    index = 0
    for block in blocks:
        if block.kind == "attribution":
            return index
        index += len(block.lines)
    return index


def signature_start(lines: list[str]) -> int | None:
    """Index of the first line of the sign-off block ending ``lines``, or None when there is none.

    A sign-off block is what follows the last "-- " line (RFC 3676), a mobile tagline ("Sent from my
    iPhone") near the end, or a closing ("Thanks,", "Best regards", "Cordialement") followed by at most a
    few short lines (a name, a title, a phone number). It never starts on the first line: a reply that is
    only "Thanks!" has no signature.
    """
    end = len(lines)
    first = max(1, end - _SIGNATURE_LINES)
    for index in range(end - 1, first - 1, -1):
        if lines[index].strip() in _SIGNATURE_DELIMITER:
            return index
    for index in range(first, end):
        line = lines[index].strip()
        if _TAGLINE.match(line) and len(line) <= 80:
            return index
        if _SIGN_OFF.fullmatch(line) or (
            (match := _SIGN_OFF.match(line)) and len(line) <= 40 and match.group().endswith(",")
        ):
            rest = [other for other in lines[index + 1 :] if other.strip()]
            if len(rest) <= 4 and all(len(other.strip()) <= 60 for other in rest):
                return index
    return None


def extracted(source: str) -> tuple[str, bool]:
    """The new part of the reply ``source`` (see the module's docstring), and whether anything was left out.

    The sign-off stays in (see `signature_start`). A text longer than `MAX_SCANNED` characters is
    searched for its history only in its first `MAX_SCANNED` characters, and returned whole when none is
    found there.
    """
    if len(source) > MAX_SCANNED:
        head = source[:MAX_SCANNED].replace("\r\n", "\n").replace("\r", "\n").split("\n")[:-1]
        lines, cut = _new_lines(head)  # the last line may be cut short
        if not cut:
            return source, False
    else:
        lines, cut = _new_lines(source.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line.rstrip() for line in lines).strip("\n").strip(), cut


def signature(text: str) -> str | None:
    """The sign-off block that ends ``text`` (see `signature_start`), or None."""
    tail = text.rsplit("\n", _SIGNATURE_LINES + 1)
    start = signature_start(tail)
    return None if start is None else "\n".join(tail[start:]).strip()


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
