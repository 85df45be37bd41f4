"""The new part of an HTML reply: the same markup with the quoted history cut out.

The kept part is the source's own markup, byte for byte: the history is found as offsets in the source and
cut there; only the closing tags of the elements a cut leaves open are added. What counts as history:

* the elements of ``_QUOTE_CLASSES`` (Gmail's attribution, Thunderbird's cite prefix, ProtonMail, Zoho, …),
  a ``blockquote type="cite"`` (Apple Mail, Thunderbird), and a plain blockquote right below an attribution
  line (mail.ru, Yandex: "<date>, <name> <address>:"); each goes with its attribution line, and the author's
  text between and after them stays (interleaved answers, bottom posting);
* a Gmail quote container (``_CONTAINER_CLASSES``) goes whole, unless the author wrote in it between its
  quotes: then only its quotes and their attributions go;
* from the elements of ``_HISTORY_IDS`` / ``_HISTORY_CLASSES`` (Outlook's divRplyFwdMsg, appendonsend,
  Hotmail's hr#stopSpelling, …) or a div with a solid top border whose first text is a header label
  (Outlook 2007+, Windows Mail), everything to the end goes, with an <hr> just above them;
* when none of these is in the message, the line where ``quotes.history_start`` sees the history start
  (over the text's block-level lines) and everything after it.

One pass of ``html.parser``; a quoted element is skipped by a scan for its end tag rather than parsed, so a
long quoted history costs little, and at most ``MAX_EVENTS`` tags and texts are parsed. Anything unexpected
returns the input.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape
from html.parser import HTMLParser

from .quotes import history_start

MAX_SCANNED = 1_000_000  # characters of source whose lines the text-level rule looks at
MAX_EVENTS = 150_000  # tags and texts parsed (quoted elements skipped aside) before the rest is kept unread

# Elements removed with everything inside them (and the attribution line just before them). The
# author's text around them stays, so replies interleaved between quotes keep their answers.
_QUOTE_CLASSES = frozenset(
    {
        "gmail_attr",  # Gmail: "On … wrote:" above its blockquote
        "moz-cite-prefix",  # Thunderbird: "On … wrote:" above its blockquote type="cite"
        "protonmail_quote",  # ProtonMail: div or blockquote
        "zmail_extra",  # Zoho
        "yandex_quote",  # Yandex's newer web client
        "mail-quote-collapse",  # mail.ru's newer web client
    }
)
_QUOTE_CLASS_PARTS = ("yahoo_quoted",)  # Yahoo: class/id "yahoo_quoted", "yahoo_quoted_123", "ydp…yahoo_quoted…"
# Elements holding the quoted blocks, and sometimes the author's answers between them (Gmail's inline
# replies): removed whole when nothing but attributions and quoted blocks is in them.
_CONTAINER_CLASSES = frozenset({"gmail_quote", "gmail_quote_container"})
# Elements where the history starts and runs to the end of the message (Outlook and the web mails
# that copy it: the reply is always above).
_HISTORY_IDS = frozenset(
    {
        "divrplyfwdmsg",  # Outlook on the web / new Outlook: the From/Sent/To block
        "appendonsend",  # Outlook on the web: the marker just above it
        "stopspelling",  # Hotmail / Windows Live: <hr id="stopSpelling">
        "zwchr",  # Zimbra (Comcast): <hr id="zwchr">
        "mail-editor-reference-message-container",  # Outlook for Mac
    }
)
_HISTORY_CLASSES = frozenset({"outlookmessageheader"})  # Outlook 2000/XP
# Outlook 2007+ and Windows Mail: the From/Sent block is a div with a solid top border.
_HISTORY_BORDERS = ("border-top:solid", "border-top-style:solid")
# …recognised as the header block only when its first text is a header label ("From:", "От:", "De :").
_HEADER_LABEL = re.compile(r"[^\W\d_]{1,20}(?: [^\W\d_]{1,20}){0,2} ?:")

# Anything that may make one of the rules above apply (a quick look before the text-level rule cuts early).
_STRUCTURE = (
    frozenset({"blockquote", "border-top", *_QUOTE_CLASSES, *_QUOTE_CLASS_PARTS, *_CONTAINER_CLASSES, *_HISTORY_IDS})
    | _HISTORY_CLASSES
)
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)
_SKIPPED = frozenset({"script", "style", "head", "title", "template"})
_BLOCKS = frozenset(
    {
        *("p", "div", "tr", "td", "th", "li", "ul", "ol", "dl", "dt", "dd", "table", "pre", "blockquote", "hr"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "body", "section", "article", "header", "footer", "center", "address"),
    }
)
# End tags that close an element of the HTML "special" category inside them, blockquote and div included.
_CLOSING = frozenset(
    {
        *("html", "body", "div", "p", "li", "ul", "ol", "dl", "dd", "dt", "td", "th", "tr", "table", "tbody"),
        *("thead", "tfoot", "section", "article", "aside", "nav", "main", "header", "footer", "center", "form"),
        *("address", "figure", "details", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"),
    }
)
_RULED = frozenset({"div", "blockquote", "hr", "section", "span", "p", "table"})  # elements the rules look at
_TIME = re.compile(r"\d{1,2}:\d{2}")
_CHECK_EVERY = 32  # lines between two looks of the text-level rule while parsing
_LOOKAHEAD = 8  # lines history_start may need below the start of the history
_MAX_LINE = 1000  # characters of a line kept for the text-level rule
_MAX_WALK = 256  # elements climbed to close the ones an attribution's cut leaves open
# Characters fed to the parser first after each skipped quote, doubling after: a skip wastes no more than
# was parsed, and html.parser's rescans of an unfinished comment or tag stay linear in total.
_FIRST_CHUNK = 4096


class _Frame:
    """An open element; frames link to their parent, so a saved frame is the whole stack at that point."""

    __slots__ = ("depth", "parent", "start", "tag")

    def __init__(self, tag: str, start: int, parent: _Frame | None) -> None:
        self.tag = tag
        self.start = start
        self.parent = parent
        self.depth: int = parent.depth + 1 if parent is not None else 0


@dataclass
class _Line:
    text: str
    start: int  # offset of its first text
    frame: _Frame  # innermost open element there
    rule: tuple[int, _Frame] | None  # an <hr> just above it: where a cut at this line begins


@dataclass
class _Container:
    frame: _Frame
    removals: list[tuple[int, int, str]] = field(default_factory=list)
    last_line: _Line | None = None  # a line not yet known to be an attribution or the author's
    author: bool = False  # has text of its own besides attributions and quotes


class _Found(Exception):
    """The parser met a quoted element (``_Extractor.skip``) or the start of the history (``_Extractor.cut``)."""


class _Tokens(HTMLParser):
    """html.parser events with absolute offsets in the source, for one stretch of it."""

    def __init__(self, owner: _Extractor, base: int) -> None:
        super().__init__(convert_charrefs=True)
        self.owner = owner
        self.base = base
        self.first_newline = bisect_left(owner.newlines, base)

    def _offset(self) -> int:
        line, column = self.getpos()
        if line == 1:
            return self.base + column
        return self.owner.newlines[self.first_newline + line - 2] + 1 + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.owner.start_tag(tag, attrs, self._offset(), len(self.get_starttag_text() or ""), closed=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.owner.start_tag(tag, attrs, self._offset(), len(self.get_starttag_text() or ""), closed=True)

    def handle_endtag(self, tag: str) -> None:
        self.owner.end_tag(tag, self._offset())

    def handle_data(self, data: str) -> None:
        self.owner.data(data, self._offset())


class _Extractor:
    def __init__(self, source: str) -> None:
        self.source = source
        self.newlines = [match.start() for match in re.finditer("\n", source)]
        self.root = _Frame("", 0, None)
        self.top = self.root
        self.open_counts: dict[str, int] = {}
        self.skipping = 0
        self.removals: list[tuple[int, int, str]] = []  # (start, end, closing tags put in its place)
        self.cut: tuple[int, _Frame] | None = None  # everything from there on is history
        self.container: _Container | None = None
        self.lines: list[_Line] = []
        self.last_line: _Line | None = None
        self.text: list[str] = []
        self.text_size = 0
        self.text_start = 0
        self.text_frame = self.root
        self.rule: tuple[int, _Frame] | None = None  # an <hr> with no text after it yet: its start, its parent
        self.line_rule: tuple[int, _Frame] | None = None
        self.border: _Frame | None = None  # a bordered div waiting for its first text
        self.skip: tuple[_Frame, int] | None = None  # a quoted element met: it and where its content starts
        self.truncated = False  # MAX_EVENTS parsed before the end
        self.events = 0
        self.parsing = True  # False once the parser is done: the rules may raise _Found only while it runs
        self.checked = 0  # lines the text-level rule has looked at while parsing

    # --- the pass ------------------------------------------------------------------------------------

    def run(self) -> str:
        position, size = 0, len(self.source)
        while position < size and self.cut is None:
            parser = _Tokens(self, position)
            chunk, fed = _FIRST_CHUNK, position
            try:
                while fed < size:
                    parser.feed(self.source[fed : fed + chunk])
                    fed, chunk = fed + chunk, chunk * 2
                # No close(): what html.parser still holds is an unfinished tag, comment or character reference,
                # kept as it is, and its way of reading them at the end is quadratic in some malformed input.
                position = size
            except _Found:
                if self.skip is None:  # the history's start, or as much as is read
                    break
                frame, content = self.skip
                self.skip = None
                ancestors = frozenset(name for name, count in self.open_counts.items() if count and name in _CLOSING)
                end = _element_end(self.source, content, frame.tag, ancestors)
                if end is None:
                    self._unclosed_quote(frame)
                    break
                self._removed(frame, end)
                position = end
        self.parsing = False
        self._finish()
        return self._assemble()

    def _event(self) -> None:
        self.events += 1
        if self.events > MAX_EVENTS:  # not a reply someone typed: what follows is kept as it is
            self.truncated = True
            raise _Found

    def start_tag(self, tag: str, attrs: list[tuple[str, str | None]], offset: int, length: int, closed: bool) -> None:
        self._event()
        if tag in _BLOCKS or tag == "br":
            self._break()
        ruled = tag == "blockquote" or (attrs and tag in _RULED)
        kind = self._rules(tag, dict(attrs), offset, length) if ruled else None
        if tag == "hr":
            self.rule = (offset, self.top)
        if closed or tag in _VOID:
            return
        self.top = _Frame(tag, offset, self.top)
        self.open_counts[tag] = self.open_counts.get(tag, 0) + 1
        self.skipping += tag in _SKIPPED
        if kind == "container":
            self.container = _Container(self.top)
        elif kind == "border":
            self.border = self.top

    def end_tag(self, tag: str, offset: int) -> None:
        self._event()
        if tag in _BLOCKS or tag == "br":
            self._break()
        if not self.open_counts.get(tag):
            return  # a stray end tag: browsers ignore it
        end = self.source.find(">", offset)
        end = len(self.source) if end < 0 else end + 1
        while True:  # also closes the elements left open inside it, as browsers do
            frame = self.top
            self.top = frame.parent or self.root
            self.open_counts[frame.tag] -= 1
            self.skipping -= frame.tag in _SKIPPED
            if frame is self.border:
                self.border = None
            if self.container is not None and frame is self.container.frame:
                self._container_closed(end if frame.tag == tag else offset)
            if frame.tag == tag:
                return

    def data(self, data: str, offset: int) -> None:
        self._event()
        if self.skipping or not data.strip():
            return
        if self.border is not None:
            border, self.border = self.border, None
            if _HEADER_LABEL.fullmatch(data[:100].strip()):
                self._history(border.start, border.parent or self.root)
        if self.open_counts.get("pre") and "\n" in data:
            self._preformatted(offset)
        else:
            self._write(data, offset)

    def _preformatted(self, offset: int) -> None:
        """Text in <pre>: each source line is a line (its offsets read in the source, before entities are decoded)."""
        end = self.source.find("<", offset)
        raw = self.source[offset : len(self.source) if end < 0 else end]
        for number, piece in enumerate(raw.split("\n")):
            if number:
                self._break()
            if piece.strip():
                self._write(unescape(piece), offset)
            offset += len(piece) + 1

    def _write(self, data: str, offset: int) -> None:
        if not self.text:
            self.text_start, self.text_frame = offset, self.top
            self.line_rule, self.rule = self.rule, None
        if self.text_size < _MAX_LINE:
            self.text.append(data[:_MAX_LINE])
            self.text_size += len(data)

    # --- the rules -----------------------------------------------------------------------------------

    def _rules(self, tag: str, attrs: dict[str, str | None], offset: int, length: int) -> str | None:
        """What the element starting at ``offset`` is: a container of quotes, maybe a header block, or nothing
        special; raises _Found at a quoted element or where the history starts."""
        classes = set((attrs.get("class") or "").lower().split())
        ident = (attrs.get("id") or "").lower()
        if self.container is None:
            if ident in _HISTORY_IDS or classes & _HISTORY_CLASSES:
                self._history(offset, self.top)
            if tag == "div" and self.border is None:
                style = "".join((attrs.get("style") or "").lower().split())
                if any(border in style for border in _HISTORY_BORDERS):
                    return "border"
        if tag == "hr":
            return None
        if tag != "blockquote" and classes & _CONTAINER_CLASSES and self.container is None:
            self._quote_start(offset, self._attribution())
            return "container"
        named = " ".join((ident, *classes))
        quoted = (
            bool(classes & _QUOTE_CLASSES)
            or any(part in named for part in _QUOTE_CLASS_PARTS)
            or bool(classes & _CONTAINER_CLASSES)
            or (tag == "blockquote" and (attrs.get("type") or "").lower() == "cite")
        )
        attribution = self._attribution() if quoted or tag == "blockquote" else None
        quoted = quoted or attribution is not None
        if quoted:
            self._quote_start(offset, attribution)
            self.skip = (_Frame(tag, offset, self.top), offset + length)
            raise _Found
        return None

    def _attribution(self) -> _Line | None:
        """The line just above a quote when it introduces it ("On … wrote:", "<date>, <address>:")."""
        line = self.container.last_line if self.container is not None else self.last_line
        if line is None or len(line.text) > 500:
            return None
        text = line.text
        if (text.endswith(":") and ("@" in text or _TIME.search(text))) or history_start([text]) == 0:
            return line
        return None

    def _quote_start(self, offset: int, attribution: _Line | None) -> None:
        """A quote starts at ``offset``: drop its attribution line; the line before it, if any, is the author's."""
        self._break()
        container = self.container
        if container is not None:
            if container.last_line is not None and attribution is None:
                container.author = True
            container.last_line = None
        self.last_line = None
        if attribution is None:
            return
        walked = _between(attribution.frame, self.top)
        if walked is None:
            return
        closers, opened = walked
        removal = (attribution.start, opened.start if opened is not None else offset, closers)
        (container.removals if container is not None else self.removals).append(removal)

    def _removed(self, frame: _Frame, end: int) -> None:
        """A quoted element from ``frame.start`` to ``end`` goes."""
        removal = (frame.start, end, "")
        (self.container.removals if self.container is not None else self.removals).append(removal)
        self.rule = None

    def _unclosed_quote(self, frame: _Frame) -> None:
        container = self.container
        if container is not None and not container.author:
            self.cut = (container.frame.start, container.frame.parent or self.root)
        else:
            if container is not None:
                self.removals.extend(container.removals)
            self.cut = (frame.start, frame.parent or self.root)
        self.container = None

    def _container_closed(self, end: int) -> None:
        container = self.container
        assert container is not None
        self._break()
        if container.last_line is not None:
            container.author = True
        if container.author:
            self.removals.extend(container.removals)
        else:
            self.removals.append((container.frame.start, end, ""))
        self.container = None
        self.last_line = None

    def _history(self, offset: int, frame: _Frame) -> None:
        """Everything from ``offset`` on is history, from the <hr> above it when no text is in between."""
        self.cut = self.rule or (offset, frame)
        raise _Found

    # --- lines ---------------------------------------------------------------------------------------

    def _break(self) -> None:
        if not self.text:
            return
        text = " ".join("".join(self.text).split())
        line = _Line(text, self.text_start, self.text_frame, self.line_rule)
        self.text, self.text_size = [], 0
        if self.container is not None:
            if self.container.last_line is not None:
                self.container.author = True
            self.container.last_line = line
        else:
            self.last_line = line
        if self.text_start < MAX_SCANNED:
            self.lines.append(line)
            if self.parsing and len(self.lines) >= self.checked + _CHECK_EVERY and not self.removals:
                self._history_early()

    def _history_early(self) -> None:
        """Cut at the history's start as soon as the lines show it, when nothing after it is a structure."""
        start = max(0, self.checked - _LOOKAHEAD)
        texts = [line.text for line in self.lines[start:]]
        index = history_start(texts)
        self.checked = len(self.lines)
        if index + _LOOKAHEAD >= len(texts) or self.border is not None or self.container is not None:
            return  # none, or too near the last line read to tell yet
        line = self.lines[self._quoted_above(start + index)]
        rest = self.source[line.start :].lower()
        if not any(name in rest for name in _STRUCTURE):
            self.cut = line.rule or (line.start, line.frame)
            raise _Found
        self.checked = len(self.source)  # decided at the end, once the structures are known

    def _quoted_above(self, index: int) -> int:
        """The first of the "> " lines just above the history's start: they belong to it."""
        while index > 0 and self.lines[index - 1].text.startswith(">"):
            index -= 1
        return index

    def _finish(self) -> None:
        container = self.container
        if self.cut is None and container is not None:  # open until the end, or the end of what was read
            container.author = container.author or self.truncated  # what is not read is kept
            self._container_closed(len(self.source))
            if not container.author:
                self.removals.pop()
                self.cut = (container.frame.start, container.frame.parent or self.root)
        self._break()
        if self.cut is not None or self.removals:
            return
        texts = [line.text for line in self.lines]
        index = history_start(texts)
        if index < len(texts):
            line = self.lines[self._quoted_above(index)]
            self.cut = line.rule or (line.start, line.frame)

    def _assemble(self) -> str:
        if self.cut is None and not self.removals:
            return self.source
        pieces, position = [], 0
        for start, end, closers in self.removals:
            if start < position or (self.cut is not None and start >= self.cut[0]):
                continue
            pieces += [self.source[position:start], closers]
            position = end
        if self.cut is None:
            pieces.append(self.source[position:])
        else:
            start, frame = self.cut
            pieces.append(self.source[position : max(start, position)])
            while frame.parent is not None:
                pieces.append(f"</{frame.tag}>")
                frame = frame.parent
        return "".join(pieces)


