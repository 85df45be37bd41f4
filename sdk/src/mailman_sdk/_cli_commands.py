# Generated from openapi.yaml by sdk/generator/generate.py (`nox -s generate`); do not edit.

"""The `mailman` command groups, one a resource, nested as the resources are (`_cli.py` puts them together)."""

from __future__ import annotations

from datetime import datetime

import click

from ._cli_support import TIMESTAMP, Group, given_options, json_objects, pairs, read_attachments, run

system_group = Group("system", help="Health check and this API description. No authentication.")


@system_group.command("health")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def system_health(as_json: bool) -> None:
    """Health check"""
    run(lambda api: api.system.health(), as_json)


@system_group.command("openapi")
@click.option("--output", "-o", "to_file", metavar="FILE", help="Write the bytes to FILE.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def system_openapi(to_file: str | None, as_json: bool) -> None:
    """Get the OpenAPI document"""
    run(lambda api: api.system.openapi(), as_json, to_file=to_file)


domains_group = Group(
    "domains",
    help="""Domains to send from and receive on. Register a domain, publish its DNS records, then verify it;
    sending requires a verified domain.""",
)


@domains_group.command("list")
@click.option("--name", "name", help="Only the domain with this name (compared case-insensitively).")
@click.option("--limit", "limit", type=int, help="Maximum number of items to return.")
@click.option("--cursor", "cursor", help="Opaque cursor from a previous page's `next_cursor`.")
@click.option("--all", "everything", is_flag=True, help="Every page, not just the first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def domains_list(name: str | None, limit: int | None, cursor: str | None, everything: bool, as_json: bool) -> None:
    """List domains"""
    run(
        lambda api: api.domains.list(**given_options({"name": name, "limit": limit, "cursor": cursor})),
        as_json,
        everything=everything,
    )


@domains_group.command("create")
@click.option("--name", "name", required=True, help="The domain name to register, e.g. `mail.acme.com`.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def domains_create(name: str | None, as_json: bool) -> None:
    """Register a domain"""
    run(lambda api: api.domains.create(**given_options({"name": name})), as_json)


@domains_group.command("retrieve")
@click.argument("domain_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def domains_retrieve(domain_id: str, as_json: bool) -> None:
    """Retrieve a domain"""
    run(lambda api: api.domains.retrieve(domain_id), as_json)


@domains_group.command("delete")
@click.argument("domain_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def domains_delete(domain_id: str, as_json: bool) -> None:
    """Delete a domain"""
    run(lambda api: api.domains.delete(domain_id), as_json)


@domains_group.command("verify")
@click.argument("domain_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def domains_verify(domain_id: str, as_json: bool) -> None:
    """Verify a domain"""
    run(lambda api: api.domains.verify(domain_id), as_json)


inboxes_group = Group(
    "inboxes",
    help="""Email addresses on a domain. Mail to `local_part@domain` (or `local_part+tag@domain`) is stored in
    the inbox.""",
)


@inboxes_group.command("list")
@click.option("--domain-id", "domain_id", help="Only inboxes on this domain (`dom_…`).")
@click.option(
    "--address",
    "address",
    help="Only the inbox with this address (compared case-insensitively; `local+tag@` is not resolved here).",
)
@click.option("--limit", "limit", type=int, help="Maximum number of items to return.")
@click.option("--cursor", "cursor", help="Opaque cursor from a previous page's `next_cursor`.")
@click.option("--all", "everything", is_flag=True, help="Every page, not just the first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def inboxes_list(
    domain_id: str | None, address: str | None, limit: int | None, cursor: str | None, everything: bool, as_json: bool
) -> None:
    """List inboxes"""
    run(
        lambda api: api.inboxes.list(
            **given_options({"domain_id": domain_id, "address": address, "limit": limit, "cursor": cursor})
        ),
        as_json,
        everything=everything,
    )


@inboxes_group.command("create")
@click.option(
    "--domain-id",
    "domain_id",
    help="Domain to create the inbox on; defaults to the deployment's default domain. An unknown domain answers 422.",
)
@click.option(
    "--local-part",
    "local_part",
    help="Lowercase local part; a random one is generated when omitted. 409 `inbox_address_taken` if the address exists.",
)
@click.option("--name", "name", help="Display name used in the From header of sent mail.")
@click.option(
    "--retention-days",
    "retention_days",
    type=int,
    help="Days to keep the inbox's mail (see `Inbox.retention_days`); null keeps it. Left out, the deployment's default (`MAILMAN_RETENTION_DAYS`; unset, null).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def inboxes_create(
    domain_id: str | None, local_part: str | None, name: str | None, retention_days: int | None, as_json: bool
) -> None:
    """Create an inbox"""
    run(
        lambda api: api.inboxes.create(
            **given_options(
                {"domain_id": domain_id, "local_part": local_part, "name": name, "retention_days": retention_days}
            )
        ),
        as_json,
    )


@inboxes_group.command("retrieve")
@click.argument("inbox_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def inboxes_retrieve(inbox_id: str, as_json: bool) -> None:
    """Retrieve an inbox"""
    run(lambda api: api.inboxes.retrieve(inbox_id), as_json)


@inboxes_group.command("update")
@click.argument("inbox_id")
@click.option("--name", "name", help="New display name; null clears it.")
@click.option(
    "--retention-days",
    "retention_days",
    type=int,
    help="Days to keep the inbox's mail from now on (mail already older goes at the worker's next purge); null keeps it. Left out, unchanged.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def inboxes_update(inbox_id: str, name: str | None, retention_days: int | None, as_json: bool) -> None:
    """Update an inbox"""
    run(
        lambda api: api.inboxes.update(inbox_id, **given_options({"name": name, "retention_days": retention_days})),
        as_json,
    )


@inboxes_group.command("delete")
@click.argument("inbox_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def inboxes_delete(inbox_id: str, as_json: bool) -> None:
    """Delete an inbox"""
    run(lambda api: api.inboxes.delete(inbox_id), as_json)


inboxes_messages_group = Group(
    "messages", help="Messages of inboxes: list an inbox's messages, send a message, send up to 100 messages at once."
)
inboxes_group.add_command(inboxes_messages_group)


@inboxes_messages_group.command("list")
@click.argument("inbox_id")
@click.option(
    "--direction",
    "direction",
    type=click.Choice(["inbound", "outbound"]),
    help="Only inbound or only outbound messages.",
)
@click.option(
    "--status",
    "status",
    type=click.Choice(
        [
            "received",
            "scheduled",
            "canceled",
            "queued",
            "sending",
            "sent",
            "delivered",
            "delayed",
            "bounced",
            "complained",
            "rejected",
            "failed",
        ]
    ),
    help="Only messages with this status.",
)
@click.option("--label", "label", help="Only messages with this label.")
@click.option("--thread-id", "thread_id", help="Only messages of this thread (`thr_…`).")
@click.option(
    "--q",
    "q",
    help="Full-text search over the subject, the sender's address and name and the text body (the first 2,000 characters of the subject, 1,000 of the sender's address and of the name, 80,000 of the text). Case-insensitive; every term must match (AND), a term written `-term` must not. A word is a run of letters and digits (with their combining marks); words joined by single `.`, `@` or `-` make one term (`ada@example.com`, `example.com`, `foo-bar`, `3.14`), which matches the same characters in a message, while a word alone also matches inside them (`example` finds `ada@example.com`). Other characters, quotes included, only separate words: there is no phrase search, prefix matching or stemming. A `q` with no word matches no message.",
)
@click.option(
    "--after",
    "after",
    help="Only messages created strictly after this time, or newer than this message when it is a message id (`msg_…`; ids sort by creation). With `wait` and a message id, the messages stored (committed) after that message, whatever their ids (an id is made before its message commits, so a smaller id can commit later); pass the id of the first message of the previous `wait` answer and no message is missed or repeated. An id of no message of this inbox (a deleted one) falls back to newer ids.",
)
@click.option(
    "--wait",
    "wait",
    type=float,
    help="Long-poll for up to this many seconds (at most 60; more answers 422): the answer comes as soon as a message matching every filter is stored after `after` (`after` left out: after the request arrives), or as an empty page when the time is up. 0 or left out answers at once. The answer holds the first `limit` messages stored after `after`, the last stored first, and no `next_cursor`: its first message's id is the next `after`, and those that did not fit come with the next wait. Not with `cursor` (422). The guarantee holds for ids from `wait` answers (which list only messages already numbered in storing order); with an id from a list without `wait`, a message whose transaction was still open when that list ran and whose id is smaller may count as stored before it.",
)
@click.option("--before", "before", type=TIMESTAMP, help="Only messages created strictly before this time.")
@click.option("--limit", "limit", type=int, help="Maximum number of items to return.")
@click.option("--cursor", "cursor", help="Opaque cursor from a previous page's `next_cursor`.")
@click.option("--all", "everything", is_flag=True, help="Every page, not just the first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def inboxes_messages_list(
    inbox_id: str,
    direction: str | None,
    status: str | None,
    label: str | None,
    thread_id: str | None,
    q: str | None,
    after: str | None,
    wait: float | None,
    before: datetime | None,
    limit: int | None,
    cursor: str | None,
    everything: bool,
    as_json: bool,
) -> None:
    """List an inbox's messages"""
    run(
        lambda api: api.inboxes.messages.list(
            inbox_id,
            **given_options(
                {
                    "direction": direction,
                    "status": status,
                    "label": label,
                    "thread_id": thread_id,
                    "q": q,
                    "after": after,
                    "wait": wait,
                    "before": before,
                    "limit": limit,
                    "cursor": cursor,
                }
            ),
        ),
        as_json,
        everything=everything,
    )


@inboxes_messages_group.command("send")
@click.argument("inbox_id")
@click.option("--to", "to", multiple=True, required=True, help="To recipients." + " (repeatable)")
@click.option("--cc", "cc", multiple=True, help="Cc recipients." + " (repeatable)")
@click.option("--bcc", "bcc", multiple=True, help="Bcc recipients." + " (repeatable)")
@click.option("--reply-to", "reply_to", multiple=True, help="Reply-To addresses." + " (repeatable)")
@click.option(
    "--subject",
    "subject",
    help="Subject line, as text (never pre-encoded MIME; Mailman encodes it). Line breaks of any kind (CR, LF, VT, FF, U+0085, U+2028, U+2029) answer 422, as they do in display names, header values, file names, `content_id` and inbox names.",
)
@click.option("--text", "text", help="Plain-text body.")
@click.option("--html", "html", help="HTML body.")
@click.option(
    "--header",
    "headers",
    multiple=True,
    metavar="NAME=VALUE",
    help="Extra headers to add, name → value. Values are text, encoded by Mailman where needed (an `=?…?=` in a value is sent as those characters, not decoded). Headers Mailman or mail servers write cannot be set (422 on `headers.<name>`) - From, To, Cc, Bcc, Reply-To, Subject, Date, Message-ID, In-Reply-To, References, Sender, MIME-Version, Content-*, Return-Path, Received, Resent-*, DKIM-Signature, Authentication-Results, ARC-*).",
)
@click.option("--attach", "attachments", multiple=True, metavar="FILE", help="File to attach (repeatable).")
@click.option("--labels", "labels", multiple=True, help="Labels to set on the sent message." + " (repeatable)")
@click.option(
    "--send-at",
    "send_at",
    type=TIMESTAMP,
    help="Send at this time instead of now (RFC 3339, from now to 30 days ahead; 422 on `send_at` otherwise). The message is stored with `status: scheduled` and `message.scheduled` is recorded; the worker sends it within a second of its time. Suppressions are checked again then.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def inboxes_messages_send(
    inbox_id: str,
    to: tuple[str, ...],
    cc: tuple[str, ...],
    bcc: tuple[str, ...],
    reply_to: tuple[str, ...],
    subject: str | None,
    text: str | None,
    html: str | None,
    headers: tuple[str, ...],
    attachments: tuple[str, ...],
    labels: tuple[str, ...],
    send_at: datetime | None,
    as_json: bool,
) -> None:
    """Send a message"""
    run(
        lambda api: api.inboxes.messages.send(
            inbox_id,
            **given_options(
                {
                    "to": list(to),
                    "cc": list(cc),
                    "bcc": list(bcc),
                    "reply_to": list(reply_to),
                    "subject": subject,
                    "text": text,
                    "html": html,
                    "headers": pairs(headers, "--header"),
                    "attachments": read_attachments(attachments),
                    "labels": list(labels),
                    "send_at": send_at,
                }
            ),
        ),
        as_json,
    )


@inboxes_messages_group.command("batch")
@click.argument("inbox_id")
@click.option(
    "--message",
    "messages",
    multiple=True,
    required=True,
    metavar="JSON",
    help="The messages, each as the single send takes it; answers keep their order (`index`)."
    + " One JSON object each (repeatable).",
)
@click.option(
    "--mode",
    "mode",
    type=click.Choice(["strict", "permissive"]),
    help="`strict`: any invalid item sends none (422 `batch_invalid`). `permissive`: the valid items are sent and each invalid one answers its problem (207).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def inboxes_messages_batch(inbox_id: str, messages: tuple[str, ...], mode: str | None, as_json: bool) -> None:
    """Send up to 100 messages at once"""
    run(
        lambda api: api.inboxes.messages.batch(
            inbox_id, **given_options({"messages": json_objects(messages, "--message"), "mode": mode})
        ),
        as_json,
    )


inboxes_drafts_group = Group("drafts", help="Drafts of inboxes: list an inbox's drafts, create a draft.")
inboxes_group.add_command(inboxes_drafts_group)


@inboxes_drafts_group.command("list")
@click.argument("inbox_id")
@click.option("--limit", "limit", type=int, help="Maximum number of items to return.")
@click.option("--cursor", "cursor", help="Opaque cursor from a previous page's `next_cursor`.")
@click.option("--all", "everything", is_flag=True, help="Every page, not just the first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def inboxes_drafts_list(inbox_id: str, limit: int | None, cursor: str | None, everything: bool, as_json: bool) -> None:
    """List an inbox's drafts"""
    run(
        lambda api: api.inboxes.drafts.list(inbox_id, **given_options({"limit": limit, "cursor": cursor})),
        as_json,
        everything=everything,
    )


@inboxes_drafts_group.command("create")
@click.argument("inbox_id")
@click.option(
    "--to",
    "to",
    multiple=True,
    help="To recipients (ignored for a reply, which answers the message replied to)." + " (repeatable)",
)
@click.option(
    "--cc",
    "cc",
    multiple=True,
    help="Cc recipients (for a reply, added to those `reply_all` brings)." + " (repeatable)",
)
@click.option("--bcc", "bcc", multiple=True, help="Bcc recipients." + " (repeatable)")
@click.option("--reply-to", "reply_to", multiple=True, help="Reply-To addresses." + " (repeatable)")
@click.option("--subject", "subject", help="Subject line (a reply's or a forward's is its own), without line breaks.")
@click.option("--text", "text", help="Plain-text body (a forward's note).")
@click.option("--html", "html", help="HTML body (a forward's note).")
@click.option(
    "--header", "headers", multiple=True, metavar="NAME=VALUE", help="Extra headers, name → value, as for a send."
)
@click.option("--attach", "attachments", multiple=True, metavar="FILE", help="File to attach (repeatable).")
@click.option("--labels", "labels", multiple=True, help="Labels to set on the sent message." + " (repeatable)")
@click.option("--in-reply-to", "in_reply_to", help="A message of this inbox (`msg_…`): the draft is a reply to it.")
@click.option(
    "--reply-all/--no-reply-all",
    "reply_all",
    default=None,
    help="For a reply, also address the original To and Cc recipients.",
)
@click.option(
    "--forward-of", "forward_of", help="A message of this inbox (`msg_…`): the draft forwards it, attachments included."
)
@click.option(
    "--send-at",
    "send_at",
    type=TIMESTAMP,
    help="Send at this time when the draft is sent (RFC 3339, from now to 30 days ahead), as `scheduled`.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def inboxes_drafts_create(
    inbox_id: str,
    to: tuple[str, ...],
    cc: tuple[str, ...],
    bcc: tuple[str, ...],
    reply_to: tuple[str, ...],
    subject: str | None,
    text: str | None,
    html: str | None,
    headers: tuple[str, ...],
    attachments: tuple[str, ...],
    labels: tuple[str, ...],
    in_reply_to: str | None,
    reply_all: bool | None,
    forward_of: str | None,
    send_at: datetime | None,
    as_json: bool,
) -> None:
    """Create a draft"""
    run(
        lambda api: api.inboxes.drafts.create(
            inbox_id,
            **given_options(
                {
                    "to": list(to),
                    "cc": list(cc),
                    "bcc": list(bcc),
                    "reply_to": list(reply_to),
                    "subject": subject,
                    "text": text,
                    "html": html,
                    "headers": pairs(headers, "--header"),
                    "attachments": read_attachments(attachments),
                    "labels": list(labels),
                    "in_reply_to": in_reply_to,
                    "reply_all": reply_all,
                    "forward_of": forward_of,
                    "send_at": send_at,
                }
            ),
        ),
        as_json,
    )


inboxes_threads_group = Group("threads", help="Threads of inboxes: list an inbox's threads.")
inboxes_group.add_command(inboxes_threads_group)


@inboxes_threads_group.command("list")
@click.argument("inbox_id")
@click.option("--label", "label", help="Only threads with a message carrying this label.")
@click.option("--limit", "limit", type=int, help="Maximum number of items to return.")
@click.option("--cursor", "cursor", help="Opaque cursor from a previous page's `next_cursor`.")
@click.option("--all", "everything", is_flag=True, help="Every page, not just the first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def inboxes_threads_list(
    inbox_id: str, label: str | None, limit: int | None, cursor: str | None, everything: bool, as_json: bool
) -> None:
    """List an inbox's threads"""
    run(
        lambda api: api.inboxes.threads.list(
            inbox_id, **given_options({"label": label, "limit": limit, "cursor": cursor})
        ),
        as_json,
        everything=everything,
    )


messages_group = Group(
    "messages",
    help="""Received and sent mail: list, read, label, download raw mail and attachments, send, reply and
    forward.""",
)


@messages_group.command("retrieve")
@click.argument("message_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def messages_retrieve(message_id: str, as_json: bool) -> None:
    """Retrieve a message"""
    run(lambda api: api.messages.retrieve(message_id), as_json)


@messages_group.command("update")
@click.argument("message_id")
@click.option("--add-labels", "add_labels", multiple=True, help="Labels to add." + " (repeatable)")
@click.option("--remove-labels", "remove_labels", multiple=True, help="Labels to remove." + " (repeatable)")
@click.option(
    "--send-at",
    "send_at",
    type=TIMESTAMP,
    help="A new send time for a `scheduled` message (RFC 3339, from now to 30 days ahead); 409 `message_not_scheduled` for any other.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def messages_update(
    message_id: str,
    add_labels: tuple[str, ...],
    remove_labels: tuple[str, ...],
    send_at: datetime | None,
    as_json: bool,
) -> None:
    """Update a message's labels or send time"""
    run(
        lambda api: api.messages.update(
            message_id,
            **given_options({"add_labels": list(add_labels), "remove_labels": list(remove_labels), "send_at": send_at}),
        ),
        as_json,
    )


@messages_group.command("delete")
@click.argument("message_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def messages_delete(message_id: str, as_json: bool) -> None:
    """Delete a message"""
    run(lambda api: api.messages.delete(message_id), as_json)


@messages_group.command("cancel")
@click.argument("message_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def messages_cancel(message_id: str, as_json: bool) -> None:
    """Cancel a scheduled message"""
    run(lambda api: api.messages.cancel(message_id), as_json)


@messages_group.command("raw")
@click.argument("message_id")
@click.option("--output", "-o", "to_file", metavar="FILE", help="Write the bytes to FILE.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def messages_raw(message_id: str, to_file: str | None, as_json: bool) -> None:
    """Download the raw message"""
    run(lambda api: api.messages.raw(message_id), as_json, to_file=to_file)


@messages_group.command("download")
@click.argument("message_id")
@click.argument("attachment_id")
@click.option("--output", "-o", "to_file", metavar="FILE", help="Write the bytes to FILE.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def messages_download(message_id: str, attachment_id: str, to_file: str | None, as_json: bool) -> None:
    """Download an attachment"""
    run(lambda api: api.messages.download(message_id, attachment_id), as_json, to_file=to_file)


@messages_group.command("reply")
@click.argument("message_id")
@click.option("--text", "text", help="Plain-text body of the reply.")
@click.option("--html", "html", help="HTML body of the reply.")
@click.option(
    "--reply-all/--no-reply-all",
    "reply_all",
    default=None,
    help="Also address the original To and Cc recipients (except this inbox).",
)
@click.option("--cc", "cc", multiple=True, help="Additional Cc recipients." + " (repeatable)")
@click.option("--attach", "attachments", multiple=True, metavar="FILE", help="File to attach (repeatable).")
@click.option("--labels", "labels", multiple=True, help="Labels to set on the reply." + " (repeatable)")
@click.option(
    "--send-at",
    "send_at",
    type=TIMESTAMP,
    help="Send at this time instead of now (RFC 3339, from now to 30 days ahead; 422 on `send_at` otherwise). The message is stored with `status: scheduled` and `message.scheduled` is recorded; the worker sends it within a second of its time. Suppressions are checked again then.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def messages_reply(
    message_id: str,
    text: str | None,
    html: str | None,
    reply_all: bool | None,
    cc: tuple[str, ...],
    attachments: tuple[str, ...],
    labels: tuple[str, ...],
    send_at: datetime | None,
    as_json: bool,
) -> None:
    """Reply to a message"""
    run(
        lambda api: api.messages.reply(
            message_id,
            **given_options(
                {
                    "text": text,
                    "html": html,
                    "reply_all": reply_all,
                    "cc": list(cc),
                    "attachments": read_attachments(attachments),
                    "labels": list(labels),
                    "send_at": send_at,
                }
            ),
        ),
        as_json,
    )


@messages_group.command("forward")
@click.argument("message_id")
@click.option("--to", "to", multiple=True, required=True, help="Recipients to forward to." + " (repeatable)")
@click.option("--text", "text", help="Plain-text note placed above the forwarded message.")
@click.option("--html", "html", help="HTML note placed above the forwarded message.")
@click.option("--labels", "labels", multiple=True, help="Labels to set on the forward." + " (repeatable)")
@click.option(
    "--send-at",
    "send_at",
    type=TIMESTAMP,
    help="Send at this time instead of now (RFC 3339, from now to 30 days ahead; 422 on `send_at` otherwise). The message is stored with `status: scheduled` and `message.scheduled` is recorded; the worker sends it within a second of its time. Suppressions are checked again then.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def messages_forward(
    message_id: str,
    to: tuple[str, ...],
    text: str | None,
    html: str | None,
    labels: tuple[str, ...],
    send_at: datetime | None,
    as_json: bool,
) -> None:
    """Forward a message"""
    run(
        lambda api: api.messages.forward(
            message_id,
            **given_options({"to": list(to), "text": text, "html": html, "labels": list(labels), "send_at": send_at}),
        ),
        as_json,
    )


drafts_group = Group(
    "drafts",
    help="""Messages saved before they are sent: plain sends, replies (`in_reply_to`) or forwards
    (`forward_of`), perhaps scheduled (`send_at`). Sending one deletes it.""",
)


@drafts_group.command("retrieve")
@click.argument("draft_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def drafts_retrieve(draft_id: str, as_json: bool) -> None:
    """Retrieve a draft"""
    run(lambda api: api.drafts.retrieve(draft_id), as_json)


@drafts_group.command("update")
@click.argument("draft_id")
@click.option(
    "--to",
    "to",
    multiple=True,
    help="To recipients (ignored for a reply, which answers the message replied to)." + " (repeatable)",
)
@click.option(
    "--cc",
    "cc",
    multiple=True,
    help="Cc recipients (for a reply, added to those `reply_all` brings)." + " (repeatable)",
)
@click.option("--bcc", "bcc", multiple=True, help="Bcc recipients." + " (repeatable)")
@click.option("--reply-to", "reply_to", multiple=True, help="Reply-To addresses." + " (repeatable)")
@click.option("--subject", "subject", help="Subject line (a reply's or a forward's is its own), without line breaks.")
@click.option("--text", "text", help="Plain-text body (a forward's note).")
@click.option("--html", "html", help="HTML body (a forward's note).")
@click.option(
    "--header", "headers", multiple=True, metavar="NAME=VALUE", help="Extra headers, name → value, as for a send."
)
@click.option("--attach", "attachments", multiple=True, metavar="FILE", help="File to attach (repeatable).")
@click.option("--labels", "labels", multiple=True, help="Labels to set on the sent message." + " (repeatable)")
@click.option("--in-reply-to", "in_reply_to", help="A message of this inbox (`msg_…`): the draft is a reply to it.")
@click.option(
    "--reply-all/--no-reply-all",
    "reply_all",
    default=None,
    help="For a reply, also address the original To and Cc recipients.",
)
@click.option(
    "--forward-of", "forward_of", help="A message of this inbox (`msg_…`): the draft forwards it, attachments included."
)
@click.option(
    "--send-at",
    "send_at",
    type=TIMESTAMP,
    help="Send at this time when the draft is sent (RFC 3339, from now to 30 days ahead), as `scheduled`.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def drafts_update(
    draft_id: str,
    to: tuple[str, ...],
    cc: tuple[str, ...],
    bcc: tuple[str, ...],
    reply_to: tuple[str, ...],
    subject: str | None,
    text: str | None,
    html: str | None,
    headers: tuple[str, ...],
    attachments: tuple[str, ...],
    labels: tuple[str, ...],
    in_reply_to: str | None,
    reply_all: bool | None,
    forward_of: str | None,
    send_at: datetime | None,
    as_json: bool,
) -> None:
    """Update a draft"""
    run(
        lambda api: api.drafts.update(
            draft_id,
            **given_options(
                {
                    "to": list(to),
                    "cc": list(cc),
                    "bcc": list(bcc),
                    "reply_to": list(reply_to),
                    "subject": subject,
                    "text": text,
                    "html": html,
                    "headers": pairs(headers, "--header"),
                    "attachments": read_attachments(attachments),
                    "labels": list(labels),
                    "in_reply_to": in_reply_to,
                    "reply_all": reply_all,
                    "forward_of": forward_of,
                    "send_at": send_at,
                }
            ),
        ),
        as_json,
    )


@drafts_group.command("delete")
@click.argument("draft_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def drafts_delete(draft_id: str, as_json: bool) -> None:
    """Delete a draft"""
    run(lambda api: api.drafts.delete(draft_id), as_json)


@drafts_group.command("send")
@click.argument("draft_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def drafts_send(draft_id: str, as_json: bool) -> None:
    """Send a draft"""
    run(lambda api: api.drafts.send(draft_id), as_json)


threads_group = Group("threads", help="Conversations: messages of one inbox linked by In-Reply-To and References.")


@threads_group.command("retrieve")
@click.argument("thread_id")
@click.option("--limit", "limit", type=int, help="Maximum number of messages to return.")
@click.option("--cursor", "cursor", help="Opaque cursor from a previous page's `next_cursor`.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def threads_retrieve(thread_id: str, limit: int | None, cursor: str | None, as_json: bool) -> None:
    """Retrieve a thread"""
    run(lambda api: api.threads.retrieve(thread_id, **given_options({"limit": limit, "cursor": cursor})), as_json)


@threads_group.command("delete")
@click.argument("thread_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def threads_delete(thread_id: str, as_json: bool) -> None:
    """Delete a thread"""
    run(lambda api: api.threads.delete(thread_id), as_json)


webhooks_group = Group(
    "webhooks",
    help="""Endpoints that receive events, signed per Standard Webhooks: headers `webhook-id` (the event id,
    stable across retries), `webhook-timestamp` (unix seconds) and `webhook-signature` (`v1,<base64
    HMAC-SHA256 of "{id}.{timestamp}.{body}">` keyed with the secret). Deliveries are JSON POSTs with a
    15 s timeout; any 2xx is success, 410 disables the webhook and `Retry-After` is honoured. Failed
    deliveries are retried after 5 s, 5 min, 30 min, 2 h, 5 h and 10 h (7 attempts in all), then marked
    `failed`. Events for one webhook and inbox arrive in order. Every attempt is recorded as a delivery.""",
)


@webhooks_group.command("list")
@click.option("--limit", "limit", type=int, help="Maximum number of items to return.")
@click.option("--cursor", "cursor", help="Opaque cursor from a previous page's `next_cursor`.")
@click.option("--all", "everything", is_flag=True, help="Every page, not just the first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def webhooks_list(limit: int | None, cursor: str | None, everything: bool, as_json: bool) -> None:
    """List webhooks"""
    run(
        lambda api: api.webhooks.list(**given_options({"limit": limit, "cursor": cursor})),
        as_json,
        everything=everything,
    )


@webhooks_group.command("create")
@click.option(
    "--url",
    "url",
    required=True,
    help="http(s) endpoint URL. In the aws backend, URLs resolving to private, loopback or link-local addresses are refused.",
)
@click.option(
    "--events",
    "events",
    multiple=True,
    type=click.Choice(
        [
            "message.received",
            "message.sent",
            "message.delivered",
            "message.delayed",
            "message.bounced",
            "message.complained",
            "message.rejected",
            "message.failed",
            "message.deleted",
            "message.scheduled",
            "message.canceled",
            "draft.created",
            "draft.updated",
            "draft.deleted",
            "domain.verified",
            "webhook.test",
        ]
    ),
    required=True,
    help="Event types to deliver." + " (repeatable)",
)
@click.option(
    "--inbox-ids",
    "inbox_ids",
    multiple=True,
    help="Restrict to these inboxes; omit or leave empty for all inboxes." + " (repeatable)",
)
@click.option("--description", "description", help="Free-form description.")
@click.option(
    "--secret", "secret", help="Signing secret to use, `whsec_` + base64 of 24–64 bytes; generated when omitted."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def webhooks_create(
    url: str | None,
    events: tuple[str, ...],
    inbox_ids: tuple[str, ...],
    description: str | None,
    secret: str | None,
    as_json: bool,
) -> None:
    """Create a webhook"""
    run(
        lambda api: api.webhooks.create(
            **given_options(
                {
                    "url": url,
                    "events": list(events),
                    "inbox_ids": list(inbox_ids),
                    "description": description,
                    "secret": secret,
                }
            )
        ),
        as_json,
    )


@webhooks_group.command("retrieve")
@click.argument("webhook_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def webhooks_retrieve(webhook_id: str, as_json: bool) -> None:
    """Retrieve a webhook"""
    run(lambda api: api.webhooks.retrieve(webhook_id), as_json)


@webhooks_group.command("update")
@click.argument("webhook_id")
@click.option("--url", "url", help="New endpoint URL.")
@click.option(
    "--events",
    "events",
    multiple=True,
    type=click.Choice(
        [
            "message.received",
            "message.sent",
            "message.delivered",
            "message.delayed",
            "message.bounced",
            "message.complained",
            "message.rejected",
            "message.failed",
            "message.deleted",
            "message.scheduled",
            "message.canceled",
            "draft.created",
            "draft.updated",
            "draft.deleted",
            "domain.verified",
            "webhook.test",
        ]
    ),
    help="New event types." + " (repeatable)",
)
@click.option(
    "--inbox-ids", "inbox_ids", multiple=True, help="New inbox filter; empty means all inboxes." + " (repeatable)"
)
@click.option("--description", "description", help="New description.")
@click.option("--enabled/--no-enabled", "enabled", default=None, help="Enable or disable deliveries.")
@click.option(
    "--rotate-secret/--no-rotate-secret",
    "rotate_secret",
    default=None,
    help="Generate a new secret; the response then includes it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def webhooks_update(
    webhook_id: str,
    url: str | None,
    events: tuple[str, ...],
    inbox_ids: tuple[str, ...],
    description: str | None,
    enabled: bool | None,
    rotate_secret: bool | None,
    as_json: bool,
) -> None:
    """Update a webhook"""
    run(
        lambda api: api.webhooks.update(
            webhook_id,
            **given_options(
                {
                    "url": url,
                    "events": list(events),
                    "inbox_ids": list(inbox_ids),
                    "description": description,
                    "enabled": enabled,
                    "rotate_secret": rotate_secret,
                }
            ),
        ),
        as_json,
    )


@webhooks_group.command("delete")
@click.argument("webhook_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def webhooks_delete(webhook_id: str, as_json: bool) -> None:
    """Delete a webhook"""
    run(lambda api: api.webhooks.delete(webhook_id), as_json)


@webhooks_group.command("test")
@click.argument("webhook_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def webhooks_test(webhook_id: str, as_json: bool) -> None:
    """Send a test event"""
    run(lambda api: api.webhooks.test(webhook_id), as_json)


webhooks_deliveries_group = Group(
    "deliveries", help="Deliveries of webhooks: list delivery attempts, retry a delivery."
)
webhooks_group.add_command(webhooks_deliveries_group)


@webhooks_deliveries_group.command("list")
@click.argument("webhook_id")
@click.option(
    "--status", "status", type=click.Choice(["pending", "succeeded", "failed"]), help="Only attempts with this status."
)
@click.option("--event-id", "event_id", help="Only attempts for this event (`evt_…`).")
@click.option("--limit", "limit", type=int, help="Maximum number of items to return.")
@click.option("--cursor", "cursor", help="Opaque cursor from a previous page's `next_cursor`.")
@click.option("--all", "everything", is_flag=True, help="Every page, not just the first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def webhooks_deliveries_list(
    webhook_id: str,
    status: str | None,
    event_id: str | None,
    limit: int | None,
    cursor: str | None,
    everything: bool,
    as_json: bool,
) -> None:
    """List delivery attempts"""
    run(
        lambda api: api.webhooks.deliveries.list(
            webhook_id, **given_options({"status": status, "event_id": event_id, "limit": limit, "cursor": cursor})
        ),
        as_json,
        everything=everything,
    )


@webhooks_deliveries_group.command("retry")
@click.argument("webhook_id")
@click.argument("delivery_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def webhooks_deliveries_retry(webhook_id: str, delivery_id: str, as_json: bool) -> None:
    """Retry a delivery"""
    run(lambda api: api.webhooks.deliveries.retry(webhook_id, delivery_id), as_json)


events_group = Group(
    "events",
    help="""Everything that happens, as `{id, type, timestamp, data}` envelopes: the same bodies webhooks
    receive.""",
)


@events_group.command("list")
@click.option(
    "--type",
    "type",
    type=click.Choice(
        [
            "message.received",
            "message.sent",
            "message.delivered",
            "message.delayed",
            "message.bounced",
            "message.complained",
            "message.rejected",
            "message.failed",
            "message.deleted",
            "message.scheduled",
            "message.canceled",
            "draft.created",
            "draft.updated",
            "draft.deleted",
            "domain.verified",
            "webhook.test",
        ]
    ),
    help="Only events of this type.",
)
@click.option("--inbox-id", "inbox_id", help="Only events about this inbox (`inb_…`).")
@click.option("--message-id", "message_id", help="Only events about this message (`msg_…`).")
@click.option("--limit", "limit", type=int, help="Maximum number of items to return.")
@click.option("--cursor", "cursor", help="Opaque cursor from a previous page's `next_cursor`.")
@click.option("--all", "everything", is_flag=True, help="Every page, not just the first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def events_list(
    type: str | None,
    inbox_id: str | None,
    message_id: str | None,
    limit: int | None,
    cursor: str | None,
    everything: bool,
    as_json: bool,
) -> None:
    """List events"""
    run(
        lambda api: api.events.list(
            **given_options(
                {"type": type, "inbox_id": inbox_id, "message_id": message_id, "limit": limit, "cursor": cursor}
            )
        ),
        as_json,
        everything=everything,
    )


@events_group.command("retrieve")
@click.argument("event_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def events_retrieve(event_id: str, as_json: bool) -> None:
    """Retrieve an event"""
    run(lambda api: api.events.retrieve(event_id), as_json)


suppressions_group = Group(
    "suppressions",
    help="""Addresses mail is never sent to. Permanent bounces and complaints are added automatically;
    suppressed recipients are dropped when sending.""",
)


@suppressions_group.command("list")
@click.option("--limit", "limit", type=int, help="Maximum number of items to return.")
@click.option("--cursor", "cursor", help="Opaque cursor from a previous page's `next_cursor`.")
@click.option("--all", "everything", is_flag=True, help="Every page, not just the first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def suppressions_list(limit: int | None, cursor: str | None, everything: bool, as_json: bool) -> None:
    """List suppressions"""
    run(
        lambda api: api.suppressions.list(**given_options({"limit": limit, "cursor": cursor})),
        as_json,
        everything=everything,
    )


@suppressions_group.command("create")
@click.option("--address", "address", required=True, help="Address to suppress.")
@click.option("--reason", "reason", type=click.Choice(["bounce", "complaint", "manual"]), help="Reason to record.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def suppressions_create(address: str | None, reason: str | None, as_json: bool) -> None:
    """Suppress an address"""
    run(lambda api: api.suppressions.create(**given_options({"address": address, "reason": reason})), as_json)


@suppressions_group.command("delete")
@click.argument("address")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def suppressions_delete(address: str, as_json: bool) -> None:
    """Remove a suppression"""
    run(lambda api: api.suppressions.delete(address), as_json)


api_keys_group = Group("api-keys", help="Bearer tokens for the API, optionally restricted to some inboxes.")


@api_keys_group.command("list")
@click.option("--limit", "limit", type=int, help="Maximum number of items to return.")
@click.option("--cursor", "cursor", help="Opaque cursor from a previous page's `next_cursor`.")
@click.option("--all", "everything", is_flag=True, help="Every page, not just the first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def api_keys_list(limit: int | None, cursor: str | None, everything: bool, as_json: bool) -> None:
    """List API keys"""
    run(
        lambda api: api.api_keys.list(**given_options({"limit": limit, "cursor": cursor})),
        as_json,
        everything=everything,
    )


@api_keys_group.command("create")
@click.option("--name", "name", required=True, help="A name to recognise the key by.")
@click.option(
    "--inbox-ids",
    "inbox_ids",
    multiple=True,
    help="Restrict the key to these inboxes; omit or null for all inboxes." + " (repeatable)",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def api_keys_create(name: str | None, inbox_ids: tuple[str, ...], as_json: bool) -> None:
    """Create an API key"""
    run(lambda api: api.api_keys.create(**given_options({"name": name, "inbox_ids": list(inbox_ids)})), as_json)


@api_keys_group.command("delete")
@click.argument("key_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def api_keys_delete(key_id: str, as_json: bool) -> None:
    """Delete an API key"""
    run(lambda api: api.api_keys.delete(key_id), as_json)


# The spellings of before the groups were nested, unlisted (see FLATTENED in sdk/generator/cli.py).
messages_group.add_alias("list", inboxes_messages_list)
messages_group.add_alias("send", inboxes_messages_send)
threads_group.add_alias("list", inboxes_threads_list)

# The top-level groups, and the old spellings that stand for a whole group; `_cli.py` adds them to `mailman`.
GROUPS: list[click.Group] = [
    system_group,
    domains_group,
    inboxes_group,
    messages_group,
    drafts_group,
    threads_group,
    webhooks_group,
    events_group,
    suppressions_group,
    api_keys_group,
]
ALIASES: dict[str, click.Command] = {"deliveries": webhooks_deliveries_group}
