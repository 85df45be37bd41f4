"""Every workflow of the repository: run the stack, test, lint, type-check and benchmark it."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "typecheck", "tests", "infra", "provider"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
RUFF = "ruff==0.17.6"  # pinned: the generated SDK is formatted by it, and CI checks for drift
IMPORT_LINTER = "import-linter>=2.1"
# Everything `tests` installs (both packages too), pinned by `nox -s lock` from tests/requirements.in.
TEST_LOCK = "tests/requirements.lock"


ROOT = Path(__file__).parent
TOOLS_BIN = ROOT / ".tools" / "bin"  # ignored by git; built once per machine


def go_tool(session: nox.Session, name: str) -> str:
    """Path of a command pinned in `tools/go.mod` (tofu, actionlint), built from the Go module proxy once."""
    binary = TOOLS_BIN / name
    if not binary.exists():
        packages = {
            "tofu": "github.com/opentofu/opentofu/cmd/tofu",
            "actionlint": "github.com/rhysd/actionlint/cmd/actionlint",
        }
        with session.chdir(ROOT / "tools"):
            session.run("go", "build", "-o", str(binary), packages[name], external=True)
    return str(binary)


def install_project(session: nox.Session, *extra: str) -> None:
    """The two packages, editable, plus whatever the session needs on top."""
    session.install("-e", "services", "-e", "sdk", *extra)


# --- development ---------------------------------------------------------------------------------


@nox.session(python=PYTHON)
def dev(session: nox.Session) -> None:
    """The whole local stack in one command: `nox -s dev -- --api-port 8080`."""
    install_project(session)
    # Ctrl-C: nox would kill the stack after 0.5 s; give it time to stop its worker and the embedded PostgreSQL.
    # The stack stops with nox however nox ends (SIGTERM from an IDE, a closed terminal): it watches its parent.
    session.run(
        "mailman-server",
        "dev",
        *session.posargs,
        env={"MAILMAN_STOP_WITH_PARENT": "1"},
        external=False,
        interrupt_timeout=60,
        terminate_timeout=30,
    )


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Every test, against a real embedded PostgreSQL: `nox -s tests -- -k inboxes`, `-- -m "not slow"`.

    One pytest-xdist worker per core and one more (the tests mostly wait on the processes they start), each
    with a stack of its own; a test file stays on one worker (its module fixtures and its order are kept).
    `-- -n 0` runs them all in this process.
    """
    session.install("-r", TEST_LOCK)
    browser_tools(session)
    options = ["-n", str((os.cpu_count() or 1) + 1), "--dist", "loadfile", "--durations=15"]
    session.run("pytest", "--ignore=tests/terraform", *options, *session.posargs)  # tests/terraform: `nox -s infra`


def browser_tools(session: nox.Session) -> None:
    """The console's browser tests drive Debian's chromium (Playwright never downloads a browser) and fetch
    axe-core with npm: both are installed from apt when missing (CI is a fresh Debian machine, as root)."""
    missing = [package for command, package in (("chromium", "chromium"), ("npm", "npm")) if not shutil.which(command)]
    if not missing:
        return
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        session.error(
            f"tests/console needs {' and '.join(missing)}: install them (apt-get install -y {' '.join(missing)})"
        )
    session.run(apt, "update", "-q", external=True)
    session.run(apt, "install", "-y", "-q", "--no-install-recommends", *missing, external=True)


@nox.session(python=PYTHON)
def screenshots(session: nox.Session) -> None:
    """Regenerate docs/screenshots/*.png (the README's pictures of the console) from the browser tests."""
    session.install("-r", TEST_LOCK)
    browser_tools(session)
    session.run("pytest", "tests/console", "-n", "0", "-q", *session.posargs, env={"MAILMAN_SCREENSHOTS": "1"})


