"""/v1/inboxes, with the inbox's messages and threads."""

from __future__ import annotations

from quart import Blueprint, Response

from ..handlers import drafts, inboxes, messages, views
from .http import (
    check_inbox,
    empty_response,
    json_response,
    parse_body,
    parse_query,
    principal,
    require_unscoped,
    services,
)
from .schemas import Draft, DraftQuery, InboxCreate, InboxQuery, InboxUpdate, MessageQuery, SendMessage, ThreadQuery

blueprint = Blueprint("inboxes", __name__, url_prefix="/v1/inboxes")


@blueprint.post("")
async def create() -> Response:
    require_unscoped()
    body = await parse_body(InboxCreate, optional=True)
    svc = services()
    inbox = await inboxes.create(
        svc.database,
        domain_id=body.domain_id,
        local_part=body.local_part,
        name=body.name,
        default_domain=svc.settings.default_domain,
    )
    return json_response(inbox, 201)


@blueprint.get("")
async def list_() -> Response:
    query = parse_query(InboxQuery)
    return json_response(await views.list_inboxes(services().database, principal().inbox_ids, **query.model_dump()))


@blueprint.get("/<inbox_id>")
async def retrieve(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    return json_response(await views.get_inbox(services().database, inbox_id))


@blueprint.patch("/<inbox_id>")
async def update(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    body = await parse_body(InboxUpdate)
    database = services().database
    if "name" not in body.model_fields_set:
        return json_response(await views.get_inbox(database, inbox_id))
    return json_response(await inboxes.rename(database, inbox_id, body.name))


@blueprint.delete("/<inbox_id>")
async def delete(inbox_id: str) -> Response:
    require_unscoped()
    await inboxes.remove(services().database, inbox_id)
    return empty_response()


@blueprint.get("/<inbox_id>/messages")
async def list_messages(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    query = parse_query(MessageQuery)
    return json_response(await views.list_messages(services().database, inbox_id, **query.model_dump()))


@blueprint.post("/<inbox_id>/messages")
async def send(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    body = await parse_body(SendMessage)
    svc = services()
    request = messages.Composition(
        to=body.to,
        cc=body.cc,
        bcc=body.bcc,
        reply_to=body.reply_to,
        subject=body.subject,
        text=body.text,
        html=body.html,
        headers=body.headers,
        attachments=[a.model_dump() for a in body.attachments],
        labels=body.labels,
        send_at=body.send_at,
    )
    message = await messages.send(svc.database, svc.blobs, svc.queue, inbox_id, request)
    return json_response(message, 202)


@blueprint.get("/<inbox_id>/threads")
async def list_threads(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    query = parse_query(ThreadQuery)
    return json_response(await views.list_threads(services().database, inbox_id, **query.model_dump()))


@blueprint.post("/<inbox_id>/drafts")
async def create_draft(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    body = await parse_body(Draft, optional=True)
    return json_response(await drafts.create(services().database, inbox_id, body.given()), 201)


@blueprint.get("/<inbox_id>/drafts")
async def list_drafts(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    query = parse_query(DraftQuery)
    return json_response(await views.list_drafts(services().database, inbox_id, **query.model_dump()))
