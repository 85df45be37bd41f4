"""The PostgreSQL schema as SQLAlchemy Core tables; Alembic migrations are written against it."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Sequence,
    SmallInteger,
    Table,
    Text,
    TypeDecorator,
    cast,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.sql.elements import BindParameter, ColumnElement

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

NOW = text("now()")


class SearchVector(TypeDecorator[str]):
    """A tsvector written as the literal domain/search.py builds: the parameter is cast to tsvector in SQL."""

    impl = TSVECTOR
    cache_ok = True

    def bind_expression(self, bindvalue: BindParameter[str]) -> ColumnElement[str]:
        return cast(bindvalue, TSVECTOR)


# Inbound mail sets no bound on these, so their indexes read only a prefix (what is stored is whole). A btree
# entry must fit in a third of a page (2,704 bytes): a Message-ID is indexed by its first 512 characters.
INDEXED_MESSAGE_ID = 512


def _created_at() -> Column[object]:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW)


domains = Table(
    "domains",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("records", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("verification_token", Text, nullable=False),
    _created_at(),
    Column("verified_at", DateTime(timezone=True)),
)

inboxes = Table(
    "inboxes",
    metadata,
    Column("id", Text, primary_key=True),
    Column("domain_id", Text, ForeignKey("domains.id", ondelete="RESTRICT"), nullable=False),
    Column("local_part", Text, nullable=False),
    Column("address", Text, nullable=False, unique=True),
    Column("name", Text),
    # Mail older than this many days is purged by the worker (handlers/deletion.py); None keeps it.
    Column("retention_days", Integer),
    _created_at(),
    Index(None, "domain_id", "id"),
    CheckConstraint("retention_days > 0", name="retention_days"),
)

threads = Table(
    "threads",
    metadata,
    Column("id", Text, primary_key=True),
    Column("inbox_id", Text, ForeignKey("inboxes.id", ondelete="CASCADE"), nullable=False),
    Column("subject", Text, nullable=False, server_default=""),
    Column("participants", ARRAY(Text), nullable=False, server_default="{}"),
    Column("message_count", Integer, nullable=False, server_default="0"),
    Column("last_message_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("labels", ARRAY(Text), nullable=False, server_default="{}"),
    _created_at(),
    Index(None, "inbox_id", text("last_message_at DESC"), text("id DESC")),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Text, primary_key=True),
    Column("inbox_id", Text, ForeignKey("inboxes.id", ondelete="CASCADE"), nullable=False),
    Column("thread_id", Text, ForeignKey("threads.id", ondelete="CASCADE"), nullable=False),
    Column("direction", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("message_id", Text, nullable=False),
    Column("in_reply_to", Text),
    Column("references", ARRAY(Text), nullable=False, server_default="{}"),
    Column("from", JSONB, nullable=False),
    Column("to", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("cc", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("bcc", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("reply_to", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("subject", Text, nullable=False, server_default=""),
    Column("text", Text),
    Column("html", Text),
    Column("extracted_text", Text),
    Column("extracted_html", Text),
    Column("signature", Text),
    Column("preview", Text, nullable=False, server_default=""),
    Column("headers", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("attachments", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("labels", ARRAY(Text), nullable=False, server_default="{}"),
    Column("size", Integer, nullable=False, server_default="0"),
    Column("provider_message_id", Text),
    Column("verdicts", JSONB, nullable=False),
    Column("warnings", ARRAY(Text), nullable=False, server_default="{}"),
    Column("raw_key", Text),
    # The bucket an SES receipt rule wrote raw_key to; None for blobs in the store's own place (sent mail).
    Column("raw_bucket", Text),
    Column("dedup_key", Text),
    _created_at(),
    Column("sent_at", DateTime(timezone=True)),
    Column("delivered_at", DateTime(timezone=True)),
    # When a ``scheduled`` message is due: the worker's due-scan (handlers/schedule.py) reads the partial index.
    Column("send_at", DateTime(timezone=True)),
    # Built by domain/search.py where the message is read (the worker, the API), not by the one database;
    # NOT NULL so that a writer which forgets it fails instead of storing mail that search never finds.
    Column("search", SearchVector, nullable=False),
    CheckConstraint("direction IN ('inbound', 'outbound')", name="direction"),
    # Listing newest-first inside one inbox is the hot path: (inbox_id, id) serves it by index order.
    Index(None, "inbox_id", text("id DESC")),
    Index(None, "thread_id", "id"),
    Index(None, "inbox_id", "status", text("id DESC")),
    Index("ix_messages_labels", "labels", postgresql_using="gin"),
    Index("ix_messages_search", "search", postgresql_using="gin"),
    Index("ix_messages_message_id", "inbox_id", text(f"left(message_id, {INDEXED_MESSAGE_ID})")),
    Index("ix_messages_provider_message_id", "provider_message_id"),
    # Attachments are content-addressed: a blob is deleted only when no message names its sha256 any more.
    Index(
        "ix_messages_attachments",
        "attachments",
        postgresql_using="gin",
        postgresql_ops={"attachments": "jsonb_path_ops"},
    ),
    # Retention walks the oldest mail of each inbox.
    Index(None, "inbox_id", "created_at"),
    # The copies of one received mail in several inboxes share its raw blob: deleted with the last of them.
    Index(None, "raw_key"),
    Index("uq_messages_inbox_id_dedup_key", "inbox_id", "dedup_key", unique=True),
    Index("ix_messages_scheduled", "send_at", "id", postgresql_where=text("status = 'scheduled'")),
)

# A message not sent yet: the fields of a send, perhaps incomplete, plus what makes it a reply or a forward.
drafts = Table(
    "drafts",
    metadata,
    Column("id", Text, primary_key=True),
    Column("inbox_id", Text, ForeignKey("inboxes.id", ondelete="CASCADE"), nullable=False),
    Column("to", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("cc", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("bcc", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("reply_to", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("subject", Text),
    Column("text", Text),
    Column("html", Text),
    Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("attachments", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("labels", ARRAY(Text), nullable=False, server_default="{}"),
    # A message id, not a foreign key: a draft outlives the message it answers, and says so when it is sent.
    Column("in_reply_to", Text),
    Column("reply_all", Boolean, nullable=False, server_default=text("false")),
    Column("forward_of", Text),
    Column("send_at", DateTime(timezone=True)),
    _created_at(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    CheckConstraint("in_reply_to IS NULL OR forward_of IS NULL", name="reply_or_forward"),
    Index(None, "inbox_id", text("id DESC")),
    # Their bytes are blobs, as messages' are: the sweep keeps one a draft still names (handlers/deletion.py).
    Index(
        "ix_drafts_attachments",
        "attachments",
        postgresql_using="gin",
        postgresql_ops={"attachments": "jsonb_path_ops"},
    ),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Text, primary_key=True),
    Column("url", Text, nullable=False),
    Column("events", ARRAY(Text), nullable=False),
    Column("inbox_ids", ARRAY(Text), nullable=False, server_default="{}"),
    Column("description", Text),
    Column("enabled", Boolean, nullable=False, server_default=text("true")),
    Column("secret", Text, nullable=False),
    _created_at(),
)

events = Table(
    "events",
    metadata,
    Column("id", Text, primary_key=True),
    Column("type", Text, nullable=False),
    Column("inbox_id", Text),
    Column("message_id", Text),
    Column("data", JSONB, nullable=False),
    _created_at(),
    # Set once the event's webhook deliveries are queued (a transactional outbox: nothing is lost on a crash).
    Column("fanned_out_at", DateTime(timezone=True)),
    Index("ix_events_unfanned", "id", postgresql_where=text("fanned_out_at IS NULL")),
    Index(None, "inbox_id", text("id DESC")),
    Index(None, "message_id", text("id DESC")),
    Index(None, "type", text("id DESC")),
)

# The order of the event stream (handlers/stream.py). Ids are made before the commit and do not follow it, so
# each event is also queued in events_unordered by its transaction (by a trigger on events, migration 0013, so
# that events inserted by any code are), and numbered after its commit, one numbering
# at a time: a larger number is never visible before a smaller one. Tables of their own, so that numbering never
# locks (or rewrites) the rows of events that the webhook fan-out takes.
EVENTS_STREAM_SEQ = Sequence("events_stream_seq", metadata=metadata)

event_order = Table(
    "event_order",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", Text, ForeignKey("events.id", ondelete="CASCADE"), nullable=False, unique=True),
)

events_unordered = Table(
    "events_unordered",
    metadata,
    Column("event_id", Text, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
)

# The order in which messages were stored (handlers/waiting.py), kept as the event stream's is: each message is
# queued in messages_unordered by a trigger on messages (migration 0016) and numbered after its commit, one
# numbering at a time, so that a message committed after another always has the larger number.
MESSAGES_STORED_SEQ = Sequence("messages_stored_seq", metadata=metadata)

message_order = Table(
    "message_order",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("message_id", Text, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False, unique=True),
)

messages_unordered = Table(
    "messages_unordered",
    metadata,
    Column("message_id", Text, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Text, primary_key=True),
    Column("webhook_id", Text, ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", Text, ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("attempt", Integer, nullable=False, server_default="1"),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("response_status", SmallInteger),
    Column("response_body", Text),
    Column("duration_ms", Integer),
    Column("next_attempt_at", DateTime(timezone=True)),
    _created_at(),
    Index(None, "webhook_id", text("id DESC")),
    Index(None, "event_id", "webhook_id"),
)

suppressions = Table(
    "suppressions",
    metadata,
    Column("address", Text, primary_key=True),
    Column("reason", Text, nullable=False),
    Column("message_id", Text),
    _created_at(),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("prefix", Text, nullable=False),
    Column("key_hash", Text, nullable=False, unique=True),
    Column("inbox_ids", ARRAY(Text)),
    _created_at(),
    Column("last_used_at", DateTime(timezone=True)),
)

# SNS delivers at least once: a notification's id is recorded with its effects so it applies once.
applied_notifications = Table(
    "applied_notifications",
    metadata,
    Column("id", Text, primary_key=True),
    _created_at(),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("principal", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("request_hash", Text, nullable=False),
    Column("response_status", SmallInteger),
    Column("response_body", LargeBinary),  # status headers and body, sealed: see handlers/idempotency.py
    # The messages the answer holds (a sent message, a batch's): deleting one deletes the stored answer too.
    Column("resource_ids", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    _created_at(),
    Index(None, "created_at"),
    Index("ix_idempotency_keys_resource_ids", "resource_ids", postgresql_using="gin"),
)

# Blobs of deleted mail, written in the deleting transaction and deleted from the blob store after the commit
# (handlers/deletion.py): a crash in between leaves the row, and the worker's housekeeping deletes them later.
blob_deletions = Table(
    "blob_deletions",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("key", Text, nullable=False),
    Column("bucket", Text),
    # Set for an attachment: deleted only when no message references this content any more (a raw copy: when
    # no message has this key, as the copies of one mail delivered to several inboxes do).
    Column("sha256", Text),
    _created_at(),
)

# Jobs created with their rows, for a queue outside the database (SQS): relayed after the commit.
job_outbox = Table(
    "job_outbox",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("queue", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("group_id", Text),
    Column("deduplication_id", Text),
    _created_at(),
)

queue_messages = Table(
    "queue_messages",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("queue", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("group_id", Text),
    Column("deduplication_id", Text),
    Column("receive_count", Integer, nullable=False, server_default="0"),
    Column("visible_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("receipt", Text),
    _created_at(),
    # A deleted message that carries a deduplication id stays until its 5-minute window is over.
    Column("deleted_at", DateTime(timezone=True)),
    Index(None, "queue", "visible_at", "id"),
    Index(None, "queue", "deduplication_id"),
    # Receiving walks live messages in order; tombstones kept for deduplication are not in the way.
    Index(None, "queue", "id", postgresql_where=text("deleted_at IS NULL")),
    Index(None, "queue", "group_id", "id", postgresql_where=text("deleted_at IS NULL")),
    Index(None, "deleted_at", postgresql_where=text("deleted_at IS NOT NULL")),
)

# The web console (console/): sessions and one-time sign-in codes, both stored only as SHA-256 of their secret.
# A session is the bootstrap token's (api_key_id null, bootstrap_hash: the token it was opened with, so a changed
# token ends it) or an API key's (deleted with the key).
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id_hash", Text, primary_key=True),
    Column("api_key_id", Text, ForeignKey("api_keys.id", ondelete="CASCADE")),
    Column("bootstrap_hash", Text),
    _created_at(),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index(None, "expires_at"),
    CheckConstraint("(api_key_id IS NULL) <> (bootstrap_hash IS NULL)", name="one_principal"),
)

console_sign_in_codes = Table(
    "console_sign_in_codes",
    metadata,
    Column("code_hash", Text, primary_key=True),
    Column("bootstrap_hash", Text, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# Messages opened in the console; a message without a row is unread. Goes with its message.
console_reads = Table(
    "console_reads",
    metadata,
    Column("message_id", Text, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("read_at", DateTime(timezone=True), nullable=False, server_default=NOW),
)
