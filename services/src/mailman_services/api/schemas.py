"""Request bodies and query strings as pydantic models, mirroring openapi.yaml.

Bodies are validated strictly (a string is not a boolean); query strings laxly (they are all strings).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from ..domain import mime
from ..handlers.messages import MAX_BATCH

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
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


def _rfc3339_text(value: object) -> object:
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise ValueError("must be an RFC 3339 date-time such as 2025-01-15T10:30:00Z")
    return value


def _utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-01:00 is past the last datetime Python has
        raise ValueError("is out of the range of dates this API stores") from None


def _one_line(value: str | None) -> str | None:
    if value is not None and (error := mime.text_error(value)) is not None:
        raise ValueError(error)
    return value


def _content_id(value: str | None) -> str | None:
    if value is not None and (error := mime.content_id_error(value)) is not None:
        raise ValueError(error)
    return value


def _not_null(value: object) -> object:
    if value is None:
        raise ValueError("must not be null")
    return value


OneLine = AfterValidator(_one_line)
"""Text that goes into a header (subject, names, file names): no line break of any kind."""
NotNull = AfterValidator(_not_null)
"""Marks an optional field that may be left out but not sent as null (defaults are not validated)."""


def _rfc3339(value: object) -> datetime:
    """A body's RFC 3339 text as a datetime (bodies are strict: pydantic would not convert it itself)."""
    text = _rfc3339_text(value)
    assert isinstance(text, str)
    try:
        return datetime.fromisoformat(text.upper())
    except ValueError:
        raise ValueError("must be an RFC 3339 date-time such as 2025-01-15T10:30:00Z") from None


Timestamp = Annotated[datetime, BeforeValidator(_rfc3339_text), AfterValidator(_utc)]
SendAt = Annotated[datetime, BeforeValidator(_rfc3339), AfterValidator(_utc)]
"""A time in a JSON body, such as ``send_at``."""
Label = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=255)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(20, ge=1, le=100)
    cursor: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None


class DomainCreate(Body):
    name: Annotated[str, StringConstraints(min_length=1, max_length=253)]


MAX_RETENTION_DAYS = 36_500
RetentionDays = Annotated[int, Field(ge=1, le=MAX_RETENTION_DAYS)]


class InboxCreate(Body):
    domain_id: Annotated[Id | None, NotNull] = None
    local_part: Annotated[Annotated[str, StringConstraints(min_length=1, max_length=64)] | None, NotNull] = None
    name: Annotated[Annotated[str, StringConstraints(max_length=255)] | None, OneLine] = None
    retention_days: RetentionDays | None = None  # left out: MAILMAN_RETENTION_DAYS (model_fields_set tells)


class InboxUpdate(Body):
    name: Annotated[Annotated[str, StringConstraints(max_length=255)] | None, OneLine] = None
    retention_days: RetentionDays | None = None


class DomainQuery(Query):
    name: Annotated[str, StringConstraints(min_length=1, max_length=253)] | None = None


class InboxQuery(Query):
    domain_id: Id | None = None
    address: Annotated[str, StringConstraints(min_length=1, max_length=320)] | None = None


MAX_WAIT = 60
_MESSAGE_ID = re.compile(r"^msg_[0-9a-z]{26}$")


_TIMESTAMP: TypeAdapter[datetime] = TypeAdapter(Timestamp)


def _time_or_message_id(value: object) -> object:
    if isinstance(value, str) and _MESSAGE_ID.match(value):
        return value
    try:
        return _TIMESTAMP.validate_python(value)
    except ValidationError:
        raise ValueError(
            "must be an RFC 3339 date-time such as 2025-01-15T10:30:00Z, or a message id (msg_…)"
        ) from None


# ``after`` is a time or a message id (``msg_…``, time-sortable): newer than that message.
After = Annotated[datetime | str, BeforeValidator(_time_or_message_id)]


class MessageQuery(Query):
    direction: Literal["inbound", "outbound"] | None = None
    status: MessageStatus | None = None
    label: Label | None = None
    thread_id: Id | None = None
    q: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    after: After | None = None
    before: Timestamp | None = None
    wait: Annotated[float, Field(ge=0, le=MAX_WAIT)] | None = None


class ThreadQuery(Query):
    label: Label | None = None


class ThreadMessagesQuery(Query):
    limit: int = Field(100, ge=1, le=100)


class AttachmentInput(Body):
    filename: Annotated[str, StringConstraints(min_length=1, max_length=255), OneLine]
    content_type: Annotated[str, StringConstraints(min_length=1, max_length=255)] = "application/octet-stream"
    content: str
    content_id: Annotated[
        Annotated[str, StringConstraints(min_length=1, max_length=255)] | None, AfterValidator(_content_id)
    ] = None
    inline: bool = False


