# Generated from openapi.yaml by sdk/generator/generate.py (`nox -s generate`); do not edit.


"""Models of the Mailman API, one class per schema of openapi.yaml."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from .._models import BaseModel


class Health(BaseModel):
    """Health status."""

    status: Literal["ok"]
    """Always `ok` when healthy."""


class DnsRecord(BaseModel):
    """A DNS record the domain needs for receiving, sending and authentication."""

    type: Literal["MX", "TXT", "CNAME"]
    """Record type."""
    name: str
    """Fully qualified record name."""
    value: str
    """Expected record value."""
    priority: int | None
    """MX priority; null for other types."""
    status: Literal["missing", "valid", "invalid"]
    """Result of the last check: `missing` (not found), `valid`, or `invalid` (found with another value)."""


class Domain(BaseModel):
    """A sending and receiving domain."""

    id: str
    """Domain id (`dom_…`)."""
    name: str
    """The domain name, e.g. `mail.acme.com`."""
    status: Literal["pending", "verified", "failed"]
    """`pending` until verified, `verified` once every required record checks out, `failed` when
    verification failed."""
    records: list[DnsRecord]
    """DNS records to publish (MX, SPF and DMARC TXT, DKIM CNAMEs)."""
    created_at: datetime
    """When the domain was registered."""
    verified_at: datetime | None
    """When the domain was last verified; null if never."""


class Inbox(BaseModel):
    """An email inbox. Mail to `local_part@domain` (and `local_part+tag@domain`) lands here."""

    id: str
    """Inbox id (`inb_…`)."""
    domain_id: str
    """The domain the inbox lives on (`dom_…`)."""
    local_part: str
    """The part of the address before `@`."""
    address: str
    """The full address, `local_part@domain`."""
    name: str | None
    """Display name used in the From header of sent mail (one line)."""
    retention_days: int | None = None
    """Mail older than this many days (by `created_at`) is deleted by the worker, as `DELETE
    /v1/messages/{message_id}` deletes it (`message.deleted` with `reason: retention`), within a few
    minutes of expiring; null keeps mail until it is deleted."""
    created_at: datetime
    """When the inbox was created."""


class EmailAddress(BaseModel):
    """A mailbox: optional display name and address."""

    name: str | None
    """Display name, if any."""
    address: str
    """The email address."""


class MessageHeader(BaseModel):
    """One header of the message."""

    name: str
    """Header name as it appeared."""
    value: str
    """Decoded header value."""


class Attachment(BaseModel):
    """Metadata of an attachment; download the bytes with `messages.download`."""

    id: str
    """Attachment id (`att_…`)."""
    filename: str | None
    """File name, decoded; null when the part had none."""
    content_type: str
    """MIME type, e.g. `application/pdf`."""
    size: int
    """Size in bytes (decoded)."""
    content_id: str | None
    """Content-ID of an inline part referenced from HTML (`cid:`)."""
    inline: bool
    """Whether the part is inline (Content-Disposition: inline)."""
    sha256: str
    """Hex SHA-256 of the content."""


Verdict = Literal["pass", "fail", "gray", "processing_failed", "not_checked"]


class Verdicts(BaseModel):
    """Spam, virus and authentication verdicts (`not_checked` when no check ran)."""

    spam: Verdict
    """Result of a check: `pass`, `fail`, `gray` (inconclusive), `processing_failed`, or `not_checked`."""
    virus: Verdict
    """Result of a check: `pass`, `fail`, `gray` (inconclusive), `processing_failed`, or `not_checked`."""
    spf: Verdict
    """Result of a check: `pass`, `fail`, `gray` (inconclusive), `processing_failed`, or `not_checked`."""
    dkim: Verdict
    """Result of a check: `pass`, `fail`, `gray` (inconclusive), `processing_failed`, or `not_checked`."""
    dmarc: Verdict
    """Result of a check: `pass`, `fail`, `gray` (inconclusive), `processing_failed`, or `not_checked`."""


MessageDirection = Literal["inbound", "outbound"]


MessageStatus = Literal[
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


class Message(BaseModel):
    """A received or sent email."""

    id: str
    """Message id (`msg_…`)."""
    inbox_id: str
    """Inbox the message belongs to (`inb_…`)."""
    thread_id: str
    """Thread the message belongs to (`thr_…`)."""
    direction: MessageDirection
    """`inbound` (received) or `outbound` (sent)."""
    status: MessageStatus
    """Lifecycle status. Inbound: `received`. Outbound: `queued` → `sending` → `sent` → `delivered`, or
    `delayed`, `bounced`, `complained`, `rejected`, `failed`. A message sent with `send_at` starts as
    `scheduled`: at its time it becomes `queued` and goes on as above (or `failed` when every recipient
    was suppressed meanwhile); canceled before then, it is `canceled` and never sent."""
    message_id: str
    """The RFC 5322 Message-ID, with angle brackets, e.g. `<msg_…@mail.acme.com>`."""
    in_reply_to: str | None
    """The In-Reply-To Message-ID, if any."""
    references: list[str]
    """Message-IDs from the References header, oldest first."""
    from_: EmailAddress = Field(alias="from")
    """A mailbox: optional display name and address."""
    to: list[EmailAddress]
    """To recipients."""
    cc: list[EmailAddress]
    """Cc recipients."""
    bcc: list[EmailAddress]
    """Bcc recipients (outbound only; always empty for inbound)."""
    reply_to: list[EmailAddress]
    """Reply-To addresses."""
    subject: str
    """Subject, decoded; empty string when absent."""
    text: str | None
    """Plain-text body."""
    html: str | None
    """HTML body."""
    extracted_text: str | None
    """The new part of a reply as plain text, with the quoted history removed (the lines from an
    attribution such as "On … wrote:", Outlook's "-----Original Message-----" or From/Sent/To/Subject
    block, and trailing "> " lines). Quotes interleaved with new text are kept. The sign-off block stays
    in it, at its end; `signature` names it, so the reply without it is this text with that suffix
    removed. Equal to `text` when nothing is quoted; taken from `extracted_html` when there is no text;
    null when the message has no body. A sent message's is its own `text`. Attribution lines and header
    blocks are recognised in 34 languages; the rules are in the repository's docs/replies.md."""
    extracted_html: str | None
    """The new part of a reply as HTML, `html` with its quoted blocks removed (Gmail's `gmail_quote`,
    Outlook's `divRplyFwdMsg` and `appendonsend`, Apple Mail's `blockquote type="cite"`, Thunderbird's
    `moz-cite-prefix`, Yahoo's and ProtonMail's quote blocks). Equal to `html` when nothing is quoted;
    null when the message has no HTML body. Like `extracted_text`, it keeps the signature. A sent
    message's is its own `html`."""
    signature: str | None
    """The sign-off block detected at the end of the new part, e.g. "Thanks,\\nAlex", a signature after the
    "-- " line, or "Sent from my iPhone". It is kept inside `extracted_text`, which ends with it; this
    field names it, so an app that wants the reply without it removes this suffix. Null when none was
    detected, and for sent messages."""
    preview: str
    """Short plain-text preview (at most 200 characters)."""
    headers: list[MessageHeader]
    """All headers, in their original order."""
    attachments: list[Attachment]
    """Attachments and inline parts."""
    labels: list[str]
    """Labels set on the message."""
    size: int
    """Size of the raw message in bytes."""
    provider_message_id: str | None
    """Outbound: the id SES or the SMTP relay returned."""
    verdicts: Verdicts
    """Spam, virus and authentication verdicts (`not_checked` when no check ran)."""
    warnings: list[str]
    """Parse warnings for malformed inbound mail; empty otherwise."""
    truncated: bool | None = None
    """True in a list (messages of an inbox or a thread, the events list) when this message was cut to fit
    the page. `subject`, `text`, `html`, `extracted_text`, `extracted_html` and `signature` are cut to
    their first 16,384 characters, `headers` to the first 100 with names and values of at most 1,000
    characters. Retrieving the message, and webhooks, give it whole (and `false`)."""
    created_at: datetime
    """When the message was received or queued."""
    sent_at: datetime | None
    """When the message was handed to SES or the relay."""
    delivered_at: datetime | None
    """When delivery was confirmed."""
    send_at: datetime | None = None
    """When a scheduled message is (or was) to be sent; null for one sent at once and for received mail.
    Always present in this API's answers; optional so that clients read answers of earlier servers."""


