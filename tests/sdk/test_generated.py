"""The generated SDK code is what the generator makes of today's openapi.yaml (no drift)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
