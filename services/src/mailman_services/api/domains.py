"""/v1/domains"""

from __future__ import annotations

from quart import Blueprint, Response

from ..handlers import domains, views
from .http import empty_response, json_response, parse_body, parse_query, require_unscoped, services
from .schemas import DomainCreate, DomainQuery

blueprint = Blueprint("domains", __name__, url_prefix="/v1/domains")


@blueprint.post("")
async def create() -> Response:
    require_unscoped()
    body = await parse_body(DomainCreate)
    svc = services()
    return json_response(await domains.create(svc.database, svc.domains, body.name), 201)


@blueprint.get("")
async def list_() -> Response:
    require_unscoped()
    query = parse_query(DomainQuery)
    return json_response(await views.list_domains(services().database, **query.model_dump()))


@blueprint.get("/<domain_id>")
async def retrieve(domain_id: str) -> Response:
    require_unscoped()
    return json_response(await views.get_domain(services().database, domain_id))


@blueprint.delete("/<domain_id>")
async def delete(domain_id: str) -> Response:
    require_unscoped()
    svc = services()
    await domains.remove(svc.database, domain_id, svc.settings.default_domain)
    return empty_response()


@blueprint.post("/<domain_id>/verify")
async def verify(domain_id: str) -> Response:
    require_unscoped()
    svc = services()
    return json_response(await domains.verify(svc.database, svc.domains, domain_id, svc.settings.default_domain))