class ProblemErrors(BaseModel):
    field: str
    """Location of the offending value, e.g. `to[0]` or `local_part`."""
    message: str
    """What is wrong with it."""


class Problem(BaseModel):
    """An RFC 9457 problem document, served as `application/problem+json`."""

    type: str
    """`urn:mailman:error:<code>`."""
    title: str
    """Short human-readable summary of the problem class."""
    status: int
    """The HTTP status code."""
    detail: str
    """Human-readable explanation of this occurrence."""
    code: str
    """Stable machine-readable error code, e.g. `not_found`, `validation_failed`, `inbox_address_taken`,
    `domain_not_verified`, `idempotency_key_reused`, `rate_limited`, `payload_too_large`."""
    errors: list[ProblemErrors] | None = None
    """Field-level problems (mainly for `validation_failed`)."""
    request_id: str | None = None
    """The request id, as in the `X-Request-Id` header."""


class BatchSendItem(BaseModel):
    """One item's outcome: `message` when it was sent (queued or scheduled), `error` when it was not."""

    index: int
    """The item's position in the request's `messages`, from 0."""
    message: Message | None = None
    """A received or sent email."""
    error: Problem | None = None
    """An RFC 9457 problem document, served as `application/problem+json`."""


class BatchSendResult(BaseModel):
    """Each item of the batch, in the request's order."""

    data: list[BatchSendItem]


