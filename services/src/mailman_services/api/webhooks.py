"""/v1/webhooks, their deliveries, test events and retries."""

from __future__ import annotations

import anyio
from quart import Blueprint, Response
from sqlalchemy import delete as sql_delete
from sqlalchemy import insert, select
from sqlalchemy import update as sql_update

from ..db.engine import autocommit
from ..db.schema import deliveries, webhooks
from ..domain.errors import invalid, not_found
from ..domain.ids import new_id
from ..domain.network import private_addresses
from ..handlers import jobs, views
from ..handlers import webhooks as handlers
from ..handlers.pages import page
from .http import empty_response, json_response, parse_body, parse_query, require_unscoped, services
from .schemas import DeliveryQuery, Query, WebhookCreate, WebhookUpdate

blueprint = Blueprint("webhooks", __name__, url_prefix="/v1/webhooks")


@blueprint.before_request
async def account_only() -> None:
    require_unscoped()


async def public_url(url: str) -> str:
    """In the aws backend a webhook may not point into private networks (checked again at delivery)."""
    url = handlers.validate_url(url)
    if services().settings.webhooks_public_only:
        refused = await anyio.to_thread.run_sync(private_addresses, url)
        if refused:
            raise invalid("url", f"resolves to addresses that are not public: {', '.join(refused)}")
    return url


@blueprint.post("")
async def create() -> Response:
    body = await parse_body(WebhookCreate)
    url = await public_url(body.url)
    secret = handlers.new_secret(body.secret)
    async with services().engine.begin() as conn:
        inbox_ids = await handlers.check_inbox_ids(conn, body.inbox_ids)
        row = (
            await conn.execute(
                insert(webhooks)
                .values(
                    id=new_id("whk"),
                    url=url,
                    events=list(dict.fromkeys(body.events)),
                    inbox_ids=inbox_ids,
                    description=body.description,
                    secret=secret,
                )
                .returning(webhooks)
            )
        ).one()
    return json_response(views.webhook(row, with_secret=True), 201)


@blueprint.get("")
async def list_() -> Response:
    query = parse_query(Query)
    async with autocommit(services().engine) as conn:
        return json_response(
            await page(conn, select(webhooks), [webhooks.c.id], query.limit, query.cursor, views.webhook)
        )


@blueprint.get("/<webhook_id>")
async def retrieve(webhook_id: str) -> Response:
    async with autocommit(services().engine) as conn:
        return json_response(views.webhook(await handlers.get_row(conn, webhook_id)))


@blueprint.patch("/<webhook_id>")
async def update(webhook_id: str) -> Response:
    body = await parse_body(WebhookUpdate)
    changes: dict[str, object] = {}
    if body.url is not None:
        changes["url"] = await public_url(body.url)
    if body.events is not None:
        changes["events"] = list(dict.fromkeys(body.events))
    if "description" in body.model_fields_set:
        changes["description"] = body.description
    if body.enabled is not None:
        changes["enabled"] = body.enabled
    if body.rotate_secret:
        changes["secret"] = handlers.new_secret(None)
    async with services().engine.begin() as conn:
        await handlers.get_row(conn, webhook_id)
        if body.inbox_ids is not None:
            changes["inbox_ids"] = await handlers.check_inbox_ids(conn, body.inbox_ids)
        if changes:
            row = (
                await conn.execute(
                    sql_update(webhooks).where(webhooks.c.id == webhook_id).values(**changes).returning(webhooks)
                )
            ).one()
        else:
            row = await handlers.get_row(conn, webhook_id)
    return json_response(views.webhook(row, with_secret=body.rotate_secret))


@blueprint.delete("/<webhook_id>")
async def delete(webhook_id: str) -> Response:
    async with services().engine.begin() as conn:
        result = await conn.execute(sql_delete(webhooks).where(webhooks.c.id == webhook_id).returning(webhooks.c.id))
        if result.first() is None:
            raise not_found("webhook", webhook_id)
    return empty_response()


@blueprint.post("/<webhook_id>/test")
async def test(webhook_id: str) -> Response:
    svc = services()
    async with svc.engine.begin() as conn:
        delivery = await handlers.test(conn, webhook_id)
        await handlers.enqueue_delivery(conn, svc.queue, delivery, None)
    await jobs.relay_now(svc.engine, svc.queue)
    return json_response(delivery, 202)


@blueprint.get("/<webhook_id>/deliveries")
async def list_deliveries(webhook_id: str) -> Response:
    query = parse_query(DeliveryQuery)
    c = deliveries.c
    select_ = select(deliveries).where(c.webhook_id == webhook_id)
    if query.status is not None:
        select_ = select_.where(c.status == query.status)
    if query.event_id is not None:
        select_ = select_.where(c.event_id == query.event_id)
    async with autocommit(services().engine) as conn:
        await handlers.get_row(conn, webhook_id)
        return json_response(await page(conn, select_, [c.id], query.limit, query.cursor, views.delivery))


@blueprint.post("/<webhook_id>/deliveries/<delivery_id>/retry")
async def retry(webhook_id: str, delivery_id: str) -> Response:
    svc = services()
    async with svc.engine.begin() as conn:
        await handlers.get_row(conn, webhook_id)
        delivery, inbox_id = await handlers.retry(conn, webhook_id, delivery_id)
        await handlers.enqueue_delivery(conn, svc.queue, delivery, inbox_id)
    await jobs.relay_now(svc.engine, svc.queue)
    return json_response(delivery, 202)
