"""Messages: reading, labelling and rescheduling, and composing outbound mail (send, reply, forward).

Composing validates and builds the MIME (``prepare``, which writes nothing), then stores the attachments and the
raw MIME in the blob store and writes the message as ``queued`` with its thread and its outbound job (``store``),
all in one transaction (``send``, ``send_batch`` for up to 100; ``compose`` in the caller's). A message with a
``send_at`` is written as ``scheduled`` instead, with no job: the worker's due-scan (handlers/schedule.py) queues
it when its time comes.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..db.engine import Database
from ..db.schema import domains, inboxes, messages, threads
from ..domain import mime, search
from ..domain.addresses import parse_recipient
from ..domain.errors import APIError, FieldError, invalid, not_found
from ..domain.ids import new_id
from ..domain.schedule import send_at_error
from ..ports import BlobStore, Queue
from . import jobs, views
from .attachments import attachment_key, store_attachments
from .events import notify, record_event
from .suppressions import suppressed_among

MAX_RECIPIENTS = 50
NOT_CHECKED = dict.fromkeys(("spam", "virus", "spf", "dkim", "dmarc"), "not_checked")
SCHEDULE_CHANNEL = "mailman_schedule"  # NOTIFY at commit: the worker's due-scan looks at the schedule again


def raw_key(message_id: str) -> str:
    return f"raw/{message_id}.eml"


async def update_message(
    database: Database,
    message_id: str,
    add: list[str],
    remove: list[str],
    send_at: datetime | None = None,
) -> dict[str, Any]:
    """Change the labels and, for a ``scheduled`` message, ``send_at`` (409 ``message_not_scheduled`` otherwise).

    The row is locked from the read on: two changes of labels at once both count, and a message deleted
    meanwhile is a 404 rather than a row the update no longer finds.
    """
    async with database.transaction() as conn:
        row = await views.find_message(conn, message_id, for_update=True)
        values: dict[str, Any] = {}
        if add or remove:
            labels = [label for label in row.labels if label not in remove]
            values["labels"] = labels + [label for label in dict.fromkeys(add) if label not in labels]
        if send_at is not None:
            if row.status != "scheduled":
                raise APIError(
                    409,
                    "message_not_scheduled",
                    f"{message_id} is {row.status}: only a scheduled message can be rescheduled.",
                )
            check_send_at(send_at)
            values["send_at"] = send_at
        if not values:
            values["labels"] = row.labels  # nothing to change: answer with the message as it is
        updated = (
            await conn.execute(
                update(messages).where(messages.c.id == message_id).values(**values).returning(*views.MESSAGE_COLUMNS)
            )
        ).one()
        if "labels" in values:
            await _refresh_thread_labels(conn, row.thread_id)
        if send_at is not None:
            await record_message_event(conn, "message.scheduled", updated)
            await _wake_schedule(conn)
        return views.message(updated)


async def cancel(database: Database, message_id: str) -> dict[str, Any]:
    """A ``scheduled`` message becomes ``canceled`` and is never sent (409 ``message_not_scheduled`` otherwise)."""
    async with database.transaction() as conn:
        row = await views.find_message(conn, message_id, for_update=True)
        if row.status != "scheduled":
            raise APIError(
                409, "message_not_scheduled", f"{message_id} is {row.status}: only a scheduled message can be canceled."
            )
        updated = (
            await conn.execute(
                update(messages)
                .where(messages.c.id == message_id)
                .values(status="canceled")
                .returning(*views.MESSAGE_COLUMNS)
            )
        ).one()
        await record_message_event(conn, "message.canceled", updated)
        return views.message(updated)


def check_send_at(send_at: datetime) -> None:
    if (error := send_at_error(send_at, datetime.now(UTC))) is not None:
        raise invalid("send_at", error)


async def record_message_event(conn: AsyncConnection, event_type: str, row: Any, **extra: Any) -> None:
    """Record ``event_type`` for the message ``row`` (MESSAGE_COLUMNS) with its thread."""
    thread = (await conn.execute(select(threads).where(threads.c.id == row.thread_id))).one()
    data = {"message": views.event_message(row), "thread": views.thread(thread), **extra}
    await record_event(conn, event_type, data, inbox_id=row.inbox_id, message_id=row.id)


async def _wake_schedule(conn: AsyncConnection) -> None:
    await conn.execute(select(func.pg_notify(SCHEDULE_CHANNEL, "")))


async def _refresh_thread_labels(conn: AsyncConnection, thread_id: str) -> None:
    await conn.execute(
        text(
            "UPDATE threads SET labels = (SELECT coalesce(array_agg(DISTINCT l ORDER BY l), '{}') "
            "FROM messages, unnest(messages.labels) AS l WHERE messages.thread_id = :t) WHERE id = :t"
        ),
        {"t": thread_id},
    )


@dataclass
class Composition:
    """What the caller asked to send, after the request body was validated."""

    to: Sequence[str | dict[str, Any]]  # a reply's recipients are mailboxes of the message replied to
    cc: Sequence[str | dict[str, Any]] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    reply_to: list[str] = field(default_factory=list)
    subject: str = ""
    text: str | None = None
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    send_at: datetime | None = None  # None: send now; else stored as ``scheduled`` until then


@dataclass
class Parent:
    """The message a reply or forward refers to."""

    thread_id: str
    message_id: str
    references: list[str]


def parse_recipients(values: Sequence[str | dict[str, Any]], field_name: str) -> list[dict[str, Any]]:
    """Recipients as ``{"name", "address"}``: strings a caller gave are parsed and checked; mailboxes taken
    from a stored message (a reply's) are kept, their names made fit for a header."""
    parsed, errors = [], []
    for i, value in enumerate(values):
        if isinstance(value, dict):
            name = mime.single_line(value.get("name") or "").strip()
            parsed.append({"name": name or None, "address": value["address"]})
            continue
        error = mime.text_error(value)
        recipient = parse_recipient(value) if error is None else None
        if recipient is None:
            message = error or "is not an email address ('a@b.com' or 'Name <a@b.com>')"
            errors.append(FieldError(f"{field_name}[{i}]", message))
        else:
            parsed.append(recipient)
    if errors:
        raise APIError(422, "validation_failed", "; ".join(f"{e.field}: {e.message}" for e in errors), errors)
    return parsed


def decode_attachments(items: list[dict[str, Any]], field_name: str = "attachments") -> list[mime.AttachmentPart]:
    parts = []
    for i, item in enumerate(items):
        try:
            data = base64.b64decode(item["content"], validate=True)
        except (binascii.Error, ValueError):
            raise invalid(f"{field_name}[{i}].content", "is not valid base64") from None
        if not mime.is_valid_content_type(item["content_type"]):
            raise invalid(f"{field_name}[{i}].content_type", "is not a MIME type such as application/pdf")
        # Line breaks in the name and a malformed content_id are refused by the request schema already.
        if any(c in item["filename"] for c in "/\\"):
            raise invalid(f"{field_name}[{i}].filename", "must not contain path separators")
        parts.append(
            mime.AttachmentPart(
                filename=item["filename"],
                content_type=item["content_type"].lower(),
                data=data,
                content_id=item.get("content_id"),
                inline=bool(item.get("inline")),
            )
        )
    return parts


@dataclass
class Prepared:
    """A message checked and built by ``prepare``, not stored yet: nothing of it is in the database or blob store."""

    inbox_id: str
    inbox: Any
    request: Composition
    parent: Parent | None
    to: list[dict[str, Any]]
    cc: list[dict[str, Any]]
    bcc: list[dict[str, Any]]
    reply_to: list[dict[str, Any]]
    parts: list[mime.AttachmentPart]
    message_pk: str
    message_id: str
    references: list[str]
    raw: bytes
    headers: list[dict[str, str]]
    now: datetime
    search: str  # the tsvector literal (domain/search.py)


async def compose(
    conn: AsyncConnection,
    blobs: BlobStore,
    queue: Queue,
    inbox_id: str,
    request: Composition,
    parent: Parent | None = None,
    inherited: list[mime.AttachmentPart] | None = None,
) -> dict[str, Any]:
    """Validate and store one outbound message (status ``queued``, or ``scheduled`` with a ``send_at``); returns it
    as the API shows it."""
    return await store(conn, blobs, queue, await prepare(conn, inbox_id, request, parent, inherited))


async def prepare(
    conn: AsyncConnection,
    inbox_id: str,
    request: Composition,
    parent: Parent | None = None,
    inherited: list[mime.AttachmentPart] | None = None,
) -> Prepared:
    """Every check of a send (422 for the first that fails, 404 for a missing inbox) and its MIME, built; it
    writes nothing, so a batch can check all its messages before storing any."""
    inbox = await sending_inbox(conn, inbox_id)
    return prepare_with(inbox, request, await suppressed_among(conn, _recipients(request)), parent, inherited)


async def sending_inbox(conn: AsyncConnection, inbox_id: str) -> Any:
    """The inbox with its domain's name and status, as ``prepare_with`` needs it; 404 when there is none."""
    inbox = (
        await conn.execute(
            select(inboxes, domains.c.name.label("domain_name"), domains.c.status.label("domain_status"))
            .join(domains, domains.c.id == inboxes.c.domain_id)
            .where(inboxes.c.id == inbox_id)
        )
    ).first()
    if inbox is None:
        raise not_found("inbox", inbox_id)
    return inbox


def _recipients(request: Composition) -> list[str]:
    """The addresses a send would go to, those that parse (the others are the send's 422)."""
    found: list[str] = []
    for values in (request.to, request.cc, request.bcc):
        for value in values:
            with contextlib.suppress(APIError):
                found.extend(r["address"] for r in parse_recipients([value], "to"))
    return found


def prepare_with(
    inbox: Any,
    request: Composition,
    suppressed: set[str],
    parent: Parent | None = None,
    inherited: list[mime.AttachmentPart] | None = None,
) -> Prepared:
    """``prepare`` once the inbox (``sending_inbox``) and the suppressed among the request's recipients (or among
    more addresses: a batch looks them up once for all its items) are known."""
    inbox_id = inbox.id
    if request.text is None and request.html is None:
        raise invalid("text", "give text, html or both")
    to = parse_recipients(request.to, "to")
    cc = parse_recipients(request.cc, "cc")
    bcc = parse_recipients(request.bcc, "bcc")
    reply_to = parse_recipients(request.reply_to, "reply_to")
    if len(to) + len(cc) + len(bcc) > MAX_RECIPIENTS:
        raise APIError(
            422, "too_many_recipients", f"A message may have at most {MAX_RECIPIENTS} recipients (to + cc + bcc)."
        )
    header_errors = [
        FieldError(f"headers.{name}", error)
        for name, value in request.headers.items()
        if (error := mime.header_error(name, value)) is not None
    ]
    if header_errors:
        raise APIError(
            422, "validation_failed", "; ".join(f"{e.field}: {e.message}" for e in header_errors), header_errors
        )
    parts = decode_attachments(request.attachments) + (inherited or [])
    if request.send_at is not None:
        check_send_at(request.send_at)
    if inbox.domain_status != "verified":
        raise APIError(
            422,
            "domain_not_verified",
            f"{inbox.domain_name} is not verified yet: publish its DNS records and call verify.",
        )

    everyone = [r["address"] for r in to + cc + bcc]
    suppressed = suppressed.intersection(everyone)
    if suppressed:
        to, cc, bcc = ([r for r in group if r["address"] not in suppressed] for group in (to, cc, bcc))
        if not to + cc + bcc:
            raise APIError(
                422,
                "all_recipients_suppressed",
                f"Every recipient is on the suppression list: {', '.join(sorted(suppressed))}.",
            )
        if not to:  # keep a visible recipient: promote the first Cc, else the first Bcc
            to = [(cc or bcc).pop(0)]

    now = datetime.now(UTC)
    message_pk = new_id("msg")
    message_id = mime.message_id_for(message_pk, inbox.domain_name)
    references = [*parent.references, parent.message_id][-20:] if parent else []
    draft = mime.Draft(
        sender=mime.Mailbox(inbox.name, inbox.address),
        to=[mime.Mailbox(r["name"], r["address"]) for r in to],
        cc=[mime.Mailbox(r["name"], r["address"]) for r in cc],
        reply_to=[mime.Mailbox(r["name"], r["address"]) for r in reply_to],
        subject=request.subject,
        message_id=message_id,
        # A scheduled message is dated when it is due, and again when it is sent (outbound.handle), as it may
        # be rescheduled or sent late.
        date=request.send_at or now,
        text=request.text,
        html=request.html,
        in_reply_to=parent.message_id if parent else None,
        references=references,
        headers=list(request.headers.items()),
        attachments=parts,
    )
    raw, headers = mime.build(draft)
    return Prepared(
        inbox_id,
        inbox,
        request,
        parent,
        to,
        cc,
        bcc,
        reply_to,
        parts,
        message_pk,
        message_id,
        references,
        raw,
        headers,
        now,
        search.vector(request.subject, inbox.address, inbox.name, request.text),
    )


async def store(conn: AsyncConnection, blobs: BlobStore, queue: Queue, prepared: Prepared) -> dict[str, Any]:
    """Store a prepared message: its attachments and raw copy in the blob store, its row, its thread's, and its
    job (or, scheduled, its ``message.scheduled`` event) in ``conn``'s transaction; returns it as the API shows it."""
    p = prepared
    inbox, request, parent, now = p.inbox, p.request, p.parent, p.now
    to, cc, bcc, reply_to, message_pk, inbox_id = p.to, p.cc, p.bcc, p.reply_to, p.message_pk, p.inbox_id
    attachments = await store_attachments(blobs, p.parts)
    await blobs.put(raw_key(message_pk), p.raw, "message/rfc822")

    participants = list(dict.fromkeys([inbox.address] + [r["address"] for r in to + cc]))
    labels = list(dict.fromkeys(request.labels))
    if parent is None:
        thread_id = new_id("thr")
        await conn.execute(
            insert(threads).values(
                id=thread_id,
                inbox_id=inbox_id,
                subject=request.subject,
                participants=participants,
                message_count=1,
                last_message_at=now,
                labels=sorted(labels),
                created_at=now,
            )
        )
    else:
        thread_id = parent.thread_id
        known = (await conn.execute(select(threads.c.participants).where(threads.c.id == thread_id))).scalar_one()
        await conn.execute(
            update(threads)
            .where(threads.c.id == thread_id)
            .values(
                message_count=threads.c.message_count + 1,
                last_message_at=now,
                participants=list(dict.fromkeys(known + participants)),
            )
        )
    row = (
        await conn.execute(
            insert(messages)
            .values(
                id=message_pk,
                inbox_id=inbox_id,
                thread_id=thread_id,
                direction="outbound",
                status="queued" if request.send_at is None else "scheduled",
                send_at=request.send_at,
                message_id=p.message_id,
                in_reply_to=parent.message_id if parent else None,
                references=p.references,
                **{"from": {"name": inbox.name, "address": inbox.address}},
                to=to,
                cc=cc,
                bcc=bcc,
                reply_to=reply_to,
                subject=request.subject,
                text=request.text,
                html=request.html,
                extracted_text=None,  # the text itself: views.EXTRACTED_TEXT
                extracted_html=None,  # the html itself: views.EXTRACTED_HTML
                signature=None,
                preview=mime.preview(request.text, request.html),
                headers=p.headers,
                attachments=attachments,
                labels=labels,
                size=len(p.raw),
                verdicts=NOT_CHECKED,
                raw_key=raw_key(message_pk),
                created_at=now,
                search=p.search,
            )
            .returning(*views.MESSAGE_COLUMNS)
        )
    ).one()
    if parent is not None and labels:
        await _refresh_thread_labels(conn, thread_id)
    if request.send_at is None:
        await jobs.enqueue(conn, queue, "outbound", [jobs.outbound_job(message_pk)])
        await notify(conn, [inbox_id])  # wakes whoever waits for the inbox's next message
    else:
        await record_message_event(conn, "message.scheduled", row)  # which wakes them itself
        await _wake_schedule(conn)
    return views.message(row)


async def send(
    database: Database, blobs: BlobStore, queue: Queue, inbox_id: str, request: Composition
) -> dict[str, Any]:
    """Compose the message in a transaction of its own; its job goes out as soon as that commits."""
    async with jobs.transaction(database, queue) as conn:
        return await compose(conn, blobs, queue, inbox_id, request)


MAX_BATCH = 100


async def send_batch(
    database: Database,
    blobs: BlobStore,
    queue: Queue,
    inbox_id: str,
    requests: Sequence[Composition | APIError],
    *,
    strict: bool,
) -> list[dict[str, Any] | APIError]:
    """Send several messages from one inbox in one transaction, each checked exactly as ``send`` checks it; an
    ``APIError`` among ``requests`` is an item whose body was already found invalid. Answers, in order, each
    message as the API shows it or the problem that kept it from being sent.

    ``strict``: any problem sends none (``BatchRejected``). Otherwise the valid ones are sent. A missing inbox
    (404) refuses the whole batch either way.
    """
    async with jobs.transaction(database, queue) as conn:
        inbox = await sending_inbox(conn, inbox_id)  # 404 even when no item got as far as looking
        valid = [request for request in requests if not isinstance(request, APIError)]
        suppressed = await suppressed_among(conn, sorted({a for request in valid for a in _recipients(request)}))
        checked: list[Prepared | APIError] = []
        for request in requests:
            if isinstance(request, APIError):
                checked.append(request)
                continue
            try:
                checked.append(prepare_with(inbox, request, suppressed))
            except APIError as error:
                checked.append(error)
        failures = [(i, item) for i, item in enumerate(checked) if isinstance(item, APIError)]
        if strict and failures:
            raise BatchRejected(failures, len(checked))
        return [item if isinstance(item, APIError) else await store(conn, blobs, queue, item) for item in checked]


class BatchRejected(Exception):
    """A strict batch with invalid messages: ``failures`` are (index, problem), in order; nothing was stored."""

    def __init__(self, failures: list[tuple[int, APIError]], total: int) -> None:
        super().__init__(f"{len(failures)} of {total} messages are invalid")
        self.failures = failures
        self.total = total


async def reply(
    database: Database,
    blobs: BlobStore,
    queue: Queue,
    original: Any,
    *,
    text: str | None,
    html: str | None,
    reply_all: bool,
    cc: list[str],
    attachments: list[dict[str, Any]],
    labels: list[str],
    dotted_only: bool,
    send_at: datetime | None = None,
) -> dict[str, Any]:
    """Reply to ``original`` (see ``reply_composition``) in a transaction of its own."""
    async with jobs.transaction(database, queue) as conn:
        request, parent = await reply_composition(
            conn,
            original,
            Composition(to=[], cc=cc, text=text, html=html, attachments=attachments, labels=labels, send_at=send_at),
            reply_all=reply_all,
            dotted_only=dotted_only,
        )
        return await compose(conn, blobs, queue, original.inbox_id, request, parent)


async def reply_composition(
    conn: AsyncConnection, original: Any, given: Composition, *, reply_all: bool, dotted_only: bool
) -> tuple[Composition, Parent]:
    """The reply to ``original``'s sender (Reply-To, else From), or to its recipients when it was sent from here;
    ``given`` brings the body, attachments, labels, ``send_at`` and more recipients (its ``to`` and ``subject``
    are the reply's own).

    Its addresses come from received mail: one that cannot be sent to answers 422 naming it (``dotted_only``:
    the transport, SES, needs a domain with a dot), and such a Cc of a reply-all is left out.
    """
    inbox_address = (
        await conn.execute(select(inboxes.c.address).where(inboxes.c.id == original.inbox_id))
    ).scalar_one()

    def others(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [p for p in people if p["address"] != inbox_address]

    if original.direction == "inbound":
        to = others(original.reply_to or [original._mapping["from"]])
    else:
        to = others(original.to)
    extra_cc = others(original.to + original.cc) if reply_all and original.direction == "inbound" else []
    if reply_all and original.direction == "outbound":
        extra_cc = others(original.cc)
    if not to:
        raise APIError(
            422, "validation_failed", "The original message has no one to reply to.", [FieldError("to", "empty")]
        )
    for person in to:
        if (why := mime.address_error(person["address"], dotted=dotted_only)) is not None:
            raise APIError(
                422,
                "unsendable_recipient",
                f"The message replied to came from {person['address']}, which mail cannot be sent to: {why}.",
                [FieldError("to", f"{person['address']}: {why}")],
            )
    extra_cc = [p for p in extra_cc if mime.address_error(p["address"], dotted=dotted_only) is None]
    answered = {p["address"] for p in to}
    request = Composition(
        to=to,
        cc=[*given.cc, *[c for c in extra_cc if c["address"] not in answered]],
        bcc=given.bcc,
        reply_to=given.reply_to,
        # Received text may hold line breaks an API caller could not send (they would end the header).
        subject=mime.reply_subject(mime.single_line(original.subject)),
        text=given.text,
        html=given.html,
        headers=given.headers,
        attachments=given.attachments,
        labels=given.labels,
        send_at=given.send_at,
    )
    return request, Parent(original.thread_id, original.message_id, list(original.references))


async def forward(
    database: Database,
    blobs: BlobStore,
    queue: Queue,
    original: Any,
    *,
    to: list[str],
    text: str | None,
    html: str | None,
    labels: list[str],
    send_at: datetime | None = None,
) -> dict[str, Any]:
    given = Composition(to=to, text=text, html=html, labels=labels, send_at=send_at)
    request, parent, inherited = await forward_composition(blobs, original, given)
    async with jobs.transaction(database, queue) as conn:
        return await compose(conn, blobs, queue, original.inbox_id, request, parent, inherited)


async def forward_composition(
    blobs: BlobStore, original: Any, given: Composition
) -> tuple[Composition, Parent, list[mime.AttachmentPart]]:
    """``original`` forwarded to ``given``'s recipients under its note (``text``/``html``), with the original's
    attachments; ``given``'s subject is the forward's own."""
    sender = original._mapping["from"]
    quoted_from = mime.Mailbox(mime.single_line(sender.get("name") or "") or None, sender["address"]).formatted()
    subject = mime.single_line(original.subject)
    header = (
        "---------- Forwarded message ---------\n"
        f"From: {quoted_from}\n"
        f"Date: {original.created_at.strftime('%a, %d %b %Y %H:%M:%S +0000')}\n"
        f"Subject: {subject}\n"
        f"To: {', '.join(r['address'] for r in original.to)}\n\n"
    )
    text, html = given.text, given.html
    body_text = f"{text or ''}\n\n{header}{original.text or mime.html_to_text(original.html or '')}".lstrip("\n")
    body_html = None
    if html is not None or original.html is not None:
        import html as html_lib

        body_html = (
            f"{html if html is not None else html_lib.escape(text or '')}<br><br>"
            f"<div>{html_lib.escape(header).replace(chr(10), '<br>')}</div>"
            f"{original.html if original.html is not None else html_lib.escape(original.text or '')}"
        )
    inherited = []
    for attachment in original.attachments:
        data = await blobs.get(attachment_key(attachment["sha256"]))
        if data is not None:
            inherited.append(
                mime.AttachmentPart(
                    filename=mime.safe_filename(attachment["filename"] or ""),
                    content_type=attachment["content_type"]
                    if mime.is_valid_content_type(attachment["content_type"])
                    else "application/octet-stream",
                    data=data,
                    content_id=mime.safe_content_id(attachment["content_id"]),
                    inline=attachment["inline"],
                )
            )
    request = Composition(
        to=given.to,
        cc=given.cc,
        bcc=given.bcc,
        reply_to=given.reply_to,
        subject=mime.forward_subject(subject),
        text=body_text,
        html=body_html,
        headers=given.headers,
        attachments=given.attachments,
        labels=given.labels,
        send_at=given.send_at,
    )
    return request, Parent(original.thread_id, original.message_id, list(original.references)), inherited