class DraftAttachment(BaseModel):
    """An attachment of a draft, described; its bytes are kept in the blob store, as a sent message's are,
    and go into the message when the draft is sent. To change a draft's attachments, give them all again
    (with their `content`)."""

    id: str | None
    """Attachment id (`att_…`)."""
    filename: str
    """File name shown to recipients."""
    content_type: str
    """MIME type."""
    size: int
    """Size in bytes."""
    content_id: str | None
    """Content-ID for inline parts."""
    inline: bool
    """Sent as an inline part."""


class Draft(BaseModel):
    """A message saved before it is sent."""

    id: str
    """Draft id (`drf_…`)."""
    inbox_id: str
    """Inbox the draft sends from (`inb_…`)."""
    to: list[str]
    """To recipients, as given."""
    cc: list[str]
    """Cc recipients, as given."""
    bcc: list[str]
    """Bcc recipients, as given."""
    reply_to: list[str]
    """Reply-To addresses, as given."""
    subject: str | None
    """Subject line."""
    text: str | None
    """Plain-text body."""
    html: str | None
    """HTML body."""
    headers: dict[str, str]
    """Extra headers."""
    attachments: list[DraftAttachment]
    """Attachments, described without their `content` (kept in the blob store)."""
    labels: list[str]
    """Labels to set on the sent message."""
    in_reply_to: str | None
    """The message (`msg_…`) this draft replies to."""
    reply_all: bool
    """For a reply, also address the original To and Cc recipients."""
    forward_of: str | None
    """The message (`msg_…`) this draft forwards."""
    send_at: datetime | None
    """When the message is to be sent once the draft is sent; null for at once."""
    created_at: datetime
    """When the draft was created."""
    updated_at: datetime
    """When the draft was last changed."""


class Thread(BaseModel):
    """A conversation: messages of one inbox linked by In-Reply-To/References."""

    id: str
    """Thread id (`thr_…`)."""
    inbox_id: str
    """Inbox the thread belongs to (`inb_…`)."""
    subject: str
    """Subject of the thread's first message."""
    participants: list[str]
    """Addresses that appear in the thread's messages."""
    message_count: int
    """Number of messages in the thread."""
    last_message_at: datetime
    """Creation time of the newest message."""
    labels: list[str]
    """Union of its messages' labels."""
    created_at: datetime
    """When the thread started."""


class ThreadWithMessages(BaseModel):
    """A thread with its messages."""

    id: str
    """Thread id (`thr_…`)."""
    inbox_id: str
    """Inbox the thread belongs to (`inb_…`)."""
    subject: str
    """Subject of the thread's first message."""
    participants: list[str]
    """Addresses that appear in the thread's messages."""
    message_count: int
    """Number of messages in the thread."""
    last_message_at: datetime
    """Creation time of the newest message."""
    labels: list[str]
    """Union of its messages' labels."""
    created_at: datetime
    """When the thread started."""
    messages: list[Message]
    """A page of the thread's messages, oldest first."""
    next_cursor: str | None = None
    """Cursor for the thread's next messages; null on the last page."""


