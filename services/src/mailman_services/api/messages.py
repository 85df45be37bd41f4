"""/v1/messages/{message_id}: read, label, raw, attachments, reply and forward."""

from __future__ import annotations

from typing import Any

import orjson
from quart import Blueprint, Response, redirect
from sqlalchemy import Text, bindparam, cast, select
from sqlalchemy.dialects.postgresql import JSONB

from ..db.engine import autocommit
from ..db.schema import messages as messages_table
from ..domain import mime
from ..domain.errors import APIError, not_found
from ..handlers import jobs, messages, views
from .http import check_inbox, json_response, parse_body, services
from .schemas import Forward, MessageUpdate, Reply

blueprint = Blueprint("messages", __name__, url_prefix="/v1/messages")


async def _message(message_id: str) -> Any:
    async with autocommit(services().engine) as conn:
        row = await messages.get_row(conn, message_id)
    check_inbox(row.inbox_id, "message", message_id)
    return row


# jsonb columns come back as text and go out verbatim (orjson.Fragment): no parse and re-serialise.
JSON_FIELDS = [str(c.name) for c in views.MESSAGE_COLUMNS if isinstance(c.type, JSONB)]
BY_ID = select(*(cast(c, Text).label(c.name) if c.name in JSON_FIELDS else c for c in views.MESSAGE_COLUMNS)).where(
    messages_table.c.id == bindparam("id")
)


@blueprint.get("/<message_id>")
async def retrieve(message_id: str) -> Response:
    row = await services().fast.one(BY_ID, id=message_id)
    if row is None:
        raise not_found("message", message_id)
    check_inbox(row["inbox_id"], "message", message_id)
    for name in JSON_FIELDS:
        row[name] = orjson.Fragment(row[name])
    return json_response(views.message(row))


@blueprint.patch("/<message_id>")
async def update(message_id: str) -> Response:
    await _message(message_id)
    body = await parse_body(MessageUpdate)
    async with services().engine.begin() as conn:
        return json_response(await messages.update_labels(conn, message_id, body.add_labels, body.remove_labels))


@blueprint.get("/<message_id>/raw")
async def raw(message_id: str) -> Response:
    row = await _message(message_id)
    data = await services().blobs.get(row.raw_key, bucket=row.raw_bucket) if row.raw_key else None
    if data is None:
        raise APIError(404, "not_found", f"The raw copy of {message_id} is not stored.")
    return Response(data, content_type="message/rfc822")


@blueprint.get("/<message_id>/attachments/<attachment_id>")
async def download(message_id: str, attachment_id: str) -> Response:
    row = await _message(message_id)
    attachment = next((a for a in row.attachments if a["id"] == attachment_id), None)
    if attachment is None:
        raise not_found("attachment", attachment_id)
    svc = services()
    key = messages.attachment_key(attachment["sha256"])
    filename = attachment["filename"] or attachment_id
    # Received mail decides these bytes: a type a browser would run is only ever downloaded.
    inline = attachment["inline"] and not mime.is_active_content(attachment["content_type"])
    url = await svc.blobs.download_url(key, filename, attachment["content_type"])
    if url is not None:
        return redirect(url, 302)  # type: ignore[return-value]
    data = await svc.blobs.get(key)
    if data is None:
        raise APIError(404, "not_found", f"The content of attachment {attachment_id} is not stored.")
    response = Response(data, content_type=attachment["content_type"])
    response.headers["Content-Disposition"] = mime.content_disposition(filename, inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


@blueprint.post("/<message_id>/reply")
async def reply(message_id: str) -> Response:
    original = await _message(message_id)
    body = await parse_body(Reply)
    svc = services()
    async with svc.engine.begin() as conn:
        message = await messages.reply(
            conn,
            svc.blobs,
            svc.queue,
            original,
            text=body.text,
            html=body.html,
            reply_all=body.reply_all,
            cc=body.cc,
            attachments=[a.model_dump() for a in body.attachments],
            labels=body.labels,
            dotted_only=svc.settings.backend == "aws",
        )
    await jobs.relay_now(svc.engine, svc.queue)
    return json_response(message, 202)


@blueprint.post("/<message_id>/forward")
async def forward(message_id: str) -> Response:
    original = await _message(message_id)
    body = await parse_body(Forward)
    svc = services()
    async with svc.engine.begin() as conn:
        message = await messages.forward(
            conn, svc.blobs, svc.queue, original, to=body.to, text=body.text, html=body.html, labels=body.labels
        )
    await jobs.relay_now(svc.engine, svc.queue)
    return json_response(message, 202)
