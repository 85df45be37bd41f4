"""How Mailman reaches AWS: the images, the workflows that build and test them, and `nox -s deploy`."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from typing import Any

import yaml

from .conftest import ROOT

DOCKERFILE = ROOT / "services" / "Dockerfile"


def stages() -> dict[str, list[tuple[str, str]]]:
    """Dockerfile instructions by stage name (heredoc bodies and continuation lines folded away)."""
    text = re.sub(r"<<'(\w+)'.*?\n\1\n", "", DOCKERFILE.read_text(), flags=re.S).replace("\\\n", " ")
    result: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        instruction, _, arguments = line.strip().partition(" ")
        if instruction == "FROM":
            current = result.setdefault(arguments.split(" AS ")[-1], [])
        current.append((instruction, arguments))
    return result


def instructions(stage: list[tuple[str, str]], name: str) -> list[str]:
    return [arguments for instruction, arguments in stage if instruction == name]


def test_dockerfile_is_multi_stage_on_slim_python_and_runs_as_a_user() -> None:
    built = stages()
    assert set(built) == {"builder", "runtime", "worker", "api"}
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in DOCKERFILE.read_text()
    assert instructions(built["runtime"], "FROM") == ["${PYTHON_IMAGE} AS runtime"]
    assert any("--from=builder /opt/venv" in copy for copy in instructions(built["runtime"], "COPY"))
    assert instructions(built["runtime"], "USER") == ["10001:10001"]
    assert "useradd --system --uid 10001" in " ".join(instructions(built["runtime"], "RUN"))


def test_images_run_the_server_entrypoints_and_the_api_has_a_health_check() -> None:
    built = stages()
    assert instructions(built["runtime"], "ENTRYPOINT") == ['["mailman-entrypoint"]']
    assert 'os.execvp("mailman-server"' in DOCKERFILE.read_text()
    assert instructions(built["worker"], "CMD") == ['["worker"]']
    assert instructions(built["api"], "CMD") == ['["api", "--host", "0.0.0.0", "--port", "8080"]']
    (health,) = instructions(built["api"], "HEALTHCHECK")
    assert "http://127.0.0.1:8080/health" in health


def test_the_entrypoint_joins_the_database_url_with_a_quoted_password(tmp_path: Any) -> None:
    body = re.search(r"<<'PY' /usr/local/bin/mailman-entrypoint\n(.*?)\nPY\n", DOCKERFILE.read_text(), re.S)
    assert body
    script = body.group(1).replace(
        'os.execvp("mailman-server", ["mailman-server", *sys.argv[1:]])',
        'print(env["MAILMAN_DATABASE_URL"], "MAILMAN_DATABASE_PASSWORD" in env, sys.argv[1:])',
    )
    environment = {
        "MAILMAN_DATABASE_PASSWORD": "p@ss:w/rd#1",
        "MAILMAN_DATABASE_HOST": "db.internal",
        "MAILMAN_DATABASE_PORT": "5432",
        "MAILMAN_DATABASE_NAME": "mailman",
        "MAILMAN_DATABASE_USER": "mailman",
    }
    result = subprocess.run(
        [sys.executable, "-c", script, "api"], env=environment, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [
        "postgresql://mailman:p%40ss%3Aw%2Frd%231@db.internal:5432/mailman?sslmode=require",
        "False",
        "['api']",
    ]


def workflow(name: str) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    return loaded


def test_docker_workflow_pushes_both_images_with_oidc_on_main_and_dispatch() -> None:
    docker = workflow("docker.yml")
    triggers = docker[True]  # YAML 1.1 reads the `on` key as True
    assert triggers["push"] == {"branches": ["main"]} and "workflow_dispatch" in triggers
    assert docker["permissions"] == {"id-token": "write", "contents": "read"}
    (job,) = docker["jobs"].values()
    images = {entry["image"]: entry["target"] for entry in job["strategy"]["matrix"]["include"]}
    assert images == {"mailman-api": "api", "mailman-worker": "worker"}
    steps = {step.get("uses", "").partition("@")[0]: step for step in job["steps"]}
    assert steps["aws-actions/configure-aws-credentials"]["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
    assert "aws-actions/amazon-ecr-login" in steps
    build = steps["docker/build-push-action"]["with"]
    assert build["file"] == "services/Dockerfile" and build["push"] is True
    tags = build["tags"].splitlines()
    assert [tag.rpartition(":")[2] for tag in tags] == ["sha-${{ github.sha }}", "main", "latest"]
    assert all(tag.startswith("${{ steps.ecr.outputs.registry }}/${{ matrix.image }}:") for tag in tags)


def test_ci_workflow_runs_the_test_command_with_python_and_go() -> None:
    ci = workflow("ci.yml")
    (job,) = ci["jobs"].values()
    uses = [step.get("uses", "").partition("@")[0] for step in job["steps"]]
    assert {"actions/setup-python", "actions/setup-go"} <= set(uses)
    runs = " ".join(step.get("run", "") for step in job["steps"])
    assert "nox -s lint typecheck tests infra provider" in runs


def deploy(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), "-s", "deploy", "--", *arguments]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_deploy_dry_run_prints_init_plan_and_apply_for_the_environment() -> None:
    result = deploy("staging", "--dry-run", "--image-tag", "sha-0123abc", "--state-bucket", "acme-tf-state")
    assert result.returncode == 0, result.stderr
    commands = [shlex.split(line) for line in result.stdout.splitlines() if line.strip()]
    assert [command[2] for command in commands] == ["init", "plan", "apply"]
    assert all(command[0].endswith(("terraform", "tofu")) for command in commands)
    init, plan, apply = commands
    assert {
        "-backend-config=bucket=acme-tf-state",
        "-backend-config=key=mailman/staging/terraform.tfstate",
        "-backend-config=region=us-east-1",
        "-backend-config=use_lockfile=true",
    } <= set(init)
    assert "-var-file=environments/staging.tfvars" in plan
    assert "-var=image_tag=sha-0123abc" in plan
    assert apply[-1] == "staging.tfplan" and "-out=staging.tfplan" in plan


def test_deploy_plan_only_stops_after_the_plan() -> None:
    result = deploy("production", "--dry-run", "--plan-only")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and " plan " in lines[1] and "environments/production.tfvars" in lines[1]
    assert "-var=image_tag=sha-" in lines[1] or "-var=image_tag=latest" in lines[1]


def test_deploy_to_an_unknown_environment_is_a_one_line_usage_error() -> None:
    result = deploy("prod", "--dry-run")
    assert result.returncode != 0
    assert result.stdout == ""
    (line,) = [line for line in result.stderr.splitlines() if "usage" in line]
    assert "usage: nox -s deploy -- <dev|staging|production>" in line
