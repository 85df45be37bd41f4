"""The `mailman` command against a live stack: tables, --json, attachments and exit codes."""

from __future__ import annotations

import json
import select
from pathlib import Path
from typing import IO

import click
import pytest
from click.testing import CliRunner
from mailman_sdk._cli import cli

from tests.conftest import Stack


@pytest.fixture
def run(stack: Stack, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MAILMAN_API_URL", stack.url)
    monkeypatch.setenv("MAILMAN_API_TOKEN", stack.token)
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(cli, list(args))
        return result.exit_code, result.stdout, result.stderr

    return invoke


def test_create_send_and_list(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("inboxes", "create", "--name", "Support", "--json")
    assert code == 0
    inbox = json.loads(out)
    attachment = tmp_path / "notes.txt"
    attachment.write_text("remember the milk")
    code, out, _ = run(
        "messages", "send", inbox["id"], "--to", "ada@example.com", "--subject", "From the CLI",
        "--text", "Hello", "--attach", str(attachment), "--header", "X-Source=cli", "--json",
    )  # fmt: skip
    assert code == 0
    sent = json.loads(out)
    assert sent["attachments"][0]["filename"] == "notes.txt" and sent["attachments"][0]["content_type"] == "text/plain"

    code, out, _ = run("messages", "list", inbox["id"])
    assert code == 0
    header, row = out.splitlines()[:2]
    assert header.split()[:4] == ["ID", "DIRECTION", "STATUS", "FROM"]
    assert sent["id"] in row and "From the CLI" in row

    code, out, _ = run("messages", "download", sent["id"], sent["attachments"][0]["id"])
    assert code == 0 and out == "remember the milk"
    code, out, _ = run("inboxes", "retrieve", inbox["id"])
    assert f"address         {inbox['address']}" in out  # aligned under retention_days


def test_api_errors_exit_1_with_the_problem_detail(run) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run("inboxes", "retrieve", "inb_nope")
    assert code == 1 and "404 not_found" in err
    _, out, _ = run("inboxes", "create", "--json")
    code, _, err = run("messages", "send", json.loads(out)["id"], "--to", "bad", "--text", "x")
    assert code == 1 and "to[0]: is not an email address" in err
    code, _, err = run("webhooks", "create", "--url", "https://x.example.com", "--events", "nonsense")
    assert code == 2 and "nonsense" in err  # refused by click before any request


@pytest.mark.parametrize("spelling", [["inboxes", "messages", "tail"], ["messages", "tail"]], ids=["nested", "old"])
def test_tail_prints_new_messages_as_they_arrive(stack: Stack, spelling: list[str]) -> None:
    import os
    import signal
    import subprocess
    import sys

    from mailman_sdk import Mailman

    with Mailman(base_url=stack.url, api_key=stack.token) as client:
        inbox = client.inboxes.create(name="Tail")
        client.inboxes.messages.send(inbox.id, to=["old@example.com"], subject="Before tail", text="x")
        env = {**os.environ, "MAILMAN_API_URL": stack.url, "MAILMAN_API_TOKEN": stack.token}
        # A process started in the background (CI, `cmd &`) inherits SIGINT ignored; Ctrl-C is what is tested here.
        code = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        code += "from mailman_sdk._cli import main; main()"
        tail = subprocess.Popen(
            [sys.executable, "-c", code, *spelling, inbox.id, "--interval", "0.2"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            # It says when it has taken its first look; what arrives after that is new.
            assert "Waiting for new mail" in line_within(tail.stderr, 60)
            client.inboxes.messages.send(inbox.id, to=["new@example.com"], subject="After tail", text="y")
            printed = line_within(tail.stdout, 60)
            tail.send_signal(signal.SIGINT)
            out, _ = tail.communicate(timeout=10)
        finally:
            if tail.poll() is None:  # never left behind
                tail.kill()
                tail.wait()
    assert tail.returncode == 0
    assert "After tail" in printed and "Before tail" not in printed + out


def line_within(stream: IO[str] | None, seconds: float) -> str:
    """The next line of a child's pipe, or "" when none comes within ``seconds``."""
    assert stream is not None
    ready, _, _ = select.select([stream], [], [], seconds)
    return stream.readline() if ready else ""


def test_events_tail_prints_the_events_of_the_stream(stack: Stack) -> None:
    import os
    import signal
    import subprocess
    import sys

    from mailman_sdk import Mailman

    with Mailman(base_url=stack.url, api_key=stack.token) as client:
        sender, receiver = client.inboxes.create(name="From"), client.inboxes.create(name="To")
        env = {**os.environ, "MAILMAN_API_URL": stack.url, "MAILMAN_API_TOKEN": stack.token}
        code = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        code += "from mailman_sdk._cli import main; main()"
        args = ["events", "tail", "--type", "message.received", "--inbox", receiver.id, "--json"]
        tail = subprocess.Popen(
            [sys.executable, "-c", code, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            assert "Waiting for events" in line_within(tail.stderr, 60)
            sent = client.inboxes.messages.send(sender.id, to=[receiver.address], subject="Tailed", text="z")
            printed = json.loads(line_within(tail.stdout, 60))
            tail.send_signal(signal.SIGINT)
            tail.communicate(timeout=10)
        finally:
            if tail.poll() is None:
                tail.kill()
                tail.wait()
    assert tail.returncode == 0
    assert printed["type"] == "message.received" and printed["data"]["message"]["inbox_id"] == receiver.id
    assert printed["data"]["message"]["subject"] == "Tailed" and sent.inbox_id == sender.id


def test_missing_settings_are_told_in_the_command_lines_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILMAN_API_URL", raising=False)
    monkeypatch.delenv("MAILMAN_API_TOKEN", raising=False)
    runner = CliRunner()
    result = runner.invoke(cli, ["inboxes", "list"])
    assert result.exit_code == 1
    assert "--base-url" in result.stderr and "MAILMAN_API_URL" in result.stderr
    assert "base_url=" not in result.stderr
    result = runner.invoke(cli, ["--base-url", "http://127.0.0.1:9", "inboxes", "list"])
    assert result.exit_code == 1
    assert "--api-key" in result.stderr and "MAILMAN_API_TOKEN" in result.stderr
    assert "api_key=" not in result.stderr
    monkeypatch.setenv("MAILMAN_API_URL", "http://127.0.0.1:9")
    result = runner.invoke(cli, ["webhooks", "list"])
    assert result.exit_code == 1 and "--api-key" in result.stderr and "api_key=" not in result.stderr


def test_base_url_and_api_key_options(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILMAN_API_URL", raising=False)
    monkeypatch.setenv("MAILMAN_API_TOKEN", "mm_not_this_one")
    result = CliRunner().invoke(cli, ["--base-url", stack.url, "--api-key", stack.token, "inboxes", "list", "--json"])
    assert result.exit_code == 0, result.stderr
    assert isinstance(json.loads(result.stdout), list)


def test_deliveries_has_help_of_its_own() -> None:
    runner = CliRunner()
    top = runner.invoke(cli, ["--help"])
    assert top.exit_code == 0 and "--base-url" in top.stdout
    webhooks = runner.invoke(cli, ["webhooks", "--help"])
    assert webhooks.exit_code == 0 and "deliveries" in webhooks.stdout
    for spelling in (["webhooks", "deliveries"], ["deliveries"]):  # nested, and the old spelling
        deliveries = runner.invoke(cli, [*spelling, "--help"])
        assert deliveries.exit_code == 0
        about = deliveries.stdout.split("Options:")[0]
        assert about != webhooks.stdout.split("Options:")[0].replace("webhooks", "deliveries")
        assert "Standard Webhooks" not in about and "delivery attempts" in about


def test_nested_spellings_and_the_old_ones_both_work(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("inboxes", "create", "--json")
    assert code == 0
    inbox = json.loads(out)["id"]
    sent = []
    for send in (["inboxes", "messages", "send"], ["messages", "send"]):
        code, out, err = run(
            *send, inbox, "--to", "ada@example.com", "--subject", " ".join(send), "--text", "x", "--json"
        )
        assert code == 0, err
        sent.append(json.loads(out)["id"])
    listed = {}
    for spelling in (
        ["inboxes", "messages", "list"],
        ["messages", "list"],
        ["inboxes", "threads", "list"],
        ["threads", "list"],
    ):
        code, out, err = run(*spelling, inbox, "--json")
        assert code == 0, err
        listed[" ".join(spelling)] = [item["id"] for item in json.loads(out)]  # a status may move on between calls
    assert set(listed["inboxes messages list"]) == set(sent)
    assert listed["messages list"] == listed["inboxes messages list"]
    assert len(listed["inboxes threads list"]) == 2 and listed["threads list"] == listed["inboxes threads list"]

    code, out, _ = run(
        "webhooks", "create", "--url", "https://hooks.example.com/in", "--events", "message.sent", "--json"
    )
    assert code == 0
    webhook = json.loads(out)["id"]
    code, nested, _ = run("webhooks", "deliveries", "list", webhook, "--json")
    code_old, old, _ = run("deliveries", "list", webhook, "--json")
    assert code == code_old == 0 and isinstance(json.loads(nested), list) and old == nested
    code, _, err = run("webhooks", "deliveries", "retry", webhook, "whd_nope")
    code_old, _, err_old = run("deliveries", "retry", webhook, "whd_nope")
    assert (
        code == code_old == 1
        and "No delivery with id 'whd_nope'" in err
        and err_old.split("(request")[0] == err.split("(request")[0]
    )


def test_old_spellings_work_but_are_not_listed() -> None:
    runner = CliRunner()

    def listed(*group: str) -> list[str]:
        result = runner.invoke(cli, [*group, "--help"])
        assert result.exit_code == 0, result.output
        return [line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line.strip()]

    assert "deliveries" not in listed() and "deliveries" in listed("webhooks")
    assert {"list", "send", "tail"}.isdisjoint(listed("messages")) and "retrieve" in listed("messages")
    assert "list" not in listed("threads") and "retrieve" in listed("threads")
    assert listed("inboxes", "messages") == ["batch", "list", "send", "tail"]
    assert runner.invoke(cli, ["messages", "batch", "--help"]).exit_code == 2  # new since: nested spelling only
    assert listed("events") == ["list", "retrieve", "tail"]
    assert {"messages", "threads"} <= set(listed("inboxes"))
    for old in (
        ["messages", "list"],
        ["messages", "send"],
        ["messages", "tail"],
        ["threads", "list"],
        ["deliveries", "retry"],
    ):
        result = runner.invoke(cli, [*old, "--help"])
        assert result.exit_code == 0 and f"Usage: mailman {' '.join(old)} " in result.stdout, result.output


def test_a_name_in_a_group_stands_for_one_command() -> None:
    from mailman_sdk._cli_support import Group

    group = Group("things")
    group.add_command(click.Command("list"))
    group.add_alias("ls", click.Command("list"))
    with pytest.raises(ValueError, match="things list: the name is taken"):
        group.add_command(click.Command("list"))
    with pytest.raises(ValueError, match="things list: the name is taken"):
        group.add_alias("list", click.Command("x"))
    with pytest.raises(ValueError, match="things ls: the name is taken"):
        group.add_command(click.Command("ls"))
