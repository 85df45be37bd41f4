"""/v1/threads/{thread_id}: the thread and a page of its messages, oldest first; deleting it with its mail."""

from __future__ import annotations

from quart import Blueprint, Response

from ..handlers import deletion, views
from .http import check_inbox, empty_response, json_response, parse_query, principal, services
from .schemas import ThreadMessagesQuery

blueprint = Blueprint("threads", __name__, url_prefix="/v1/threads")


@blueprint.get("/<thread_id>")
async def retrieve(thread_id: str) -> Response:
    query = parse_query(ThreadMessagesQuery)
    thread = await views.get_thread(services().database, thread_id, **query.model_dump())
    check_inbox(thread["inbox_id"], "thread", thread_id)
    return json_response(thread)


@blueprint.delete("/<thread_id>")
async def delete(thread_id: str) -> Response:
    svc = services()
    await deletion.delete_thread(svc.database, svc.blobs, thread_id, principal().inbox_ids)
    return empty_response()
