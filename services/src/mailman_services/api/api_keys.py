"""/v1/api-keys: keys are shown once, stored as SHA-256, and may be limited to some inboxes."""

from __future__ import annotations

from quart import Blueprint, Response, current_app
from sqlalchemy import delete as sql_delete
from sqlalchemy import select

from ..db.engine import autocommit
from ..db.schema import api_keys
from ..domain.errors import not_found
from ..handlers import api_keys as keys
from ..handlers import views
from ..handlers.pages import page
from .http import empty_response, json_response, parse_body, parse_query, require_unscoped, services
from .schemas import ApiKeyCreate, Query

blueprint = Blueprint("api_keys", __name__, url_prefix="/v1/api-keys")


@blueprint.post("")
async def create() -> Response:
    require_unscoped()
    body = await parse_body(ApiKeyCreate)
    async with services().engine.begin() as conn:
        return json_response(await keys.create(conn, body.name, body.inbox_ids), 201)


@blueprint.get("")
async def list_() -> Response:
    require_unscoped()
    query = parse_query(Query)
    async with autocommit(services().engine) as conn:
        return json_response(
            await page(conn, select(api_keys), [api_keys.c.id], query.limit, query.cursor, views.api_key)
        )


@blueprint.delete("/<key_id>")
async def delete(key_id: str) -> Response:
    require_unscoped()
    async with services().engine.begin() as conn:
        result = await conn.execute(sql_delete(api_keys).where(api_keys.c.id == key_id).returning(api_keys.c.id))
        if result.first() is None:
            raise not_found("API key", key_id)
    current_app.extensions["mailman.auth"].forget()
    return empty_response()
