"""/v1/events"""

from __future__ import annotations

from quart import Blueprint, Response
from sqlalchemy import select

from ..db.engine import autocommit
from ..db.schema import events
from ..domain.errors import not_found
from ..handlers import views
from ..handlers.pages import page
from .http import json_response, parse_query, principal, services
from .schemas import EventQuery

blueprint = Blueprint("events", __name__, url_prefix="/v1/events")


@blueprint.get("")
async def list_() -> Response:
    query = parse_query(EventQuery)
    c = events.c
    select_ = select(*(column for column in events.c if column.name != "data"), views.EVENT_SUMMARY_DATA.label("data"))
    if query.type is not None:
        select_ = select_.where(c.type == query.type)
    if query.inbox_id is not None:
        select_ = select_.where(c.inbox_id == query.inbox_id)
    if query.message_id is not None:
        select_ = select_.where(c.message_id == query.message_id)
    scope = principal().inbox_ids
    if scope is not None:
        select_ = select_.where(c.inbox_id.in_(scope))
    async with autocommit(services().engine) as conn:
        return json_response(await page(conn, select_, [c.id], query.limit, query.cursor, views.event))


@blueprint.get("/<event_id>")
async def retrieve(event_id: str) -> Response:
    async with autocommit(services().engine) as conn:
        whole = select(*(column for column in events.c if column.name != "data"), views.EVENT_DATA.label("data"))
        row = (await conn.execute(whole.where(events.c.id == event_id))).first()
    scope = principal().inbox_ids
    if row is None or (scope is not None and row.inbox_id not in scope):
        raise not_found("event", event_id)
    return json_response(views.event(dict(row._mapping)))
