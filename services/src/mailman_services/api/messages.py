"""/v1/messages/{message_id}: read, label and reschedule, cancel, delete, raw, attachments, reply and forward."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response, redirect

from ..domain import mime
from ..domain.errors import APIError, not_found
from ..handlers import deletion, messages, views
from ..handlers.attachments import attachment_key
from .http import check_inbox, empty_response, json_response, parse_body, principal, services
from .schemas import Forward, MessageUpdate, Reply

blueprint = Blueprint("messages", __name__, url_prefix="/v1/messages")


async def message_row(message_id: str) -> Any:
    """The message's row, or 404 when it is not one the caller's key may see (the API's and the console's)."""
    row = await views.get_message_row(services().database, message_id)
    check_inbox(row.inbox_id, "message", message_id)
    return row


@blueprint.get("/<message_id>")
async def retrieve(message_id: str) -> Response:
    message = await views.get_message(services().database, message_id)
    check_inbox(message["inbox_id"], "message", message_id)
    return json_response(message)


@blueprint.patch("/<message_id>")
async def update(message_id: str) -> Response:
    await message_row(message_id)
    body = await parse_body(MessageUpdate)
    return json_response(
        await messages.update_message(
            services().database, message_id, body.add_labels, body.remove_labels, body.send_at
        )
    )


@blueprint.delete("/<message_id>")
async def delete(message_id: str) -> Response:
    svc = services()
    await deletion.delete_message(svc.database, svc.blobs, message_id, principal().inbox_ids)
    return empty_response()


@blueprint.post("/<message_id>/cancel")
async def cancel(message_id: str) -> Response:
    await message_row(message_id)
    return json_response(await messages.cancel(services().database, message_id))


@blueprint.get("/<message_id>/raw")
async def raw(message_id: str) -> Response:
    return Response(await raw_bytes(await message_row(message_id)), content_type="message/rfc822")


async def raw_bytes(row: Any) -> bytes:
    """The raw message of a message row (the API's and the console's), or 404 when none is stored."""
    data = await services().blobs.get(row.raw_key, bucket=row.raw_bucket) if row.raw_key else None
    if data is None:
        raise APIError(404, "not_found", f"The raw copy of {row.id} is not stored.")
    return data


@blueprint.get("/<message_id>/attachments/<attachment_id>")
async def download(message_id: str, attachment_id: str) -> Response:
    return await attachment_response(await message_row(message_id), attachment_id)


async def attachment_response(row: Any, attachment_id: str) -> Response:
    """The attachment's bytes (or a redirect to them), answered so that a browser never runs them (the console
    downloads through here too)."""
    attachment = next((a for a in row.attachments if a["id"] == attachment_id), None)
    if attachment is None:
        raise not_found("attachment", attachment_id)
    svc = services()
    key = attachment_key(attachment["sha256"])
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
    original = await message_row(message_id)
    body = await parse_body(Reply)
    svc = services()
    # The body's fields are the handler's keywords; attachments come out of model_dump as plain dicts.
    dotted_only = svc.settings.backend == "aws"
    message = await messages.reply(
        svc.database, svc.blobs, svc.queue, original, **body.model_dump(), dotted_only=dotted_only
    )
    return json_response(message, 202)


@blueprint.post("/<message_id>/forward")
async def forward(message_id: str) -> Response:
    original = await message_row(message_id)
    body = await parse_body(Forward)
    svc = services()
    message = await messages.forward(svc.database, svc.blobs, svc.queue, original, **body.model_dump())
    return json_response(message, 202)
