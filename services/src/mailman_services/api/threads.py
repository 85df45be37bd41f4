"""/v1/threads/{thread_id}"""

from __future__ import annotations

from quart import Blueprint, Response
from sqlalchemy import select

from ..adapters.database import autocommit
from ..adapters.tables import messages, threads
from ..domain.errors import not_found
from ..handlers import views
from .http import check_inbox, json_response, services

blueprint = Blueprint("threads", __name__, url_prefix="/v1/threads")


@blueprint.get("/<thread_id>")
async def retrieve(thread_id: str) -> Response:
    async with autocommit(services().engine) as conn:
        row = (await conn.execute(select(threads).where(threads.c.id == thread_id))).first()
        if row is None:
            raise not_found("thread", thread_id)
        check_inbox(row.inbox_id, "thread", thread_id)
        rows = await conn.execute(
            select(*views.MESSAGE_COLUMNS).where(messages.c.thread_id == thread_id).order_by(messages.c.id)
        )
        return json_response({**views.thread(row), "messages": [views.message(m) for m in rows]})
