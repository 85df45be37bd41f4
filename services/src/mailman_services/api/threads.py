"""/v1/threads/{thread_id}: the thread and a page of its messages, oldest first."""

from __future__ import annotations

from quart import Blueprint, Response
from sqlalchemy import select

from ..db.engine import autocommit
from ..db.schema import messages, threads
from ..domain.errors import not_found
from ..domain.pagination import decode_cursor, encode_cursor
from ..handlers import views
from .http import check_inbox, json_response, parse_query, services
from .schemas import ThreadMessagesQuery

blueprint = Blueprint("threads", __name__, url_prefix="/v1/threads")


@blueprint.get("/<thread_id>")
async def retrieve(thread_id: str) -> Response:
    # Paged: anyone can grow a thread by sending mail with In-Reply-To.
    query = parse_query(ThreadMessagesQuery)
    async with autocommit(services().engine) as conn:
        row = (await conn.execute(select(threads).where(threads.c.id == thread_id))).first()
        if row is None:
            raise not_found("thread", thread_id)
        check_inbox(row.inbox_id, "thread", thread_id)
        select_ = select(*views.MESSAGE_SUMMARY_COLUMNS).where(messages.c.thread_id == thread_id)
        if query.cursor is not None:
            select_ = select_.where(messages.c.id > decode_cursor(query.cursor, 1)[0])
        rows = (await conn.execute(select_.order_by(messages.c.id).limit(query.limit + 1))).all()
    page = [views.message(m) for m in rows[: query.limit]]
    next_cursor = encode_cursor([page[-1]["id"]]) if len(rows) > query.limit else None
    return json_response({**views.thread(row), "messages": page, "next_cursor": next_cursor})
