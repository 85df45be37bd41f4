"""Every module input and output terraform/ uses exists in the pinned terraform-aws-modules version.

`modules.json` holds each pinned module's variables (with their type constraints) and outputs, written by
`snapshot_modules.py` from the module repositories at the tag the `~>` pin resolves to.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import TERRAFORM, Config

SNAPSHOT: dict[str, Any] = json.loads((Path(__file__).parent / "modules.json").read_text())
META_ARGUMENTS = {"source", "version", "for_each", "count", "depends_on", "providers"}


def mismatches(value: Any, schema: dict[str, Any], path: str) -> list[str]:
    """Attribute names in `value` that the module's type constraint does not declare (expressions pass)."""
    kind = schema["kind"]
    if isinstance(value, str) and value.startswith("${"):
        return []
    found: list[str] = []
    if kind == "object" and isinstance(value, dict):
        for key, item in value.items():
            if key not in schema["attributes"]:
                found.append(f"{path}.{key}")
            else:
                found += mismatches(item, schema["attributes"][key], f"{path}.{key}")
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            found += mismatches(item, schema["element"], f"{path}[{key}]")
    elif kind in {"list", "set"} and isinstance(value, list):
        for index, item in enumerate(value):
            found += mismatches(item, schema["element"], f"{path}[{index}]")
    return found


def pinned_tag_allowed(constraint: str, tag: str) -> bool:
    """Whether `~> X.Y` admits the snapshot's tag vX.Y.Z (same major, at least X.Y)."""
    match = re.fullmatch(r"~>\s*(\d+)\.(\d+)", constraint)
    assert match, f"pin {constraint!r} is not of the form ~> X.Y"
    major, minor = int(match.group(1)), int(match.group(2))
    tag_major, tag_minor, _ = (int(part) for part in tag.lstrip("v").split("."))
    return tag_major == major and tag_minor >= minor


def test_every_module_is_in_the_snapshot_at_an_allowed_version(config: Config) -> None:
    for name, body in config.modules.items():
        assert body["source"] in SNAPSHOT, f"module.{name}: {body['source']} has no snapshot"
        tag = SNAPSHOT[body["source"]]["tag"]
        assert pinned_tag_allowed(body["version"], tag), f"module.{name}: {body['version']} excludes {tag}"


def test_every_module_argument_is_a_variable_of_the_pinned_module(config: Config) -> None:
    problems: list[str] = []
    for name, body in config.modules.items():
        variables = SNAPSHOT[body["source"]]["variables"]
        for argument, value in body.items():
            if argument in META_ARGUMENTS:
                continue
            if argument not in variables:
                problems.append(f"module.{name}.{argument}")
                continue
            problems += mismatches(value, variables[argument], f"module.{name}.{argument}")
    assert problems == []


def test_the_nested_check_catches_a_misspelt_attribute() -> None:
    services = SNAPSHOT["terraform-aws-modules/ecs/aws"]["variables"]["services"]
    value = {"api": {"cpu": 256, "container_definitions": {"api": {"portMapping": []}}}}
    assert mismatches(value, services, "services") == ["services[api].container_definitions[api].portMapping"]


def test_every_module_output_referenced_exists(config: Config) -> None:
    text = "\n".join(path.read_text() for path in TERRAFORM.glob("*.tf"))
    references = set(re.findall(r"\bmodule\.(\w+)(?:\[[^\]]*\])?\.(\w+)", text))
    assert references, "no module outputs referenced?"
    for module, output in sorted(references):
        source = config.modules[module]["source"]
        assert output in SNAPSHOT[source]["outputs"], f"module.{module}.{output} is not an output of {source}"


@pytest.mark.parametrize(
    ("service", "policy", "output"),
    [("mailman-worker", "scale-out", "arn"), ("mailman-worker", "scale-in", "arn")],
)
def test_worker_scaling_alarms_reach_the_ecs_policies(config: Config, service: str, policy: str, output: str) -> None:
    policies = config.modules["ecs"]["services"][service]["autoscaling_policies"]
    assert policy in policies
    actions = " ".join(
        str(config.modules[name]["alarm_actions"]) for name in ("worker_scaling_high_alarm", "worker_scaling_low_alarm")
    )
    assert f'module.ecs.services["{service}"].autoscaling_policies["{policy}"].{output}' in actions
