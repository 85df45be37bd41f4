"""What the ``mailman`` commands share: a command group, running a call, printing its result, reading files.

The commands are generated from openapi.yaml (``_cli_commands.py``) on top of this module; ``_cli.py`` puts
them together with the hand-written ones into the ``mailman`` command.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import os
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import pydantic

from ._client import Mailman
from ._exceptions import APIStatusError, MailmanError
from ._pagination import SyncCursorPage

HIDDEN_COLUMNS = {"text", "html", "headers", "records", "attachments", "verdicts", "references", "bcc", "reply_to"}
# What a person scanning a list wants to see; other models show every short field.
COLUMNS = {
    "Message": ["id", "direction", "status", "from_", "to", "subject", "created_at"],
    "Thread": ["id", "subject", "participants", "message_count", "last_message_at"],
    "Delivery": ["id", "event_id", "attempt", "status", "response_status", "created_at"],
    "Event": ["id", "type", "timestamp"],
}
MAX_CELL = 40


def client() -> Mailman:
    """The client for ``--base-url``/``--api-key``, else MAILMAN_API_URL/MAILMAN_API_TOKEN.

    Missing settings are told in the command line's words (options and variables), not the library's
    (``base_url=...``).
    """
    context = click.get_current_context(silent=True)
    given = context.find_root().params if context is not None else {}
    base_url = given.get("base_url") or os.environ.get("MAILMAN_API_URL")
    if not base_url:
        raise MailmanError("No API URL: pass --base-url or set MAILMAN_API_URL (for example http://127.0.0.1:8080).")
    api_key = given.get("api_key") or os.environ.get("MAILMAN_API_TOKEN")
    if not api_key:
        raise MailmanError("No API token: pass --api-key or set MAILMAN_API_TOKEN.")
    return Mailman(base_url=base_url, api_key=api_key)


if TYPE_CHECKING:
    _ParamType = click.ParamType[datetime]
else:  # click < 8.2 has no generic ParamType at run time
    _ParamType = click.ParamType


class Timestamp(_ParamType):
    name = "TIMESTAMP"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an RFC 3339 time such as 2025-01-15T10:30:00Z", param, ctx)


TIMESTAMP = Timestamp()


def given_options(values: dict[str, Any]) -> dict[str, Any]:
    """The options the user gave: unset ones (None, or no repeats of a repeatable one) are left out."""
    return {key: value for key, value in values.items() if value is not None and value != [] and value != {}}


def read_attachments(paths: Iterable[str]) -> list[dict[str, Any]]:
    """``--attach FILE`` values as attachment objects (base64 content, guessed content type)."""
    result = []
    for name in paths:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise click.BadParameter(f"cannot read {name}: {exc.strerror}", param_hint="--attach") from None
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        result.append({"filename": path.name, "content_type": content_type, "content": base64.b64encode(data).decode()})
    return result


def json_objects(values: Iterable[str], option: str) -> list[dict[str, Any]]:
    """Values of an option that takes one JSON object each (``--message '{"to": [...], "text": "..."}'``)."""
    result = []
    for value in values:
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            raise click.BadParameter(f"{value!r} is not JSON: {exc}", param_hint=option) from None
        if not isinstance(parsed, dict):
            raise click.BadParameter(f"{value!r} is not a JSON object", param_hint=option)
        result.append(parsed)
    return result


def pairs(values: Iterable[str], option: str) -> dict[str, str]:
    """``--header NAME=VALUE`` values as a mapping."""
    result = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{value!r} is not NAME=VALUE", param_hint=option)
        result[name] = rest
    return result


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, pydantic.BaseModel):
        address = getattr(value, "address", None)
        return str(address) if isinstance(address, str) else ""
    if isinstance(value, list):
        return ", ".join(_cell(item) for item in value)
    text = " ".join(str(value).split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def table(rows: list[pydantic.BaseModel]) -> str:
    if not rows:
        return "(nothing)"
    kind = type(rows[0]).__name__
    columns = COLUMNS.get("Event" if kind.endswith("Event") else kind) or [
        name for name in type(rows[0]).model_fields if name not in HIDDEN_COLUMNS
    ]
    cells = [[_cell(getattr(row, name)) for name in columns] for row in rows]
    headers = [name.rstrip("_").upper() for name in columns]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


def details(model: pydantic.BaseModel) -> str:
    data = model.model_dump(mode="json", by_alias=True)
    width = max(len(key) for key in data) if data else 0
    lines = []
    for key, value in data.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        lines.append(f"{key.ljust(width)}  {shown}")
    return "\n".join(lines)


def output(result: Any, as_json: bool, *, everything: bool = False) -> None:
    if isinstance(result, SyncCursorPage):
        items = list(result) if everything else list(result.data)
        if as_json:
            click.echo(json.dumps([item.model_dump(mode="json", by_alias=True) for item in items], indent=2))
        else:
            click.echo(table(items))
            if not everything and result.next_cursor:
                click.echo(f"more: --cursor {result.next_cursor}  (or --all)", err=True)
    elif isinstance(result, pydantic.BaseModel):
        click.echo(result.model_dump_json(by_alias=True, indent=2) if as_json else details(result))
    elif isinstance(result, bytes):
        sys.stdout.buffer.write(result)
    elif result is None:
        if as_json:
            click.echo("null")
    else:
        click.echo(json.dumps(result, indent=2, default=str))


def run(call: Callable[[Mailman], Any], as_json: bool, *, everything: bool = False, to_file: str | None = None) -> None:
    """Run one API call and print its result; API errors exit with status 1 and the problem detail."""
    try:
        with client() as api:
            result = call(api)
            if to_file is not None and isinstance(result, bytes):
                Path(to_file).write_bytes(result)
                click.echo(f"wrote {len(result)} bytes to {to_file}", err=True)
                return
            output(result, as_json, everything=everything)
    except APIStatusError as exc:
        click.echo(f"Error: {exc}", err=True)
        for error in exc.errors:
            click.echo(f"  {error.get('field')}: {error.get('message')}", err=True)
        sys.exit(1)
    except MailmanError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


class Group(click.Group):
    """A command group in which one name stands for one command, that also answers to hidden old names.

    Adding a second command under a name already taken is an error, not a silent replacement.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.aliases: dict[str, click.Command] = {}

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        name = name or cmd.name
        if name is None:
            raise TypeError("a command added to a group needs a name")
        self._refuse_taken(name)
        super().add_command(cmd, name)

    def add_alias(self, name: str, cmd: click.Command) -> None:
        """``name`` runs ``cmd`` too, without being listed: a spelling kept so that old scripts still work."""
        self._refuse_taken(name)
        self.aliases[name] = cmd

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, cmd_name) or self.aliases.get(cmd_name)

    def _refuse_taken(self, name: str) -> None:
        if name in self.commands or name in self.aliases:
            raise ValueError(f"{self.name} {name}: the name is taken already")
