"""/v1/threads/{thread_id}: the thread and a page of its messages, oldest first."""

from __future__ import annotations

from quart import Blueprint, Response

from ..handlers import views
from .http import check_inbox, json_response, parse_query, services
from .schemas import ThreadMessagesQuery

blueprint = Blueprint("threads", __name__, url_prefix="/v1/threads")


@blueprint.get("/<thread_id>")
async def retrieve(thread_id: str) -> Response:
    query = parse_query(ThreadMessagesQuery)
    thread = await views.get_thread(services().database, thread_id, **query.model_dump())
    check_inbox(thread["inbox_id"], "thread", thread_id)
    return json_response(thread)