# At most 50 recipients over to, cc and bcc together: checked when composing (too_many_recipients), whichever
# list holds them; the bound here only keeps a hostile body from costing much.
Recipients = Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=998)]], Field(max_length=1000)]


class SendMessage(Body):
    to: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=998)]], Field(min_length=1, max_length=1000)
    ]
    cc: Recipients = []
    bcc: Recipients = []
    reply_to: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=998)]], Field(max_length=10)
    ] = []
    subject: Annotated[str, StringConstraints(max_length=998), OneLine] = ""
    text: str | None = None
    html: str | None = None
    headers: dict[str, str] = {}
    attachments: Annotated[list[AttachmentInput], Field(max_length=100)] = []
    labels: Annotated[list[Label], Field(max_length=50)] = []
    send_at: SendAt | None = None


class BatchSend(Body):
    """The envelope of a batch; each of ``messages`` is then validated as a ``SendMessage`` of its own."""

    messages: Annotated[list[object], Field(min_length=1, max_length=MAX_BATCH)]
    mode: Literal["strict", "permissive"] = "strict"


class Reply(Body):
    text: str | None = None
    html: str | None = None
    reply_all: bool = False
    cc: Recipients = []
    attachments: Annotated[list[AttachmentInput], Field(max_length=100)] = []
    labels: Annotated[list[Label], Field(max_length=50)] = []
    send_at: SendAt | None = None


class Forward(Body):
    to: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=998)]], Field(min_length=1, max_length=1000)
    ]
    text: str | None = None
    html: str | None = None
    labels: Annotated[list[Label], Field(max_length=50)] = []
    send_at: SendAt | None = None


class MessageUpdate(Body):
    add_labels: Annotated[list[Label], Field(max_length=50)] = []
    remove_labels: Annotated[list[Label], Field(max_length=50)] = []
    send_at: Annotated[SendAt | None, NotNull] = None


class Draft(Body):
    """A draft's fields, each optional; for an update, one left out is unchanged and a null clears it."""

    to: Recipients | None = None
    cc: Recipients | None = None
    bcc: Recipients | None = None
    reply_to: (
        Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=998)]], Field(max_length=10)] | None
    ) = None
    subject: Annotated[Annotated[str, StringConstraints(max_length=998)] | None, OneLine] = None
    text: str | None = None
    html: str | None = None
    headers: dict[str, str] | None = None
    attachments: Annotated[list[AttachmentInput], Field(max_length=100)] | None = None
    labels: Annotated[list[Label], Field(max_length=50)] | None = None
    in_reply_to: Id | None = None
    reply_all: bool | None = None
    forward_of: Id | None = None
    send_at: SendAt | None = None

    def given(self) -> dict[str, object]:
        """The fields the body set (null included), attachments as plain dicts."""
        return {
            name: getattr(self, name) if name != "attachments" else self.model_dump()[name]
            for name in self.model_fields_set
        }


class DraftQuery(Query):
    pass


class WebhookCreate(Body):
    url: Annotated[str, StringConstraints(min_length=1, max_length=2048)]
    events: Annotated[list[EventType], Field(min_length=1)]
    inbox_ids: Annotated[list[Id], Field(max_length=100)] = []
    description: Annotated[str, StringConstraints(max_length=500)] | None = None
    secret: Annotated[str | None, NotNull] = None


class WebhookUpdate(Body):
    url: Annotated[Annotated[str, StringConstraints(min_length=1, max_length=2048)] | None, NotNull] = None
    events: Annotated[Annotated[list[EventType], Field(min_length=1)] | None, NotNull] = None
    inbox_ids: Annotated[Annotated[list[Id], Field(max_length=100)] | None, NotNull] = None
    description: Annotated[str, StringConstraints(max_length=500)] | None = None
    enabled: Annotated[bool | None, NotNull] = None
    rotate_secret: bool = False


class DeliveryQuery(Query):
    status: Literal["pending", "succeeded", "failed"] | None = None
    event_id: Id | None = None


class EventQuery(Query):
    type: EventType | None = None
    inbox_id: Id | None = None
    message_id: Id | None = None


class SuppressionCreate(Body):
    address: Annotated[str, StringConstraints(min_length=3, max_length=254)]
    reason: Literal["bounce", "complaint", "manual"] = "manual"


class ApiKeyCreate(Body):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    inbox_ids: Annotated[list[Id], Field(min_length=1, max_length=100)] | None = None
