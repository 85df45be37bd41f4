"""The console's pages: each parses its form or query, checks the principal's scope the way /v1 does
(api/http.py: another inbox is 404, account pages 403 for a scoped key) and calls the handler or view the API
calls; nothing here writes SQL or decides a rule of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any, get_args
from urllib.parse import urlencode

import orjson
from pydantic import BaseModel, ValidationError
from quart import Blueprint, Response, g, render_template, request, url_for
from quart import redirect as quart_redirect

from ..api.auth import authenticator, rate_limiter
from ..api.errors import problem
from ..api.http import check_inbox, principal, reject_unstorable, require_unscoped, services, validation_error
from ..api.inboxes import composition
from ..api.messages import attachment_response, message_row, raw_bytes
from ..api.schemas import (
    ApiKeyCreate,
    DeliveryQuery,
    DomainCreate,
    Draft,
    EventQuery,
    EventType,
    Forward,
    InboxCreate,
    InboxUpdate,
    MessageQuery,
    MessageStatus,
    MessageUpdate,
    Reply,
    SendMessage,
    SuppressionCreate,
    WebhookCreate,
)
from ..api.stream import broadcaster
from ..api.webhooks import create_webhook
from ..domain.errors import APIError
from ..handlers import api_keys, console, deletion, domains, drafts, inboxes, messages, stream, suppressions, views
from ..handlers import webhooks as webhook_handlers
from ..handlers.attachments import attachment_key
from . import frame
from .session import SESSION_COOKIE, form_fields, set_cookie, sign_in_token

blueprint = Blueprint("console", __name__, url_prefix="/ui", template_folder="templates", static_folder="static")

PAGE_SIZE = 50
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
STATUSES: tuple[str, ...] = get_args(MessageStatus)


def redirect(location: str) -> Response:
    return quart_redirect(location, 303)  # type: ignore[return-value]


async def render(template: str, status: int = 200, **context: Any) -> Response:
    context.setdefault("principal", g.get("principal"))
    context.setdefault("csrf", g.get("csrf", ""))
    # Rows link to their message as ui + "/messages/<id>": one url_for a page, not two a row (ids need no quoting).
    context.setdefault("ui", url_for("console.home").rstrip("/"))
    return Response(await render_template(template, **context), status=status, content_type="text/html")


def validated(model: type[BaseModel], data: Mapping[str, Any], prefix: str = "") -> Any:
    reject_unstorable(data)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, prefix) from None


def _one(fields: dict[str, list[str]], name: str) -> str:
    return (fields.get(name) or [""])[0].strip()


def _addresses(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


def _send_at(value: str) -> str | None:
    """A datetime-local field's value, read as UTC."""
    if not value:
        return None
    if len(value) == len("2025-01-15T10:30"):  # browsers leave the seconds out
        value += ":00"
    return value if value.endswith("Z") or "+" in value else value + "Z"


@blueprint.errorhandler(APIError)
async def error_page(error: APIError) -> Response:
    if request.endpoint == "console.events_stream":
        return problem(error)  # read by EventSource, not a person
    return await render("error.html", error.status, error=error)


# --- signing in and out -------------------------------------------------------------------------------------


@blueprint.get("/")
async def home() -> Response:
    return redirect(url_for("console.inbox_list"))


@blueprint.get("/sign-in")
async def sign_in_form() -> Response:
    return await render("sign_in.html", sign_in_csrf=sign_in_token(), next=request.args.get("next", ""))


def _next(fields: dict[str, list[str]]) -> str:
    target = _one(fields, "next")
    # Only a path of this console: never an open redirect.
    return target if target.startswith("/ui/") and not target.startswith("//") else url_for("console.inbox_list")


def _signed_in(session_id: str, target: str) -> Response:
    response = redirect(target)
    set_cookie(response, SESSION_COOKIE, session_id, max_age=int(console.SESSION_LIFETIME.total_seconds()))
    return response


