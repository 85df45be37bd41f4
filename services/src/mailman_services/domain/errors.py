"""The one error type the API turns into problem+json: an HTTP status, a stable code and a detail."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldError:
    field: str
    message: str


@dataclass
class APIError(Exception):
    status: int
    code: str
    detail: str
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.detail}"


def not_found(what: str, ident: str) -> APIError:
    return APIError(404, "not_found", f"No {what} with id {ident!r}.")


def invalid(field_name: str, message: str, code: str = "validation_failed") -> APIError:
    return APIError(422, code, f"{field_name}: {message}", [FieldError(field_name, message)])


def forbidden(detail: str = "This API key is restricted to some inboxes and may not do this.") -> APIError:
    return APIError(403, "forbidden", detail)
