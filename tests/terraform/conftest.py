"""Shared by tests/terraform: terraform/ parsed with python-hcl2, and the tools `nox -s infra` provides."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
import pytest

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
OPTIONS = hcl2.SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)


def parse(path: Path) -> dict[str, Any]:
    with path.open() as file:
        parsed: dict[str, Any] = hcl2.load(file, serialization_options=OPTIONS)
    return parsed


@dataclass
class Config:
    """Every block of terraform/*.tf by kind and name; `files` maps each block back to its file."""

    modules: dict[str, dict[str, Any]] = field(default_factory=dict)
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    data: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    terraform: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)

    def resource(self, kind: str, name: str) -> dict[str, Any]:
        return self.resources[(kind, name)]


def load_config() -> Config:
    config = Config()
    for path in sorted(TERRAFORM.glob("*.tf")):
        parsed = parse(path)
        for block in parsed.get("module", []):
            for name, body in block.items():
                config.modules[name] = body
                config.files[f"module.{name}"] = path.name
        for kind, target in (("resource", config.resources), ("data", config.data)):
            for block in parsed.get(kind, []):
                for type_name, named in block.items():
                    for name, body in named.items():
                        target[(type_name, name)] = body
                        config.files[f"{type_name}.{name}"] = path.name
        for kind, declared in (("variable", config.variables), ("output", config.outputs)):
            for block in parsed.get(kind, []):
                declared.update(block)
        for block in parsed.get("locals", []):
            config.locals.update(block)
        config.terraform += parsed.get("terraform", [])
    return config


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config()


def tool(variable: str) -> str:
    """A tool's path from the environment `nox -s infra` sets; a missing tool fails the test, never skips it."""
    path = os.environ.get(variable)
    if not path or not Path(path).is_file():
        pytest.fail(f"{variable} must name the tool's executable (run these tests with `nox -s infra`)")
    return path