@nox.session(python=PYTHON)
def lock(session: nox.Session) -> None:
    """Pin the tests' requirements (tests/requirements.in) into tests/requirements.lock, for every platform."""
    session.install("uv")
    requirements = TEST_LOCK.removesuffix(".lock") + ".in"
    session.run("uv", "pip", "compile", requirements, "-o", TEST_LOCK, "--universal", "--python-version", PYTHON)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff lint and format check; the import rules of docs/architecture.md (import-linter, pyproject.toml)."""
    install_project(session, RUFF, IMPORT_LINTER)  # lint-imports reads the installed package's imports
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over both packages, the tests and this file."""
    session.install("-r", TEST_LOCK, "mypy>=1.11", "types-PyYAML", "types-psutil", "nox")
    session.run("mypy", "services/src", "sdk/src", "tests", "noxfile.py")


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate the SDK's types, resources and CLI commands from openapi.yaml."""
    session.install("pyyaml>=6", RUFF)
    session.run("python", "sdk/generator/generate.py")


@nox.session(python=PYTHON)
def record(session: nox.Session) -> None:
    """Re-record the SDK's HTTP cassettes from a real local API (tests replay them offline)."""
    session.install("-r", TEST_LOCK)
    session.run("pytest", "tests/sdk/test_recorded.py", "--record-mode=rewrite", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks that print numbers (requests/s, latencies, import times); never pass/fail."""
    install_project(session, "psutil", "openai")  # openai only to compare import times with
    session.run("python", "bench/run.py", *session.posargs)
    session.run("python", "bench/sdk.py")
    session.run("python", "bench/webhooks.py")
    session.run("python", "bench/stream.py")
    session.run("python", "bench/schedule.py")
    session.run("python", "bench/large_mail.py")
    session.run("python", "bench/batch.py")
    session.run("python", "bench/parse_headers.py")
    session.run("python", "bench/parse.py")
    session.run("python", "bench/search.py")
    session.run("python", "bench/console.py")


MAILPIT = "github.com/axllent/mailpit@v1.33.1"  # what `bench-ingest` compares Mailman's SMTP ingest with


@nox.session(name="bench-ingest", python=PYTHON)
def bench_ingest(session: nox.Session) -> None:
    """SMTP ingest next to Mailpit and a bare aiosmtpd, on two corpora: msg/s, PostgreSQL CPU, peak RSS.

    The load generator (bench/smtpload, Go) and Mailpit are built from source into .tools/bin once.
    """
    install_project(session, "psutil")
    smtpload = TOOLS_BIN / "smtpload"
    with session.chdir(ROOT / "bench" / "smtpload"):
        session.run("go", "build", "-o", str(smtpload), ".", external=True)
    if not (TOOLS_BIN / "mailpit").exists():
        env = {"GOBIN": str(TOOLS_BIN), "GOFLAGS": "-mod=mod"}
        session.run("go", "install", MAILPIT, env=env, external=True)
    session.run("python", "bench/ingest.py", *session.posargs)


# Reply parsers a user would pick instead of Mailman's, pinned; each in a virtualenv of its own (they conflict).
FIDELITY_PEERS = ["email-reply-parser==0.5.12", "mail-parser-reply==1.36", "quotequail==0.5.4", "talon==1.4.4"]


@nox.session(name="bench-fidelity", python=PYTHON)
def bench_fidelity(session: nox.Session) -> None:
    """Reply extraction scored on other projects' fixtures next to FIDELITY_PEERS, and timed; never pass/fail."""
    install_project(session)
    peers: list[str] = []
    for requirement in FIDELITY_PEERS:
        name = requirement.partition("==")[0]
        try:
            peers += ["--peer", f"{name}={isolated_tool(session, requirement, 'python')}"]
        except nox.command.CommandFailed:  # e.g. it does not build on this Python: the bench goes on without it
            peers += ["--missing", f"{name}=pip install {requirement}: {install_error(session, requirement)}"]
    session.run("python", "bench/fidelity.py", *peers, *session.posargs)


def install_error(session: nox.Session, requirement: str) -> str:
    """The line saying why `requirement` did not install into its isolated_tool virtualenv (the install, again)."""
    python = Path(session.virtualenv.location) / "tools" / requirement.partition("==")[0] / "bin" / "python"
    uv = shutil.which("uv")
    command = [uv, "pip", "install", "--python", str(python)] if uv else [str(python), "-m", "pip", "install"]
    result = subprocess.run([*command, requirement], capture_output=True, text=True, check=False)
    lines = [line.strip() for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith(("\u00d7", "error:", "ERROR:"))]  # uv starts errors with U+00D7
    return (errors or lines or [f"exit code {result.returncode}"])[0]


# --- infrastructure ------------------------------------------------------------------------------

INFRA_REQUIREMENTS = [
    "pytest>=8",
    "pytest-timeout>=2.3",
    "python-hcl2==8.1.4",  # pinned: its output shape is what tests/terraform reads
    "awscli>=1.36",
    "moto[server]>=5",
    "pyyaml>=6",
    "nox",  # tests/terraform runs `nox -s deploy -- ... --dry-run` as a user would
    "httpx>=0.27",  # tests/conftest.py imports these two
    "dnslib>=0.9.24",
]
# In a virtualenv of its own: checkov pins boto3 and ships its own `hcl2` module, both clashing with the above.
CHECKOV = "checkov==3.3.30"
ENVIRONMENTS = ("dev", "staging", "production")
DEPLOY_USAGE = (
    "usage: nox -s deploy -- <dev|staging|production> [--plan-only] [--image-tag TAG] [--dry-run]"
    " [--state-bucket NAME] [--region REGION]"
)


def isolated_tool(session: nox.Session, requirement: str, command: str) -> str:
    """Path of `command` from `requirement` installed in its own virtualenv inside the session's."""
    location = Path(session.virtualenv.location) / "tools" / requirement.partition("==")[0]
    binary = location / "bin" / command
    marker = location / "requirement.txt"
    if not binary.exists() or not marker.exists() or marker.read_text() != requirement:
        uv = shutil.which("uv")
        if uv:
            session.run(uv, "venv", "--quiet", "--allow-existing", "--python", PYTHON, str(location), external=True)
            session.run(
                uv,
                "pip",
                "install",
                "--quiet",
                "--python",
                str(location / "bin" / "python"),
                requirement,
                external=True,
            )
        else:
            session.run("python", "-m", "venv", str(location))
            session.run(str(location / "bin" / "python"), "-m", "pip", "install", "--quiet", requirement, external=True)
        marker.write_text(requirement)
    return str(binary)


def git_sha() -> str | None:
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return result.stdout.strip()


def deploy_commands(arguments: list[str], cli: str) -> tuple[list[list[str]], bool]:
    """The init, plan and (unless --plan-only) apply commands for `nox -s deploy -- ARGS`, and --dry-run.

    Raises ValueError(DEPLOY_USAGE) for anything it does not understand.
    """
    options = {"--image-tag": "", "--state-bucket": "", "--region": ""}
    flags = {"--plan-only": False, "--dry-run": False}
    positional: list[str] = []
    remaining = list(arguments)
    while remaining:
        argument = remaining.pop(0)
        name, equals, value = argument.partition("=")
        if name in options:
            if not equals:
                if not remaining:
                    raise ValueError(DEPLOY_USAGE)
                value = remaining.pop(0)
            options[name] = value
        elif argument in flags:
            flags[argument] = True
        elif argument.startswith("-"):
            raise ValueError(DEPLOY_USAGE)
        else:
            positional.append(argument)
    if len(positional) != 1 or positional[0] not in ENVIRONMENTS:
        raise ValueError(DEPLOY_USAGE)
    environment = positional[0]
    sha = git_sha()
    image_tag = options["--image-tag"] or (f"sha-{sha}" if sha else "latest")
    bucket = options["--state-bucket"] or os.environ.get("MAILMAN_STATE_BUCKET", "mailman-terraform-state")
    region = options["--region"] or os.environ.get("AWS_REGION", "us-east-1")
    terraform = [cli, f"-chdir={ROOT / 'terraform'}"]
    plan_file = f"{environment}.tfplan"
    commands = [
        [
            *terraform,
            "init",
            "-input=false",
            "-reconfigure",
            f"-backend-config=bucket={bucket}",
            f"-backend-config=key=mailman/{environment}/terraform.tfstate",
            f"-backend-config=region={region}",
            "-backend-config=use_lockfile=true",
        ],
        [
            *terraform,
            "plan",
            "-input=false",
            f"-var-file=environments/{environment}.tfvars",
            f"-var=image_tag={image_tag}",
            f"-out={plan_file}",
        ],
    ]
    if not flags["--plan-only"]:
        commands.append([*terraform, "apply", "-input=false", plan_file])
    return commands, flags["--dry-run"]


@nox.session(python=PYTHON)
def infra(session: nox.Session) -> None:
    """tests/terraform: the HCL against docs/infrastructure.md, checkov, tofu fmt, actionlint, the bootstrap script."""
    session.install(*INFRA_REQUIREMENTS)
    session.env["MAILMAN_TOFU"] = go_tool(session, "tofu")
    session.env["MAILMAN_ACTIONLINT"] = go_tool(session, "actionlint")
    session.env["MAILMAN_CHECKOV"] = isolated_tool(session, CHECKOV, "checkov")
    session.run("pytest", "tests/terraform", *session.posargs)


# --- release and deploy --------------------------------------------------------------------------


@nox.session(python=False)
def docker(session: nox.Session) -> None:
    """Build the mailman-api and mailman-worker images (needs a Docker engine): `nox -s docker -- TAG`."""
    if shutil.which("docker") is None or subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        session.skip("no Docker engine here (`docker info` fails); .github/workflows/docker.yml builds the images")
    sha = git_sha()
    tag = session.posargs[0] if session.posargs else (f"sha-{sha}" if sha else "local")
    for image, target in (("mailman-api", "api"), ("mailman-worker", "worker")):
        build = ["docker", "build", "-f", "services/Dockerfile", "--target", target, "-t", f"{image}:{tag}", "."]
        session.run(*build, external=True)


@nox.session(python=False)
def deploy(session: nox.Session) -> None:
    """init, plan and apply terraform/ for one environment: `nox -s deploy -- staging [--plan-only] [--dry-run]`.

    Uses `terraform` when it is on PATH, else OpenTofu built from tools/go.mod.
    """
    cli = shutil.which("terraform") or str(TOOLS_BIN / "tofu")
    try:
        commands, dry_run = deploy_commands(list(session.posargs), cli)
    except ValueError as error:
        session.error(str(error))
    if dry_run:
        for command in commands:
            print(shlex.join(command))
        return
    if cli == str(TOOLS_BIN / "tofu"):
        go_tool(session, "tofu")
    for command in commands:
        session.run(*command, external=True)


@nox.session(python=PYTHON)
def provider(session: nox.Session) -> None:
    """Terraform provider: build, vet, gofmt, client and docs drift, unit and acceptance tests (OpenTofu)."""
    session.install("-e", "services")  # the acceptance tests start `mailman-server dev`
    tofu = go_tool(session, "tofu")
    with session.chdir(ROOT / "terraform-provider"):
        session.run("go", "build", "./...", external=True)
        session.run("go", "vet", "./...", external=True)
        session.run("go", "-C", "tools", "vet", "./...", external=True)
        unformatted = session.run("gofmt", "-l", ".", external=True, silent=True)
        if unformatted and unformatted.strip():
            session.error(f"gofmt -l lists files to format:\n{unformatted}")
        session.run("go", "-C", "tools", "run", "./docsgen", "-check", "-tofu", tofu, external=True)
        session.run("go", "test", "./...", external=True)  # includes the generated-client drift check
        session.run(
            "go",
            "test",
            "./internal/provider",
            "-run",
            "TestAcc",
            "-count=1",
            "-v",
            "-timeout",
            "15m",
            *session.posargs,
            external=True,
            env={
                "TF_ACC": "1",
                "TF_ACC_TERRAFORM_PATH": tofu,
                "MAILMAN_SERVER": str(Path(session.bin) / "mailman-server"),
            },
        )
