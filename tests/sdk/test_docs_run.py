"""examples/quickstart.py and notebooks/quickstart.ipynb run top to bottom against a live stack."""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT, Stack


@pytest.fixture
def sdk_env(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("MAILMAN_API_URL", stack.url)
    monkeypatch.setenv("MAILMAN_API_TOKEN", stack.token)
    return dict(os.environ)


def test_quickstart_example_runs(sdk_env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py")], env=sdk_env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "created " in result.stdout and "2 messages" in result.stdout and "as expected: not_found" in result.stdout


def test_quickstart_notebook_runs(sdk_env: dict[str, str]) -> None:
    notebook = nbformat.read(ROOT / "notebooks" / "quickstart.ipynb", as_version=4)  # type: ignore[no-untyped-call]
    NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    tables = [out["data"]["text/html"] for out in outputs if "text/html" in out.get("data", {})]
    assert any("<table>" in html and "Your order has shipped" in html for html in tables)
