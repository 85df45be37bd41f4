"""/v1/events"""

from __future__ import annotations

from quart import Blueprint, Response

from ..handlers import views
from .http import json_response, parse_query, principal, services
from .schemas import EventQuery

blueprint = Blueprint("events", __name__, url_prefix="/v1/events")


@blueprint.get("")
async def list_() -> Response:
    query = parse_query(EventQuery)
    return json_response(await views.list_events(services().database, principal().inbox_ids, **query.model_dump()))


@blueprint.get("/<event_id>")
async def retrieve(event_id: str) -> Response:
    return json_response(await views.get_event(services().database, principal().inbox_ids, event_id))
