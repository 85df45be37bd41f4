"""Unauthenticated endpoints: health and the OpenAPI document."""

from __future__ import annotations

import functools
from importlib.resources import files

from quart import Blueprint, Response

from ..domain.errors import APIError
from ..handlers import views
from .http import json_response, services

blueprint = Blueprint("system", __name__)


@functools.cache
def openapi_document() -> bytes:
    return files("mailman_services").joinpath("openapi.yaml").read_bytes()


@blueprint.get("/health")
async def health() -> Response:
    if not await views.healthy(services().database):
        raise APIError(503, "unavailable", "The database is not reachable.")
    return json_response({"status": "ok"})


@blueprint.get("/openapi.yaml")
async def openapi() -> Response:
    return Response(openapi_document(), content_type="application/yaml")