@blueprint.post("/sign-in")
async def sign_in() -> Response:
    fields = await form_fields()
    token = _one(fields, "token")
    limits, auth = rate_limiter(), authenticator()
    address = limits.client_address()
    limits.before_lookup(address, auth.cached(token))  # a token guesser gets 429, as on /v1
    found = await auth.principal(token) if token else None
    if found is None:
        limits.refused(address)
        return await render("sign_in.html", 401, sign_in_csrf=sign_in_token(), next=_one(fields, "next"), failed=True)
    svc = services()
    admin = found.id == "admin"
    session_id = await console.open_session(
        svc.database,
        api_key_id=None if admin else found.id,
        bootstrap_token=svc.settings.api_token if admin else None,
    )
    return _signed_in(session_id, _next(fields))


@blueprint.get("/link/<code>")
async def link(code: str) -> Response:
    # A GET never uses the code up (mail scanners and link previews fetch links): the button POSTs it.
    return await render("link.html", sign_in_csrf=sign_in_token(), code=code)


@blueprint.post("/link")
async def redeem_link() -> Response:
    svc = services()
    code = _one(await form_fields(), "code")
    session_id = await console.redeem_sign_in_code(svc.database, code, svc.settings.api_token) if code else None
    if session_id is None:
        rate_limiter().refused(rate_limiter().client_address())
        raise APIError(401, "sign_in_link_invalid", "This sign-in link is unknown, used already or expired.")
    return _signed_in(session_id, url_for("console.inbox_list"))


@blueprint.post("/sign-out")
async def sign_out() -> Response:
    await console.close_session(services().database, g.console_session)
    response = redirect(url_for("console.sign_in_form"))
    response.delete_cookie(SESSION_COOKIE, path="/ui")
    return response


# --- inboxes ------------------------------------------------------------------------------------------------


@blueprint.get("/inboxes")
async def inbox_list() -> Response:
    database = services().database
    cursor = request.args.get("cursor") or None
    listed = await views.list_inboxes(
        database, principal().inbox_ids, domain_id=None, address=None, limit=100, cursor=cursor
    )
    unread = await console.unread_counts(database, [i["id"] for i in listed["data"]])
    return await render("inboxes.html", inboxes=listed, unread=unread, shown=console.UNREAD_SHOWN)


@blueprint.post("/inboxes")
async def inbox_create() -> Response:
    require_unscoped()
    fields = await form_fields()
    given: dict[str, Any] = {"name": _one(fields, "name") or None}
    if local_part := _one(fields, "local_part"):
        given["local_part"] = local_part
    body = validated(InboxCreate, given)
    svc = services()
    inbox = await inboxes.create(
        svc.database,
        domain_id=None,
        local_part=body.local_part,
        name=body.name,
        retention_days=svc.settings.retention_days,
        default_domain=svc.settings.default_domain,
    )
    return redirect(url_for("console.inbox", inbox_id=inbox["id"]))


