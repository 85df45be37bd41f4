"""/v1/inboxes, with the inbox's messages and threads."""

from __future__ import annotations

from quart import Blueprint, Response, current_app

from ..domain.errors import APIError, FieldError, invalid
from ..handlers import drafts, inboxes, messages, views, waiting
from .errors import problem, problem_body
from .http import (
    check_inbox,
    empty_response,
    json_response,
    load_body,
    parse_body,
    parse_query,
    principal,
    require_unscoped,
    services,
    validate_body,
)
from .schemas import (
    BatchSend,
    Draft,
    DraftQuery,
    InboxCreate,
    InboxQuery,
    InboxUpdate,
    MessageQuery,
    SendMessage,
    ThreadQuery,
)

blueprint = Blueprint("inboxes", __name__, url_prefix="/v1/inboxes")


@blueprint.post("")
async def create() -> Response:
    require_unscoped()
    body = await parse_body(InboxCreate, optional=True)
    svc = services()
    given = "retention_days" in body.model_fields_set
    inbox = await inboxes.create(
        svc.database,
        domain_id=body.domain_id,
        local_part=body.local_part,
        name=body.name,
        retention_days=body.retention_days if given else svc.settings.retention_days,
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
    changes = body.model_dump(include=body.model_fields_set & set(inboxes.UPDATABLE))
    if not changes:
        return json_response(await views.get_inbox(database, inbox_id))
    return json_response(await inboxes.update_inbox(database, inbox_id, changes))


@blueprint.delete("/<inbox_id>")
async def delete(inbox_id: str) -> Response:
    require_unscoped()
    svc = services()
    await inboxes.remove(svc.database, svc.blobs, inbox_id)
    return empty_response()


def _arrivals() -> waiting.Arrivals:
    """The process's listener for new mail, started by the first request that waits."""
    extensions = current_app.extensions
    if "mailman_arrivals" not in extensions:
        extensions["mailman_arrivals"] = waiting.Arrivals(services().database)
    arrivals: waiting.Arrivals = extensions["mailman_arrivals"]
    return arrivals


@blueprint.after_app_serving
async def _stop_listening() -> None:
    arrivals = current_app.extensions.pop("mailman_arrivals", None)
    if arrivals is not None:
        await arrivals.aclose()


@blueprint.get("/<inbox_id>/messages")
async def list_messages(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    query = parse_query(MessageQuery).model_dump()
    database = services().database
    wait = query.pop("wait")
    if wait:
        if query["cursor"] is not None:  # a wait answer is ordered by storing, not by id: it has no cursor
            raise invalid("cursor", "cannot be combined with wait: pass the newest id seen as after")
        return json_response(await waiting.wait_for_messages(database, _arrivals(), inbox_id, wait=wait, **query))
    return json_response(await views.list_messages(database, inbox_id, **query))


def composition(body: SendMessage) -> messages.Composition:
    """What ``messages.send`` takes from a validated send (the API's and the console's compose form)."""
    return messages.Composition(
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


@blueprint.post("/<inbox_id>/messages")
async def send(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    body = await parse_body(SendMessage)
    svc = services()
    message = await messages.send(svc.database, svc.blobs, svc.queue, inbox_id, composition(body))
    return json_response(message, 202)


def _batch_item(item: object) -> messages.Composition | APIError:
    try:
        return composition(validate_body(SendMessage, item))
    except APIError as error:
        return error


def _within_batch(index: int, error: FieldError) -> FieldError:
    return FieldError(f"messages[{index}]" + ("" if error.field == "body" else f".{error.field}"), error.message)


@blueprint.post("/<inbox_id>/messages/batch")
async def send_batch(inbox_id: str) -> Response:
    """202 with every message; 207 when a permissive batch left some out; a strict one with any invalid: 422."""
    check_inbox(inbox_id)
    body = validate_body(BatchSend, await load_body())
    svc = services()
    requests = [_batch_item(item) for item in body.messages]
    try:
        results = await messages.send_batch(
            svc.database, svc.blobs, svc.queue, inbox_id, requests, strict=body.mode == "strict"
        )
    except messages.BatchRejected as rejected:
        # Each message's own problem, and its fields in the shape of any validation_failed (messages[i].to[0]).
        errors = [
            _within_batch(i, e)
            for i, error in rejected.failures
            for e in error.errors or [FieldError("body", error.detail)]
        ]
        summary = APIError(
            422,
            "batch_invalid",
            f"{len(rejected.failures)} of {rejected.total} messages are invalid, so none was sent: "
            + ", ".join(str(i) for i, _ in rejected.failures)
            + ".",
            errors,
        )
        return problem(summary, failures=[{"index": i, "error": problem_body(e)} for i, e in rejected.failures])
    data = [
        {"index": i, "error": problem_body(result)} if isinstance(result, APIError) else {"index": i, "message": result}
        for i, result in enumerate(results)
    ]
    return json_response({"data": data}, 207 if any("error" in item for item in data) else 202)


@blueprint.get("/<inbox_id>/threads")
async def list_threads(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    query = parse_query(ThreadQuery)
    return json_response(await views.list_threads(services().database, inbox_id, **query.model_dump()))


@blueprint.post("/<inbox_id>/drafts")
async def create_draft(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    body = await parse_body(Draft, optional=True)
    svc = services()
    return json_response(await drafts.create(svc.database, svc.blobs, inbox_id, body.given()), 201)


@blueprint.get("/<inbox_id>/drafts")
async def list_drafts(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    query = parse_query(DraftQuery)
    return json_response(await views.list_drafts(services().database, inbox_id, **query.model_dump()))
