"""/v1/webhooks, their deliveries, test events and retries."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response

from ..handlers import views
from ..handlers import webhooks as handlers
from .http import empty_response, json_response, parse_body, parse_query, require_unscoped, services
from .schemas import DeliveryQuery, Query, WebhookCreate, WebhookUpdate

blueprint = Blueprint("webhooks", __name__, url_prefix="/v1/webhooks")


@blueprint.before_request
async def account_only() -> None:
    require_unscoped()


@blueprint.post("")
async def create() -> Response:
    return json_response(await create_webhook(await parse_body(WebhookCreate)), 201)


async def create_webhook(body: WebhookCreate) -> dict[str, Any]:
    """The webhook a validated create asks for, with its secret (the API's and the console's)."""
    svc = services()
    return await handlers.create(
        svc.database,
        url=body.url,
        events=list(body.events),
        inbox_ids=body.inbox_ids,
        description=body.description,
        secret=body.secret,
        public_only=svc.settings.webhooks_public_only,
    )


@blueprint.get("")
async def list_() -> Response:
    query = parse_query(Query)
    return json_response(await views.list_webhooks(services().database, **query.model_dump()))


@blueprint.get("/<webhook_id>")
async def retrieve(webhook_id: str) -> Response:
    return json_response(await views.get_webhook(services().database, webhook_id))


@blueprint.patch("/<webhook_id>")
async def update(webhook_id: str) -> Response:
    body = await parse_body(WebhookUpdate)
    svc = services()
    given = body.model_dump(exclude_unset=True)
    public_only = svc.settings.webhooks_public_only
    return json_response(await handlers.update(svc.database, webhook_id, given, public_only=public_only))


@blueprint.delete("/<webhook_id>")
async def delete(webhook_id: str) -> Response:
    await handlers.remove(services().database, webhook_id)
    return empty_response()


@blueprint.post("/<webhook_id>/test")
async def test(webhook_id: str) -> Response:
    svc = services()
    return json_response(await handlers.test(svc.database, svc.queue, webhook_id), 202)


@blueprint.get("/<webhook_id>/deliveries")
async def list_deliveries(webhook_id: str) -> Response:
    query = parse_query(DeliveryQuery)
    return json_response(await views.list_deliveries(services().database, webhook_id, **query.model_dump()))


@blueprint.post("/<webhook_id>/deliveries/<delivery_id>/retry")
async def retry(webhook_id: str, delivery_id: str) -> Response:
    svc = services()
    return json_response(await handlers.retry(svc.database, svc.queue, webhook_id, delivery_id), 202)
