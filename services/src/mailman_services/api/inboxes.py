"""/v1/inboxes, with the inbox's messages and threads."""

from __future__ import annotations

from quart import Blueprint, Response
from sqlalchemy import bindparam, func, select

from ..db.engine import autocommit
from ..db.schema import inboxes as table
from ..db.schema import messages as messages_table
from ..db.schema import threads as threads_table
from ..domain.errors import not_found
from ..handlers import inboxes, jobs, messages, views
from ..handlers.pages import page
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
from .schemas import InboxCreate, InboxQuery, InboxUpdate, MessageQuery, SendMessage, ThreadQuery

blueprint = Blueprint("inboxes", __name__, url_prefix="/v1/inboxes")


@blueprint.post("")
async def create() -> Response:
    require_unscoped()
    body = await parse_body(InboxCreate, optional=True)
    svc = services()
    async with svc.engine.begin() as conn:
        inbox = await inboxes.create(
            conn,
            domain_id=body.domain_id,
            local_part=body.local_part,
            name=body.name,
            default_domain=svc.settings.default_domain,
        )
    return json_response(inbox, 201)


@blueprint.get("")
async def list_() -> Response:
    query = parse_query(InboxQuery)
    select_ = select(table)
    if query.domain_id is not None:
        select_ = select_.where(table.c.domain_id == query.domain_id)
    if query.address is not None:
        select_ = select_.where(table.c.address == query.address.strip().lower())
    scope = principal().inbox_ids
    if scope is not None:
        select_ = select_.where(table.c.id.in_(scope))
    async with autocommit(services().engine) as conn:
        return json_response(await page(conn, select_, [table.c.id], query.limit, query.cursor, views.inbox))


BY_ID = select(table).where(table.c.id == bindparam("id"))


@blueprint.get("/<inbox_id>")
async def retrieve(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    row = await services().fast.one(BY_ID, id=inbox_id)
    if row is None:
        raise not_found("inbox", inbox_id)
    return json_response(views.inbox(row))


@blueprint.patch("/<inbox_id>")
async def update(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    body = await parse_body(InboxUpdate)
    async with services().engine.begin() as conn:
        if "name" not in body.model_fields_set:
            return json_response(await inboxes.get(conn, inbox_id))
        return json_response(await inboxes.rename(conn, inbox_id, body.name))


@blueprint.delete("/<inbox_id>")
async def delete(inbox_id: str) -> Response:
    require_unscoped()
    async with services().engine.begin() as conn:
        await inboxes.remove(conn, inbox_id)
    return empty_response()


@blueprint.get("/<inbox_id>/messages")
async def list_messages(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    query = parse_query(MessageQuery)
    c = messages_table.c
    select_ = messages.list_query(inbox_id)
    if query.direction is not None:
        select_ = select_.where(c.direction == query.direction)
    if query.status is not None:
        select_ = select_.where(c.status == query.status)
    if query.label is not None:
        select_ = select_.where(c.labels.contains([query.label]))
    if query.thread_id is not None:
        select_ = select_.where(c.thread_id == query.thread_id)
    if query.q is not None:
        select_ = select_.where(c.search.op("@@")(func.websearch_to_tsquery("simple", query.q)))
    if query.after is not None:
        select_ = select_.where(c.created_at > query.after)
    if query.before is not None:
        select_ = select_.where(c.created_at < query.before)
    async with autocommit(services().engine) as conn:
        await inboxes.get(conn, inbox_id)
        return json_response(await page(conn, select_, [c.id], query.limit, query.cursor, views.message))


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
    )
    async with svc.engine.begin() as conn:
        message = await messages.compose(conn, svc.blobs, svc.queue, inbox_id, request)
    await jobs.relay_now(svc.engine, svc.queue)
    return json_response(message, 202)


@blueprint.get("/<inbox_id>/threads")
async def list_threads(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    query = parse_query(ThreadQuery)
    c = threads_table.c
    select_ = select(threads_table).where(c.inbox_id == inbox_id)
    if query.label is not None:
        select_ = select_.where(c.labels.contains([query.label]))
    async with autocommit(services().engine) as conn:
        await inboxes.get(conn, inbox_id)
        return json_response(
            await page(conn, select_, [c.last_message_at, c.id], query.limit, query.cursor, views.thread)
        )
