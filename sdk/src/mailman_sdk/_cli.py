"""The ``mailman`` command line: ``mailman <resource> [<sub-resource>] <verb>``, tables, ``--json`` for scripts.

The groups of commands are generated from openapi.yaml (``_cli_commands.py``); this module puts them under the
``mailman`` command and adds what is written by hand, on the event stream: ``mailman events tail`` and
``mailman inboxes messages tail``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import get_args

import click

from . import _cli_commands
from ._cli_support import Group, client
from ._exceptions import MailmanError
from ._version import __version__
from .types import Event, EventType, MessageReceivedEvent, MessageSentEvent


@click.group("mailman", cls=Group)
@click.version_option(__version__, prog_name="mailman")
@click.option("--base-url", metavar="URL", help="The API's URL (default: $MAILMAN_API_URL).")
@click.option("--api-key", metavar="TOKEN", help="The API token (default: $MAILMAN_API_TOKEN).")
def cli(base_url: str | None, api_key: str | None) -> None:
    """Mailman from the command line (--base-url or MAILMAN_API_URL, and --api-key or MAILMAN_API_TOKEN,
    say where and who)."""


for _group in _cli_commands.GROUPS:
    cli.add_command(_group)
for _name, _command in _cli_commands.ALIASES.items():
    cli.add_alias(_name, _command)


def _line(event: Event) -> str:
    inbox_id = getattr(getattr(getattr(event, "data", None), "message", None), "inbox_id", "")
    return f"{event.timestamp.strftime('%H:%M:%S')}  {event.type:20}  {inbox_id or '-':30}  [{event.id}]"


@_cli_commands.events_group.command("tail")
@click.option(
    "--type", "types", multiple=True, type=click.Choice(get_args(EventType)), help="Only this type (repeatable)."
)
@click.option("--inbox", "inbox_ids", multiple=True, metavar="ID", help="Only events of this inbox (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="One JSON envelope per line.")
def events_tail(types: tuple[EventType, ...], inbox_ids: tuple[str, ...], as_json: bool) -> None:
    """Print events as they happen, from the event stream (Ctrl-C to stop; reconnects by itself)."""
    try:
        with client() as api:
            subscribed = _once(lambda: click.echo("Waiting for events (Ctrl-C to stop)", err=True))
            for event in api.events.stream(types=types, inbox_ids=inbox_ids, on_subscribed=subscribed):
                click.echo(event.model_dump_json(by_alias=True) if as_json else _line(event))
    except KeyboardInterrupt:
        return
    except MailmanError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


def _once(action: Callable[[], None]) -> Callable[[], None]:
    """``action`` the first time only: a reconnected stream does not say it again."""
    done = False

    def once() -> None:
        nonlocal done
        if not done:
            done = True
            action()

    return once


@_cli_commands.inboxes_messages_group.command("tail")
@click.argument("inbox_id")
@click.option("--interval", type=float, default=2.0, hidden=True, help="Ignored: mail arrives on the event stream.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def tail(inbox_id: str, interval: float, as_json: bool) -> None:
    """Print the inbox's new messages as they arrive (Ctrl-C to stop)."""
    try:
        with client() as api:
            seen_until: list[datetime] = []

            def waiting() -> None:
                # Taken once the stream is open: what the inbox held then is old, whatever its events do later.
                newest = next(iter(api.inboxes.messages.list(inbox_id, limit=1).data), None)
                seen_until.extend([newest.created_at] if newest else [])
                click.echo(f"Waiting for new mail to {inbox_id} (Ctrl-C to stop)", err=True)

            printed: set[str] = set()
            # Received mail, and mail the inbox sent (listed before, as it is still listed among its messages).
            kinds: list[EventType] = ["message.received", "message.sent"]
            for event in api.events.stream(types=kinds, inbox_ids=[inbox_id], on_subscribed=_once(waiting)):
                if not isinstance(event, MessageReceivedEvent | MessageSentEvent) or event.data.message.id in printed:
                    continue
                if seen_until and event.data.message.created_at <= seen_until[0]:
                    continue
                message = event.data.message
                printed.add(message.id)
                if as_json:
                    click.echo(message.model_dump_json(by_alias=True))
                else:
                    stamp = message.created_at.strftime("%H:%M:%S")
                    click.echo(f"{stamp}  {message.from_.address:30}  {message.subject}  [{message.id}]")
    except KeyboardInterrupt:
        return
    except MailmanError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


_cli_commands.messages_group.add_alias("tail", tail)  # `mailman messages tail`, from before the groups were nested


def main() -> None:
    cli(prog_name="mailman")
