"""Unauthenticated endpoints: health and the OpenAPI document."""

from __future__ import annotations

import functools
from importlib.resources import files

from quart import Blueprint, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..db.engine import autocommit
from ..domain.errors import APIError
from .http import json_response, services

blueprint = Blueprint("system", __name__)


@functools.cache
def openapi_document() -> bytes:
    return files("mailman_services").joinpath("openapi.yaml").read_bytes()


@blueprint.get("/health")
async def health() -> Response:
    try:
        async with autocommit(services().engine) as conn:
            await conn.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        raise APIError(503, "unavailable", "The database is not reachable.") from None
    return json_response({"status": "ok"})


@blueprint.get("/openapi.yaml")
async def openapi() -> Response:
    return Response(openapi_document(), content_type="application/yaml")
