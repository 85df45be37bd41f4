"""The MIME tree of a well-formed message, built by cutting its text at the boundaries with ``str.find``.

The email package's feed parser reads every line of a body in Python (a third of the time Mailman takes to
read a message); here a body is one slice. ``tree`` builds the same ``Message`` objects the feed parser
would (headers, payloads, preambles, epilogues), or returns None for any message it is not sure of, which
the caller then reads with the feed parser. What it takes:

* line ends all CRLF or all LF (the feed parser also splits at a lone CR), and no envelope ``From `` line;
* every header block made of ``name: value`` lines and their continuations, ended by an empty line;
* leaf parts of any type but ``message/*``; multipart parts (not ``multipart/digest``, whose parts default
  to ``message/rfc822``) with a boundary of RFC 2046's characters, no transfer encoding other than
  7bit / 8bit / binary, at least one part, and a closing boundary; every line that starts with a boundary's
  delimiter is exactly that delimiter, or it closing, followed by the line end;
* at most ``MAX_DEPTH`` levels.

Anything else, and any exception while reading a header, gives None: the feed parser records a defect, or
reads the message some way this module does not copy, and its reading is the one to keep.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import Message

MAX_DEPTH = 20

# The feed parser's header line (email.feedparser.headerRE), without the envelope "From " line and the empty
# header name, which it records as defects.
_HEADER_LINE = re.compile(r"[\041-\071\073-\176]+:|[ \t]")
# RFC 2046's bchars, not ending in a space (get_boundary strips trailing white space).
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]")
_PLAIN_ENCODINGS = ("7bit", "8bit", "binary")


class _NotPlain(Exception):
    """The message has a shape this module leaves to the feed parser."""


def tree(raw: bytes, new_part: Callable[[], Message]) -> Message | None:
    """The message the feed parser would build from ``raw`` with parts from ``new_part``, or None."""
    text = raw.decode("ascii", "surrogateescape")  # as email.feedparser.BytesFeedParser decodes it
    crs = text.count("\r")
    if not crs:
        linesep = "\n"
    elif crs == text.count("\r\n") == text.count("\n"):
        linesep = "\r\n"
    else:
        return None
    if text.startswith("From "):
        return None
    try:
        return _Splitter(text, linesep, new_part).part(0, len(text), 0, enclosed=False)
    except _NotPlain:
        return None
    except Exception:  # noqa: BLE001 - a header the email package cannot read: the feed parser decides
        return None


class _Splitter:
    def __init__(self, text: str, linesep: str, new_part: Callable[[], Message]) -> None:
        self.text = text
        self.linesep = linesep
        self.new_part = new_part

    def part(self, start: int, end: int, depth: int, *, enclosed: bool) -> Message:
        """The part in ``text[start:end]``. In a multipart (``enclosed``), the line end before the next
        delimiter belongs to the delimiter (RFC 2046), not to the part's payload or epilogue."""
        if depth > MAX_DEPTH:
            raise _NotPlain
        text, linesep = self.text, self.linesep
        msg = self.new_part()
        if text.startswith(linesep, start):
            body = start + len(linesep)
        else:
            blank = text.find(linesep + linesep, start, end)
            if blank < 0:
                raise _NotPlain
            self._headers(msg, text[start : blank + len(linesep)])
            body = blank + 2 * len(linesep)
        content_type = msg.get_content_type()
        maintype = msg.get_content_maintype()
        if maintype == "message":
            raise _NotPlain
        if maintype == "multipart":
            epilogue = self._multipart(msg, content_type, body, end, depth)
            # Enclosed, a non-empty epilogue ends with the line end before ``end``; an empty one is None.
            msg.epilogue = (epilogue[: -len(linesep)] if epilogue else None) if enclosed else epilogue
        else:
            payload = text[body:end]
            msg.set_payload(payload[: -len(linesep)] if enclosed and payload else payload)
        return msg

    def _headers(self, msg: Message, block: str) -> None:
        linesep = self.linesep
        lines = [line + linesep for line in block.split(linesep)[:-1]]
        source: list[str] = []
        for line in lines:
            if not _HEADER_LINE.match(line) or line.startswith("From "):
                raise _NotPlain
            if line[0] in " \t":
                if not source:
                    raise _NotPlain
                source.append(line)
                continue
            if source:
                msg.set_raw(*msg.policy.header_source_parse(source))
            source = [line]
        if source:
            msg.set_raw(*msg.policy.header_source_parse(source))

    def _multipart(self, msg: Message, content_type: str, body: int, end: int, depth: int) -> str:
        """Reads the parts of ``msg`` into it; returns the epilogue."""
        text, linesep = self.text, self.linesep
        boundary = msg.get_boundary()
        if content_type == "multipart/digest" or boundary is None or not _BOUNDARY.fullmatch(boundary):
            raise _NotPlain
        if str(msg.get("content-transfer-encoding", "8bit")).lower() not in _PLAIN_ENCODINGS:
            raise _NotPlain
        delimiter = "--" + boundary
        separators: list[int] = []  # where each delimiter line starts
        closing = -1
        line_start = body if text.startswith(delimiter, body, end) else self._next_line(delimiter, body, end)
        while line_start >= 0:
            after = line_start + len(delimiter)
            if text.startswith(linesep, after, end):
                separators.append(line_start)
                line_start = self._next_line(delimiter, after, end)
                continue
            if text.startswith("--" + linesep, after, end) or (after + 2 == end == len(text) and text.endswith("--")):
                closing = line_start
                break
            raise _NotPlain  # white space after a delimiter, or a line that only starts like one
        if not separators or closing < 0:
            raise _NotPlain
        if separators[0] > body:
            msg.preamble = text[body : separators[0] - len(linesep)]
        for line_start, next_start in zip(separators, [*separators[1:], closing], strict=True):
            part_start = line_start + len(delimiter) + len(linesep)
            if part_start == next_start:
                raise _NotPlain  # two delimiter lines in a row: the feed parser skips the second
            msg.attach(self.part(part_start, next_start, depth + 1, enclosed=True))
        closed = closing + len(delimiter) + 2
        return text[closed + len(linesep) : end] if closed < end else ""

    def _next_line(self, delimiter: str, start: int, end: int) -> int:
        """Where the next line starting with ``delimiter`` after ``start`` starts, or -1."""
        found = self.text.find("\n" + delimiter, start, end)
        return found + 1 if found >= 0 else -1
