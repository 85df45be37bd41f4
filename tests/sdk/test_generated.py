"""The generated SDK code is what the generator makes of today's openapi.yaml (no drift)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

PACKAGE = ROOT / "sdk" / "src" / "mailman_sdk"


def test_regenerating_changes_nothing(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "sdk" / "generator" / "generate.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    generated = [line for line in result.stdout.splitlines() if line]
    assert "types/__init__.py" in generated and "_cli_commands.py" in generated
    committed = {p.relative_to(PACKAGE).as_posix() for p in (PACKAGE / "resources").glob("*.py")}
    assert committed == {g for g in generated if g.startswith("resources/")}
    for name in generated:
        assert (tmp_path / name).read_text() == (PACKAGE / name).read_text(), f"{name} is stale: run nox -s generate"
    assert all(
        (PACKAGE / name).read_text().startswith("# Generated from openapi.yaml by sdk/generator/generate.py")
        for name in generated
    )


# Each case changes one operation of today's spec, then generates: the generator must refuse, naming the clash.
CLASHES = {
    # a verb of `inboxes` named like its sub-resource: `mailman inboxes messages` would be both
    "verb_like_a_group": (
        "inboxes_create",
        {"x-mailman-method": "messages"},
        "`mailman inboxes messages` would be both",
    ),
    # two calls of one resource with one name: `client.inboxes.messages.list` would be both
    "two_calls_one_name": ("inboxes_messages_send", {"x-mailman-method": "list"}, "are both inboxes.messages.list"),
    # a new verb of `messages` that an old spelling (`mailman messages send`, of inboxes.messages) still answers to
    "old_spelling_taken": ("messages_forward", {"x-mailman-method": "send"}, "`mailman messages send` would be both"),
    # a call named like the hand-written `mailman inboxes messages tail`
    "hand_written_taken": ("inboxes_messages_send", {"x-mailman-method": "tail"}, "and a command of _cli.py"),
    # a resource `inboxes_messages` beside `inboxes.messages`: one Python name for two groups
    "one_python_name": (
        "inboxes_list",
        {"x-mailman-resource": "inboxes_messages", "x-mailman-method": "list"},
        "would both be inboxes_messages_group",
    ),
}


@pytest.mark.parametrize("case", CLASHES)
def test_a_name_that_would_stand_for_two_commands_is_refused(case: str, tmp_path: Path) -> None:
    operation_id, changes, message = CLASHES[case]
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    operation = next(
        op
        for item in spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and op.get("operationId") == operation_id
    )
    operation.update(changes)
    script = (
        "import sys, yaml; sys.path.insert(0, sys.argv[1])\n"
        "from cli import render_cli; from spec import load\n"
        "render_cli(load(yaml.safe_load(open(sys.argv[2]))))\n"
    )
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(spec))
    result = subprocess.run(
        [sys.executable, "-c", script, str(ROOT / "sdk" / "generator"), str(tmp_path / "openapi.yaml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "SpecError" in result.stderr and message in result.stderr, result.stderr
