"""/v1/domains"""

from __future__ import annotations

from quart import Blueprint, Response

from ..db.engine import autocommit
from ..db.schema import domains as table
from ..handlers import domains, views
from ..handlers.pages import page
from .http import empty_response, json_response, parse_body, parse_query, require_unscoped, services
from .schemas import DomainCreate, DomainQuery

blueprint = Blueprint("domains", __name__, url_prefix="/v1/domains")


@blueprint.post("")
async def create() -> Response:
    require_unscoped()
    body = await parse_body(DomainCreate)
    svc = services()
    async with svc.engine.begin() as conn:
        return json_response(await domains.create(conn, svc.domains, body.name), 201)


@blueprint.get("")
async def list_() -> Response:
    require_unscoped()
    query = parse_query(DomainQuery)
    async with autocommit(services().engine) as conn:
        return json_response(
            await page(conn, domains.list_query(query.name), [table.c.id], query.limit, query.cursor, views.domain)
        )


@blueprint.get("/<domain_id>")
async def retrieve(domain_id: str) -> Response:
    require_unscoped()
    async with autocommit(services().engine) as conn:
        return json_response(await domains.get(conn, domain_id))


@blueprint.delete("/<domain_id>")
async def delete(domain_id: str) -> Response:
    require_unscoped()
    svc = services()
    async with svc.engine.begin() as conn:
        await domains.remove(conn, domain_id, svc.settings.default_domain)
    return empty_response()


@blueprint.post("/<domain_id>/verify")
async def verify(domain_id: str) -> Response:
    require_unscoped()
    svc = services()
    async with svc.engine.begin() as conn:
        return json_response(await domains.verify(conn, svc.domains, domain_id, svc.settings.default_domain))
