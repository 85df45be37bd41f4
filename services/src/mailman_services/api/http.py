"""What every blueprint shares: the current services and principal, body/query parsing, JSON responses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from quart import Response, current_app, g, request

from ..bootstrap import Services
from ..domain.errors import APIError, FieldError, forbidden, not_found

M = TypeVar("M", bound=BaseModel)

MAX_BODY = 40 * 1024 * 1024


@dataclass(frozen=True)
class Principal:
    """Who is calling: the bootstrap token (``admin``) or an API key, perhaps limited to some inboxes."""

    id: str
    inbox_ids: frozenset[str] | None = None

    @property
    def scoped(self) -> bool:
        return self.inbox_ids is not None


def services() -> Services:
    result: Services = current_app.extensions["mailman"]
    return result


def principal() -> Principal:
    result: Principal = g.principal
    return result


def require_unscoped() -> None:
    """Domains, webhooks, keys and suppressions belong to the whole account: scoped keys get 403."""
    if principal().scoped:
        raise forbidden()


def check_inbox(inbox_id: str, what: str = "inbox", ident: str | None = None) -> None:
    """A scoped key sees other inboxes' resources as missing (404), never as forbidden."""
    scope = principal().inbox_ids
    if scope is not None and inbox_id not in scope:
        raise not_found(what, ident or inbox_id)


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC)


def json_response(value: Any, status: int = 200) -> Response:
    return Response(dumps(value), status=status, content_type="application/json")


def empty_response() -> Response:
    """204: no body, so no Content-Type either (Quart would label the empty body text/html)."""
    response = Response(b"", status=204)
    del response.headers["Content-Type"]
    return response


def unstorable_text(value: object, path: str = "") -> str | None:
    """The path of the first string PostgreSQL cannot store (NUL, unpaired surrogates), or None."""
    if isinstance(value, str):
        if "\x00" in value:
            return path
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = unstorable_text(key, f"{path}.{key}" if path else str(key))
            found = found or unstorable_text(item, f"{path}.{key}" if path else str(key))
            if found is not None:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = unstorable_text(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None


def reject_unstorable(value: object) -> None:
    where = unstorable_text(value)
    if where is not None:
        message = "must not contain NUL characters or unpaired surrogates"
        raise APIError(
            422, "validation_failed", f"{where or 'body'}: {message}", [FieldError(where or "body", message)]
        )


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def validation_error(exc: ValidationError, prefix: str = "") -> APIError:
    errors = []
    for item in exc.errors(include_url=False):
        loc = tuple(part for part in item["loc"] if part not in ("function-after",))
        path = _field_path(loc)
        message = item["msg"].removeprefix("Value error, ")
        errors.append(FieldError(f"{prefix}{path}" if path else prefix.rstrip(".") or "body", message))
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return APIError(422, "validation_failed", detail, errors)


async def raw_body() -> bytes:
    """The request's body, read whole (every reader of the body goes through here: see access.finish)."""
    data = await request.get_data(cache=True)
    g.body_read = True
    return data if isinstance(data, bytes) else data.encode()


async def parse_body(model: type[M], *, optional: bool = False) -> M:
    """The JSON body as ``model``; an ``optional`` body may be left out entirely."""
    return validate_body(model, await load_body(optional=optional))


async def load_body(*, optional: bool = False) -> Any:
    """The JSON body, decoded, with no string PostgreSQL cannot store (400 or 422 otherwise)."""
    raw = await raw_body()
    if optional and not raw.strip():
        raw = b"{}"
    try:
        data = orjson.loads(raw or b"null")
    except orjson.JSONDecodeError as exc:
        raise APIError(400, "malformed_json", f"The request body is not valid JSON: {exc}") from None
    reject_unstorable(data)
    return data


def validate_body(model: type[M], data: Any) -> M:
    """A decoded body (or a part of one: an item of a batch) as ``model``; 422 with field paths otherwise."""
    if not isinstance(data, dict):
        raise APIError(
            422,
            "validation_failed",
            "The request body must be a JSON object.",
            [FieldError("body", "must be an object")],
        )
    try:
        return model.model_validate(data, strict=True)
    except ValidationError as exc:
        raise validation_error(exc) from None


def parse_query(model: type[M]) -> M:
    data = {key: request.args.get(key) for key in request.args}
    reject_unstorable({k: v for k, v in data.items() if k in model.model_fields})
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc) from None
