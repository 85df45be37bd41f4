"""/v1/api-keys: keys are shown once, stored as SHA-256, and may be limited to some inboxes."""

from __future__ import annotations

from quart import Blueprint, Response

from ..handlers import api_keys as keys
from ..handlers import views
from . import auth
from .http import empty_response, json_response, parse_body, parse_query, require_unscoped, services
from .schemas import ApiKeyCreate, Query

blueprint = Blueprint("api_keys", __name__, url_prefix="/v1/api-keys")


@blueprint.post("")
async def create() -> Response:
    require_unscoped()
    body = await parse_body(ApiKeyCreate)
    return json_response(await keys.create(services().database, body.name, body.inbox_ids), 201)


@blueprint.get("")
async def list_() -> Response:
    require_unscoped()
    query = parse_query(Query)
    return json_response(await views.list_api_keys(services().database, **query.model_dump()))


@blueprint.delete("/<key_id>")
async def delete(key_id: str) -> Response:
    require_unscoped()
    await keys.remove(services().database, key_id)
    auth.authenticator().forget()
    return empty_response()