@blueprint.post("/inboxes/<inbox_id>/rename")
async def inbox_rename(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    body = validated(InboxUpdate, {"name": _one(await form_fields(), "name") or None})
    await inboxes.update_inbox(services().database, inbox_id, {"name": body.name})
    return redirect(url_for("console.inbox", inbox_id=inbox_id))


@blueprint.post("/inboxes/<inbox_id>/delete")
async def inbox_delete(inbox_id: str) -> Response:
    require_unscoped()
    svc = services()
    await inboxes.remove(svc.database, svc.blobs, inbox_id)
    return redirect(url_for("console.inbox_list"))


def _message_query(**overrides: Any) -> dict[str, Any]:
    args = {key: value for key, value in request.args.items() if value != ""}
    query = validated(MessageQuery, {"limit": PAGE_SIZE, **args, **overrides}).model_dump()
    query.pop("wait")
    return {**query, "lines_only": True}


async def _with_read_marks(listed: dict[str, Any]) -> set[str]:
    return await console.read_among(services().database, (m["id"] for m in listed["data"]))


@blueprint.get("/inboxes/<inbox_id>")
async def inbox(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    database = services().database
    query = _message_query()
    listed = await views.list_messages(database, inbox_id, **query)
    filters = {k: v for k, v in request.args.items() if k not in ("cursor", "limit") and v}
    older = None
    if listed["next_cursor"]:
        older = (
            url_for("console.inbox", inbox_id=inbox_id) + "?" + urlencode({**filters, "cursor": listed["next_cursor"]})
        )
    return await render(
        "inbox.html",
        inbox=await views.get_inbox(database, inbox_id),
        listed=listed,
        read=await _with_read_marks(listed),
        filters=filters,
        filter_query=urlencode(filters),
        older=older,
        first_page=query["cursor"] is None,
        statuses=STATUSES,
    )


@blueprint.get("/inboxes/<inbox_id>/rows")
async def inbox_rows(inbox_id: str) -> Response:
    """The rows newer than ``after`` (a message id) that the open page's filters show: what live arrival adds."""
    check_inbox(inbox_id)
    listed = await views.list_messages(services().database, inbox_id, **_message_query(limit=100, cursor=None))
    return await render("rows.html", messages=listed["data"], read=await _with_read_marks(listed))


@blueprint.get("/inboxes/<inbox_id>/events")
async def events_stream(inbox_id: str) -> Response:
    """The inbox's events as Server-Sent Events: the page fetches new rows on each (api/stream.py's stream)."""
    check_inbox(inbox_id)
    where = stream.Filter(frozenset(), frozenset({inbox_id}), principal().inbox_ids)
    events = broadcaster().subscribe(where, None, services().settings.stream_heartbeat_seconds)

    async def body() -> AsyncIterator[bytes]:
        try:
            await anext(events)  # joined: nothing is held until the body is sent
            yield b": subscribed\n\n"
            async for ready in events:
                if not ready:
                    yield b": heartbeat\n\n"
                else:  # the page looks for new rows once per write, however many events it holds
                    yield b"".join(
                        b"data: " + orjson.dumps({"id": event.id, "type": event.type}) + b"\n\n" for event in ready
                    )
        except stream.StreamEnded:
            yield b"event: ended\ndata: {}\n\n"
        finally:
            await events.aclose()

    response = Response(body(), content_type="text/event-stream")
    response.timeout = None
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response


# --- messages and threads -----------------------------------------------------------------------------------


def _extracted(row: Any) -> str | None:
    extracted: str | None = row.extracted_text if row.extracted_text is not None else row.text
    return extracted


@blueprint.get("/messages/<message_id>")
async def message(message_id: str) -> Response:
    row = await message_row(message_id)
    database = services().database
    if row.direction == "inbound":
        await console.mark_read(database, message_id)
    images = request.args.get("images") == "1"
    return await render(
        "message.html",
        m=row,
        extracted=_extracted(row),
        images=images,
        frame_url=url_for("console.message_frame", message_id=message_id, images="1" if images else "0"),
        inbox=await views.get_inbox(database, row.inbox_id),
        remote_images=row.html is not None and ("http:" in row.html or "https:" in row.html),
    )


@blueprint.get("/messages/<message_id>/frame")
async def message_frame(message_id: str) -> Response:
    row = await message_row(message_id)
    blobs = services().blobs
    images: dict[str, tuple[str, bytes]] = {}

    html = row.html or ""
    for part in row.attachments:
        cid = (part.get("content_id") or "").strip("<>").lower()
        wanted = cid and f"cid:{cid}" in html.lower() and part["content_type"].startswith("image/")
        if wanted and (part.get("size") or 0) <= frame.MAX_INLINE_IMAGE:
            data = await blobs.get(attachment_key(part["sha256"]))
            if data is not None and len(data) <= frame.MAX_INLINE_IMAGE:
                images[cid] = (part["content_type"], data)
    response = Response(frame.document(frame.with_inline_images(html, images)), content_type="text/html")
    response.headers["Content-Security-Policy"] = frame.policy(request.args.get("images") == "1")
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@blueprint.get("/messages/<message_id>/raw")
async def message_raw(message_id: str) -> Response:
    response = Response(await raw_bytes(await message_row(message_id)), content_type="text/plain; charset=utf-8")
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


@blueprint.get("/messages/<message_id>/attachments/<attachment_id>")
async def attachment(message_id: str, attachment_id: str) -> Response:
    response = await attachment_response(await message_row(message_id), attachment_id)
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


@blueprint.post("/messages/<message_id>/reply")
async def reply(message_id: str) -> Response:
    original = await message_row(message_id)
    fields = await form_fields()
    body = validated(Reply, {"text": _one(fields, "text") or None, "reply_all": _one(fields, "reply_all") == "on"})
    svc = services()
    dotted_only = svc.settings.backend == "aws"
    sent = await messages.reply(
        svc.database, svc.blobs, svc.queue, original, **body.model_dump(), dotted_only=dotted_only
    )
    return redirect(url_for("console.thread", thread_id=sent["thread_id"]))


@blueprint.post("/messages/<message_id>/forward")
async def forward(message_id: str) -> Response:
    original = await message_row(message_id)
    fields = await form_fields()
    body = validated(Forward, {"to": _addresses(_one(fields, "to")), "text": _one(fields, "text") or None})
    svc = services()
    sent = await messages.forward(svc.database, svc.blobs, svc.queue, original, **body.model_dump())
    return redirect(url_for("console.message", message_id=sent["id"]))


@blueprint.post("/messages/<message_id>/labels")
async def message_labels(message_id: str) -> Response:
    await message_row(message_id)
    fields = await form_fields()
    body = validated(
        MessageUpdate,
        {
            "add_labels": [label for label in [_one(fields, "add")] if label],
            "remove_labels": [label for label in fields.get("remove", []) if label],
        },
    )
    await messages.update_message(services().database, message_id, body.add_labels, body.remove_labels, None)
    return redirect(url_for("console.message", message_id=message_id))


@blueprint.post("/messages/<message_id>/cancel")
async def cancel(message_id: str) -> Response:
    await message_row(message_id)
    await messages.cancel(services().database, message_id)
    return redirect(url_for("console.message", message_id=message_id))


@blueprint.post("/messages/<message_id>/delete")
async def message_delete(message_id: str) -> Response:
    row = await message_row(message_id)
    svc = services()
    await deletion.delete_message(svc.database, svc.blobs, message_id, principal().inbox_ids)
    return redirect(url_for("console.inbox", inbox_id=row.inbox_id))


@blueprint.get("/threads/<thread_id>")
async def thread(thread_id: str) -> Response:
    cursor = request.args.get("cursor") or None
    found = await views.get_thread(services().database, thread_id, limit=100, cursor=cursor)
    check_inbox(found["inbox_id"], "thread", thread_id)
    return await render("thread.html", thread=found)


# --- compose, drafts, scheduled -----------------------------------------------------------------------------


def _draft_fields(fields: dict[str, list[str]]) -> dict[str, Any]:
    given: dict[str, Any] = {
        "to": _addresses(_one(fields, "to")),
        "cc": _addresses(_one(fields, "cc")),
        "subject": _one(fields, "subject") or None,
        "text": (fields.get("text") or [""])[0] or None,
    }
    if send_at := _send_at(_one(fields, "send_at")):
        given["send_at"] = send_at
    return given


@blueprint.get("/inboxes/<inbox_id>/compose")
async def compose_form(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    return await render("compose.html", inbox=await views.get_inbox(services().database, inbox_id), draft=None)


@blueprint.post("/inboxes/<inbox_id>/compose")
async def compose(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    fields = await form_fields()
    svc = services()
    given = _draft_fields(fields)
    if _one(fields, "action") == "draft":
        saved = await drafts.create(svc.database, svc.blobs, inbox_id, validated(Draft, given).given())
        return redirect(url_for("console.draft", draft_id=saved["id"]))
    body = validated(SendMessage, {**given, "subject": given["subject"] or ""})
    sent = await messages.send(svc.database, svc.blobs, svc.queue, inbox_id, composition(body))
    return redirect(url_for("console.message", message_id=sent["id"]))


@blueprint.get("/inboxes/<inbox_id>/drafts")
async def draft_list(inbox_id: str) -> Response:
    check_inbox(inbox_id)
    database = services().database
    listed = await views.list_drafts(database, inbox_id, limit=100, cursor=request.args.get("cursor") or None)
    return await render("drafts.html", inbox=await views.get_inbox(database, inbox_id), drafts=listed)


async def _draft(draft_id: str) -> dict[str, Any]:
    found = await views.get_draft(services().database, draft_id)
    check_inbox(found["inbox_id"], "draft", draft_id)
    return found


@blueprint.get("/drafts/<draft_id>")
async def draft(draft_id: str) -> Response:
    found = await _draft(draft_id)
    inbox = await views.get_inbox(services().database, found["inbox_id"])
    return await render("compose.html", inbox=inbox, draft=found)


@blueprint.post("/drafts/<draft_id>")
async def draft_save(draft_id: str) -> Response:
    found = await _draft(draft_id)
    fields = await form_fields()
    svc = services()
    action = _one(fields, "action")
    if action == "delete":
        await drafts.remove(svc.database, svc.blobs, draft_id)
        return redirect(url_for("console.draft_list", inbox_id=found["inbox_id"]))
    given = validated(Draft, _draft_fields(fields)).given()
    given.setdefault("send_at", None)
    await drafts.update_draft(svc.database, svc.blobs, draft_id, given)
    if action == "send":
        sent = await drafts.send(
            svc.database, svc.blobs, svc.queue, draft_id, dotted_only=svc.settings.backend == "aws"
        )
        return redirect(url_for("console.message", message_id=sent["id"]))
    return redirect(url_for("console.draft", draft_id=draft_id))


# --- account pages: webhooks, events, domains, API keys, suppressions ---------------------------------------


@blueprint.get("/webhooks")
async def webhook_list() -> Response:
    require_unscoped()
    listed = await views.list_webhooks(services().database, limit=100, cursor=request.args.get("cursor") or None)
    return await render("webhooks.html", webhooks=listed, event_types=EVENT_TYPES, created=None)


@blueprint.post("/webhooks")
async def webhook_create() -> Response:
    require_unscoped()
    fields = await form_fields()
    given = {
        "url": _one(fields, "url"),
        "events": fields.get("events") or [],
        "description": _one(fields, "description") or None,
    }
    created = await create_webhook(validated(WebhookCreate, given))
    listed = await views.list_webhooks(services().database, limit=100, cursor=None)
    # The secret is shown on this answer only: it is not in any page that can be loaded again.
    return await render("webhooks.html", 201, webhooks=listed, event_types=EVENT_TYPES, created=created)


@blueprint.get("/webhooks/<webhook_id>")
async def webhook(webhook_id: str) -> Response:
    require_unscoped()
    database = services().database
    found = await views.get_webhook(database, webhook_id)
    query = validated(
        DeliveryQuery,
        {"status": request.args.get("status") or None, "cursor": request.args.get("cursor") or None, "limit": 100},
    )
    listed = await views.list_deliveries(database, webhook_id, **query.model_dump())
    return await render("webhook.html", webhook=found, deliveries=listed)


@blueprint.post("/webhooks/<webhook_id>/test")
async def webhook_test(webhook_id: str) -> Response:
    require_unscoped()
    svc = services()
    await webhook_handlers.test(svc.database, svc.queue, webhook_id)
    return redirect(url_for("console.webhook", webhook_id=webhook_id))


@blueprint.post("/webhooks/<webhook_id>/deliveries/<delivery_id>/retry")
async def webhook_retry(webhook_id: str, delivery_id: str) -> Response:
    require_unscoped()
    svc = services()
    await webhook_handlers.retry(svc.database, svc.queue, webhook_id, delivery_id)
    return redirect(url_for("console.webhook", webhook_id=webhook_id))


@blueprint.post("/webhooks/<webhook_id>/delete")
async def webhook_delete(webhook_id: str) -> Response:
    require_unscoped()
    await webhook_handlers.remove(services().database, webhook_id)
    return redirect(url_for("console.webhook_list"))


@blueprint.get("/events")
async def event_list() -> Response:
    args = {key: value for key, value in request.args.items() if value != ""}
    query = validated(EventQuery, {"limit": PAGE_SIZE, **args})
    if query.inbox_id is not None:
        check_inbox(query.inbox_id)
    listed = await views.list_events(services().database, principal().inbox_ids, **query.model_dump())
    filters = {k: v for k, v in args.items() if k not in ("cursor", "limit")}
    older = None
    if listed["next_cursor"]:
        older = url_for("console.event_list") + "?" + urlencode({**filters, "cursor": listed["next_cursor"]})
    for item in listed["data"]:
        item["json"] = orjson.dumps(item["data"], option=orjson.OPT_INDENT_2).decode()
    return await render("events.html", events=listed, filters=filters, event_types=EVENT_TYPES, older=older)


@blueprint.get("/domains")
async def domain_list() -> Response:
    require_unscoped()
    listed = await views.list_domains(services().database, name=None, limit=100, cursor=None)
    return await render("domains.html", domains=listed)


@blueprint.post("/domains")
async def domain_create() -> Response:
    require_unscoped()
    body = validated(DomainCreate, {"name": _one(await form_fields(), "name")})
    svc = services()
    created = await domains.create(svc.database, svc.domains, body.name)
    return redirect(url_for("console.domain", domain_id=created["id"]))


@blueprint.get("/domains/<domain_id>")
async def domain(domain_id: str) -> Response:
    require_unscoped()
    return await render("domain.html", domain=await views.get_domain(services().database, domain_id))


@blueprint.post("/domains/<domain_id>/verify")
async def domain_verify(domain_id: str) -> Response:
    require_unscoped()
    svc = services()
    await domains.verify(svc.database, svc.domains, domain_id, svc.settings.default_domain)
    return redirect(url_for("console.domain", domain_id=domain_id))


@blueprint.get("/api-keys")
async def key_list() -> Response:
    require_unscoped()
    database = services().database
    listed = await views.list_api_keys(database, limit=100, cursor=None)
    boxes = await views.list_inboxes(database, None, domain_id=None, address=None, limit=100, cursor=None)
    return await render("api_keys.html", keys=listed, inboxes=boxes["data"], created=None)


@blueprint.post("/api-keys")
async def key_create() -> Response:
    require_unscoped()
    fields = await form_fields()
    body = validated(ApiKeyCreate, {"name": _one(fields, "name"), "inbox_ids": fields.get("inbox_ids") or None})
    database = services().database
    created = await api_keys.create(database, body.name, body.inbox_ids)
    listed = await views.list_api_keys(database, limit=100, cursor=None)
    boxes = await views.list_inboxes(database, None, domain_id=None, address=None, limit=100, cursor=None)
    return await render("api_keys.html", 201, keys=listed, inboxes=boxes["data"], created=created)


@blueprint.post("/api-keys/<key_id>/delete")
async def key_delete(key_id: str) -> Response:
    require_unscoped()
    await api_keys.remove(services().database, key_id)
    authenticator().forget()
    return redirect(url_for("console.key_list"))


@blueprint.get("/suppressions")
async def suppression_list() -> Response:
    require_unscoped()
    listed = await views.list_suppressions(services().database, limit=100, cursor=request.args.get("cursor") or None)
    return await render("suppressions.html", suppressions=listed)


@blueprint.post("/suppressions")
async def suppression_create() -> Response:
    require_unscoped()
    body = validated(SuppressionCreate, {"address": _one(await form_fields(), "address"), "reason": "manual"})
    await suppressions.create(services().database, body.address, body.reason)
    return redirect(url_for("console.suppression_list"))


@blueprint.post("/suppressions/delete")
async def suppression_delete() -> Response:
    require_unscoped()
    await suppressions.remove(services().database, _one(await form_fields(), "address"))
    return redirect(url_for("console.suppression_list"))


@blueprint.app_template_filter("when")
def when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S UTC")


@blueprint.app_template_filter("person")
def person(value: Mapping[str, Any] | None) -> str:
    if not value:
        return ""
    name, address = value.get("name"), value.get("address", "")
    return f"{name} <{address}>" if name else str(address)