def _between(at_line: _Frame, now: _Frame) -> tuple[str, _Frame | None] | None:
    """The elements open at ``at_line`` and closed since (their closing tags), and the outermost one opened since."""
    closers: list[str] = []
    opened: _Frame | None = None
    for _ in range(_MAX_WALK):
        if at_line is now:
            return "".join(closers), opened
        if at_line.depth >= now.depth and at_line.parent is not None:
            closers.append(f"</{at_line.tag}>")
            at_line = at_line.parent
        elif now.parent is not None:
            opened, now = now, now.parent
        else:
            return None
    return None


@lru_cache(maxsize=256)
def _tags_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(name) for name in names)
    return re.compile(rf"<(/?)({alternatives})(?=[\s/>])|<!--|<(script|style)(?=[\s/>])", re.IGNORECASE)


_END_OF_RAW = {"script": re.compile(r"</script", re.I), "style": re.compile(r"</style", re.I)}


def _element_end(source: str, position: int, tag: str, ancestors: frozenset[str]) -> int | None:
    """Where a ``tag`` element whose content starts at ``position`` ends: just past its end tag, or at the end
    tag of an element around it (``ancestors``) that closes it too (None: not before the end of the source).

    Only the elements named like it or like its ancestors are counted: another one inside may leave them open.
    """
    pattern = _tags_pattern(tuple(sorted(ancestors | {tag})))
    inner: dict[str, int] = {}
    while True:
        match = pattern.search(source, position)
        if match is None:
            return None
        position = match.end()
        name = match.group(2)
        if name is None:
            if match.group(0) == "<!--":
                found = source.find("-->", position)
            else:
                raw = _END_OF_RAW[match.group(3).lower()].search(source, position)
                found = -1 if raw is None else raw.start()
            if found < 0:
                return None
            position = found + 3
            continue
        name = name.lower()
        if not match.group(1):
            inner[name] = inner.get(name, 0) + 1
        elif inner.get(name):
            inner[name] -= 1
        elif name == tag:
            found = source.find(">", position)
            return len(source) if found < 0 else found + 1
        else:
            return match.start()  # an ancestor's end tag


def extracted_html(html: str) -> str:
    """``html`` without its quoted history; ``html`` itself when nothing in it is quoted."""
    try:
        return _Extractor(html).run()
    except Exception:  # noqa: BLE001 - a reply we cannot read is given whole, never an error
        return html
