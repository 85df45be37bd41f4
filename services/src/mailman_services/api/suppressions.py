"""/v1/suppressions: addresses Mailman will not send to."""

from __future__ import annotations

from quart import Blueprint, Response

from ..handlers import suppressions, views
from .http import empty_response, json_response, parse_body, parse_query, require_unscoped, services
from .schemas import Query, SuppressionCreate

blueprint = Blueprint("suppressions", __name__, url_prefix="/v1/suppressions")


@blueprint.get("")
async def list_() -> Response:
    require_unscoped()
    query = parse_query(Query)
    return json_response(await views.list_suppressions(services().database, limit=query.limit, cursor=query.cursor))


@blueprint.post("")
async def create() -> Response:
    require_unscoped()
    body = await parse_body(SuppressionCreate)
    return json_response(await suppressions.create(services().database, body.address, body.reason), 201)


@blueprint.delete("/<path:address>")
async def delete(address: str) -> Response:
    require_unscoped()
    await suppressions.remove(services().database, address)
    return empty_response()
