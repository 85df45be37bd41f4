"""Every workflow of the repository: run the stack, test, lint, type-check and benchmark it."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
RUFF = "ruff==0.17.6"  # pinned: the generated SDK is formatted by it, and CI checks for drift
TEST_REQUIREMENTS = [
    "pytest>=8",
    "pytest-timeout>=2.3",
    "httpx>=0.27",
    "schemathesis>=4.1",
    "openapi-spec-validator>=0.7",
    "dnslib>=0.9.24",
    "moto[server]>=5",
    "standardwebhooks>=1.0",
    "pytest-recording>=0.13",
    "nbclient>=0.10",
    "nbformat>=5.10",
    "ipykernel>=6.29",
    RUFF,
]


def install_project(session: nox.Session, *extra: str) -> None:
    """The two packages, editable, plus whatever the session needs on top."""
    session.install("-e", "services", "-e", "sdk", *extra)


# --- development ---------------------------------------------------------------------------------


@nox.session(python=PYTHON)
def dev(session: nox.Session) -> None:
    """The whole local stack in one command: `nox -s dev -- --api-port 8080`."""
    install_project(session)
    session.run("mailman-server", "dev", *session.posargs, external=False)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Every test, against a real embedded PostgreSQL: `nox -s tests -- -k inboxes`."""
    install_project(session, *TEST_REQUIREMENTS)
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff lint and format check."""
    session.install(RUFF)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over both packages."""
    install_project(session, "mypy>=1.11", "types-PyYAML", "types-psutil")
    session.run("mypy", "services/src", "sdk/src", "tests/sdk/typed_usage.py")


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate the SDK's types, resources and CLI commands from openapi.yaml."""
    session.install("pyyaml>=6", RUFF)
    session.run("python", "sdk/generator/generate.py")


@nox.session(python=PYTHON)
def record(session: nox.Session) -> None:
    """Re-record the SDK's HTTP cassettes from a real local API (tests replay them offline)."""
    install_project(session, *TEST_REQUIREMENTS)
    session.run("pytest", "tests/sdk/test_recorded.py", "--record-mode=rewrite", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks that print numbers (requests/s, latencies, import times); never pass/fail."""
    install_project(session, "psutil", "openai")  # openai only to compare import times with
    session.run("python", "bench/run.py", *session.posargs)
    session.run("python", "bench/sdk.py")
    session.run("python", "bench/smtp_ingest.py")