EventType = Literal[
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


class Webhook(BaseModel):
    """An endpoint that receives signed event deliveries (Standard Webhooks)."""

    id: str
    """Webhook id (`whk_…`)."""
    url: str
    """Endpoint that receives the events."""
    events: list[EventType]
    """Event types delivered to the endpoint."""
    inbox_ids: list[str]
    """Inboxes whose events are delivered; empty means all inboxes."""
    description: str | None
    """Free-form description."""
    enabled: bool
    """Whether events are delivered. Set to false automatically when the endpoint answers 410."""
    secret: str | None = None
    """Signing secret (`whsec_…`). Present only in the create response and after `rotate_secret`."""
    created_at: datetime
    """When the webhook was created."""


DeliveryStatus = Literal["pending", "succeeded", "failed"]


class Delivery(BaseModel):
    """One delivery attempt of an event to a webhook."""

    id: str
    """Delivery id (`dlv_…`)."""
    webhook_id: str
    """Webhook id (`whk_…`)."""
    event_id: str
    """Event id (`evt_…`); also the `webhook-id` header of the request."""
    attempt: int
    """Attempt number, starting at 1."""
    status: DeliveryStatus
    """`pending` (waiting or being attempted), `succeeded` (2xx), `failed` (the attempt failed)."""
    response_status: int | None
    """HTTP status the endpoint answered; null if no answer (yet)."""
    response_body: str | None
    """First 1 KB of the endpoint's response body."""
    duration_ms: int | None
    """Request duration in milliseconds."""
    next_attempt_at: datetime | None
    """When the next attempt is scheduled; null when none is."""
    created_at: datetime
    """When the attempt was recorded."""


class MessageEventData(BaseModel):
    """The message (bodies included) and its thread."""

    message: Message
    """A received or sent email."""
    thread: Thread
    """A conversation: messages of one inbox linked by In-Reply-To/References."""


class DeliveryEventDataBounce(BaseModel):
    """Bounce details (`message.bounced`); null otherwise."""

    type: Literal["permanent", "transient", "undetermined"]
    """Bounce type; a `permanent` bounce suppresses the recipients."""
    sub_type: str
    """Bounce sub-type, e.g. `General`, `NoEmail`, `MailboxFull`."""
    diagnostic: str | None
    """Diagnostic code from the remote server."""


class DeliveryEventDataComplaint(BaseModel):
    """Complaint details (`message.complained`); null otherwise. A complaint suppresses the recipients."""

    feedback_type: str | None
    """Feedback type reported, e.g. `abuse`."""


class DeliveryEventData(BaseModel):
    """Message data plus delivery details from SES or the SMTP relay."""

    message: Message
    """A received or sent email."""
    thread: Thread
    """A conversation: messages of one inbox linked by In-Reply-To/References."""
    recipients: list[str]
    """Recipient addresses this event concerns."""
    reason: str | None = None
    """Why a `message.failed` message failed when no server said so: `raw message missing`, or every
    recipient suppressed before the send time of a scheduled message."""
    smtp_response: str | None
    """SMTP response from the receiving server, e.g. `250 2.0.0 OK`."""
    bounce: DeliveryEventDataBounce | None
    """Bounce details (`message.bounced`); null otherwise."""
    complaint: DeliveryEventDataComplaint | None
    """Complaint details (`message.complained`); null otherwise. A complaint suppresses the recipients."""


class DraftEventData(BaseModel):
    """The draft, as the API shows it."""

    draft: Draft
    """A message saved before it is sent."""


class DraftDeletedEventData(BaseModel):
    """The draft as it was, and the message it became when it was sent."""

    draft: Draft
    """A message saved before it is sent."""
    sent_message_id: str | None
    """The message (`msg_…`) the draft was sent as; null when it was deleted unsent."""


class DomainVerifiedEventData(BaseModel):
    """The domain that became verified."""

    domain: Domain
    """A sending and receiving domain."""


class WebhookTestEventData(BaseModel):
    """Payload of a test event."""

    webhook_id: str
    """The webhook being tested."""
    message: str
    """A human-readable test message."""


class MessageReceivedEvent(BaseModel):
    """`message.received`: An inbound message was stored."""

    id: str
    """Event id (`evt_…`); the `webhook-id` header of deliveries."""
    type: Literal["message.received"]
    """Event type."""
    timestamp: datetime
    """When the event happened."""
    data: MessageEventData
    """The message (bodies included) and its thread."""


class MessageSentEvent(BaseModel):
    """`message.sent`: An outbound message was handed to SES or the relay."""

    id: str
    """Event id (`evt_…`); the `webhook-id` header of deliveries."""
    type: Literal["message.sent"]
    """Event type."""
    timestamp: datetime
    """When the event happened."""
    data: MessageEventData
    """The message (bodies included) and its thread."""


class MessageDeliveredEvent(BaseModel):
    """`message.delivered`: The receiving server accepted the message."""

    id: str
    """Event id (`evt_…`); the `webhook-id` header of deliveries."""
    type: Literal["message.delivered"]
    """Event type."""
    timestamp: datetime
    """When the event happened."""
    data: DeliveryEventData
    """Message data plus delivery details from SES or the SMTP relay."""


class MessageDelayedEvent(BaseModel):
    """`message.delayed`: Delivery was temporarily delayed."""

    id: str
    """Event id (`evt_…`); the `webhook-id` header of deliveries."""
    type: Literal["message.delayed"]
    """Event type."""
    timestamp: datetime
    """When the event happened."""
    data: DeliveryEventData
    """Message data plus delivery details from SES or the SMTP relay."""


class MessageBouncedEvent(BaseModel):
    """`message.bounced`: The message bounced."""

    id: str
    """Event id (`evt_…`); the `webhook-id` header of deliveries."""
    type: Literal["message.bounced"]
    """Event type."""
    timestamp: datetime
    """When the event happened."""
    data: DeliveryEventData
    """Message data plus delivery details from SES or the SMTP relay."""


class MessageComplainedEvent(BaseModel):
    """`message.complained`: A recipient marked the message as spam."""

    id: str
    """Event id (`evt_…`); the `webhook-id` header of deliveries."""
    type: Literal["message.complained"]
    """Event type."""
    timestamp: datetime
    """When the event happened."""
    data: DeliveryEventData
    """Message data plus delivery details from SES or the SMTP relay."""


class MessageRejectedEvent(BaseModel):
    """`message.rejected`: The provider refused to send the message."""

    id: str
    """Event id (`evt_…`); the `webhook-id` header of deliveries."""
    type: Literal["message.rejected"]
    """Event type."""
    timestamp: datetime
    """When the event happened."""
    data: DeliveryEventData
    """Message data plus delivery details from SES or the SMTP relay."""


class MessageFailedEvent(BaseModel):
    """`message.failed`: Sending failed permanently."""

    id: str
    """Event id (`evt_…`); the `webhook-id` header of deliveries."""
    type: Literal["message.failed"]
    """Event type."""
    timestamp: datetime
    """When the event happened."""
    data: DeliveryEventData
    """Message data plus delivery details from SES or the SMTP relay."""


class MessageDeletedEventData(BaseModel):
    """The deleted message without its bodies (`text`, `html`, `extracted_text`, `extracted_html`,
    `signature` are null and `preview` empty) and why it went."""

    message: Message
    """A received or sent email."""
    reason: Literal["deleted", "thread_deleted", "inbox_deleted", "retention"]
    """`deleted`: `DELETE /v1/messages/{id}`; `thread_deleted`: its thread was deleted; `inbox_deleted`:
    its inbox was deleted; `retention`: older than its inbox's `retention_days`."""


class MessageDeletedEvent(BaseModel):
    """`message.deleted`: A message was deleted; its earlier events stay, without its bodies."""

    id: str
    """Event id (`evt_…`); the `webhook-id` header of deliveries."""
    type: Literal["message.deleted"]
    """Event type."""
    timestamp: datetime
    """When the event happened."""
    data: MessageDeletedEventData
    """The deleted message without its bodies (`text`, `html`, `extracted_text`, `extracted_html`,
    `signature` are null and `preview` empty) and why it went."""


class MessageScheduledEvent(BaseModel):
    """`message.scheduled`: A message was scheduled (`send_at`), or rescheduled."""

    id: str
    """Event id (`evt_…`); the `webhook-id` header of deliveries."""
    type: Literal["message.scheduled"]
    """Event type."""
    timestamp: datetime
    """When the event happened."""
    data: MessageEventData
    """The message (bodies included) and its thread."""


class MessageCanceledEvent(BaseModel):
    """`message.canceled`: A scheduled message was canceled; it will not be sent."""

    id: str
    """Event id (`evt_…`); the `webhook-id` header of deliveries."""
    type: Literal["message.canceled"]
    """Event type."""
    timestamp: datetime
    """When the event happened."""
    data: MessageEventData
    """The message (bodies included) and its thread."""


class DraftCreatedEvent(BaseModel):
    """`draft.created`: A draft was saved."""

    id: str
    """Event id (`evt_…`); the `webhook-id` header of deliveries."""
    type: Literal["draft.created"]
    """Event type."""
    timestamp: datetime
    """When the event happened."""
    data: DraftEventData
    """The draft, as the API shows it."""


class DraftUpdatedEvent(BaseModel):
    """`draft.updated`: A draft was changed."""

    id: str
    """Event id (`evt_…`); the `webhook-id` header of deliveries."""
    type: Literal["draft.updated"]
    """Event type."""
    timestamp: datetime
    """When the event happened."""
    data: DraftEventData
    """The draft, as the API shows it."""


class DraftDeletedEvent(BaseModel):
    """`draft.deleted`: A draft was deleted, or sent (`sent_message_id`)."""

    id: str
    """Event id (`evt_…`); the `webhook-id` header of deliveries."""
    type: Literal["draft.deleted"]
    """Event type."""
    timestamp: datetime
    """When the event happened."""
    data: DraftDeletedEventData
    """The draft as it was, and the message it became when it was sent."""


class DomainVerifiedEvent(BaseModel):
    """`domain.verified`: A domain became verified."""

    id: str
    """Event id (`evt_…`); the `webhook-id` header of deliveries."""
    type: Literal["domain.verified"]
    """Event type."""
    timestamp: datetime
    """When the event happened."""
    data: DomainVerifiedEventData
    """The domain that became verified."""


class WebhookTestEvent(BaseModel):
    """`webhook.test`: A test event sent with `webhooks.test`."""

    id: str
    """Event id (`evt_…`); the `webhook-id` header of deliveries."""
    type: Literal["webhook.test"]
    """Event type."""
    timestamp: datetime
    """When the event happened."""
    data: WebhookTestEventData
    """Payload of a test event."""


Event = Annotated[
    MessageReceivedEvent
    | MessageSentEvent
    | MessageDeliveredEvent
    | MessageDelayedEvent
    | MessageBouncedEvent
    | MessageComplainedEvent
    | MessageRejectedEvent
    | MessageFailedEvent
    | MessageDeletedEvent
    | MessageScheduledEvent
    | MessageCanceledEvent
    | DraftCreatedEvent
    | DraftUpdatedEvent
    | DraftDeletedEvent
    | DomainVerifiedEvent
    | WebhookTestEvent,
    Field(discriminator="type"),
]


class Suppression(BaseModel):
    """An address that outgoing mail is never sent to."""

    address: str
    """The suppressed address."""
    reason: Literal["bounce", "complaint", "manual"]
    """Why: a permanent `bounce`, a `complaint`, or added `manual`ly."""
    message_id: str | None
    """The message (`msg_…`) that caused the suppression, if any."""
    created_at: datetime
    """When the address was suppressed."""


class ApiKey(BaseModel):
    """An API key. The key itself is stored only as a SHA-256 hash."""

    id: str
    """API key id (`key_…`)."""
    name: str
    """Name given at creation."""
    prefix: str
    """First 8 characters of the key, e.g. `mm_Ab3dE`, to recognise it."""
    inbox_ids: list[str] | None
    """Inboxes the key is restricted to; null means all inboxes."""
    created_at: datetime
    """When the key was created."""
    last_used_at: datetime | None
    """When the key last authenticated a request."""
    key: str | None = None
    """The secret key (`mm_…`). Present only in the create response; store it safely."""


class AttachmentInputParam(TypedDict):
    """A file to attach to an outgoing message."""

    filename: str
    """File name shown to recipients."""
    content_type: NotRequired[str]
    """MIME type."""
    content: str
    """The file content, base64-encoded."""
    content_id: NotRequired[str | None]
    """Content-ID for inline parts referenced from HTML as `cid:<content_id>`, such as `logo@example.com`
    (printable ASCII without spaces, angle brackets or `=?`)."""
    inline: NotRequired[bool]
    """Send as an inline part."""


class SendMessageRequestParam(TypedDict):
    """A message to send from the inbox. At least one of `text` and `html` is required. `to` + `cc` + `bcc`
    may hold at most 50 addresses (422 `too_many_recipients`). Suppressed recipients are dropped; when
    none remain the API answers 422 `all_recipients_suppressed`. Sending from an inbox whose domain is
    not verified answers 422 `domain_not_verified`."""

    to: list[str]
    """To recipients."""
    cc: NotRequired[list[str]]
    """Cc recipients."""
    bcc: NotRequired[list[str]]
    """Bcc recipients."""
    reply_to: NotRequired[list[str]]
    """Reply-To addresses."""
    subject: NotRequired[str]
    """Subject line, as text (never pre-encoded MIME; Mailman encodes it). Line breaks of any kind (CR, LF,
    VT, FF, U+0085, U+2028, U+2029) answer 422, as they do in display names, header values, file names,
    `content_id` and inbox names."""
    text: NotRequired[str | None]
    """Plain-text body."""
    html: NotRequired[str | None]
    """HTML body."""
    headers: NotRequired[dict[str, str]]
    """Extra headers to add, name → value. Values are text, encoded by Mailman where needed (an `=?…?=` in
    a value is sent as those characters, not decoded). Headers Mailman or mail servers write cannot be
    set (422 on `headers.<name>`) - From, To, Cc, Bcc, Reply-To, Subject, Date, Message-ID, In-Reply-To,
    References, Sender, MIME-Version, Content-*, Return-Path, Received, Resent-*, DKIM-Signature,
    Authentication-Results, ARC-*)."""
    attachments: NotRequired[list[AttachmentInputParam]]
    """Attachments."""
    labels: NotRequired[list[str]]
    """Labels to set on the sent message."""
    send_at: NotRequired[datetime | None]
    """Send at this time instead of now (RFC 3339, from now to 30 days ahead; 422 on `send_at` otherwise).
    The message is stored with `status: scheduled` and `message.scheduled` is recorded; the worker sends
    it within a second of its time. Suppressions are checked again then."""


__all__ = [
    "ApiKey",
    "Attachment",
    "AttachmentInputParam",
    "BatchSendItem",
    "BatchSendResult",
    "Delivery",
    "DeliveryEventData",
    "DeliveryEventDataBounce",
    "DeliveryEventDataComplaint",
    "DeliveryStatus",
    "DnsRecord",
    "Domain",
    "DomainVerifiedEvent",
    "DomainVerifiedEventData",
    "Draft",
    "DraftAttachment",
    "DraftCreatedEvent",
    "DraftDeletedEvent",
    "DraftDeletedEventData",
    "DraftEventData",
    "DraftUpdatedEvent",
    "EmailAddress",
    "Event",
    "EventType",
    "Health",
    "Inbox",
    "Message",
    "MessageBouncedEvent",
    "MessageCanceledEvent",
    "MessageComplainedEvent",
    "MessageDelayedEvent",
    "MessageDeletedEvent",
    "MessageDeletedEventData",
    "MessageDeliveredEvent",
    "MessageDirection",
    "MessageEventData",
    "MessageFailedEvent",
    "MessageHeader",
    "MessageReceivedEvent",
    "MessageRejectedEvent",
    "MessageScheduledEvent",
    "MessageSentEvent",
    "MessageStatus",
    "Problem",
    "ProblemErrors",
    "SendMessageRequestParam",
    "Suppression",
    "Thread",
    "ThreadWithMessages",
    "Verdict",
    "Verdicts",
    "Webhook",
    "WebhookTestEvent",
    "WebhookTestEventData",
]
