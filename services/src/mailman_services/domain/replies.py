"""The new part of a received message from its two bodies: `quotes` reads the text, `html_quotes` the HTML."""

from __future__ import annotations

from dataclasses import dataclass

from . import html_quotes, quotes


@dataclass(frozen=True)
class Reply:
    """The new part of a received message, as the API gives it (docs/replies.md)."""

    text: str | None  # extracted_text: None when the message has no body
    html: str | None  # extracted_html: None when it has no HTML body
    signature: str | None  # the sign-off block ``text`` ends with


def reply(text: str | None, html: str | None) -> Reply:
    """The new part of a message whose bodies are ``text`` and ``html``.

    The text is read from ``text``, or from ``html`` without its quoted blocks when there is no text. When
    the text quotes nothing, neither does the HTML alternative of it, which is then not read at all (HTML
    takes far longer to read than text).
    """
    new_text: str | None
    if text and not text.isspace():
        new_text, quoted = quotes.extracted(text)
        new_html = html_quotes.extracted_html(html) if html is not None and quoted else html
    elif html and not html.isspace():
        new_html = html_quotes.extracted_html(html)
        new_text, _ = quotes.extracted(quotes.html_to_text(new_html))
    else:
        new_text = None if text is None and html is None else ""
        new_html = html
    return Reply(new_text, new_html, quotes.signature(new_text) if new_text else None)
