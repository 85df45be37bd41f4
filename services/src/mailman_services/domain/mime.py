"""Building outbound MIME messages, and the small text helpers both directions share."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

# Headers Mailman writes itself; a caller may not set them through ``headers``.
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
        "sender",
        "return-path",
    }
)
HEADER_NAME_RE = re.compile(r"^[!-9;-~]{1,76}$")
PREVIEW_LENGTH = 200


@dataclass
class Mailbox:
    name: str | None
    address: str

    def formatted(self) -> str:
        return formataddr((self.name or "", self.address))


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


def header_error(name: str, value: str) -> str | None:
    """Why a caller-supplied header cannot be sent, or None."""
    if not HEADER_NAME_RE.match(name):
        return "is not a valid header name"
    if name.lower() in RESERVED_HEADERS:
        return "is set by Mailman and cannot be overridden"
    if "\r" in value or "\n" in value:
        return "must not contain line breaks"
    if len(value) > 998:
        return "is longer than 998 characters"
    return None


def _addresses(mailboxes: list[Mailbox]) -> str:
    return ", ".join(m.formatted() for m in mailboxes)


def build(draft: Draft) -> tuple[bytes, list[dict[str, str]]]:
    """The raw RFC 5322 bytes of ``draft`` and its top-level headers in order."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = draft.sender.formatted()
    msg["To"] = _addresses(draft.to)
    if draft.cc:
        msg["Cc"] = _addresses(draft.cc)
    if draft.reply_to:
        msg["Reply-To"] = _addresses(draft.reply_to)
    msg["Subject"] = draft.subject
    msg["Date"] = format_datetime(draft.date)
    msg["Message-ID"] = draft.message_id
    if draft.in_reply_to:
        msg["In-Reply-To"] = draft.in_reply_to
    if draft.references:
        msg["References"] = " ".join(draft.references)
    for name, value in draft.headers:
        msg[name] = value

    if draft.text is not None or draft.html is None:
        msg.set_content(draft.text or "", cte="quoted-printable")
        if draft.html is not None:
            msg.add_alternative(draft.html, subtype="html", cte="quoted-printable")
    else:
        msg.set_content(draft.html, subtype="html", cte="quoted-printable")
    for part in draft.attachments:
        maintype, _, subtype = part.content_type.partition("/")
        msg.add_attachment(
            part.data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=part.filename,
            disposition="inline" if part.inline else "attachment",
            cid=f"<{part.content_id.strip('<>')}>" if part.content_id else None,
        )
    raw = msg.as_bytes()
    headers = [{"name": name, "value": str(value)} for name, value in msg.items()]
    return raw, headers


def is_valid_content_type(value: str) -> bool:
    maintype, _, subtype = value.partition("/")
    token = re.compile(r"^[A-Za-z0-9!#$&^_.+-]{1,127}$")
    return bool(token.match(maintype) and token.match(subtype))


_TAGS_RE = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)


def html_to_text(value: str) -> str:
    return html_lib.unescape(_TAGS_RE.sub(" ", value))


def preview(text: str | None, html: str | None) -> str:
    source = text if text is not None else html_to_text(html or "")
    return " ".join(source.split())[:PREVIEW_LENGTH]


def reply_subject(subject: str) -> str:
    return subject if re.match(r"^\s*re\s*:", subject, re.IGNORECASE) else f"Re: {subject}".rstrip()


def forward_subject(subject: str) -> str:
    return subject if re.match(r"^\s*(fwd?|fw)\s*:", subject, re.IGNORECASE) else f"Fwd: {subject}".rstrip()


def message_id_for(message_id: str, domain: str) -> str:
    return f"<{message_id}@{domain}>"
