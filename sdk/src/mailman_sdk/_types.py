"""Small shared types: the NOT_GIVEN sentinel, timeouts and per-call options."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypeVar, Union

if TYPE_CHECKING:
    import httpx

__all__ = ["NOT_GIVEN", "Headers", "NotGiven", "Query", "Timeout"]

_T = TypeVar("_T")


class NotGiven:
    """Marks an argument that was not passed, so that ``None`` can still mean JSON ``null``."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()

Timeout = Union[float, "httpx.Timeout", None]
Headers = dict[str, str]
Query = dict[str, Any]


def given(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` without the arguments that were not passed, datetimes (``send_at``, a batch's ``send_at`` of
    each message too) as RFC 3339 strings."""
    return {key: _json_ready(value) for key, value in values.items() if not isinstance(value, NotGiven)}


def _json_ready(value: Any) -> Any:
    from datetime import datetime

    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    return value


def query(values: dict[str, Any]) -> dict[str, Any]:
    """Query parameters that were passed, with datetimes as RFC 3339 strings."""
    from datetime import datetime

    return {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in values.items()
        if not isinstance(value, NotGiven)
    }
