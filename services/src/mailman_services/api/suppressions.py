"""/v1/suppressions: addresses Mailman will not send to."""

from __future__ import annotations

from quart import Blueprint, Response
from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from ..db.engine import autocommit
from ..db.schema import suppressions
from ..domain.addresses import is_address, normalise_address
from ..domain.errors import APIError, invalid
from ..handlers import views
from ..handlers.pages import page
from .http import empty_response, json_response, parse_body, parse_query, require_unscoped, services
from .schemas import Query, SuppressionCreate

blueprint = Blueprint("suppressions", __name__, url_prefix="/v1/suppressions")


@blueprint.get("")
async def list_() -> Response:
    require_unscoped()
    query = parse_query(Query)
    c = suppressions.c
    async with autocommit(services().engine) as conn:
        return json_response(
            await page(
                conn, select(suppressions), [c.created_at, c.address], query.limit, query.cursor, views.suppression
            )
        )


@blueprint.post("")
async def create() -> Response:
    require_unscoped()
    body = await parse_body(SuppressionCreate)
    address = normalise_address(body.address)
    if not is_address(address):
        raise invalid("address", "is not an email address")
    async with services().engine.begin() as conn:
        row = (
            await conn.execute(
                insert(suppressions)
                .values(address=address, reason=body.reason)
                .on_conflict_do_nothing()
                .returning(suppressions)
            )
        ).first()
    if row is None:
        raise APIError(409, "suppression_exists", f"{address} is already suppressed.")
    return json_response(views.suppression(row), 201)


@blueprint.delete("/<path:address>")
async def delete(address: str) -> Response:
    require_unscoped()
    async with services().engine.begin() as conn:
        result = await conn.execute(
            sql_delete(suppressions)
            .where(suppressions.c.address == normalise_address(address))
            .returning(suppressions.c.address)
        )
        if result.first() is None:
            raise APIError(404, "not_found", f"{address} is not on the suppression list.")
    return empty_response()
