"""The base of every response model: pydantic v2, keeps unknown fields, renders in Jupyter."""

from __future__ import annotations

import html
import json
from datetime import datetime
from typing import Any

import pydantic

__all__ = ["BaseModel"]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, pydantic.BaseModel):
        address = getattr(value, "address", None)
        return str(address) if isinstance(address, str) else json.dumps(value.model_dump(mode="json"))
    if isinstance(value, list):
        return ", ".join(_cell(item) for item in value)
    return str(value)


def html_table(rows: list[pydantic.BaseModel], columns: list[str] | None = None, limit: int = 50) -> str:
    """An HTML table of ``rows`` (at most ``limit``), one column per scalar-ish field."""
    if not rows:
        return "<p><em>no items</em></p>"
    fields = columns or [name for name in type(rows[0]).model_fields if name not in ("html", "text", "headers")]
    head = "".join(f"<th>{html.escape(name.rstrip('_'))}</th>" for name in fields)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(getattr(row, name, None))[:120])}</td>" for name in fields) + "</tr>"
        for row in rows[:limit]
    )
    more = f"<p><em>{len(rows) - limit} more not shown</em></p>" if len(rows) > limit else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


class BaseModel(pydantic.BaseModel):
    """A response object. Fields the API adds later are kept (``model_extra``), never dropped."""

    model_config = pydantic.ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())

    def to_dict(self) -> dict[str, Any]:
        """The object as the API sent it: JSON-compatible values, original field names."""
        return self.model_dump(mode="json", by_alias=True)

    def to_json(self, *, indent: int | None = 2) -> str:
        return self.model_dump_json(by_alias=True, indent=indent)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(name.rstrip('_'))}</th>"
            f"<td style='text-align:left'>{html.escape(_cell(getattr(self, name))[:500])}</td></tr>"
            for name in type(self).model_fields
        )
        return f"<table><caption>{type(self).__name__}</caption>{rows}</table>"
