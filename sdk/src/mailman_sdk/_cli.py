"""The ``mailman`` command line: ``mailman <resource> [<sub-resource>] <verb>``, tables, ``--json`` for scripts.

The groups of commands are generated from openapi.yaml (``_cli_commands.py``); this module puts them under the
``mailman`` command and adds what is written by hand: ``mailman inboxes messages tail``.
"""

from __future__ import annotations

import sys
import time

import click

from . import _cli_commands
from ._cli_support import Group, client
from ._exceptions import MailmanError
from ._types import NOT_GIVEN
from ._version import __version__


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


@_cli_commands.inboxes_messages_group.command("tail")
@click.argument("inbox_id")
@click.option("--interval", type=float, default=2.0, show_default=True, help="Seconds between checks.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def tail(inbox_id: str, interval: float, as_json: bool) -> None:
    """Print the inbox's new messages as they arrive (Ctrl-C to stop)."""
    try:
        with client() as api:
            newest = next(iter(api.inboxes.messages.list(inbox_id, limit=1).data), None)
            seen_after = newest.created_at if newest else None
            click.echo(f"Waiting for new mail to {inbox_id} (Ctrl-C to stop)", err=True)
            while True:
                page = api.inboxes.messages.list(inbox_id, limit=100, after=seen_after or NOT_GIVEN)
                for message in reversed(page.data):
                    seen_after = message.created_at
                    if as_json:
                        click.echo(message.model_dump_json(by_alias=True))
                    else:
                        stamp = message.created_at.strftime("%H:%M:%S")
                        click.echo(f"{stamp}  {message.from_.address:30}  {message.subject}  [{message.id}]")
                time.sleep(interval)
    except KeyboardInterrupt:
        return
    except MailmanError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


_cli_commands.messages_group.add_alias("tail", tail)  # `mailman messages tail`, from before the groups were nested


def main() -> None:
    cli(prog_name="mailman")
