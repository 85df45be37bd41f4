"""One reply parser of `bench/fidelity.py`, run by the Python of the virtualenv that holds it alone.

`python fidelity_peer.py PEER` reads ``{"repetitions": N, "items": [{"id", "text", "html"}]}`` as JSON on stdin
and writes ``{"version", "results": [{"id", "output", "output_is_html", "error", "seconds"}]}`` on stdout.
``text`` is the plain text the parser gets; ``html`` (or null) goes instead to the parsers that take HTML.
Each parser is called as its README says; ``seconds`` is the median of N calls (one when it raised or was slow).
Imports nothing from Mailman: the peers' virtualenvs do not have it.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from importlib import metadata
from typing import Any

Parser = Callable[[str], str | None]
SLOW = 0.05  # seconds: a call slower than this is not repeated


def email_reply_parser() -> tuple[Parser, Parser | None]:
    from email_reply_parser import EmailReplyParser  # zapier's README: EmailReplyParser.parse_reply(text)

    return EmailReplyParser.parse_reply, None


def mail_parser_reply() -> tuple[Parser, Parser | None]:
    from mailparser_reply import EmailReplyParser  # README: EmailReplyParser(languages=[...]).parse_reply(text=...)
    from mailparser_reply.constants import MAIL_LANGUAGES

    parser = EmailReplyParser(languages=list(MAIL_LANGUAGES))  # every language it supports
    return (lambda text: parser.parse_reply(text=text)), None


def quotequail() -> tuple[Parser, Parser | None]:
    # README: quote(text) / quote_html(html) -> [(expanded by default, text), ...]; the expanded parts are the reply.
    # quote_intro_line=True (documented in quote()'s docstring) puts the "On ... wrote:" line in the quoted part.
    import quotequail

    def plain(text: str) -> str:
        return "\n".join(part for expanded, part in quotequail.quote(text, quote_intro_line=True) if expanded)

    def html(markup: str) -> str:
        return "".join(part for expanded, part in quotequail.quote_html(markup, quote_intro_line=True) if expanded)

    return plain, html


def talon() -> tuple[Parser, Parser | None]:
    import talon  # README: talon.init(), then quotations.extract_from_plain(text) / extract_from_html(html)
    from talon import quotations

    talon.init()
    return quotations.extract_from_plain, quotations.extract_from_html


PEERS: dict[str, Callable[[], tuple[Parser, Parser | None]]] = {
    "email-reply-parser": email_reply_parser,
    "mail-parser-reply": mail_parser_reply,
    "quotequail": quotequail,
    "talon": talon,
}


def run(parse: Parser, value: str, repetitions: int) -> dict[str, Any]:
    times: list[float] = []
    try:
        started = time.perf_counter()
        output = parse(value)
        times.append(time.perf_counter() - started)
        if times[0] < SLOW:
            for _ in range(repetitions - 1):
                started = time.perf_counter()
                parse(value)
                times.append(time.perf_counter() - started)
    except Exception as error:  # noqa: BLE001 - a parser that raises scores a failure, it does not end the run
        return {"output": None, "error": f"{type(error).__name__}: {error}"[:300], "seconds": times[0] if times else 0}
    return {"output": output, "error": None, "seconds": statistics.median(times)}


def main() -> None:
    name = sys.argv[1]
    request = json.load(sys.stdin)
    plain, html = PEERS[name]()
    results = []
    for item in request["items"]:
        if html is not None and item["html"] is not None:
            result = {"output_is_html": True, **run(html, item["html"], request["repetitions"])}
        else:
            result = {"output_is_html": False, **run(plain, item["text"], request["repetitions"])}
        results.append({"id": item["id"], **result})
    json.dump({"version": metadata.version(name), "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
