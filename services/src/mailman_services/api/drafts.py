"""/v1/drafts/{draft_id}: read, change, delete and send a draft (created and listed under its inbox)."""

from __future__ import annotations

from quart import Blueprint, Response

from ..handlers import drafts, views
from .http import check_inbox, empty_response, json_response, parse_body, services
from .schemas import Draft

blueprint = Blueprint("drafts", __name__, url_prefix="/v1/drafts")


async def _check(draft_id: str) -> None:
    draft = await views.get_draft(services().database, draft_id)
    check_inbox(draft["inbox_id"], "draft", draft_id)


@blueprint.get("/<draft_id>")
async def retrieve(draft_id: str) -> Response:
    draft = await views.get_draft(services().database, draft_id)
    check_inbox(draft["inbox_id"], "draft", draft_id)
    return json_response(draft)


@blueprint.patch("/<draft_id>")
async def update(draft_id: str) -> Response:
    await _check(draft_id)
    body = await parse_body(Draft)
    svc = services()
    return json_response(await drafts.update_draft(svc.database, svc.blobs, draft_id, body.given()))


@blueprint.delete("/<draft_id>")
async def delete(draft_id: str) -> Response:
    await _check(draft_id)
    svc = services()
    await drafts.remove(svc.database, svc.blobs, draft_id)
    return empty_response()


@blueprint.post("/<draft_id>/send")
async def send(draft_id: str) -> Response:
    await _check(draft_id)
    svc = services()
    dotted_only = svc.settings.backend == "aws"
    message = await drafts.send(svc.database, svc.blobs, svc.queue, draft_id, dotted_only=dotted_only)
    return json_response(message, 202)
